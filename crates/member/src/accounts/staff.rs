//! Accounts as staff see them: the list, disabling one, revealing a phone, one account.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::{account, person};
use crate::sessions::{self};
use crate::{Actor, MemberError, audit, tx};

use super::load_by_person;

/// Staff disable an account (its sessions and tokens end at once) or enable it again.
pub async fn set_disabled(
    db: &DatabaseConnection,
    actor: &Actor,
    person_id: Uuid,
    disabled: bool,
) -> Result<person::Model, MemberError> {
    if !actor.can_manage_accounts() || actor.person_id == person_id {
        return Err(MemberError::Forbidden);
    }
    let (person, account) = load_by_person(db, person_id).await?;
    if !actor.can_grant_role(account.role) {
        return Err(MemberError::Forbidden);
    }
    let txn = tx::begin_write(db).await?;
    let mut active: account::ActiveModel = account.clone().into();
    active.disabled_at = Set(disabled.then(Utc::now));
    active.update(&txn).await?;
    if disabled {
        sessions::end_all_for_account(&txn, account.id, None).await?;
    }
    let action = if disabled {
        "account.disable"
    } else {
        "account.enable"
    };
    audit::record(
        &txn,
        Some(actor.person_id),
        action,
        "person",
        Some(person.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(person)
}

/// One line of the staff's account list.
pub struct AccountListing {
    pub person: person::Model,
    pub account: account::Model,
}

pub struct AccountPage {
    pub rows: Vec<AccountListing>,
    pub total: u64,
}

/// Accounts for staff, newest first, optionally matching a name or phone fragment.
pub async fn list_accounts(
    db: &impl ConnectionTrait,
    actor: &Actor,
    search: Option<&str>,
    page: u64,
    per_page: u64,
) -> Result<AccountPage, MemberError> {
    if !actor.can_manage_accounts() {
        return Err(MemberError::Forbidden);
    }
    let mut query = person::Entity::find()
        .find_also_related(account::Entity)
        .filter(account::Column::Id.is_not_null())
        .filter(person::Column::ErasedAt.is_null());
    if let Some(term) = search.map(str::trim).filter(|t| !t.is_empty()) {
        query = query.filter(
            Condition::any()
                .add(person::Column::Name.contains(term))
                .add(person::Column::Phone.contains(term)),
        );
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(person::Column::CreatedAt)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(person, account)| account.map(|account| AccountListing { person, account }))
        .collect();
    Ok(AccountPage { rows, total })
}

/// Staff (and leaders, for their members) see a person's whole phone number; every
/// reveal is logged.
pub async fn reveal_phone(
    db: &impl ConnectionTrait,
    actor: &Actor,
    person_id: Uuid,
) -> Result<(person::Model, String), MemberError> {
    let orgs = crate::memberships::current_organizations_of(db, person_id).await?;
    if !actor.can_see_phone_of(person_id, &orgs) {
        return Err(MemberError::Forbidden);
    }
    let person = person::Entity::find_by_id(person_id)
        .one(db)
        .await?
        .ok_or(MemberError::NotFound)?;
    let phone = person.phone.clone().ok_or(MemberError::NotFound)?;
    audit::record(
        db,
        Some(actor.person_id),
        "person.phone_reveal",
        "person",
        Some(person.id),
        "",
    )
    .await?;
    Ok((person, phone))
}

/// One person's account, for staff.
pub async fn account_for_staff(
    db: &impl ConnectionTrait,
    actor: &Actor,
    person_id: Uuid,
) -> Result<(person::Model, account::Model), MemberError> {
    if !actor.can_manage_accounts() {
        return Err(MemberError::Forbidden);
    }
    load_by_person(db, person_id).await
}
