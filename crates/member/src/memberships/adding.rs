//! Adding a member by phone: someone new is enrolled with a volunteer account and a one-time code; someone with an account of their own is invited.

use chrono::{NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, Set};

use crate::accounts::{NO_PASSWORD, insert_account, insert_person, store_reset_code};
use crate::entities::{account, invitation, membership, person};
use crate::fields::{PersonName, Phone};
use crate::{Actor, FieldError, MemberError, PlatformRole, audit, tx};

use super::skills::{add_skills, parse_skills};
use super::{MemberRole, find_person_by_phone, insert, lock_organization, require_manager};

/// What a leader types to add someone.
#[derive(Clone, Debug, Default)]
pub struct NewMember {
    pub name: String,
    pub phone: String,
    pub role: String,
    /// `理发、医疗` or codes.
    pub skills: String,
}

pub struct AddedMember {
    pub person: person::Model,
    pub membership: membership::Model,
    /// For a person new to the platform: the one-time code with which they set a
    /// password, to be passed on by the leader.
    pub code: Option<String>,
}

/// What adding someone by phone did.
pub enum Added {
    /// A member now: someone new to the platform, or without an account of their own.
    Member(Box<AddedMember>),
    /// Someone with an account of their own is invited, and becomes a member only when
    /// they accept; until then the leader knows just the masked number.
    Invited { phone_masked: String },
}

/// A leader adds someone to their organization: a new person with an account (no
/// password yet) and a one-time code; someone already on the platform with an account of
/// their own is invited instead (nobody becomes a member without consenting); a staff
/// account is never enrolled by a leader.
/// A new member as typed, every field checked; the person if the phone is known.
pub(super) struct NewMemberChecked {
    phone: Phone,
    role: MemberRole,
    skills: Vec<&'static str>,
    existing: Option<person::Model>,
    /// Needed only for someone new.
    name: Option<PersonName>,
}

impl NewMemberChecked {
    async fn of(
        db: &impl ConnectionTrait,
        input: &NewMember,
    ) -> Result<NewMemberChecked, MemberError> {
        let mut errors = Vec::new();
        let phone = Phone::parse("phone", &input.phone)
            .map_err(|e| errors.push(e))
            .ok();
        let role = MemberRole::parse(&input.role);
        if role.is_none() {
            errors.push(FieldError::new("role", "error-choose-one"));
        }
        let skills = parse_skills("skills", &input.skills)
            .map_err(|e| errors.push(e))
            .ok();
        let existing = match &phone {
            Some(phone) => find_person_by_phone(db, phone).await?,
            None => None,
        };
        let name = match (&existing, input.name.trim()) {
            (Some(_), "") => None,
            _ => PersonName::parse("name", &input.name)
                .map_err(|e| errors.push(e))
                .ok(),
        };
        match (phone, role, skills, errors.is_empty()) {
            (Some(phone), Some(role), Some(skills), true) => Ok(NewMemberChecked {
                phone,
                role,
                skills,
                existing,
                name,
            }),
            _ => Err(MemberError::Invalid(errors)),
        }
    }
}

pub(super) async fn account_of(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<Option<account::Model>, MemberError> {
    Ok(account::Entity::find()
        .filter(account::Column::PersonId.eq(person_id))
        .one(db)
        .await?)
}

/// Someone new added by a leader: a person with a volunteer account and no password yet,
/// and the one-time code the leader hands over to set one.
pub(super) async fn new_volunteer(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    name: &PersonName,
    phone: &Phone,
    now: chrono::DateTime<Utc>,
) -> Result<(person::Model, String), MemberError> {
    let person = insert_person(txn, name, phone, None, false, now).await?;
    let account = insert_account(txn, person.id, NO_PASSWORD, PlatformRole::Volunteer, now).await?;
    let code = store_reset_code(txn, actor, &account, now).await?;
    let by = Some(actor.person_id);
    audit::record(
        txn,
        by,
        "account.create",
        "person",
        Some(person.id),
        "role volunteer",
    )
    .await?;
    Ok((person, code))
}

pub async fn add_member(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    input: &NewMember,
    today: NaiveDate,
) -> Result<Added, MemberError> {
    require_manager(actor, organization_id)?;
    let NewMemberChecked {
        phone,
        role,
        skills,
        existing,
        name,
    } = NewMemberChecked::of(db, input).await?;

    let own_account = match &existing {
        Some(person) => account_of(db, person.id).await?,
        None => None,
    };
    if let (Some(person), Some(account)) = (&existing, &own_account) {
        if account.role != PlatformRole::Volunteer && !actor.is_staff() {
            return Err(MemberError::field("phone", "error-staff-not-enrollable"));
        }
        return invite(db, actor, organization_id, person, role, &skills).await;
    }

    let txn = tx::begin_write(db).await?;
    lock_organization(&txn, organization_id).await?;
    let now = Utc::now();
    let (person, code) = match existing {
        Some(person) => (person, None),
        None => {
            let Some(name) = name else {
                return Err(MemberError::field("name", "error-name-required"));
            };
            let (person, code) = new_volunteer(&txn, actor, &name, &phone, now).await?;
            (person, Some(code))
        }
    };
    let membership = insert(&txn, organization_id, person.id, role, today).await?;
    add_skills(&txn, person.id, &skills).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "membership.add",
        "person",
        Some(person.id),
        format!("role {}", role.as_str()),
    )
    .await?;
    txn.commit().await?;
    Ok(Added::Member(Box::new(AddedMember {
        person,
        membership,
        code,
    })))
}

/// Invites someone with an account of their own: a pending invitation (again, after one
/// they declined), refused when they are a member already or invited already.
pub(super) async fn invite(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    person: &person::Model,
    role: MemberRole,
    skills: &[&str],
) -> Result<Added, MemberError> {
    let txn = tx::begin_write(db).await?;
    lock_organization(&txn, organization_id).await?;
    let member_now = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .filter(membership::Column::PersonId.eq(person.id))
        .filter(membership::Column::LeftOn.is_null())
        .one(&txn)
        .await?
        .is_some();
    if member_now {
        return Err(MemberError::field("phone", "error-already-member"));
    }
    let earlier = invitation::Entity::find()
        .filter(invitation::Column::OrganizationId.eq(organization_id))
        .filter(invitation::Column::PersonId.eq(person.id))
        .one(&txn)
        .await?;
    if earlier.as_ref().is_some_and(|i| i.status == "pending") {
        return Err(MemberError::field("phone", "error-already-invited"));
    }
    if let Some(earlier) = earlier {
        invitation::Entity::delete_by_id(earlier.id)
            .exec(&txn)
            .await?;
    }
    invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        person_id: Set(person.id),
        role: Set(role),
        skills: Set(skills.join(",")),
        invited_by: Set(actor.person_id),
        created_at: Set(Utc::now()),
        status: Set("pending".to_owned()),
        decided_at: Set(None),
    }
    .insert(&txn)
    .await?;
    super::tell_invited(&txn, organization_id, person.id).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "membership.invite",
        "person",
        Some(person.id),
        format!("role {}", role.as_str()),
    )
    .await?;
    txn.commit().await?;
    Ok(Added::Invited {
        phone_masked: person
            .phone
            .as_deref()
            .map(crate::fields::mask_phone)
            .unwrap_or_default(),
    })
}
