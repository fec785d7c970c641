//! People a volunteer or staff member helps: a neighbour without a smartphone whom the
//! helper registers (name, birth year, a phone if they have one) and signs up for shifts,
//! on the helper's statement that the person agreed, recorded with who and when. A helper
//! sees and acts for only the people they registered, until the person logs in with their
//! own phone (an SMS code) and takes their account over.

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{helped_person, person};
use crate::fields::{self, PersonName, Phone, mask_phone};
use crate::{Actor, FieldError, MemberError, audit, tx};

/// How many people one helper may register: a family or a few neighbours, not a roster.
pub const MAX_HELPED: u64 = 20;

/// What the helper types.
#[derive(Clone, Debug, Default)]
pub struct HelpedInput {
    pub name: String,
    /// Empty when the person has no phone of their own.
    pub phone: String,
    pub birth_year: String,
    /// The helper ticked "they agreed".
    pub agreed: bool,
    /// Optional: how and when they agreed, in the helper's words.
    pub note: String,
}

/// One person a helper helps, as the helper sees them.
#[derive(Clone, Debug, Serialize)]
pub struct Helped {
    pub person_id: Uuid,
    pub name: String,
    /// Masked.
    pub phone: Option<String>,
    pub birth_year: Option<i32>,
    pub since: DateTime<Utc>,
    /// They log in themselves now; the helper no longer acts for them.
    pub claimed: bool,
}

fn birth_year(errors: &mut Vec<FieldError>, input: &str, now: DateTime<Utc>) -> Option<i32> {
    let this_year = fields::shanghai_date(now).year();
    match input.trim().parse::<i32>() {
        Ok(year) if (1900..=this_year).contains(&year) => Some(year),
        _ if input.trim().is_empty() => {
            errors.push(FieldError::new("birth_year", "error-required"));
            None
        }
        _ => {
            errors.push(FieldError::new("birth_year", "error-birth-year-invalid"));
            None
        }
    }
}

/// What the helper typed, checked: every refusal beside its field.
struct Checked {
    name: PersonName,
    phone: Option<Phone>,
    birth_year: Option<i32>,
    note: String,
}

impl HelpedInput {
    /// `registering`: the helper states the person agreed (a correction needs no new word).
    fn checked(&self, now: DateTime<Utc>, registering: bool) -> Result<Checked, MemberError> {
        let mut errors = Vec::new();
        let name = PersonName::parse("name", &self.name)
            .map_err(|e| errors.push(e))
            .ok();
        let phone = match self.phone.trim() {
            "" => None,
            typed => Phone::parse("phone", typed)
                .map_err(|e| errors.push(e))
                .ok(),
        };
        let birth_year = birth_year(&mut errors, &self.birth_year, now);
        let note = fields::text(&mut errors, "note", &self.note, 200, false);
        if registering && !self.agreed {
            errors.push(FieldError::new("agreed", "error-helped-consent-required"));
        }
        match name {
            Some(name) if errors.is_empty() => Ok(Checked {
                name,
                phone,
                birth_year,
                note,
            }),
            _ => Err(MemberError::Invalid(errors)),
        }
    }
}

/// Registers a person the signed-in volunteer or staff member helps.
pub async fn register(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &HelpedInput,
    now: DateTime<Utc>,
) -> Result<person::Model, MemberError> {
    let checked = input.checked(now, true)?;
    let txn = tx::begin_write(db).await?;
    if helped_person::Entity::find()
        .filter(helped_person::Column::HelperId.eq(actor.person_id))
        .count(&txn)
        .await?
        >= MAX_HELPED
    {
        return Err(MemberError::field("name", "error-helped-too-many"));
    }
    let person = insert_person(&txn, &checked, now).await?;
    helped_person::ActiveModel {
        person_id: Set(person.id),
        helper_id: Set(actor.person_id),
        birth_year: Set(checked.birth_year),
        consent_note: Set(checked.note),
        consented_at: Set(now),
        claimed_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "helped.register",
        "person",
        Some(person.id),
        format!(
            "consent {} stated by the helper",
            crate::PRIVACY_NOTICE_VERSION
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(person)
}

/// The helped person's own row: their consent is the helper's statement (kept beside it).
async fn insert_person(
    txn: &impl ConnectionTrait,
    checked: &Checked,
    now: DateTime<Utc>,
) -> Result<person::Model, MemberError> {
    // Someone with a number already on the platform signs up themselves.
    if let Some(phone) = &checked.phone
        && crate::memberships::find_person_by_phone(txn, phone)
            .await?
            .is_some()
    {
        return Err(MemberError::field("phone", "error-phone-taken"));
    }
    person::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(checked.name.as_str().to_owned()),
        phone: Set(checked.phone.as_ref().map(|p| p.as_str().to_owned())),
        birth_date: Set(None),
        consent_version: Set(Some(crate::PRIVACY_NOTICE_VERSION.to_owned())),
        consent_at: Set(Some(now)),
        erased_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await
    .map_err(|e| crate::accounts::phone_taken_or(e, "phone"))
}

/// The people the signed-in person registered, by name.
pub async fn helped_by(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<Helped>, MemberError> {
    let rows = helped_person::Entity::find()
        .filter(helped_person::Column::HelperId.eq(actor.person_id))
        .find_also_related(person::Entity)
        .order_by_asc(helped_person::Column::ConsentedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(helped, person)| {
            let person = person.filter(|p| p.erased_at.is_none())?;
            Some(Helped {
                person_id: person.id,
                name: person.name,
                phone: person.phone.as_deref().map(mask_phone),
                birth_year: helped.birth_year,
                since: helped.consented_at,
                claimed: helped.claimed_at.is_some(),
            })
        })
        .collect())
}

/// `Ok` when the signed-in person registered this person and still acts for them;
/// `NotFound` otherwise (nobody learns who else is helped).
pub async fn may_act_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    person_id: Uuid,
) -> Result<(), MemberError> {
    let mine = helped_person::Entity::find_by_id(person_id)
        .filter(helped_person::Column::HelperId.eq(actor.person_id))
        .filter(helped_person::Column::ClaimedAt.is_null())
        .one(db)
        .await?;
    mine.map(|_| ()).ok_or(MemberError::NotFound)
}

/// Whether a helped person has not yet taken their account over.
pub(crate) async fn is_unclaimed(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<bool, MemberError> {
    Ok(helped_person::Entity::find_by_id(person_id)
        .filter(helped_person::Column::ClaimedAt.is_null())
        .one(db)
        .await?
        .is_some())
}

/// The person takes their account over: from now on they act for themselves.
pub(crate) async fn mark_claimed(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    helped_person::Entity::update_many()
        .col_expr(
            helped_person::Column::ClaimedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(helped_person::Column::PersonId.eq(person_id))
        .exec(db)
        .await?;
    Ok(())
}

/// What the helper sees of one person they help, for correcting it.
pub async fn helped_one(
    db: &impl ConnectionTrait,
    actor: &Actor,
    person_id: Uuid,
) -> Result<(person::Model, helped_person::Model), MemberError> {
    may_act_for(db, actor, person_id).await?;
    let found = helped_person::Entity::find_by_id(person_id)
        .find_also_related(person::Entity)
        .one(db)
        .await?;
    match found {
        Some((helped, Some(person))) if person.erased_at.is_none() => Ok((person, helped)),
        _ => Err(MemberError::NotFound),
    }
}

/// The helper corrects what they registered (a phone added later lets the person claim
/// their account). Only the helper, and only before the person has taken over.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    person_id: Uuid,
    input: &HelpedInput,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    let checked = input.checked(now, false)?;
    let txn = tx::begin_write(db).await?;
    let (person, helped) = helped_one(&txn, actor, person_id).await?;
    let new_phone = checked.phone.as_ref().map(|p| p.as_str().to_owned());
    if let Some(phone) = &checked.phone
        && person.phone.as_deref() != Some(phone.as_str())
        && crate::memberships::find_person_by_phone(&txn, phone)
            .await?
            .is_some()
    {
        return Err(MemberError::field("phone", "error-phone-taken"));
    }
    let mut row: person::ActiveModel = person.into();
    row.name = Set(checked.name.as_str().to_owned());
    row.phone = Set(new_phone);
    row.updated_at = Set(now);
    row.update(&txn)
        .await
        .map_err(|e| crate::accounts::phone_taken_or(e, "phone"))?;
    let mut helped: helped_person::ActiveModel = helped.into();
    helped.birth_year = Set(checked.birth_year);
    helped.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "helped.update",
        "person",
        Some(person_id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The helper deletes the data of a person they help (they asked, or moved away), inside the
/// caller's transaction (`event::leaving::erase_helped` also gives up their places): name,
/// phone and birth year are erased, the anonymous row stays so that counts stay right.
pub async fn erase_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    let (person, helped) = helped_one(txn, actor, person_id).await?;
    crate::privacy::erase_person(txn, person, now).await?;
    let mut helped: helped_person::ActiveModel = helped.into();
    helped.birth_year = Set(None);
    helped.consent_note = Set(String::new());
    helped.update(txn).await?;
    audit::record(
        txn,
        Some(actor.person_id),
        "helped.erase",
        "person",
        Some(person_id),
        "",
    )
    .await?;
    Ok(())
}
