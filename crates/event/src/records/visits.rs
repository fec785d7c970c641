//! 人数 beside 人次: as a resident is served, the stall may record their phone number (they
//! agree, it is optional). Only a keyed digest is stored (HMAC-SHA256 under the server's
//! secret, `member::secrets::keyed_digest`), so repeat visits across stalls and months are
//! one resident in 人数 while every visit counts in 人次, and the number itself is nowhere.
//! Changing the secret starts the count of distinct residents afresh.

use chrono::{DateTime, Utc};
use member::{Actor, Phone};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, QuerySelect, Set};

use crate::EventError;
use crate::entities::resident_visit;

/// Records a resident served at a stall by the phone number they gave. `secret` is the
/// server's key; without one the platform does not take numbers at all.
pub async fn record_visit(
    db: &DatabaseConnection,
    actor: &Actor,
    stall_id: Uuid,
    phone: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), EventError> {
    if secret.is_empty() {
        return Err(EventError::NotFound);
    }
    let stall = super::tally::open_for_counting(db, actor, stall_id, "phone").await?;
    insert_visit(db, stall.id, phone, secret, Some(actor.person_id), now).await
}

/// One visit by the phone given, inside the caller's transaction (a stall's rating takes
/// one too). Only the keyed digest of the number is written.
pub async fn insert_visit(
    db: &impl ConnectionTrait,
    stall_id: Uuid,
    phone: &str,
    secret: &str,
    recorded_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), EventError> {
    if secret.is_empty() {
        return Err(EventError::NotFound);
    }
    let phone = Phone::parse("phone", phone).map_err(|e| EventError::Invalid(vec![e]))?;
    resident_visit::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(stall_id),
        resident_key: Set(member::secrets::keyed_digest(secret, phone.as_str())),
        recorded_by: Set(recorded_by),
        recorded_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The identified visits of these stalls: (stall, resident key), one a visit.
pub(crate) async fn visits_of(
    db: &impl ConnectionTrait,
    stall_ids: Vec<Uuid>,
) -> Result<Vec<(Uuid, String)>, EventError> {
    Ok(resident_visit::Entity::find()
        .select_only()
        .column(resident_visit::Column::StallId)
        .column(resident_visit::Column::ResidentKey)
        .filter(resident_visit::Column::StallId.is_in(stall_ids))
        .into_tuple()
        .all(db)
        .await?)
}
