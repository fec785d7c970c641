//! Volunteer service certificates (志愿服务证明). A certificate freezes a person's
//! confirmed services and hours for a period under a number with a check character, so a
//! mistyped or altered number is told apart from an unknown one.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, QueryOrder, QuerySelect, Set};

use crate::EventError;
use crate::entities::{certificate, event, hour_entry, service_record, shift, stall};
use crate::schedule::at;

/// Letters and digits that cannot be confused when read aloud or retyped.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The check character of a number's body: a sum over the alphabet with odd weights,
/// which are invertible modulo 32, so any single changed character changes the check.
fn check_char(body: &str) -> Option<char> {
    let mut sum = 0usize;
    for (i, c) in body.bytes().enumerate() {
        let value = ALPHABET.iter().position(|a| *a == c)?;
        sum += value * (2 * i + 1);
    }
    Some(char::from(ALPHABET[sum % ALPHABET.len()]))
}

fn new_number() -> String {
    let token = member::secrets::new_token();
    let bytes = token.as_bytes();
    let body: String = (0..10)
        .map(|i| {
            let pair = &bytes[i * 2..i * 2 + 2];
            let n = u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("00"), 16).unwrap_or(0);
            char::from(ALPHABET[usize::from(n) % ALPHABET.len()])
        })
        .collect();
    let check = check_char(&body).unwrap_or('2');
    format!("WYF-{body}{check}")
}

/// What a number says about itself before the database is asked.
pub fn well_formed(number: &str) -> bool {
    let Some(rest) = number.strip_prefix("WYF-") else {
        return false;
    };
    if rest.len() != 11 || !rest.is_ascii() {
        return false;
    }
    let (body, check) = rest.split_at(10);
    check_char(body).map(String::from).as_deref() == Some(check)
}

/// One service on a certificate.
#[derive(Clone, Debug)]
pub struct ServiceLine {
    pub event: event::Model,
    pub stall: stall::Model,
    pub tenths: i32,
}

/// A person's confirmed services in `[from, until]` (Shanghai dates), of events that had
/// begun by `now` (confirmed hours count at once, as on the dashboard), oldest first.
pub async fn services_of(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    from: NaiveDate,
    until: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<ServiceLine>, EventError> {
    let start = at(from, NaiveTime::MIN);
    let end = at(until.succ_opt().unwrap_or(until), NaiveTime::MIN);
    let mut lines = Vec::new();
    // The hours that count, by the one rule the dashboard and "my shifts" use.
    let counted: Vec<(i32, Uuid)> = crate::records::counted_hour_entries()
        .select_only()
        .column(hour_entry::Column::Tenths)
        .column(service_record::Column::ShiftId)
        .filter(service_record::Column::PersonId.eq(person_id))
        .into_tuple()
        .all(db)
        .await?;
    for (tenths, shift_id) in counted {
        let Some(found) = shift::Entity::find_by_id(shift_id).one(db).await? else {
            continue;
        };
        let Some(stall) = stall::Entity::find_by_id(found.stall_id).one(db).await? else {
            continue;
        };
        let Some(event) = event::Entity::find_by_id(stall.event_id).one(db).await? else {
            continue;
        };
        if event.starts_at < start || event.starts_at >= end || event.starts_at > now {
            continue;
        }
        lines.push(ServiceLine {
            event,
            stall,
            tenths,
        });
    }
    lines.sort_by_key(|l| l.event.starts_at);
    Ok(lines)
}

/// A volunteer asks for a certificate of their own service in a period.
pub async fn issue(
    db: &DatabaseConnection,
    actor: &Actor,
    from: &str,
    until: &str,
    issuer: &str,
    now: DateTime<Utc>,
) -> Result<certificate::Model, EventError> {
    let mut errors = Vec::new();
    let mut date = |field: &'static str, s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| errors.push(FieldError::new(field, "error-date-invalid")))
            .ok()
    };
    let from = date("from", from);
    let until = date("until", until);
    if let (Some(f), Some(u)) = (from, until)
        && u < f
    {
        errors.push(FieldError::new("until", "error-end-before-start"));
    }
    let (Some(from), Some(until), true) = (from, until, errors.is_empty()) else {
        return Err(EventError::Invalid(errors));
    };
    let lines = services_of(db, actor.person_id, from, until, now).await?;
    if lines.is_empty() {
        return Err(EventError::field("from", "error-no-service-in-period"));
    }
    let txn = tx::begin_write(db).await?;
    let issued = certificate::ActiveModel {
        number: Set(new_number()),
        person_id: Set(actor.person_id),
        period_from: Set(from),
        period_until: Set(until),
        services: Set(i32::try_from(lines.len()).unwrap_or(i32::MAX)),
        hours_tenths: Set(lines.iter().map(|l| i64::from(l.tenths)).sum()),
        issuer: Set(issuer.chars().take(100).collect()),
        issued_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "certificate.issue",
        "person",
        Some(actor.person_id),
        issued.number.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(issued)
}

/// The outcome of checking a number.
#[derive(Debug)]
pub enum Verdict {
    Genuine(certificate::Model),
    /// Well formed, but never issued.
    Unknown,
    /// Not a number this platform could have issued (mistyped or altered).
    Malformed,
}

pub async fn verify(db: &impl ConnectionTrait, number: &str) -> Result<Verdict, EventError> {
    let number = number.trim().to_ascii_uppercase();
    if !well_formed(&number) {
        return Ok(Verdict::Malformed);
    }
    Ok(
        match certificate::Entity::find_by_id(number).one(db).await? {
            Some(found) => Verdict::Genuine(found),
            None => Verdict::Unknown,
        },
    )
}

/// One service in a person's own record (their data export).
#[derive(Clone, Debug, serde::Serialize)]
pub struct RecordedService {
    pub date: NaiveDate,
    pub event: String,
    pub place: String,
    /// The stall's service (`haircut`, `clinic`, …).
    pub service: &'static str,
    pub organization_id: Uuid,
    /// The hours that count, as the dashboard counts them.
    pub hours: String,
}

/// A certificate in a person's own record.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RecordedCertificate {
    pub number: String,
    pub period_from: NaiveDate,
    pub period_until: NaiveDate,
    pub services: i32,
    pub hours: String,
    pub issuer: String,
    pub issued_at: DateTime<Utc>,
}

/// What the platform holds of a person's service: every service that counts (by the one
/// rule) and every certificate issued to them, for their data export.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ServiceRecord {
    pub services: Vec<RecordedService>,
    pub total_hours: String,
    pub certificates: Vec<RecordedCertificate>,
}

fn hours(tenths: i64) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

pub async fn service_record_of(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<ServiceRecord, EventError> {
    let today = now.with_timezone(&crate::schedule::shanghai()).date_naive();
    let first = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(today);
    let lines = services_of(db, person_id, first, today, now).await?;
    let total: i64 = lines.iter().map(|l| i64::from(l.tenths)).sum();
    Ok(ServiceRecord {
        services: lines
            .into_iter()
            .map(|l| RecordedService {
                date: l
                    .event
                    .starts_at
                    .with_timezone(&crate::schedule::shanghai())
                    .date_naive(),
                event: l.event.title,
                place: l.event.place,
                service: l.stall.service.as_str(),
                organization_id: l.stall.organization_id,
                hours: hours(i64::from(l.tenths)),
            })
            .collect(),
        total_hours: hours(total),
        certificates: of_person(db, person_id)
            .await?
            .into_iter()
            .map(|c| RecordedCertificate {
                number: c.number,
                period_from: c.period_from,
                period_until: c.period_until,
                services: c.services,
                hours: hours(c.hours_tenths),
                issuer: c.issuer,
                issued_at: c.issued_at,
            })
            .collect(),
    })
}

/// A person's certificates, newest first.
pub async fn of_person(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<Vec<certificate::Model>, EventError> {
    Ok(certificate::Entity::find()
        .filter(certificate::Column::PersonId.eq(person_id))
        .order_by_desc(certificate::Column::IssuedAt)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_carry_a_check_character() {
        for _ in 0..50 {
            let number = new_number();
            assert!(well_formed(&number), "{number}");
            // Changing any one character of the body is noticed.
            for position in 4..14 {
                let mut altered = number.clone().into_bytes();
                altered[position] = if altered[position] == b'A' {
                    b'B'
                } else {
                    b'A'
                };
                assert!(
                    !well_formed(std::str::from_utf8(&altered).unwrap()),
                    "{number} at {position}"
                );
            }
        }
        assert!(!well_formed("WYF-123"));
        assert!(!well_formed("XYZ-2345678923A"));
    }
}
