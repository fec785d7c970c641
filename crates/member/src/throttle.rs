//! Login throttling: after repeated failures for one phone number from one client address,
//! from one address for many phones, or (a slower ceiling) for one phone from anywhere,
//! further attempts are refused for a while. Someone who knows a coordinator's phone can
//! lock out only their own address, not her logging in from hers.

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
    /// Failures for one phone number from one client address before that pair is locked
    /// for the rest of the window.
    pub per_phone_and_address: u64,
    /// Failures for one phone number from all addresses together: a ceiling well above
    /// one address's share, against guessing spread over many addresses.
    pub per_phone: u64,
    /// Failures from one client address (many phones) before it is locked.
    pub per_address: u64,
    /// Self-registrations tried from one client address within an hour.
    pub registrations_per_hour: u64,
    /// Login codes sent to one phone within an hour (and never two within a minute).
    pub codes_per_phone_per_hour: u64,
    /// Login codes asked for from one client address within an hour.
    pub codes_per_address_per_hour: u64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            per_phone_and_address: 5,
            per_phone: 50,
            per_address: 20,
            registrations_per_hour: 10,
            codes_per_phone_per_hour: 5,
            codes_per_address_per_hour: 20,
        }
    }
}

/// The keys a login attempt is counted under. The phone is hashed: this table is not a
/// list of who tried to log in.
/// Which limit of the policy applies to a key.
type Limit = fn(&ThrottlePolicy) -> u64;

pub(crate) fn keys(phone_input: &str, address: &str) -> [(String, Limit); 3] {
    let phone = Phone::parse("phone", phone_input)
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|_| phone_input.trim().to_owned());
    [
        (
            format!("pa:{}", &digest(&format!("{phone}|{address}"))[..32]),
            |p| p.per_phone_and_address,
        ),
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
    address: &str,
    now: DateTime<Utc>,
    policy: &ThrottlePolicy,
) -> Result<(), MemberError> {
    let [(pair_key, _), (phone_key, _), _] = keys(phone_input, address);
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::ThrottleKey.is_in([pair_key, phone_key]))
        .exec(db)
        .await?;
    // Old rows of every key are of no use any more.
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::FailedAt.lt(now - policy.window))
        .exec(db)
        .await?;
    Ok(())
}

const HOUR: chrono::Duration = chrono::Duration::hours(1);

/// `Err(Throttled)` when `key` has been counted `limit` times within `window`.
async fn check_count(
    db: &impl ConnectionTrait,
    key: &str,
    window: chrono::Duration,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    let tries: Vec<DateTime<Utc>> = login_failure::Entity::find()
        .select_only()
        .column(login_failure::Column::FailedAt)
        .filter(login_failure::Column::ThrottleKey.eq(key))
        .filter(login_failure::Column::FailedAt.gt(now - window))
        .order_by_desc(login_failure::Column::FailedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    if tries.len() as u64 >= limit
        && let Some(oldest) = tries.last()
    {
        let retry_after_secs = (*oldest + window - now).num_seconds().max(1) as u64;
        return Err(MemberError::Throttled { retry_after_secs });
    }
    Ok(())
}

/// Counts one try under `key`.
async fn count(
    db: &impl ConnectionTrait,
    key: String,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    login_failure::ActiveModel {
        id: Set(Uuid::now_v7()),
        throttle_key: Set(key),
        failed_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// `Err(Throttled)` when one address has tried to register `registrations_per_hour` times
/// within the hour (an office behind one address still has room; a script does not).
pub(crate) async fn check_registration(
    db: &impl ConnectionTrait,
    policy: &ThrottlePolicy,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    let key = format!("register:{address}");
    check_count(db, &key, HOUR, policy.registrations_per_hour, now).await
}

/// Counts a registration tried from `address`.
pub(crate) async fn record_registration(
    db: &impl ConnectionTrait,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    count(db, format!("register:{address}"), now).await
}

/// The keys a login-code request is counted under: the phone (hashed) and the address.
fn code_keys(phone: &Phone, address: &str) -> (String, String) {
    (
        format!("code:{}", &digest(phone.as_str())[..32]),
        format!("code-ip:{address}"),
    )
}

/// `Err(Throttled)` when a code was sent to this phone within the minute, or too many
/// within the hour to it or from this address: nobody can flood a phone with SMS or run up
/// the platform's bill.
pub(crate) async fn check_code_request(
    db: &impl ConnectionTrait,
    policy: &ThrottlePolicy,
    phone: &Phone,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    let (phone_key, address_key) = code_keys(phone, address);
    check_count(db, &phone_key, chrono::Duration::minutes(1), 1, now).await?;
    check_count(db, &phone_key, HOUR, policy.codes_per_phone_per_hour, now).await?;
    check_count(
        db,
        &address_key,
        HOUR,
        policy.codes_per_address_per_hour,
        now,
    )
    .await
}

/// Counts a login-code request, whether or not a code went out.
pub(crate) async fn record_code_request(
    db: &impl ConnectionTrait,
    phone: &Phone,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    let (phone_key, address_key) = code_keys(phone, address);
    count(db, phone_key, now).await?;
    count(db, address_key, now).await
}
