//! A volunteer leaves the platform: one user action, one transaction.

use chrono::{DateTime, Utc};
use member::{Actor, privacy, tx};
use sea_orm::DatabaseConnection;

use crate::EventError;

/// The signed-in person deletes their own account after confirming with their password:
/// their personal data is erased, they leave their organizations, their places on shifts
/// to come go to the next in line, and the objections they raised no longer name them or
/// keep their contact — all or nothing. Hours already served stay
/// counted (as "已注销志愿者").
pub async fn delete_own_account(
    db: &DatabaseConnection,
    actor: &Actor,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), EventError> {
    privacy::confirm_erasure(db, actor, password).await?;
    let txn = tx::begin_write(db).await?;
    privacy::erase_in(&txn, actor, now).await?;
    crate::signups::release_all(&txn, actor.person_id, now).await?;
    crate::publicity::forget_objector(&txn, actor.person_id).await?;
    txn.commit().await?;
    Ok(())
}

/// A helper deletes the data of a person they help: erased, and their places on shifts to
/// come go to the next in line, in one transaction.
pub async fn erase_helped(
    db: &DatabaseConnection,
    actor: &Actor,
    person_id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<(), EventError> {
    let txn = tx::begin_write(db).await?;
    member::helping::erase_in(&txn, actor, person_id, now).await?;
    crate::signups::release_all(&txn, person_id, now).await?;
    txn.commit().await?;
    Ok(())
}
