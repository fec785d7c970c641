//! People in organizations: who leads, who is a member, since when and until when, and
//! the skills volunteers bring. A leader manages only their own organization, and an
//! organization always keeps at least one leader.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, QueryOrder, QuerySelect, Set, SqlErr};
use serde::Serialize;

use crate::accounts::{NO_PASSWORD, insert_account, insert_person, store_reset_code};
use crate::entities::{account, invitation, membership, organization, person, person_skill};
use crate::fields::{PersonName, Phone, mask_phone};
use crate::{Actor, FieldError, MemberError, PlatformRole, audit, tx};

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

/// Volunteer skills, as codes with the Chinese word rosters use for them.
pub const SKILLS: &[(&str, &str)] = &[
    ("haircut", "理发"),
    ("medical", "医疗"),
    ("legal", "法律咨询"),
    ("counselling", "心理疏导"),
    ("tutoring", "课业辅导"),
    ("repair", "家电维修"),
    ("elderly_care", "助老服务"),
    ("patrol", "治安巡逻"),
    ("environment", "环保宣传"),
    ("digital", "手机电脑"),
    ("photography", "摄影"),
    ("cooking", "烹饪"),
];

/// A skill code from a code or its Chinese word.
pub fn parse_skill(input: &str) -> Option<&'static str> {
    let input = input.trim();
    SKILLS
        .iter()
        .find(|(code, word)| *code == input || *word == input)
        .map(|(code, _)| *code)
}

/// `理发、医疗` or `haircut, medical` → codes; the first unknown word is the error.
pub fn parse_skills(field: &'static str, input: &str) -> Result<Vec<&'static str>, FieldError> {
    let mut skills = Vec::new();
    for word in input
        .split(['、', ',', '，', ';', '；', '/', ' '])
        .filter(|w| !w.trim().is_empty())
    {
        let skill = parse_skill(word).ok_or(FieldError::new(field, "error-skill-unknown"))?;
        if !skills.contains(&skill) {
            skills.push(skill);
        }
    }
    Ok(skills)
}

pub fn skill_word(code: &str) -> &str {
    SKILLS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, word)| word)
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

/// The organizations a person currently leads.
pub async fn led_by(db: &impl ConnectionTrait, person_id: Uuid) -> Result<Vec<Uuid>, MemberError> {
    Ok(membership::Entity::find()
        .select_only()
        .column(membership::Column::OrganizationId)
        .filter(membership::Column::PersonId.eq(person_id))
        .filter(membership::Column::LeftOn.is_null())
        .filter(membership::Column::Role.eq(MemberRole::Leader.as_str()))
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

/// Skill codes per person, for many people at once.
/// The skills of each person, by code.
pub async fn skills_of(
    db: &impl ConnectionTrait,
    person_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>, MemberError> {
    let mut skills: HashMap<Uuid, Vec<String>> = HashMap::new();
    for chunk in person_ids.chunks(500) {
        for row in person_skill::Entity::find()
            .filter(person_skill::Column::PersonId.is_in(chunk.to_vec()))
            .order_by_asc(person_skill::Column::Skill)
            .all(db)
            .await?
        {
            skills.entry(row.person_id).or_default().push(row.skill);
        }
    }
    Ok(skills)
}

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
struct NewMemberChecked {
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

async fn account_of(
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
async fn new_volunteer(
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
async fn invite(
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

/// An invitation with the inviting organization's name, for its person.
pub struct InvitationView {
    pub invitation: invitation::Model,
    pub organization: String,
}

/// The invitations a person has not yet answered, oldest first.
pub async fn my_invitations(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<InvitationView>, MemberError> {
    let pending = invitation::Entity::find()
        .filter(invitation::Column::PersonId.eq(actor.person_id))
        .filter(invitation::Column::Status.eq("pending"))
        .order_by_asc(invitation::Column::CreatedAt)
        .all(db)
        .await?;
    let mut views = Vec::new();
    for invitation in pending {
        let organization = crate::orgs::find(db, invitation.organization_id)
            .await?
            .name;
        views.push(InvitationView {
            invitation,
            organization,
        });
    }
    Ok(views)
}

/// The invitations an organization is waiting on, with masked numbers only: for its
/// leaders and staff.
pub async fn waiting_invitations(
    db: &impl ConnectionTrait,
    actor: &Actor,
    organization_id: Uuid,
) -> Result<Vec<(invitation::Model, String)>, MemberError> {
    require_manager(actor, organization_id)?;
    let pending = invitation::Entity::find()
        .filter(invitation::Column::OrganizationId.eq(organization_id))
        .filter(invitation::Column::Status.eq("pending"))
        .order_by_asc(invitation::Column::CreatedAt)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for invitation in pending {
        let phone = person::Entity::find_by_id(invitation.person_id)
            .one(db)
            .await?
            .and_then(|p| p.phone)
            .map(|p| crate::fields::mask_phone(&p))
            .unwrap_or_default();
        out.push((invitation, phone));
    }
    Ok(out)
}

/// The invited person accepts (becomes a member with the role and skills given) or
/// declines. Only they can, and only once.
/// Accepting: a member with the role and skills the invitation offered (once: someone
/// already a member keeps their membership).
async fn join_as_invited(
    txn: &impl ConnectionTrait,
    found: &invitation::Model,
    today: NaiveDate,
) -> Result<(), MemberError> {
    let member_now = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(found.organization_id))
        .filter(membership::Column::PersonId.eq(found.person_id))
        .filter(membership::Column::LeftOn.is_null())
        .one(txn)
        .await?
        .is_some();
    if !member_now {
        insert(
            txn,
            found.organization_id,
            found.person_id,
            found.role,
            today,
        )
        .await?;
    }
    let skills: Vec<&str> = found.skills.split(',').filter(|s| !s.is_empty()).collect();
    add_skills(txn, found.person_id, &skills).await
}

pub async fn answer_invitation(
    db: &DatabaseConnection,
    actor: &Actor,
    invitation_id: Uuid,
    accept: bool,
    today: NaiveDate,
) -> Result<invitation::Model, MemberError> {
    let txn = tx::begin_write(db).await?;
    let found = invitation::Entity::find_by_id(invitation_id)
        .one(&txn)
        .await?
        .filter(|i| i.person_id == actor.person_id)
        .ok_or(MemberError::NotFound)?;
    lock_organization(&txn, found.organization_id).await?;
    let decided = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::Status,
            Expr::value(if accept { "accepted" } else { "declined" }),
        )
        .col_expr(invitation::Column::DecidedAt, Expr::value(Utc::now()))
        .filter(invitation::Column::Id.eq(found.id))
        .filter(invitation::Column::Status.eq("pending"))
        .exec(&txn)
        .await?;
    if decided.rows_affected != 1 {
        return Err(MemberError::field(
            "invitation",
            "error-invitation-answered",
        ));
    }
    if accept {
        join_as_invited(&txn, &found, today).await?;
    }
    audit::record(
        &txn,
        Some(actor.person_id),
        if accept {
            "membership.accept"
        } else {
            "membership.decline"
        },
        "organization",
        Some(found.organization_id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(found)
}

pub(crate) async fn add_skills(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    skills: &[&str],
) -> Result<(), MemberError> {
    let existing: Vec<String> = person_skill::Entity::find()
        .select_only()
        .column(person_skill::Column::Skill)
        .filter(person_skill::Column::PersonId.eq(person_id))
        .into_tuple()
        .all(db)
        .await?;
    let new: Vec<person_skill::ActiveModel> = skills
        .iter()
        .filter(|s| !existing.iter().any(|e| e == *s))
        .map(|skill| person_skill::ActiveModel {
            person_id: Set(person_id),
            skill: Set((*skill).to_owned()),
        })
        .collect();
    if !new.is_empty() {
        person_skill::Entity::insert_many(new).exec(db).await?;
    }
    Ok(())
}

/// Replaces a person's skills: the person themself, staff, or a leader of an
/// organization they belong to.
pub async fn set_skills(
    db: &DatabaseConnection,
    actor: &Actor,
    person_id: Uuid,
    input: &str,
) -> Result<Vec<&'static str>, MemberError> {
    let orgs = current_organizations_of(db, person_id).await?;
    let allowed = actor.person_id == person_id
        || actor.is_staff()
        || orgs.iter().any(|org| actor.leads.contains(org));
    if !allowed {
        return Err(MemberError::Forbidden);
    }
    let skills = parse_skills("skills", input)?;
    let txn = tx::begin_write(db).await?;
    person_skill::Entity::delete_many()
        .filter(person_skill::Column::PersonId.eq(person_id))
        .exec(&txn)
        .await?;
    add_skills(&txn, person_id, &skills).await?;
    txn.commit().await?;
    Ok(skills)
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
