//! People in organizations: who leads, who is a member, since when and until when, and
//! the skills volunteers bring. A leader manages only their own organization, and an
//! organization always keeps at least one leader.

use chrono::{NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, QueryOrder, QuerySelect, Set, SqlErr};
use serde::Serialize;

use crate::entities::{account, membership, organization, person};
use crate::fields::{Phone, mask_phone};
use crate::{Actor, MemberError, audit, tx};

mod skills;
pub use skills::{SKILLS, parse_skill, parse_skills, set_skills, skill_word, skills_of};

mod invitations;
pub(crate) use invitations::tell_invited;
pub use invitations::{InvitationView, answer_invitation, my_invitations, waiting_invitations};

mod adding;
pub use adding::{Added, AddedMember, NewMember, add_member};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// 负责人
    #[sea_orm(string_value = "leader")]
    Leader,
    /// 成员
    #[sea_orm(string_value = "member")]
    Member,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Leader => "leader",
            MemberRole::Member => "member",
        }
    }

    /// Codes, and the Chinese words rosters use (负责人, 队长, 成员, 队员, …). Empty is a member.
    pub fn parse(input: &str) -> Option<MemberRole> {
        match input.trim().to_lowercase().as_str() {
            "leader" | "负责人" | "队长" | "会长" | "组长" | "理事长" => {
                Some(MemberRole::Leader)
            }
            "" | "member" | "成员" | "队员" | "会员" | "组员" | "志愿者" => {
                Some(MemberRole::Member)
            }
            _ => None,
        }
    }

    /// The word in exported rosters.
    pub fn roster_label(self) -> &'static str {
        match self {
            MemberRole::Leader => "负责人",
            MemberRole::Member => "成员",
        }
    }
}

/// The organizations a person currently belongs to.
pub async fn current_organizations_of(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<Vec<Uuid>, MemberError> {
    Ok(membership::Entity::find()
        .select_only()
        .column(membership::Column::OrganizationId)
        .filter(membership::Column::PersonId.eq(person_id))
        .filter(membership::Column::LeftOn.is_null())
        .into_tuple()
        .all(db)
        .await?)
}

pub async fn find_person_by_phone(
    db: &impl ConnectionTrait,
    phone: &Phone,
) -> Result<Option<person::Model>, MemberError> {
    Ok(person::Entity::find()
        .filter(person::Column::Phone.eq(phone.as_str()))
        .filter(person::Column::ErasedAt.is_null())
        .one(db)
        .await?)
}

/// The person's current membership of the organization, if any.
pub async fn current(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    person_id: Uuid,
) -> Result<Option<membership::Model>, MemberError> {
    Ok(membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .filter(membership::Column::PersonId.eq(person_id))
        .filter(membership::Column::LeftOn.is_null())
        .one(db)
        .await?)
}

pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    person_id: Uuid,
    role: MemberRole,
    joined_on: NaiveDate,
) -> Result<membership::Model, MemberError> {
    membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        person_id: Set(person_id),
        role: Set(role),
        joined_on: Set(joined_on),
        left_on: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            MemberError::field("phone", "error-already-member")
        }
        _ => MemberError::Database(err),
    })
}

/// Serialises changes to one organization's memberships: on PostgreSQL the row lock
/// makes a second writer wait; on SQLite `BEGIN IMMEDIATE` already did.
async fn lock_organization(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> Result<(), MemberError> {
    let locked = organization::Entity::update_many()
        .col_expr(organization::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(organization::Column::Id.eq(organization_id))
        .exec(db)
        .await?;
    if locked.rows_affected == 1 {
        Ok(())
    } else {
        Err(MemberError::NotFound)
    }
}

fn require_manager(actor: &Actor, organization_id: Uuid) -> Result<(), MemberError> {
    if actor.can_manage_org(organization_id) {
        Ok(())
    } else {
        Err(MemberError::Forbidden)
    }
}

/// One line of an organization's member list.
pub struct MemberRow {
    pub membership: membership::Model,
    pub person: person::Model,
    pub skills: Vec<String>,
    /// The number as this viewer sees it in a list: always masked (a full number is
    /// revealed one at a time, and logged).
    pub phone_masked: String,
    pub has_account: bool,
}

/// Members of an organization, leaders first, for its leaders and staff.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    organization_id: Uuid,
    include_former: bool,
) -> Result<Vec<MemberRow>, MemberError> {
    require_manager(actor, organization_id)?;
    let mut query = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .find_also_related(person::Entity);
    if !include_former {
        query = query.filter(membership::Column::LeftOn.is_null());
    }
    let mut rows = query
        .order_by_asc(membership::Column::JoinedOn)
        .order_by_asc(membership::Column::CreatedAt)
        .all(db)
        .await?;
    // Current before former, leaders before members (sorted here: the databases disagree
    // on where NULLs go).
    rows.sort_by_key(|(m, _)| (m.left_on.is_some(), m.role != MemberRole::Leader));
    let person_ids: Vec<Uuid> = rows.iter().map(|(m, _)| m.person_id).collect();
    let skills = skills_of(db, &person_ids).await?;
    let with_accounts: Vec<Uuid> = account::Entity::find()
        .select_only()
        .column(account::Column::PersonId)
        .filter(account::Column::PersonId.is_in(person_ids.clone()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(membership, person)| person.map(|person| (membership, person)))
        .map(|(membership, person)| MemberRow {
            skills: skills.get(&person.id).cloned().unwrap_or_default(),
            phone_masked: person.phone.as_deref().map(mask_phone).unwrap_or_default(),
            has_account: with_accounts.contains(&person.id),
            membership,
            person,
        })
        .collect())
}

async fn find_membership(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    membership_id: Uuid,
) -> Result<membership::Model, MemberError> {
    membership::Entity::find_by_id(membership_id)
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or(MemberError::NotFound)
}

/// How many current leaders the organization has besides this membership.
async fn other_leaders(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    membership_id: Uuid,
) -> Result<u64, MemberError> {
    use sea_orm::PaginatorTrait;
    Ok(membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .filter(membership::Column::LeftOn.is_null())
        .filter(membership::Column::Role.eq(MemberRole::Leader.as_str()))
        .filter(membership::Column::Id.ne(membership_id))
        .count(db)
        .await?)
}

/// Makes a member a leader or a leader a member. The last leader stays a leader.
pub async fn change_role(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    membership_id: Uuid,
    role: &str,
) -> Result<membership::Model, MemberError> {
    require_manager(actor, organization_id)?;
    let role = MemberRole::parse(role).ok_or(MemberError::field("role", "error-choose-one"))?;
    let txn = tx::begin_write(db).await?;
    lock_organization(&txn, organization_id).await?;
    let found = find_membership(&txn, organization_id, membership_id).await?;
    if found.left_on.is_some() {
        return Err(MemberError::field("role", "error-membership-ended"));
    }
    if found.role == MemberRole::Leader
        && role != MemberRole::Leader
        && other_leaders(&txn, organization_id, membership_id).await? == 0
    {
        return Err(MemberError::field("role", "error-last-leader"));
    }
    let mut active: membership::ActiveModel = found.into();
    active.role = Set(role);
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "membership.role_change",
        "person",
        Some(updated.person_id),
        format!("role {}", role.as_str()),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Ends a membership: the person leaves on `on_date` and the row is kept as history.
/// The last leader cannot leave.
pub async fn end_membership(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    membership_id: Uuid,
    today: NaiveDate,
) -> Result<membership::Model, MemberError> {
    require_manager(actor, organization_id)?;
    let txn = tx::begin_write(db).await?;
    lock_organization(&txn, organization_id).await?;
    let found = find_membership(&txn, organization_id, membership_id).await?;
    if found.left_on.is_some() {
        return Err(MemberError::field("membership", "error-membership-ended"));
    }
    if found.role == MemberRole::Leader
        && other_leaders(&txn, organization_id, membership_id).await? == 0
    {
        return Err(MemberError::field("membership", "error-last-leader"));
    }
    let left_on = today.max(found.joined_on);
    let mut active: membership::ActiveModel = found.into();
    active.left_on = Set(Some(left_on));
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "membership.end",
        "person",
        Some(updated.person_id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// One membership with its person, for confirmation pages.
pub async fn membership_with_person(
    db: &impl ConnectionTrait,
    actor: &Actor,
    organization_id: Uuid,
    membership_id: Uuid,
) -> Result<(membership::Model, person::Model), MemberError> {
    require_manager(actor, organization_id)?;
    let found = find_membership(db, organization_id, membership_id).await?;
    let person = person::Entity::find_by_id(found.person_id)
        .one(db)
        .await?
        .ok_or(MemberError::NotFound)?;
    Ok((found, person))
}
