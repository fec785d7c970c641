//! Logging in with a code sent by SMS: phone → a 6-digit code (5 minutes, one use, a few
//! tries) → signed in. The answer to "send me a code" is the same whether or not the phone
//! is known; a code goes out only to someone who may log in: an account holder, or a person
//! a neighbour registered who now takes their account over with their own phone.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::{NO_PASSWORD, actor_of, insert_account};
use crate::entities::{account, login_code, person};
use crate::fields::Phone;
use crate::notices::{self, Kind, Notice};
use crate::secrets::{digest, new_login_code};
use crate::throttle::{self, ThrottlePolicy};
use crate::{Actor, MemberError, PlatformRole, audit, helping, tx};

/// How long a login code works.
pub const LOGIN_CODE_VALID_FOR: Duration = Duration::minutes(5);

/// Wrong codes typed against one code before it is spent.
const TRIES_PER_CODE: i32 = 5;

/// Who may log in with a code sent to this phone: the person, and their usable account
/// (None for a helped person who has none yet).
async fn code_holder(
    db: &impl ConnectionTrait,
    phone: &Phone,
) -> Result<Option<(person::Model, Option<account::Model>)>, MemberError> {
    let found = person::Entity::find()
        .filter(person::Column::Phone.eq(phone.as_str()))
        .filter(person::Column::ErasedAt.is_null())
        .find_also_related(account::Entity)
        .one(db)
        .await?;
    Ok(match found {
        Some((person, Some(account))) if account.disabled_at.is_none() => {
            Some((person, Some(account)))
        }
        Some((person, None)) if helping::is_unclaimed(db, person.id).await? => Some((person, None)),
        _ => None,
    })
}

/// Sends a login code to the phone if someone may log in with it. The same `Ok` either
/// way; `Throttled` when codes were asked for too often for this phone or from here.
pub async fn send_login_code(
    db: &DatabaseConnection,
    policy: &ThrottlePolicy,
    phone_input: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    let phone = Phone::parse("phone", phone_input)?;
    throttle::check_code_request(db, policy, &phone, address, now).await?;
    let txn = tx::begin_write(db).await?;
    throttle::record_code_request(&txn, &phone, address, now).await?;
    if let Some((person, _)) = code_holder(&txn, &phone).await? {
        // Only the newest code works.
        login_code::Entity::update_many()
            .col_expr(login_code::Column::UsedAt, Expr::value(now))
            .filter(login_code::Column::PersonId.eq(person.id))
            .filter(login_code::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        let code = new_login_code();
        login_code::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(person.id),
            code_hash: Set(digest(&code)),
            created_at: Set(now),
            expires_at: Set(now + LOGIN_CODE_VALID_FOR),
            used_at: Set(None),
            attempts: Set(0),
        }
        .insert(&txn)
        .await?;
        let mut notice = Notice::new(Kind::LoginCode, "/login/code").arg("code", code);
        notice.expires_at = Some(now + LOGIN_CODE_VALID_FOR);
        notices::send_sms_to(&txn, phone.as_str(), &notice, now).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Phone and code → the person, logged in. A helped person logging in for the first time
/// gets their account here (a volunteer's, without a password) and acts for themselves
/// from now on. A wrong, used or expired code is one answer (`code`), counted as a failed
/// login.
pub async fn log_in_with_code(
    db: &DatabaseConnection,
    policy: &ThrottlePolicy,
    phone_input: &str,
    code: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Actor, MemberError> {
    throttle::check(db, policy, phone_input, address, now).await?;
    let holder = match Phone::parse("phone", phone_input) {
        Ok(phone) => code_holder(db, &phone).await?,
        Err(_) => None,
    };
    let txn = tx::begin_write(db).await?;
    let live = match &holder {
        Some((person, _)) => {
            login_code::Entity::find()
                .filter(login_code::Column::PersonId.eq(person.id))
                .filter(login_code::Column::UsedAt.is_null())
                .filter(login_code::Column::ExpiresAt.gt(now))
                .filter(login_code::Column::Attempts.lt(TRIES_PER_CODE))
                .order_by_desc(login_code::Column::CreatedAt)
                .one(&txn)
                .await?
        }
        None => None,
    };
    let spent = match &live {
        Some(live) if live.code_hash == digest(code.trim()) => spend(&txn, live.id, now).await?,
        Some(live) => {
            login_code::Entity::update_many()
                .col_expr(
                    login_code::Column::Attempts,
                    Expr::col(login_code::Column::Attempts).add(1),
                )
                .filter(login_code::Column::Id.eq(live.id))
                .exec(&txn)
                .await?;
            false
        }
        None => false,
    };
    let (Some((person, account)), true) = (holder, spent) else {
        throttle::record_failure(&txn, phone_input, address, now).await?;
        txn.commit().await?;
        return Err(MemberError::field("code", "error-login-code-wrong"));
    };
    let (account, action) = match account {
        Some(account) => (account, "account.login_code"),
        None => {
            let account =
                insert_account(&txn, person.id, NO_PASSWORD, PlatformRole::Volunteer, now).await?;
            helping::mark_claimed(&txn, person.id, now).await?;
            (account, "account.claim")
        }
    };
    audit::record(&txn, Some(person.id), action, "person", Some(person.id), "").await?;
    txn.commit().await?;
    throttle::clear_phone(db, phone_input, address, now, policy).await?;
    Ok(actor_of(&person, &account))
}

/// Uses the code up; of two requests with the same code, one wins.
async fn spend(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, MemberError> {
    let spent = login_code::Entity::update_many()
        .col_expr(login_code::Column::UsedAt, Expr::value(now))
        .filter(login_code::Column::Id.eq(id))
        .filter(login_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(spent.rows_affected == 1)
}
