//! Login throttling: after repeated failures for one phone number, or from one client
//! address, further attempts are refused for a while.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::login_failure;
use crate::secrets::digest;
use crate::{MemberError, Phone};

#[derive(Clone, Copy, Debug)]
pub struct ThrottlePolicy {
    /// Failures counted within this window.
    pub window: Duration,
    /// Failures for one phone number before it is locked for the rest of the window.
    pub per_phone: u64,
    /// Failures from one client address (many phones) before it is locked.
    pub per_address: u64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            per_phone: 5,
            per_address: 20,
        }
    }
}

/// The keys a login attempt is counted under. The phone is hashed: this table is not a
/// list of who tried to log in.
/// Which limit of the policy applies to a key.
type Limit = fn(&ThrottlePolicy) -> u64;

pub(crate) fn keys(phone_input: &str, address: &str) -> [(String, Limit); 2] {
    let phone = Phone::parse("phone", phone_input)
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|_| phone_input.trim().to_owned());
    [
        (format!("phone:{}", &digest(&phone)[..32]), |p| p.per_phone),
        (format!("ip:{address}"), |p| p.per_address),
    ]
}

/// `Err(Throttled)` when any key has reached its limit within the window.
pub(crate) async fn check(
    db: &impl ConnectionTrait,
    policy: &ThrottlePolicy,
    phone_input: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    let since = now - policy.window;
    for (key, limit) in keys(phone_input, address) {
        let limit = limit(policy);
        // The limit-th most recent failure decides when the key is free again.
        let failures: Vec<DateTime<Utc>> = login_failure::Entity::find()
            .select_only()
            .column(login_failure::Column::FailedAt)
            .filter(login_failure::Column::ThrottleKey.eq(key))
            .filter(login_failure::Column::FailedAt.gt(since))
            .order_by_desc(login_failure::Column::FailedAt)
            .limit(limit)
            .into_tuple()
            .all(db)
            .await?;
        if failures.len() as u64 >= limit
            && let Some(oldest) = failures.last()
        {
            let free_at = *oldest + policy.window;
            let retry_after_secs = (free_at - now).num_seconds().max(1) as u64;
            return Err(MemberError::Throttled { retry_after_secs });
        }
    }
    Ok(())
}

pub(crate) async fn record_failure(
    db: &impl ConnectionTrait,
    phone_input: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    for (key, _) in keys(phone_input, address) {
        login_failure::ActiveModel {
            id: Set(Uuid::now_v7()),
            throttle_key: Set(key),
            failed_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// A successful login clears the phone's failures (not the address's).
pub(crate) async fn clear_phone(
    db: &impl ConnectionTrait,
    phone_input: &str,
    now: DateTime<Utc>,
    policy: &ThrottlePolicy,
) -> Result<(), MemberError> {
    let [(phone_key, _), _] = keys(phone_input, "");
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::ThrottleKey.eq(phone_key))
        .exec(db)
        .await?;
    // Old rows of every key are of no use any more.
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::FailedAt.lt(now - policy.window))
        .exec(db)
        .await?;
    Ok(())
}
