//! A volunteer's own shifts ("my shifts"), and those of the people they help.

use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;

use super::{SignupStatus, Standing, standing_of};
use crate::EventError;
use crate::entities::{event, service_record, shift, signup, stall};

/// One of a volunteer's shifts.
pub struct MyShift {
    pub event: event::Model,
    pub stall: stall::Model,
    pub shift: shift::Model,
    pub standing: Standing,
    /// Check-in and check-out, once there are any.
    pub record: Option<service_record::Model>,
}

type ById<T> = std::collections::HashMap<Uuid, T>;

/// The shifts, stalls and events of some sign-ups, in three queries however many there are.
async fn shifts_stalls_events(
    db: &impl ConnectionTrait,
    signups: &[signup::Model],
) -> Result<(ById<shift::Model>, ById<stall::Model>, ById<event::Model>), EventError> {
    let shift_ids: Vec<Uuid> = signups.iter().map(|s| s.shift_id).collect();
    let shifts = shift::Entity::find()
        .filter(shift::Column::Id.is_in(shift_ids))
        .all(db)
        .await?;
    let shifts: ById<shift::Model> = shifts.into_iter().map(|s| (s.id, s)).collect();
    let stall_ids: Vec<Uuid> = shifts.values().map(|s| s.stall_id).collect();
    let stalls = stall::Entity::find()
        .filter(stall::Column::Id.is_in(stall_ids))
        .all(db)
        .await?;
    let stalls: ById<stall::Model> = stalls.into_iter().map(|s| (s.id, s)).collect();
    let event_ids: Vec<Uuid> = stalls.values().map(|s| s.event_id).collect();
    let events = event::Entity::find()
        .filter(event::Column::Id.is_in(event_ids))
        .all(db)
        .await?;
    let events = events.into_iter().map(|e| (e.id, e)).collect();
    Ok((shifts, stalls, events))
}

/// A person's live sign-ups, soonest first.
pub async fn my_shifts(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<Vec<MyShift>, EventError> {
    let mine = signup::Entity::find()
        .filter(signup::Column::PersonId.eq(person_id))
        .filter(signup::Column::Status.ne(SignupStatus::Cancelled))
        .all(db)
        .await?;
    let (shifts, stalls, events) = shifts_stalls_events(db, &mine).await?;
    let mut records: std::collections::HashMap<Uuid, service_record::Model> =
        service_record::Entity::find()
            .filter(service_record::Column::PersonId.eq(person_id))
            .filter(
                service_record::Column::SignupId
                    .is_in(mine.iter().map(|s| s.id).collect::<Vec<_>>()),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.signup_id, r))
            .collect();
    let mut shifts_out = Vec::new();
    for signup in mine {
        let Some(found) = shifts.get(&signup.shift_id) else {
            continue;
        };
        let Some(stall) = stalls.get(&found.stall_id) else {
            continue;
        };
        let Some(event) = events.get(&stall.event_id) else {
            continue;
        };
        // Only a waitlisted place needs a query for its position.
        let standing = standing_of(db, &signup).await?;
        shifts_out.push(MyShift {
            event: event.clone(),
            stall: stall.clone(),
            shift: found.clone(),
            standing,
            record: records.remove(&signup.id),
        });
    }
    let mut shifts = shifts_out;
    shifts.sort_by_key(|s| s.shift.starts_at);
    Ok(shifts)
}

/// The live sign-ups of each person the signed-in helper still acts for, by person.
pub async fn helped_shifts(
    db: &impl ConnectionTrait,
    actor: &member::Actor,
) -> Result<Vec<(member::helping::Helped, Vec<MyShift>)>, EventError> {
    let mut out = Vec::new();
    // At most `member::helping::MAX_HELPED` people: a query or two each.
    for helped in member::helping::helped_by(db, actor).await? {
        if !helped.claimed {
            let shifts = my_shifts(db, helped.person_id).await?;
            out.push((helped, shifts));
        }
    }
    Ok(out)
}
