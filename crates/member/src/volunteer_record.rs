//! The whole volunteer record (《志愿服务记录与证明出具办法》): besides the services (kept
//! by `event`), the trainings a volunteer took, the awards they received and the organizers'
//! evaluations of their service. Staff enter
//! them for anyone, an organization's leaders for its current members; the volunteer, staff
//! and their leaders read them, and "my data" holds them.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{person, record_entry, volunteer_number};
use crate::fields::{self, shanghai_date};
use crate::{Actor, FieldError, MemberError, audit, memberships, tx};

/// What a record entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Training,
    Award,
    Evaluation,
}

/// An evaluation's result, best first.
pub const RESULTS: [&str; 4] = ["excellent", "good", "pass", "fail"];

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Training => "training",
            EntryKind::Award => "award",
            EntryKind::Evaluation => "evaluation",
        }
    }

    pub fn parse(text: &str) -> Option<EntryKind> {
        [EntryKind::Training, EntryKind::Award, EntryKind::Evaluation]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A training or an award as typed.
#[derive(Clone, Debug, Default)]
pub struct EntryInput {
    pub kind: String,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// A training's place, content and hours (`2`, `1.5`); an award leaves them empty.
    pub place: String,
    pub content: String,
    pub hours: String,
    /// An evaluation's result (one of [`RESULTS`]); others leave it empty.
    pub result: String,
    /// The trainer, the body that granted the award, or the organizer who evaluated.
    pub given_by: String,
}

/// One entry as the record shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub id: Uuid,
    pub kind: EntryKind,
    pub name: String,
    pub date: NaiveDate,
    pub place: String,
    pub content: String,
    pub tenths: Option<i32>,
    pub result: Option<String>,
    pub given_by: String,
    pub entered_at: DateTime<Utc>,
}

impl Entry {
    fn of(row: record_entry::Model) -> Option<Entry> {
        Some(Entry {
            id: row.id,
            kind: EntryKind::parse(&row.kind)?,
            name: row.name,
            date: row.on_date,
            place: row.place,
            content: row.content,
            tenths: row.tenths,
            result: row.result,
            given_by: row.given_by,
            entered_at: row.entered_at,
        })
    }
}

/// `2`, `1.5`: hours in tenths, more than 0 and at most 24.
fn tenths(typed: &str) -> Option<i32> {
    let (whole, tenth) = match typed.trim().split_once('.') {
        Some((whole, tenth)) if tenth.len() == 1 => (whole, tenth),
        None => (typed.trim(), "0"),
        _ => return None,
    };
    let value = whole.parse::<i32>().ok()? * 10 + tenth.parse::<i32>().ok()?;
    (1..=240).contains(&value).then_some(value)
}

impl EntryInput {
    fn checked(&self, today: NaiveDate) -> Result<Checked, MemberError> {
        let mut errors = Vec::new();
        let kind = EntryKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "error-choose-one"));
        }
        fields::text(&mut errors, "name", &self.name, 100, true);
        fields::text(&mut errors, "given_by", &self.given_by, 100, true);
        let training = kind == Some(EntryKind::Training);
        fields::text(&mut errors, "place", &self.place, 100, training);
        fields::text(&mut errors, "content", &self.content, 1000, false);
        let date = NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| fields::plausible_date(*d) && *d <= today);
        if date.is_none() {
            errors.push(FieldError::new("date", "error-date-invalid"));
        }
        let hours = training.then(|| tenths(&self.hours));
        if hours == Some(None) {
            errors.push(FieldError::new("hours", "error-hours-invalid"));
        }
        let result = (kind == Some(EntryKind::Evaluation))
            .then(|| RESULTS.into_iter().find(|r| *r == self.result.trim()));
        if result == Some(None) {
            errors.push(FieldError::new("result", "error-choose-one"));
        }
        match (kind, date) {
            (Some(kind), Some(date)) if errors.is_empty() => Ok(Checked {
                kind,
                date,
                tenths: hours.flatten(),
                result: result.flatten(),
            }),
            _ => Err(MemberError::Invalid(errors)),
        }
    }
}

/// An entry as checked: what it is, when, and a training's hours or an evaluation's result.
struct Checked {
    kind: EntryKind,
    date: NaiveDate,
    tenths: Option<i32>,
    result: Option<&'static str>,
}

/// Staff for anyone; a leader for a current member of an organization they lead.
async fn may_enter_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    person_id: Uuid,
) -> Result<bool, MemberError> {
    if actor.is_staff() {
        return Ok(true);
    }
    let theirs = memberships::current_organizations_of(db, person_id).await?;
    Ok(theirs.iter().any(|org| actor.leads.contains(org)))
}

/// A person's trainings and awards, newest first, for the person, staff and their leaders;
/// with their name and whether the reader may add to it.
pub async fn record_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    person_id: Uuid,
) -> Result<(String, Vec<Entry>, bool), MemberError> {
    let may_enter = may_enter_for(db, actor, person_id).await?;
    if actor.person_id != person_id && !may_enter {
        return Err(MemberError::NotFound);
    }
    let person = person::Entity::find_by_id(person_id)
        .one(db)
        .await?
        .filter(|p| p.erased_at.is_none())
        .ok_or(MemberError::NotFound)?;
    let entries = entries_of(db, person_id).await?;
    Ok((person.name, entries, may_enter))
}

/// A person's trainings and awards, newest first (for "my data" too).
pub async fn entries_of(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<Vec<Entry>, MemberError> {
    Ok(record_entry::Entity::find()
        .filter(record_entry::Column::PersonId.eq(person_id))
        .order_by_desc(record_entry::Column::OnDate)
        .order_by_desc(record_entry::Column::EnteredAt)
        .all(db)
        .await?
        .into_iter()
        .filter_map(Entry::of)
        .collect())
}

/// Staff or a leader adds a training, an award or an evaluation to a volunteer's record.
pub async fn add_entry(
    db: &DatabaseConnection,
    actor: &Actor,
    person_id: Uuid,
    input: &EntryInput,
    now: DateTime<Utc>,
) -> Result<Entry, MemberError> {
    if !may_enter_for(db, actor, person_id).await? {
        return Err(MemberError::Forbidden);
    }
    let known = person::Entity::find_by_id(person_id)
        .one(db)
        .await?
        .is_some_and(|p| p.erased_at.is_none());
    if !known {
        return Err(MemberError::NotFound);
    }
    let checked = input.checked(shanghai_date(now))?;
    let training = checked.kind == EntryKind::Training;
    let txn = tx::begin_write(db).await?;
    let row = record_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        kind: Set(checked.kind.as_str().to_owned()),
        name: Set(input.name.trim().to_owned()),
        on_date: Set(checked.date),
        place: Set(if training {
            input.place.trim().to_owned()
        } else {
            String::new()
        }),
        // A training's content, or an evaluation's comment; an award has none.
        content: Set(if checked.kind == EntryKind::Award {
            String::new()
        } else {
            input.content.trim().to_owned()
        }),
        tenths: Set(checked.tenths),
        result: Set(checked.result.map(str::to_owned)),
        given_by: Set(input.given_by.trim().to_owned()),
        entered_by: Set(actor.person_id),
        entered_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let action = match checked.kind {
        EntryKind::Training => "record.training_add",
        EntryKind::Award => "record.award_add",
        EntryKind::Evaluation => "record.evaluation_add",
    };
    audit::record(
        &txn,
        Some(actor.person_id),
        action,
        "person",
        Some(person_id),
        "",
    )
    .await?;
    txn.commit().await?;
    Entry::of(row).ok_or_else(|| MemberError::Internal("an entry of no kind".into()))
}

/// `WYF-V000123`: a platform number as printed on certificates and in exports.
pub fn format_number(number: i32) -> String {
    format!("WYF-V{number:06}")
}

/// Gives a person their platform number (志愿者编号) if they have none yet, inside the
/// caller's transaction: the database hands numbers out in order, so two at once never
/// get the same one.
pub async fn give_number(db: &impl ConnectionTrait, person_id: Uuid) -> Result<(), MemberError> {
    use sea_orm::sea_query::OnConflict;
    volunteer_number::Entity::insert(volunteer_number::ActiveModel {
        person_id: Set(person_id),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(volunteer_number::Column::PersonId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The platform numbers of these people (those that have one), formatted.
pub async fn numbers_of(
    db: &impl ConnectionTrait,
    people: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, String>, MemberError> {
    let people: Vec<Uuid> = people.into_iter().collect();
    let mut found = std::collections::HashMap::new();
    for chunk in people.chunks(500) {
        for row in volunteer_number::Entity::find()
            .filter(volunteer_number::Column::PersonId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            found.insert(row.person_id, format_number(row.number));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hours_are_read_in_tenths() {
        assert_eq!(super::tenths("2"), Some(20));
        assert_eq!(super::tenths(" 1.5 "), Some(15));
        for refused in ["0", "", "1.25", "25", "-1", "一"] {
            assert_eq!(super::tenths(refused), None, "{refused}");
        }
    }
}
