//! A person's rights over their own data (PIPL): see all of it, download it, correct it,
//! delete the account. Erasing blanks the personal fields and keeps the person's row, so
//! anonymous totals (hours served, people counted) stay right.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use crate::accounts::{load, phone_taken_or, verify_password};
use crate::entities::{account, api_token, membership, organization, person, session};
use crate::fields::{PersonName, Phone};
use crate::memberships::{self, MemberRole};
use crate::{Actor, MemberError, PlatformRole, audit};

/// Everything the platform stores about one person, as they may download it.
#[derive(Debug, Serialize)]
pub struct PersonalData {
    pub exported_at: DateTime<Utc>,
    pub person: PersonRecord,
    pub account: AccountRecord,
    pub memberships: Vec<MembershipRecord>,
    /// Skill codes, e.g. `haircut`.
    pub skills: Vec<String>,
    pub sessions: Vec<SessionRecord>,
    pub api_tokens: Vec<ApiTokenRecord>,
    pub audit_log: Vec<AuditRecord>,
    /// How they want to be told (with the e-mail address they gave for it).
    pub notice_choices: crate::notices::Choices,
    /// The people this person registered to help (their name, birth year, since when).
    pub people_i_help: Vec<crate::helping::Helped>,
    /// Trainings taken and awards received (the whole volunteer record).
    pub trainings_and_awards: Vec<crate::volunteer_record::Entry>,
}

#[derive(Debug, Serialize)]
pub struct MembershipRecord {
    pub organization_id: uuid::Uuid,
    pub organization: String,
    pub role: MemberRole,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct PersonRecord {
    pub id: uuid::Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// 志愿者编号, once their first service was recorded.
    pub volunteer_number: Option<String>,
    pub privacy_notice_version: Option<String>,
    pub consented_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct AccountRecord {
    pub role: PlatformRole,
    pub created_at: DateTime<Utc>,
    pub password_changed_at: DateTime<Utc>,
}

/// Sessions and tokens are listed by their times only: their secrets are not stored.
#[derive(Debug, Serialize)]
pub struct SessionRecord {
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct ApiTokenRecord {
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    pub action: String,
    pub by_self: bool,
}

/// Everything about the signed-in person. `audited` records that it left the platform
/// (a download), as opposed to being looked at on the "my data" page.
async fn sessions_of(
    db: &impl ConnectionTrait,
    account_id: uuid::Uuid,
) -> Result<Vec<SessionRecord>, MemberError> {
    let found = session::Entity::find()
        .filter(session::Column::AccountId.eq(account_id))
        .order_by_desc(session::Column::LastSeenAt)
        .all(db)
        .await?;
    Ok((found.into_iter())
        .map(|s| SessionRecord {
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
        })
        .collect())
}

async fn tokens_of(
    db: &impl ConnectionTrait,
    account_id: uuid::Uuid,
) -> Result<Vec<ApiTokenRecord>, MemberError> {
    let found = api_token::Entity::find()
        .filter(api_token::Column::AccountId.eq(account_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await?;
    Ok((found.into_iter())
        .map(|t| ApiTokenRecord {
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        })
        .collect())
}

/// Every membership, past ones too, oldest first, with the organization's name.
async fn memberships_of(
    db: &impl ConnectionTrait,
    person_id: uuid::Uuid,
) -> Result<Vec<MembershipRecord>, MemberError> {
    let memberships = membership::Entity::find()
        .filter(membership::Column::PersonId.eq(person_id))
        .order_by_asc(membership::Column::JoinedOn)
        .all(db)
        .await?;
    let ids: Vec<uuid::Uuid> = memberships.iter().map(|m| m.organization_id).collect();
    let org_names: std::collections::HashMap<uuid::Uuid, String> = organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok((memberships.into_iter())
        .map(|m| MembershipRecord {
            organization: org_names
                .get(&m.organization_id)
                .cloned()
                .unwrap_or_default(),
            organization_id: m.organization_id,
            role: m.role,
            joined_on: m.joined_on,
            left_on: m.left_on,
        })
        .collect())
}

pub async fn my_data(
    db: &impl ConnectionTrait,
    actor: &Actor,
    audited: bool,
) -> Result<PersonalData, MemberError> {
    let (person, account) = load(db, actor.account_id).await?;
    let sessions = sessions_of(db, account.id).await?;
    let api_tokens = tokens_of(db, account.id).await?;
    let memberships = memberships_of(db, person.id).await?;
    if audited {
        audit::record(
            db,
            Some(person.id),
            "person.export_self",
            "person",
            Some(person.id),
            "",
        )
        .await?;
    }
    let audit_log = audit::entries_about(db, person.id)
        .await?
        .into_iter()
        .map(|e| AuditRecord {
            at: e.at,
            action: e.action,
            by_self: e.actor_id == Some(person.id),
        })
        .collect();
    Ok(PersonalData {
        exported_at: Utc::now(),
        person: PersonRecord {
            id: person.id,
            name: person.name,
            phone: person.phone,
            birth_date: person.birth_date,
            volunteer_number: crate::volunteer_record::numbers_of(db, [person.id])
                .await?
                .remove(&person.id),
            privacy_notice_version: person.consent_version,
            consented_at: person.consent_at,
            created_at: person.created_at,
            updated_at: person.updated_at,
        },
        account: AccountRecord {
            role: account.role,
            created_at: account.created_at,
            password_changed_at: account.password_changed_at,
        },
        memberships,
        skills: memberships::skills_of(db, &[person.id])
            .await?
            .remove(&person.id)
            .unwrap_or_default(),
        sessions,
        api_tokens,
        audit_log,
        notice_choices: crate::notices::choices_of(db, person.id).await?,
        people_i_help: crate::helping::helped_by(db, actor).await?,
        trainings_and_awards: crate::volunteer_record::entries_of(db, person.id).await?,
    })
}

/// What a person may correct about themselves.
#[derive(Clone, Debug, Default)]
pub struct SelfUpdate {
    pub name: String,
    pub phone: String,
    /// Empty to leave it unset.
    pub birth_date: String,
}

pub async fn update_self(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: &SelfUpdate,
) -> Result<person::Model, MemberError> {
    let mut errors = Vec::new();
    let name = PersonName::parse("name", &input.name)
        .map_err(|e| errors.push(e))
        .ok();
    let phone = Phone::parse("phone", &input.phone)
        .map_err(|e| errors.push(e))
        .ok();
    // The same rule as at registration: a correction cannot make someone six years old.
    let birth_date = match input.birth_date.trim() {
        "" => None,
        typed => match crate::fields::BirthDate::parse(
            "birth_date",
            typed,
            crate::fields::shanghai_date(Utc::now()),
            crate::accounts::MIN_SELF_REGISTRATION_AGE,
        ) {
            Ok(date) => Some(date.date()),
            Err(error) => {
                errors.push(error);
                None
            }
        },
    };
    let (Some(name), Some(phone), true) = (name, phone, errors.is_empty()) else {
        return Err(MemberError::Invalid(errors));
    };
    let (person, _) = load(db, actor.account_id).await?;
    let changed: Vec<&str> = [
        (person.name != name.as_str()).then_some("name"),
        (person.phone.as_deref() != Some(phone.as_str())).then_some("phone"),
        (person.birth_date != birth_date).then_some("birth_date"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if changed.is_empty() {
        return Ok(person);
    }
    let mut active: person::ActiveModel = person.into();
    active.name = Set(name.as_str().to_owned());
    active.phone = Set(Some(phone.as_str().to_owned()));
    active.birth_date = Set(birth_date);
    active.updated_at = Set(Utc::now());
    let updated = active
        .update(db)
        .await
        .map_err(|e| phone_taken_or(e, "phone"))?;
    // Which fields changed, never their values.
    audit::record(
        db,
        Some(updated.id),
        "person.update_self",
        "person",
        Some(updated.id),
        format!("changed {}", changed.join(", ")),
    )
    .await?;
    Ok(updated)
}

/// A person's name and phone as they stand (empty after the account was deleted), for a
/// document that names them, such as their printed certificate.
pub async fn name_and_phone(
    db: &impl ConnectionTrait,
    person_id: uuid::Uuid,
) -> Result<(String, Option<String>), MemberError> {
    Ok(person::Entity::find_by_id(person_id)
        .one(db)
        .await?
        .map(|p| (p.name, p.phone))
        .unwrap_or_default())
}

/// The signed-in person confirms with their password that they want their account deleted
/// (checked before any write, so the hashing holds no lock).
pub async fn confirm_erasure(
    db: &impl ConnectionTrait,
    actor: &Actor,
    password: &str,
) -> Result<(), MemberError> {
    let (person, account) = load(db, actor.account_id).await?;
    // Someone who only ever logged in with SMS codes has no password: their own number,
    // typed in full, confirms instead.
    let confirmed = if crate::accounts::has_password(&account) {
        verify_password(password, Some(&account.password_hash)).await
    } else {
        person.phone.is_some_and(|phone| phone == password.trim())
    };
    if !confirmed {
        return Err(MemberError::field(
            "password",
            "error-current-password-wrong",
        ));
    }
    Ok(())
}

/// Deletes the signed-in person's account inside the caller's transaction (deleting an
/// account is one user action: `event::leaving::delete_own_account` also gives up their
/// places on shifts to come, in the same transaction). Their name, phone and birth date are
/// erased; the row stays, anonymous, so that hours and counts that include them stay
/// correct. Sessions and tokens go with the account.
pub async fn erase_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    let (person, account) = load(txn, actor.account_id).await?;
    let person = erase_person(txn, person, now).await?;
    // Sessions, tokens and reset codes cascade with the account.
    account::Entity::delete_by_id(account.id).exec(txn).await?;
    // They leave their organizations today; the history (and the counts) stay.
    membership::Entity::update_many()
        .col_expr(
            membership::Column::LeftOn,
            sea_orm::sea_query::Expr::value(crate::fields::shanghai_date(now)),
        )
        .filter(membership::Column::PersonId.eq(person.id))
        .filter(membership::Column::LeftOn.is_null())
        .exec(txn)
        .await?;
    audit::record(
        txn,
        Some(person.id),
        "person.erase_self",
        "person",
        Some(person.id),
        "",
    )
    .await?;
    Ok(())
}

/// A person's row made anonymous inside the caller's transaction: name, phone and birth date
/// erased, the row kept so that hours and counts that include them stay right; their
/// notices and log-in codes go with it. Both an account's deletion and a helper's deletion
/// of someone they help end here.
pub(crate) async fn erase_person(
    txn: &impl ConnectionTrait,
    person: person::Model,
    now: DateTime<Utc>,
) -> Result<person::Model, MemberError> {
    let mut active: person::ActiveModel = person.into();
    active.name = Set(String::new());
    active.phone = Set(None);
    active.birth_date = Set(None);
    active.erased_at = Set(Some(now));
    active.updated_at = Set(now);
    let person = active.update(txn).await?;
    crate::notices::forget(txn, person.id).await?;
    crate::entities::login_code::Entity::delete_many()
        .filter(crate::entities::login_code::Column::PersonId.eq(person.id))
        .exec(txn)
        .await?;
    Ok(person)
}

/// People's names as they stand (an erased person's is empty), for showing who did what.
pub async fn names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = uuid::Uuid>,
) -> Result<std::collections::HashMap<uuid::Uuid, String>, MemberError> {
    Ok(people(db, ids)
        .await?
        .into_iter()
        .map(|(id, found)| (id, found.name))
        .collect())
}

/// What a list of people shows of each: the name and phone as they stand, and whether
/// the person was erased (their name and phone are empty then).
#[derive(Clone, Debug, FromQueryResult)]
pub struct Listed {
    pub id: uuid::Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub erased_at: Option<DateTime<Utc>>,
}

/// These people as a list shows them (unknown ids are left out), for reports that list
/// them. Only the listed columns are read: a month's report lists thousands of people, and
/// decoding their other columns took over a third of the time (8,320 people: 51 ms with
/// every column, 32 ms with these).
pub async fn people(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = uuid::Uuid>,
) -> Result<std::collections::HashMap<uuid::Uuid, Listed>, MemberError> {
    let ids: Vec<uuid::Uuid> = ids.into_iter().collect();
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        for one in person::Entity::find()
            .select_only()
            .columns([
                person::Column::Id,
                person::Column::Name,
                person::Column::Phone,
                person::Column::ErasedAt,
            ])
            .filter(person::Column::Id.is_in(chunk.to_vec()))
            .into_model::<Listed>()
            .all(db)
            .await?
        {
            found.insert(one.id, one);
        }
    }
    Ok(found)
}
