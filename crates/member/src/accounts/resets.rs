//! Forgotten passwords: a one-time code staff hand over, and setting a new password with it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use crate::entities::{account, person, reset_code};
use crate::fields::{Password, Phone};
use crate::secrets::{digest, new_code};
use crate::sessions::{self};
use crate::throttle::{self, ThrottlePolicy};
use crate::{Actor, MemberError, audit, tx};

use super::{
    Errors, RESET_CODE_VALID_FOR, check_confirmation, find_account_by_phone, hash_password,
    load_by_person, set_password_hash,
};

pub(crate) async fn store_reset_code(
    db: &impl ConnectionTrait,
    actor: &Actor,
    account: &account::Model,
    now: DateTime<Utc>,
) -> Result<String, MemberError> {
    // Only the newest code works.
    reset_code::Entity::update_many()
        .col_expr(reset_code::Column::UsedAt, Expr::value(now))
        .filter(reset_code::Column::AccountId.eq(account.id))
        .filter(reset_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    let code = new_code();
    reset_code::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account.id),
        code_hash: Set(digest(&code)),
        issued_by: Set(Some(actor.person_id)),
        created_at: Set(now),
        expires_at: Set(now + RESET_CODE_VALID_FOR),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(code)
}

/// Staff issue a one-time code with which the person sets a new password.
pub async fn issue_reset_code(
    db: &DatabaseConnection,
    actor: &Actor,
    person_id: Uuid,
) -> Result<(person::Model, String), MemberError> {
    if !actor.can_manage_accounts() {
        return Err(MemberError::Forbidden);
    }
    let (person, account) = load_by_person(db, person_id).await?;
    if !actor.can_grant_role(account.role) && account.person_id != actor.person_id {
        return Err(MemberError::Forbidden);
    }
    let txn = tx::begin_write(db).await?;
    let code = store_reset_code(&txn, actor, &account, Utc::now()).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "account.reset_code_issue",
        "person",
        Some(person.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok((person, code))
}

/// Phone + one-time code + new password. Wrong codes count as failed logins.
#[allow(clippy::too_many_arguments)]
pub async fn reset_password(
    db: &DatabaseConnection,
    policy: &ThrottlePolicy,
    phone_input: &str,
    code: &str,
    new: &str,
    confirm: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    throttle::check(db, policy, phone_input, address, now).await?;
    let mut errors = Errors::default();
    let phone = errors.take(Phone::parse("phone", phone_input));
    let password = errors.take(Password::parse("password", new, phone.as_ref()));
    check_confirmation(&mut errors, new, confirm);
    errors.finish()?;
    let (Some(phone), Some(password)) = (phone, password) else {
        unreachable!("every field parsed when there are no errors");
    };

    let found = find_account_by_phone(db, &phone).await?;
    let valid_code = match &found {
        Some((_, account)) => {
            reset_code::Entity::find()
                .filter(reset_code::Column::AccountId.eq(account.id))
                .filter(reset_code::Column::CodeHash.eq(digest(code.trim())))
                .filter(reset_code::Column::UsedAt.is_null())
                .filter(reset_code::Column::ExpiresAt.gt(now))
                .one(db)
                .await?
        }
        None => None,
    };
    let (Some((person, account)), Some(valid_code)) = (found, valid_code) else {
        throttle::record_failure(db, phone_input, address, now).await?;
        return Err(MemberError::field("code", "error-reset-code-invalid"));
    };

    let hash = hash_password(&password).await?;
    let txn = tx::begin_write(db).await?;
    // Spend the code first: of two requests with the same code, one wins.
    let spent = reset_code::Entity::update_many()
        .col_expr(reset_code::Column::UsedAt, Expr::value(now))
        .filter(reset_code::Column::Id.eq(valid_code.id))
        .filter(reset_code::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(MemberError::field("code", "error-reset-code-invalid"));
    }
    set_password_hash(&txn, &account, hash).await?;
    sessions::end_all_for_account(&txn, account.id, None).await?;
    audit::record(
        &txn,
        Some(person.id),
        "account.password_reset",
        "person",
        Some(person.id),
        "",
    )
    .await?;
    txn.commit().await?;
    throttle::clear_phone(db, phone_input, address, now, policy).await?;
    Ok(())
}
