use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::EventError;
use crate::entities::event::{self, EventKind, EventStatus};

/// The next published market days that have not ended yet, soonest first.
/// Residents see these on the home page without signing in.
pub async fn upcoming_markets(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<event::Model>, EventError> {
    let markets = event::Entity::find()
        .filter(event::Column::Kind.eq(EventKind::Market))
        .filter(event::Column::Status.eq(EventStatus::Published))
        .filter(event::Column::EndsAt.gt(now))
        .order_by_asc(event::Column::StartsAt)
        .limit(limit)
        .all(db)
        .await?;
    Ok(markets)
}

/// Market days for the public calendar feed: published or held from `since` on.
pub async fn feed(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<event::Model>, EventError> {
    Ok(event::Entity::find()
        .filter(event::Column::Kind.eq(EventKind::Market))
        .filter(event::Column::Status.is_in([
            EventStatus::Published,
            EventStatus::Held,
            EventStatus::Reported,
        ]))
        .filter(event::Column::StartsAt.gt(since))
        .order_by_asc(event::Column::StartsAt)
        .all(db)
        .await?)
}
