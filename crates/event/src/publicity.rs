//! 公示: confirmed hours are posted publicly (masked names, service, hours) for a number
//! of working days before they stand. Anyone may object to a posted record while it is
//! posted; an open objection holds the record back until staff resolve it, by a correction
//! (a new hour entry with a reason, as any correction) or a dismissal with a reason.
//! Only hours that stand go on certificates and into the national-practice export.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use member::entities::{organization, person};
use member::fields::mask_name;
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::{PaginatorTrait, QueryOrder, QuerySelect, Set};

use crate::EventError;
use crate::entities::{event, hour_entry, objection, service_record, shift, stall};
use crate::records::{self, NewEntry, OBJECTION_OPEN};
use crate::schedule::{at, shanghai};
use crate::stalls::Service;

pub use crate::entities::objection::Model as Objection;

/// How long hours are posted: working days, skipping weekends and the holidays in the
/// settings, counting the make-up working days (调休) that fall on a weekend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    /// Working days of posting after the day of confirmation; 0 posts nothing and hours
    /// stand at once.
    pub days: u16,
    pub holidays: BTreeSet<NaiveDate>,
    pub workdays: BTreeSet<NaiveDate>,
}

impl Rule {
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.workdays.contains(&day) {
            return true;
        }
        !self.holidays.contains(&day) && day.weekday().number_from_monday() <= 5
    }

    /// The last day of posting for hours confirmed at `confirmed` (Shanghai): the
    /// `days`-th working day after the day of confirmation. None when nothing is posted.
    pub fn last_day(&self, confirmed: DateTime<Utc>) -> Option<NaiveDate> {
        let mut day = confirmed.with_timezone(&shanghai()).date_naive();
        let mut left = self.days;
        // A year of holidays cannot hold more than a year: the guard only stops a loop.
        for _ in 0..3660 {
            if left == 0 {
                return Some(day);
            }
            day = day.succ_opt()?;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }

    /// When hours confirmed at `confirmed` stand: the start of the day after the last day
    /// of posting (Shanghai), or at once when nothing is posted.
    pub fn stands_at(&self, confirmed: DateTime<Utc>) -> DateTime<Utc> {
        if self.days == 0 {
            return confirmed;
        }
        match self.last_day(confirmed).and_then(|d| d.succ_opt()) {
            Some(next) => at(next, NaiveTime::MIN),
            None => confirmed,
        }
    }
}

/// `2026-10-01..2026-10-07,2027-01-01`: dates and inclusive ranges, comma-separated.
pub fn parse_dates(text: &str) -> Result<BTreeSet<NaiveDate>, String> {
    let date = |part: &str| {
        NaiveDate::parse_from_str(part.trim(), "%Y-%m-%d")
            .map_err(|_| format!("not a date (YYYY-MM-DD): {part:?}"))
    };
    let mut dates = BTreeSet::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (first, last) = match part.split_once("..") {
            Some((a, b)) => (date(a)?, date(b)?),
            None => (date(part)?, date(part)?),
        };
        if last < first || (last - first).num_days() > 366 {
            return Err(format!("not a range of at most a year: {part:?}"));
        }
        dates.extend(first.iter_days().take_while(|d| *d <= last));
    }
    Ok(dates)
}

/// One record as posted.
#[derive(Clone, Debug)]
pub struct PostedLine {
    pub record_id: Uuid,
    /// 张*: never the whole name on the public page.
    pub name: String,
    pub organization: String,
    pub service: Service,
    pub tenths: i32,
    /// The last day of posting (Shanghai).
    pub until: NaiveDate,
    /// An objection to it is open: it stands only once staff have resolved it.
    pub objected: bool,
}

/// A market day or activity with the records it has posted.
#[derive(Clone, Debug)]
pub struct PostedEvent {
    pub event: event::Model,
    pub lines: Vec<PostedLine>,
}

/// The current entries of records still posted or held back by an objection:
/// (record, tenths, stands_at).
async fn posted_entries(
    db: &impl ConnectionTrait,
    held: &HashSet<Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<(service_record::Model, i32, DateTime<Utc>)>, EventError> {
    let entries: Vec<(Uuid, i32, DateTime<Utc>)> = records::counted_hour_entries()
        .select_only()
        .column(hour_entry::Column::RecordId)
        .column(hour_entry::Column::Tenths)
        .column(hour_entry::Column::StandsAt)
        .filter(
            sea_orm::Condition::any()
                .add(hour_entry::Column::StandsAt.gt(now))
                .add(hour_entry::Column::RecordId.is_in(held.iter().copied().collect::<Vec<_>>())),
        )
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = entries.iter().map(|e| e.0).collect();
    let mut found: HashMap<Uuid, service_record::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        for record in service_record::Entity::find()
            .filter(service_record::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            found.insert(record.id, record);
        }
    }
    Ok(entries
        .into_iter()
        .filter_map(|(id, tenths, stands_at)| Some((found.remove(&id)?, tenths, stands_at)))
        .collect())
}

async fn open_objection_records(db: &impl ConnectionTrait) -> Result<HashSet<Uuid>, EventError> {
    Ok(objection::Entity::find()
        .select_only()
        .column(objection::Column::RecordId)
        .filter(objection::Column::Status.eq(OBJECTION_OPEN))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// What `/publicity` shows: every record whose hours are posted now, or held back by an
/// objection, by market day (newest first), names masked.
pub async fn posted(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<PostedEvent>, EventError> {
    let held = open_objection_records(db).await?;
    let entries = posted_entries(db, &held, now).await?;
    let places = Places::load(db, entries.iter().map(|e| e.0.shift_id)).await?;
    let mut by_event: HashMap<Uuid, PostedEvent> = HashMap::new();
    for (record, tenths, stands_at) in entries {
        let Some((stall, event)) = places.of(record.shift_id) else {
            continue;
        };
        let line = PostedLine {
            record_id: record.id,
            name: mask_name(
                places
                    .people
                    .get(&record.person_id)
                    .map_or("", String::as_str),
            ),
            organization: places.organization(stall.organization_id),
            service: stall.service,
            tenths,
            until: (stands_at.with_timezone(&shanghai()).date_naive().pred_opt())
                .unwrap_or_default(),
            objected: held.contains(&record.id),
        };
        by_event
            .entry(event.id)
            .or_insert_with(|| PostedEvent {
                event: event.clone(),
                lines: Vec::new(),
            })
            .lines
            .push(line);
    }
    let mut events: Vec<PostedEvent> = by_event.into_values().collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.event.starts_at));
    for posted in &mut events {
        posted
            .lines
            .sort_by(|a, b| (a.service.as_str(), &a.name).cmp(&(b.service.as_str(), &b.name)));
    }
    Ok(events)
}

/// The shifts, stalls, events, people and organizations that some records belong to.
struct Places {
    shifts: HashMap<Uuid, shift::Model>,
    stalls: HashMap<Uuid, stall::Model>,
    events: HashMap<Uuid, event::Model>,
    people: HashMap<Uuid, String>,
    organizations: HashMap<Uuid, String>,
}

impl Places {
    async fn load(
        db: &impl ConnectionTrait,
        shift_ids: impl Iterator<Item = Uuid>,
    ) -> Result<Places, EventError> {
        let shift_ids: Vec<Uuid> = shift_ids.collect::<HashSet<_>>().into_iter().collect();
        let shifts = shift::Entity::find()
            .filter(shift::Column::Id.is_in(shift_ids))
            .all(db)
            .await?;
        let stall_ids: HashSet<Uuid> = shifts.iter().map(|s| s.stall_id).collect();
        let stalls = stall::Entity::find()
            .filter(stall::Column::Id.is_in(stall_ids))
            .all(db)
            .await?;
        let event_ids: HashSet<Uuid> = stalls.iter().map(|s| s.event_id).collect();
        let org_ids: HashSet<Uuid> = stalls.iter().map(|s| s.organization_id).collect();
        let events = event::Entity::find()
            .filter(event::Column::Id.is_in(event_ids))
            .all(db)
            .await?;
        let organizations = organization::Entity::find()
            .filter(organization::Column::Id.is_in(org_ids))
            .all(db)
            .await?;
        let shift_ids: Vec<Uuid> = shifts.iter().map(|s| s.id).collect();
        let person_ids: Vec<Uuid> = service_record::Entity::find()
            .select_only()
            .column(service_record::Column::PersonId)
            .filter(service_record::Column::ShiftId.is_in(shift_ids))
            .distinct()
            .into_tuple()
            .all(db)
            .await?;
        let mut people = HashMap::new();
        for chunk in person_ids.chunks(500) {
            for p in person::Entity::find()
                .filter(person::Column::Id.is_in(chunk.to_vec()))
                .all(db)
                .await?
            {
                people.insert(p.id, p.name);
            }
        }
        Ok(Places {
            shifts: shifts.into_iter().map(|s| (s.id, s)).collect(),
            stalls: stalls.into_iter().map(|s| (s.id, s)).collect(),
            events: events.into_iter().map(|e| (e.id, e)).collect(),
            people,
            organizations: organizations.into_iter().map(|o| (o.id, o.name)).collect(),
        })
    }

    fn of(&self, shift_id: Uuid) -> Option<(&stall::Model, &event::Model)> {
        let stall = self.stalls.get(&self.shifts.get(&shift_id)?.stall_id)?;
        Some((stall, self.events.get(&stall.event_id)?))
    }

    fn organization(&self, id: Uuid) -> String {
        self.organizations.get(&id).cloned().unwrap_or_default()
    }
}

/// An objection as typed on the public page.
#[derive(Clone, Debug, Default)]
pub struct ObjectionInput {
    pub reason: String,
    /// Optional: how staff can reach whoever objected.
    pub contact: String,
}

impl ObjectionInput {
    /// The reason (required) and the contact, trimmed, within their lengths.
    fn checked(&self) -> Result<(&str, &str), EventError> {
        let (reason, contact) = (self.reason.trim(), self.contact.trim());
        let mut errors = Vec::new();
        if reason.is_empty() {
            errors.push(FieldError::new("reason", "error-required"));
        } else if reason.chars().count() > 500 {
            errors.push(FieldError::new("reason", "error-too-long"));
        }
        if contact.chars().count() > 100 {
            errors.push(FieldError::new("contact", "error-too-long"));
        }
        if errors.is_empty() {
            Ok((reason, contact))
        } else {
            Err(EventError::Invalid(errors))
        }
    }
}

/// Objections one client address may raise within an hour.
pub const OBJECTIONS_PER_ADDRESS_PER_HOUR: u64 = 5;

/// Anyone (signed in or not) objects to a record while it is posted.
pub async fn raise(
    db: &DatabaseConnection,
    actor: Option<&Actor>,
    record_id: Uuid,
    input: &ObjectionInput,
    address: &str,
    now: DateTime<Utc>,
) -> Result<objection::Model, EventError> {
    let record = service_record::Entity::find_by_id(record_id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)?;
    let posted_now = records::counted_hour_entries()
        .filter(hour_entry::Column::RecordId.eq(record.id))
        .filter(hour_entry::Column::StandsAt.gt(now))
        .count(db)
        .await?
        > 0;
    if !posted_now {
        return Err(EventError::field("reason", "error-objection-not-posted"));
    }
    let (reason, contact) = input.checked()?;
    let raised_from = member::secrets::digest(&format!("objection|{address}"));
    let lately = objection::Entity::find()
        .filter(objection::Column::RaisedFrom.eq(raised_from.as_str()))
        .filter(objection::Column::RaisedAt.gt(now - chrono::Duration::hours(1)))
        .count(db)
        .await?;
    if lately >= OBJECTIONS_PER_ADDRESS_PER_HOUR {
        return Err(EventError::field("reason", "error-objections-too-many"));
    }
    let txn = tx::begin_write(db).await?;
    let raised = objection::ActiveModel {
        id: Set(Uuid::now_v7()),
        record_id: Set(record.id),
        reason: Set(reason.to_owned()),
        contact: Set(contact.to_owned()),
        raised_by: Set(actor.map(|a| a.person_id)),
        raised_from: Set(raised_from),
        raised_at: Set(now),
        status: Set(OBJECTION_OPEN.to_owned()),
        resolution: Set(String::new()),
        resolved_by: Set(None),
        resolved_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor.map(|a| a.person_id),
        "publicity.object",
        "person",
        Some(record.person_id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(raised)
}

/// Someone leaving: the objections they raised stay (with their reasons and resolutions)
/// but no longer say who raised them or how to reach them.
pub(crate) async fn forget_objector(
    txn: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<(), EventError> {
    objection::Entity::update_many()
        .col_expr(
            objection::Column::RaisedBy,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(objection::Column::Contact, Expr::value(""))
        .filter(objection::Column::RaisedBy.eq(person_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// An objection as staff see it: the record's whole name and where it was served.
#[derive(Clone, Debug)]
pub struct ObjectionView {
    pub objection: objection::Model,
    pub name: String,
    pub event: event::Model,
    pub organization: String,
    pub service: Service,
    pub shift: shift::Model,
    /// The record's current hours.
    pub tenths: i32,
}

/// Every objection, open ones first, then the newest; for staff.
pub async fn objections(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<ObjectionView>, EventError> {
    if !actor.is_staff() {
        return Err(EventError::Forbidden);
    }
    let all = objection::Entity::find()
        .order_by_desc(objection::Column::RaisedAt)
        .limit(500)
        .all(db)
        .await?;
    let records = service_record::Entity::find()
        .filter(service_record::Column::Id.is_in(all.iter().map(|o| o.record_id)))
        .all(db)
        .await?;
    let current: HashMap<Uuid, i32> = records::current_hour_entries()
        .select_only()
        .column(hour_entry::Column::RecordId)
        .column(hour_entry::Column::Tenths)
        .filter(hour_entry::Column::RecordId.is_in(records.iter().map(|r| r.id)))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let places = Places::load(db, records.iter().map(|r| r.shift_id)).await?;
    let records: HashMap<Uuid, service_record::Model> =
        records.into_iter().map(|r| (r.id, r)).collect();
    let mut views: Vec<ObjectionView> = all
        .into_iter()
        .filter_map(|objection| {
            let record = records.get(&objection.record_id)?;
            let (stall, event) = places.of(record.shift_id)?;
            Some(ObjectionView {
                name: places
                    .people
                    .get(&record.person_id)
                    .cloned()
                    .unwrap_or_default(),
                event: event.clone(),
                organization: places.organization(stall.organization_id),
                service: stall.service,
                shift: places.shifts.get(&record.shift_id)?.clone(),
                tenths: current.get(&record.id).copied().unwrap_or(0),
                objection,
            })
        })
        .collect();
    views.sort_by_key(|v| v.objection.status != OBJECTION_OPEN);
    Ok(views)
}

/// How staff resolve an objection.
#[derive(Clone, Debug)]
pub enum Resolution {
    /// The record was right: it stands as it is (once its posting is over).
    Dismiss { reason: String },
    /// The record was wrong: new hours, as a correction with this reason.
    Correct { hours: String, reason: String },
}

impl Resolution {
    /// The objection's new status, the reason, and the corrected tenths if any.
    async fn checked(
        &self,
        db: &impl ConnectionTrait,
        record: &service_record::Model,
    ) -> Result<(&'static str, &str, Option<i32>), EventError> {
        let (status, reason, correction) = match self {
            Resolution::Dismiss { reason } => ("dismissed", reason.trim(), None),
            Resolution::Correct { hours, reason } => {
                let shift = crate::stalls::find_shift(db, record.shift_id).await?;
                let tenths = records::checked_hours(&shift, hours, reason.trim(), true)?;
                ("corrected", reason.trim(), Some(tenths))
            }
        };
        if reason.is_empty() {
            return Err(EventError::field("reason", "error-objection-reason"));
        }
        if reason.chars().count() > 500 {
            return Err(EventError::field("reason", "error-too-long"));
        }
        Ok((status, reason, correction))
    }
}

/// Staff resolve an open objection, in one transaction with the correction if any. A
/// correction keeps the posting's end: the record was already posted and objected to.
pub async fn resolve(
    db: &DatabaseConnection,
    actor: &Actor,
    objection_id: Uuid,
    resolution: &Resolution,
    now: DateTime<Utc>,
) -> Result<objection::Model, EventError> {
    if !actor.is_staff() {
        return Err(EventError::Forbidden);
    }
    let found = objection::Entity::find_by_id(objection_id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)?;
    if found.status != OBJECTION_OPEN {
        return Err(EventError::field("reason", "error-objection-resolved"));
    }
    let record = service_record::Entity::find_by_id(found.record_id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)?;
    let (status, reason, correction) = resolution.checked(db, &record).await?;
    let txn = tx::begin_write(db).await?;
    // Only one resolution wins when two staff resolve at once.
    let closed = objection::Entity::update_many()
        .col_expr(objection::Column::Status, Expr::value(status))
        .col_expr(objection::Column::Resolution, Expr::value(reason))
        .col_expr(objection::Column::ResolvedBy, Expr::value(actor.person_id))
        .col_expr(objection::Column::ResolvedAt, Expr::value(now))
        .filter(objection::Column::Id.eq(found.id))
        .filter(objection::Column::Status.eq(OBJECTION_OPEN))
        .exec(&txn)
        .await?;
    if closed.rows_affected != 1 {
        return Err(EventError::field("reason", "error-objection-resolved"));
    }
    if let Some(tenths) = correction {
        let stands_at = records::current_hour_entries()
            .filter(hour_entry::Column::RecordId.eq(record.id))
            .one(&txn)
            .await?
            .map_or(now, |entry| entry.stands_at);
        NewEntry {
            tenths,
            reason,
            stands_at,
            correcting: true,
        }
        .add(&txn, actor, &record, now)
        .await?;
    }
    audit::record(
        &txn,
        Some(actor.person_id),
        "publicity.resolve",
        "person",
        Some(record.person_id),
        status,
    )
    .await?;
    txn.commit().await?;
    objection::Entity::find_by_id(found.id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(days: u16) -> Rule {
        Rule {
            days,
            holidays: parse_dates("2026-10-01..2026-10-07").unwrap(),
            workdays: parse_dates("2026-10-10").unwrap(),
        }
    }

    fn shanghai_noon(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        at(
            NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        )
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn posting_skips_weekends() {
        // Confirmed on Friday 2026-11-27: Mon 30, Tue 1, Wed 2 are the three days.
        let confirmed = shanghai_noon(2026, 11, 27);
        assert_eq!(rule(3).last_day(confirmed), Some(day(2026, 12, 2)));
        assert_eq!(
            rule(3).stands_at(confirmed),
            at(day(2026, 12, 3), NaiveTime::MIN)
        );
        // On Monday: Tue, Wed, Thu.
        assert_eq!(
            rule(3).last_day(shanghai_noon(2026, 11, 30)),
            Some(day(2026, 12, 3))
        );
    }

    #[test]
    fn posting_skips_holidays_and_counts_makeup_days() {
        // Confirmed Wed 2026-09-30: 1–7 Oct are holidays, Thu 8, Fri 9, and Sat 10 (调休).
        assert_eq!(
            rule(3).last_day(shanghai_noon(2026, 9, 30)),
            Some(day(2026, 10, 10))
        );
        // Without the make-up day it runs to Monday the 12th.
        let plain = Rule {
            workdays: BTreeSet::new(),
            ..rule(3)
        };
        assert_eq!(
            plain.last_day(shanghai_noon(2026, 9, 30)),
            Some(day(2026, 10, 12))
        );
    }

    #[test]
    fn no_posting_stands_at_once() {
        let confirmed = shanghai_noon(2026, 11, 27);
        assert_eq!(rule(0).stands_at(confirmed), confirmed);
    }

    #[test]
    fn dates_parse_with_ranges() {
        assert_eq!(
            parse_dates("2026-10-01..2026-10-03, 2027-01-01")
                .unwrap()
                .len(),
            4
        );
        assert!(parse_dates("2026-10-03..2026-10-01").is_err());
        assert!(parse_dates("10/01").is_err());
        assert!(parse_dates("").unwrap().is_empty());
    }

    #[test]
    fn a_late_evening_confirmation_is_of_its_shanghai_day() {
        // 23:30 in Shanghai on Friday is 15:30 UTC the same day.
        let confirmed = at(
            day(2026, 11, 27),
            NaiveTime::from_hms_opt(23, 30, 0).unwrap(),
        );
        assert_eq!(rule(1).last_day(confirmed), Some(day(2026, 11, 30)));
    }
}
