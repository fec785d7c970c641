//! The secret behind each person's private calendar feed of their confirmed shifts.

use chrono::Utc;
use member::tx;
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, Set};

use crate::EventError;
use crate::entities::calendar_feed;

/// The person's feed secret, made on first use.
pub async fn secret_of(db: &DatabaseConnection, person_id: Uuid) -> Result<String, EventError> {
    if let Some(feed) = calendar_feed::Entity::find_by_id(person_id).one(db).await? {
        return Ok(feed.secret);
    }
    reset(db, person_id).await
}

/// A new secret: the old address stops working at once.
pub async fn reset(db: &DatabaseConnection, person_id: Uuid) -> Result<String, EventError> {
    let secret = member::secrets::new_token();
    let txn = tx::begin_write(db).await?;
    calendar_feed::Entity::delete_by_id(person_id)
        .exec(&txn)
        .await?;
    calendar_feed::ActiveModel {
        person_id: Set(person_id),
        secret: Set(secret.clone()),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(secret)
}

/// Whose feed a secret opens.
pub async fn person_for(
    db: &impl ConnectionTrait,
    secret: &str,
) -> Result<Option<Uuid>, EventError> {
    Ok(calendar_feed::Entity::find()
        .filter(calendar_feed::Column::Secret.eq(secret))
        .one(db)
        .await?
        .map(|feed| feed.person_id))
}
