//! Volunteer service certificates (志愿服务证明). A certificate freezes a person's
//! confirmed services and hours for a period under a number with a check character, so a
//! mistyped or altered number is told apart from an unknown one.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, QueryOrder, QuerySelect, Set};

use crate::EventError;
use crate::entities::{certificate, event, hour_entry, service_record, shift, stall};
use crate::records::format_hours as hours;
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
    /// Who entered the hours that count (a leader or staff): 确认人.
    pub confirmed_by: Uuid,
}

impl ServiceLine {
    /// The day of the service, in Shanghai.
    pub fn date(&self) -> NaiveDate {
        self.event
            .starts_at
            .with_timezone(&crate::schedule::shanghai())
            .date_naive()
    }
}

/// A person's services in `[from, until]` (Shanghai dates) whose hours stand by `now`
/// (their 公示 over, no objection open), oldest first: hours still posted are certified
/// only once they stand.
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
    // The hours that count, by the one rule the dashboard and "my shifts" use, that stand.
    let counted: Vec<(i32, Uuid, Uuid)> = crate::records::official_hour_entries(now)
        .select_only()
        .column(hour_entry::Column::Tenths)
        .column(service_record::Column::ShiftId)
        .column(hour_entry::Column::EnteredBy)
        .filter(service_record::Column::PersonId.eq(person_id))
        .into_tuple()
        .all(db)
        .await?;
    for (tenths, shift_id, confirmed_by) in counted {
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
            confirmed_by,
        });
    }
    lines.sort_by_key(|l| l.event.starts_at);
    Ok(lines)
}

/// Who issues certificates, as printed on them (the street office, from the settings).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Issuer {
    pub name: String,
    /// 负责人
    pub leader: String,
    /// 经办人
    pub clerk: String,
    /// 联系电话
    pub contact: String,
}

/// One service as certified.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertifiedService {
    pub date: NaiveDate,
    pub event: String,
    /// The stall's service code (`haircut`, …).
    pub service: String,
    pub organization_id: Uuid,
    pub organization: String,
    pub tenths: i32,
}

impl CertifiedService {
    /// What a correction can change: names may be edited later without changing what
    /// was certified.
    fn key(&self) -> (NaiveDate, &str, Uuid, i32) {
        (self.date, &self.service, self.organization_id, self.tenths)
    }
}

/// An identity document the volunteer chose to have on the certificate, as typed.
#[derive(Clone, Debug, Default)]
pub struct IdentityInput {
    /// `resident_id` (居民身份证), `passport`, `other`; empty for none.
    pub kind: String,
    pub number: String,
    /// The volunteer agrees to the masked number being printed and checked publicly.
    pub consent: bool,
}

impl IdentityInput {
    /// "居民身份证 3301**********1234": the kind and the number masked, never more. The
    /// full number is not stored anywhere.
    fn masked(&self, errors: &mut Vec<FieldError>) -> Option<String> {
        let number: String = self.number.chars().filter(|c| !c.is_whitespace()).collect();
        if number.is_empty() && self.kind.trim().is_empty() {
            return None;
        }
        let kind = match self.kind.trim() {
            "resident_id" => "居民身份证",
            "passport" => "护照",
            "other" => "其他证件",
            _ => {
                errors.push(FieldError::new("id_kind", "error-choose-one"));
                return None;
            }
        };
        let len = number.chars().count();
        if !(6..=30).contains(&len) || !number.chars().all(|c| c.is_ascii_alphanumeric()) {
            errors.push(FieldError::new("id_number", "error-id-number"));
            return None;
        }
        if !self.consent {
            errors.push(FieldError::new("id_consent", "error-id-consent"));
            return None;
        }
        let chars: Vec<char> = number.to_ascii_uppercase().chars().collect();
        let shown = if len >= 12 { 4 } else { 2 };
        let masked: String = chars
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < shown || i >= len - shown {
                    *c
                } else {
                    '*'
                }
            })
            .collect();
        Some(format!("{kind} {masked}"))
    }
}

/// What a certificate certified, stored when it is issued.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// The holder's name, masked as issued (it stays after the account is deleted).
    pub holder: String,
    /// The organizations that organized and recorded the services, in order of service.
    pub organizations: Vec<String>,
    pub services: Vec<CertifiedService>,
    pub issuer: Issuer,
    /// The identity document, masked, when the volunteer asked for it with consent.
    #[serde(default)]
    pub identity: Option<String>,
    /// The holder's platform number (志愿者编号); none on certificates issued before numbers.
    #[serde(default)]
    pub volunteer_number: Option<String>,
}

impl Snapshot {
    /// The snapshot stored with a certificate; none for one issued before snapshots.
    pub fn of(found: &certificate::Model) -> Option<Snapshot> {
        serde_json::from_str(&found.content).ok()
    }

    /// What a certificate says: its stored snapshot, or for one issued before snapshots
    /// were kept, its services as recorded when it was issued.
    pub async fn or_recorded(
        db: &impl ConnectionTrait,
        found: &certificate::Model,
    ) -> Result<Snapshot, EventError> {
        if let Some(snapshot) = Snapshot::of(found) {
            return Ok(snapshot);
        }
        let (from, until) = (found.period_from, found.period_until);
        let lines = services_of(db, found.person_id, from, until, found.issued_at).await?;
        let (holder, _) = member::privacy::name_and_phone(db, found.person_id).await?;
        let services = lines
            .into_iter()
            .map(|l| CertifiedService {
                date: l.date(),
                event: l.event.title,
                service: l.stall.service.as_str().to_owned(),
                organization_id: l.stall.organization_id,
                organization: String::new(),
                tenths: l.tenths,
            })
            .collect();
        Ok(Snapshot {
            holder: member::fields::mask_name(&holder),
            organizations: Vec::new(),
            services,
            issuer: Issuer {
                name: found.issuer.clone(),
                ..Default::default()
            },
            identity: None,
            volunteer_number: None,
        })
    }
}

/// Whether what a certificate says still holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    Current,
    /// Replaced after a correction by the certificate with this number.
    Superseded(String),
    /// The records changed after it was issued; no replacement has been asked for yet.
    Corrected,
}

/// The services of a person in a period as they now stand, ready to certify.
async fn certifiable(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    from: NaiveDate,
    until: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<CertifiedService>, EventError> {
    let lines = services_of(db, person_id, from, until, now).await?;
    let org_ids: Vec<Uuid> = lines.iter().map(|l| l.stall.organization_id).collect();
    let names: std::collections::HashMap<Uuid, String> =
        member::entities::organization::Entity::find()
            .filter(member::entities::organization::Column::Id.is_in(org_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
    Ok(lines
        .into_iter()
        .map(|l| CertifiedService {
            date: l.date(),
            event: l.event.title,
            service: l.stall.service.as_str().to_owned(),
            organization: names
                .get(&l.stall.organization_id)
                .cloned()
                .unwrap_or_default(),
            organization_id: l.stall.organization_id,
            tenths: l.tenths,
        })
        .collect())
}

fn same_services(a: &[CertifiedService], b: &[CertifiedService]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.key() == y.key())
}

/// Whether a certificate still says what the records say.
pub async fn standing(
    db: &impl ConnectionTrait,
    found: &certificate::Model,
    now: DateTime<Utc>,
) -> Result<Standing, EventError> {
    if let Some(by) = &found.superseded_by {
        return Ok(Standing::Superseded(by.clone()));
    }
    let current = certifiable(
        db,
        found.person_id,
        found.period_from,
        found.period_until,
        now,
    )
    .await?;
    let holds = match Snapshot::of(found) {
        Some(snapshot) => same_services(&snapshot.services, &current),
        // Issued before snapshots: the totals are all it stored.
        None => {
            let tenths: i64 = current.iter().map(|s| i64::from(s.tenths)).sum();
            usize::try_from(found.services).ok() == Some(current.len())
                && tenths == found.hours_tenths
        }
    };
    Ok(if holds {
        Standing::Current
    } else {
        Standing::Corrected
    })
}

/// A volunteer asks for a certificate of their own service in a period; the platform
/// issues it in the street office's name from the records that count (hours already
/// confirmed by those who ran the stalls). Asking again for the same period gives the same
/// certificate while nothing changed; after a correction it gives a new one, and the old
/// one says which number replaces it.
/// The period typed: two dates, the end not before the start nor after today.
fn checked_period(
    errors: &mut Vec<FieldError>,
    from: &str,
    until: &str,
    now: DateTime<Utc>,
) -> Option<(NaiveDate, NaiveDate)> {
    let mut date = |field: &'static str, s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| errors.push(FieldError::new(field, "error-date-invalid")))
            .ok()
    };
    let (from, until) = (date("from", from), date("until", until));
    let today = now.with_timezone(&crate::schedule::shanghai()).date_naive();
    if let (Some(f), Some(u)) = (from, until)
        && u < f
    {
        errors.push(FieldError::new("until", "error-end-before-start"));
    }
    if until.is_some_and(|u| u > today) {
        errors.push(FieldError::new("until", "error-period-in-future"));
    }
    Some((from?, until?))
}

impl Snapshot {
    /// What a new certificate will say: the holder's masked name, the organizations served
    /// with (in order of first service), the services, the issuer, the identity shown.
    async fn new(
        db: &impl ConnectionTrait,
        actor: &Actor,
        services: Vec<CertifiedService>,
        issuer: &Issuer,
        identity: Option<String>,
    ) -> Result<Snapshot, EventError> {
        let holder = member::entities::person::Entity::find_by_id(actor.person_id)
            .one(db)
            .await?
            .map(|p| member::fields::mask_name(&p.name))
            .unwrap_or_default();
        let volunteer_number = member::volunteer_record::numbers_of(db, [actor.person_id])
            .await?
            .remove(&actor.person_id);
        let mut organizations: Vec<String> = Vec::new();
        for service in &services {
            if !organizations.contains(&service.organization) {
                organizations.push(service.organization.clone());
            }
        }
        Ok(Snapshot {
            holder,
            organizations,
            services,
            issuer: Issuer {
                name: issuer.name.chars().take(100).collect(),
                leader: issuer.leader.chars().take(50).collect(),
                clerk: issuer.clerk.chars().take(50).collect(),
                contact: issuer.contact.chars().take(50).collect(),
            },
            identity,
            volunteer_number,
        })
    }
}

/// The earlier certificates of the period now say less than the truth: each points to the
/// one that replaces it.
async fn supersede(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    earlier: Vec<certificate::Model>,
    number: &str,
) -> Result<(), EventError> {
    for old in earlier {
        let replaced_number = old.number.clone();
        let mut replaced: certificate::ActiveModel = old.into();
        replaced.superseded_by = Set(Some(number.to_owned()));
        replaced.update(txn).await?;
        let by = Some(actor.person_id);
        let detail = format!("{replaced_number} → {number}");
        audit::record(txn, by, "certificate.supersede", "person", by, detail).await?;
    }
    Ok(())
}

pub async fn issue(
    db: &DatabaseConnection,
    actor: &Actor,
    from: &str,
    until: &str,
    identity: &IdentityInput,
    issuer: &Issuer,
    now: DateTime<Utc>,
) -> Result<certificate::Model, EventError> {
    let mut errors = Vec::new();
    let identity = identity.masked(&mut errors);
    let period = checked_period(&mut errors, from, until, now);
    let (Some((from, until)), true) = (period, errors.is_empty()) else {
        return Err(EventError::Invalid(errors));
    };
    let services = certifiable(db, actor.person_id, from, until, now).await?;
    if services.is_empty() {
        return Err(EventError::field("from", "error-no-service-in-period"));
    }
    let snapshot = Snapshot::new(db, actor, services, issuer, identity).await?;
    let content = serde_json::to_string(&snapshot)
        .map_err(|e| EventError::Database(DbErr::Custom(format!("certificate content: {e}"))))?;
    let txn = tx::begin_write(db).await?;
    let earlier = certificate::Entity::find()
        .filter(certificate::Column::PersonId.eq(actor.person_id))
        .filter(certificate::Column::PeriodFrom.eq(from))
        .filter(certificate::Column::PeriodUntil.eq(until))
        .filter(certificate::Column::SupersededBy.is_null())
        .all(&txn)
        .await?;
    // Nothing changed since the last one for this period: that one stands.
    if let Some(same) = earlier.iter().find(|c| {
        Snapshot::of(c).is_some_and(|s| {
            same_services(&s.services, &snapshot.services)
                && s.issuer == snapshot.issuer
                && s.identity == snapshot.identity
        })
    }) {
        return Ok(same.clone());
    }
    let issued = certificate::ActiveModel {
        number: Set(new_number()),
        person_id: Set(actor.person_id),
        period_from: Set(from),
        period_until: Set(until),
        services: Set(i32::try_from(snapshot.services.len()).unwrap_or(i32::MAX)),
        hours_tenths: Set(snapshot.services.iter().map(|s| i64::from(s.tenths)).sum()),
        issuer: Set(snapshot.issuer.name.clone()),
        issued_at: Set(now),
        content_hash: Set(member::secrets::digest(&content)),
        content: Set(content),
        superseded_by: Set(None),
    }
    .insert(&txn)
    .await?;
    supersede(&txn, actor, earlier, &issued.number).await?;
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
    /// What was done (the stall's description).
    pub content: String,
    pub organization_id: Uuid,
    /// The organizer, by name (the stall's organization).
    pub organization: String,
    /// The hours that count, as the dashboard counts them.
    pub hours: String,
    /// Who confirmed the hours (a leader or staff), by name: 67号令's "确认人".
    pub confirmed_by: String,
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

pub async fn service_record_of(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<ServiceRecord, EventError> {
    let today = now.with_timezone(&crate::schedule::shanghai()).date_naive();
    let first = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(today);
    let lines = services_of(db, person_id, first, today, now).await?;
    let total: i64 = lines.iter().map(|l| i64::from(l.tenths)).sum();
    let confirmers = member::privacy::names(db, lines.iter().map(|l| l.confirmed_by)).await?;
    let organizations: std::collections::HashMap<Uuid, String> = member::orgs::all_by_name(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok(ServiceRecord {
        services: lines
            .into_iter()
            .map(|l| RecordedService {
                date: l.date(),
                event: l.event.title,
                place: l.event.place,
                service: l.stall.service.as_str(),
                content: l.stall.description,
                organization_id: l.stall.organization_id,
                organization: (organizations.get(&l.stall.organization_id).cloned())
                    .unwrap_or_default(),
                hours: hours(i64::from(l.tenths)),
                confirmed_by: confirmers.get(&l.confirmed_by).cloned().unwrap_or_default(),
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
