//! Signing up someone else: a person one helps (`member::helping`), or a walk-in volunteer
//! whom staff at the market desk find by name or the last four digits of their phone.
//! The sign-up records who did it (`added_by`), and the audit log says so.

use chrono::{DateTime, Utc};
use member::Actor;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{Placed, Placing, cancel_place, place};
use crate::EventError;

/// A helper signs up a person they help.
pub async fn sign_up_helped(
    db: &DatabaseConnection,
    actor: &Actor,
    shift_id: Uuid,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Placed, EventError> {
    member::helping::may_act_for(db, actor, person_id).await?;
    place(db, Placing::by(actor, person_id), shift_id, now).await
}

/// A helper gives up the place of a person they help.
pub async fn cancel_helped(
    db: &DatabaseConnection,
    actor: &Actor,
    shift_id: Uuid,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), EventError> {
    member::helping::may_act_for(db, actor, person_id).await?;
    cancel_place(db, actor, person_id, shift_id, now).await
}

/// Staff at the day's desk put someone on a shift: until the shift ends, past the sign-up
/// deadline; waitlisted like anyone else when it is full.
pub async fn sign_up_at_desk(
    db: &DatabaseConnection,
    actor: &Actor,
    shift_id: Uuid,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Placed, EventError> {
    if !actor.is_staff() {
        return Err(EventError::Forbidden);
    }
    member::desk::find_one(db, actor, person_id).await?;
    let placing = Placing {
        at_desk: true,
        ..Placing::by(actor, person_id)
    };
    place(db, placing, shift_id, now).await
}
