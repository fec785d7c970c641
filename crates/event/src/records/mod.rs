//! What happened on the day: volunteers check in and out by scanning their shift's QR
//! code, leaders mark attendance and confirm hours (corrections are new entries, never
//! edits), and each stall reports the residents it served.

use chrono::{DateTime, NaiveTime, Utc};
use member::entities::person;
use member::notices::{self, Kind};
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    Condition, DatabaseConnection, JoinType, PaginatorTrait, QueryOrder, QuerySelect, Set,
};

use crate::EventError;
use crate::entities::{hour_entry, objection, service_record, shift, signup, stall};
use crate::schedule::{at, shanghai};
use crate::signups::SignupStatus;
use crate::stalls::{find_shift, find_stall};

mod residents;
pub use residents::{BeneficiaryInput, beneficiary_history, report_beneficiaries};

pub mod official;
pub mod tally;
pub mod visits;

mod checkin;
pub use checkin::{
    CHECKIN_OPENS_BEFORE, Scan, ScanStep, checkin_token, scan, scan_standing, scan_step,
    shift_for_token,
};

fn require_manager(actor: &Actor, stall: &stall::Model) -> Result<(), EventError> {
    if actor.can_manage_org(stall.organization_id) {
        Ok(())
    } else {
        Err(EventError::Forbidden)
    }
}

async fn record_for(
    db: &impl ConnectionTrait,
    signup: &signup::Model,
) -> Result<service_record::Model, EventError> {
    if let Some(found) = service_record::Entity::find()
        .filter(service_record::Column::SignupId.eq(signup.id))
        .one(db)
        .await?
    {
        return Ok(found);
    }
    Ok(service_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        signup_id: Set(signup.id),
        shift_id: Set(signup.shift_id),
        person_id: Set(signup.person_id),
        checked_in_at: Set(None),
        checked_out_at: Set(None),
        attendance: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

/// Time served within the shift, in tenths of an hour (rounded to the nearest tenth).
pub fn served_tenths(shift: &shift::Model, record: &service_record::Model) -> Option<i32> {
    let (start, end) = (record.checked_in_at?, record.checked_out_at?);
    let start = start.max(shift.starts_at);
    let end = end.min(shift.ends_at);
    let minutes = (end - start).num_minutes().max(0);
    Some(i32::try_from((minutes + 3) / 6).unwrap_or(i32::MAX))
}

/// The shift's length in tenths, rounded as served time is (to the nearest tenth): no one
/// serves longer than their shift, and the served time prefilled is always accepted.
pub fn shift_tenths(shift: &shift::Model) -> i32 {
    i32::try_from(((shift.ends_at - shift.starts_at).num_minutes() + 3) / 6).unwrap_or(i32::MAX)
}

/// `1.5` → 15 tenths; one decimal at most.
pub fn parse_hours(input: &str) -> Result<i32, &'static str> {
    let input = input.trim();
    let (whole, fraction) = input.split_once('.').unwrap_or((input, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err("error-hours-invalid");
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err("error-hours-invalid");
    }
    if fraction.len() > 1 {
        return Err("error-hours-one-decimal");
    }
    let whole: i32 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| "error-hours-invalid")?
    };
    let tenth: i32 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| "error-hours-invalid")?
    };
    whole
        .checked_mul(10)
        .and_then(|t| t.checked_add(tenth))
        .ok_or("error-hours-invalid")
}

/// `15` → `1.5`: hours as every page, export and certificate prints them.
pub fn format_hours(tenths: impl Into<i64>) -> String {
    let tenths = tenths.into();
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The reason on the entry of 0 hours that marking someone 未到岗 adds.
pub const NO_SHOW_REASON: &str = "标记为未到岗";

/// Check-in and check-out times typed as `HH:MM` (each may be empty), out after in.
fn checked_times(
    shift: &shift::Model,
    checked_in: &str,
    checked_out: &str,
) -> Result<[Option<DateTime<Utc>>; 2], EventError> {
    let mut errors = Vec::new();
    let mut time = |field: &'static str, input: &str| match input.trim() {
        "" => None,
        typed => match NaiveTime::parse_from_str(typed, "%H:%M") {
            Ok(t) => Some(nearest_the_shift(shift, t)),
            Err(_) => {
                errors.push(FieldError::new(field, "error-time-invalid"));
                None
            }
        },
    };
    let checked_in = time("checked_in", checked_in);
    let checked_out = time("checked_out", checked_out);
    if let (Some(i), Some(o)) = (checked_in, checked_out)
        && o <= i
    {
        errors.push(FieldError::new("checked_out", "error-time-order"));
    }
    if errors.is_empty() {
        Ok([checked_in, checked_out])
    } else {
        Err(EventError::Invalid(errors))
    }
}

/// A clock time typed for a shift is on the shift's day; for a shift past midnight
/// (23:30 – 00:30) on whichever of its two days puts it nearer the shift.
fn nearest_the_shift(shift: &shift::Model, time: NaiveTime) -> DateTime<Utc> {
    let day_of = |t: DateTime<Utc>| t.with_timezone(&shanghai()).date_naive();
    let away = |moment: DateTime<Utc>| {
        if moment < shift.starts_at {
            shift.starts_at - moment
        } else {
            (moment - shift.ends_at).max(chrono::TimeDelta::zero())
        }
    };
    let first = at(day_of(shift.starts_at), time);
    let last = at(day_of(shift.ends_at), time);
    if away(last) < away(first) {
        last
    } else {
        first
    }
}

/// A no-show served no time: hours confirmed before are ended with a new entry of 0 (the
/// history keeps what was there).
async fn no_time_served(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    record_id: Uuid,
) -> Result<(), EventError> {
    let current = hour_entry::Entity::find()
        .filter(hour_entry::Column::RecordId.eq(record_id))
        .order_by_desc(hour_entry::Column::EnteredAt)
        .order_by_desc(hour_entry::Column::Id)
        .one(txn)
        .await?;
    if current.is_some_and(|entry| entry.tenths > 0) {
        hour_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            record_id: Set(record_id),
            tenths: Set(0),
            reason: Set(NO_SHOW_REASON.to_owned()),
            entered_by: Set(actor.person_id),
            entered_at: Set(Utc::now()),
            // Nothing to post: zero hours count nowhere.
            stands_at: Set(Utc::now()),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// A leader marks by hand whether a confirmed volunteer came, and may set the times
/// (`HH:MM`; e.g. to close a missing check-out).
pub async fn mark_attendance(
    db: &DatabaseConnection,
    actor: &Actor,
    signup_id: Uuid,
    attended: bool,
    checked_in: &str,
    checked_out: &str,
    now: DateTime<Utc>,
) -> Result<service_record::Model, EventError> {
    let signup = signup::Entity::find_by_id(signup_id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)?;
    let found = find_shift(db, signup.shift_id).await?;
    require_manager(actor, &find_stall(db, found.stall_id).await?)?;
    if signup.status != SignupStatus::Confirmed {
        return Err(EventError::field("attendance", "error-not-confirmed"));
    }
    if now < found.starts_at {
        return Err(EventError::field("attendance", "error-shift-not-started"));
    }
    let [checked_in, checked_out] = checked_times(&found, checked_in, checked_out)?;
    let txn = tx::begin_write(db).await?;
    let record = record_for(&txn, &signup).await?;
    let mut active: service_record::ActiveModel = record.into();
    active.attendance = Set(Some(
        if attended { "attended" } else { "no_show" }.to_owned(),
    ));
    if !attended {
        active.checked_in_at = Set(None);
        active.checked_out_at = Set(None);
    }
    if attended && checked_in.is_some() {
        active.checked_in_at = Set(checked_in);
    }
    if attended && checked_out.is_some() {
        active.checked_out_at = Set(checked_out);
    }
    let updated = active.update(&txn).await?;
    if !attended {
        no_time_served(&txn, actor, updated.id).await?;
    }
    audit::record(
        &txn,
        Some(actor.person_id),
        "service.attendance",
        "person",
        Some(signup.person_id),
        if attended { "attended" } else { "no_show" },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A leader confirms a record's hours, or corrects confirmed hours with a reason. Every
/// value is a new entry; the newest is current.
/// Hours typed for a shift: no more than the shift lasted; a correction says why.
pub(crate) fn checked_hours(
    shift: &shift::Model,
    hours: &str,
    reason: &str,
    correcting: bool,
) -> Result<i32, EventError> {
    let mut errors = Vec::new();
    let tenths = match parse_hours(hours) {
        Ok(t) if t > shift_tenths(shift) => {
            errors.push(FieldError::new("hours", "error-hours-over-shift"));
            None
        }
        Ok(t) => Some(t),
        Err(reason) => {
            errors.push(FieldError::new("hours", reason));
            None
        }
    };
    if correcting && reason.is_empty() {
        errors.push(FieldError::new("reason", "error-correction-reason"));
    }
    if reason.chars().count() > 500 {
        errors.push(FieldError::new("reason", "error-too-long"));
    }
    match (tenths, errors.is_empty()) {
        (Some(tenths), true) => Ok(tenths),
        _ => Err(EventError::Invalid(errors)),
    }
}

pub async fn enter_hours(
    db: &DatabaseConnection,
    actor: &Actor,
    record_id: Uuid,
    (hours, reason): (&str, &str),
    publicity: &crate::publicity::Rule,
    now: DateTime<Utc>,
) -> Result<hour_entry::Model, EventError> {
    let record = service_record::Entity::find_by_id(record_id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)?;
    let found = find_shift(db, record.shift_id).await?;
    require_manager(actor, &find_stall(db, found.stall_id).await?)?;
    // Hours are confirmed for time served: not before the shift has begun.
    if now < found.starts_at {
        return Err(EventError::field("hours", "error-shift-not-started"));
    }
    let earlier = hour_entry::Entity::find()
        .filter(hour_entry::Column::RecordId.eq(record.id))
        .count(db)
        .await?;
    let reason = reason.trim();
    let tenths = checked_hours(&found, hours, reason, earlier > 0)?;
    let txn = tx::begin_write(db).await?;
    let entry = NewEntry {
        tenths,
        reason,
        // Every value a leader enters is posted for the full period before it stands.
        stands_at: publicity.stands_at(now),
        correcting: earlier > 0,
    }
    .add(&txn, actor, &record, now)
    .await?;
    txn.commit().await?;
    Ok(entry)
}

/// A value of a record's hours about to be entered.
pub(crate) struct NewEntry<'a> {
    pub tenths: i32,
    pub reason: &'a str,
    pub stands_at: DateTime<Utc>,
    /// Not the first value: a correction (audited as such).
    pub correcting: bool,
}

impl NewEntry<'_> {
    /// Adds the entry inside the caller's transaction, audits it, gives the volunteer their
    /// platform number if this is their first service, and tells them.
    pub(crate) async fn add(
        self,
        txn: &impl ConnectionTrait,
        actor: &Actor,
        record: &service_record::Model,
        now: DateTime<Utc>,
    ) -> Result<hour_entry::Model, EventError> {
        let entry = hour_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            record_id: Set(record.id),
            tenths: Set(self.tenths),
            reason: Set(self.reason.to_owned()),
            entered_by: Set(actor.person_id),
            entered_at: Set(Utc::now()),
            stands_at: Set(self.stands_at),
        }
        .insert(txn)
        .await?;
        let action = if self.correcting {
            "service.hours_correct"
        } else {
            "service.hours_confirm"
        };
        audit::record(
            txn,
            Some(actor.person_id),
            action,
            "person",
            Some(record.person_id),
            format_hours(self.tenths),
        )
        .await?;
        member::volunteer_record::give_number(txn, record.person_id).await?;
        let mut notice = crate::notify::about_shift(txn, Kind::HoursConfirmed, record.shift_id)
            .await?
            .arg("hours", format_hours(self.tenths));
        notice.link = "/me/certificates".into();
        notices::send(txn, record.person_id, &notice, now).await?;
        Ok(entry)
    }
}

/// One confirmed volunteer of a shift, as the leader's attendance page shows them.
pub struct AttendanceLine {
    pub signup: signup::Model,
    pub name: String,
    pub record: Option<service_record::Model>,
    /// What check-in and check-out say, in tenths.
    pub served: Option<i32>,
    /// Newest first.
    pub hours: Vec<hour_entry::Model>,
}

pub struct ShiftAttendance {
    pub shift: shift::Model,
    pub lines: Vec<AttendanceLine>,
}

/// A stall's confirmed volunteers per shift, with their records and hours.
pub async fn attendance(
    db: &impl ConnectionTrait,
    actor: &Actor,
    stall_id: Uuid,
) -> Result<(stall::Model, Vec<ShiftAttendance>), EventError> {
    let stall = find_stall(db, stall_id).await?;
    require_manager(actor, &stall)?;
    let shifts = shift::Entity::find()
        .filter(shift::Column::StallId.eq(stall.id))
        .order_by_asc(shift::Column::StartsAt)
        .all(db)
        .await?;
    let mut result = Vec::new();
    for found in shifts {
        let signups = signup::Entity::find()
            .filter(signup::Column::ShiftId.eq(found.id))
            .filter(signup::Column::Status.eq(SignupStatus::Confirmed))
            .order_by_asc(signup::Column::CreatedAt)
            .all(db)
            .await?;
        let mut lines = Vec::new();
        for signup in signups {
            let name = person::Entity::find_by_id(signup.person_id)
                .one(db)
                .await?
                .map(|p| p.name)
                .unwrap_or_default();
            let record = service_record::Entity::find()
                .filter(service_record::Column::SignupId.eq(signup.id))
                .one(db)
                .await?;
            let hours = match &record {
                Some(r) => {
                    hour_entry::Entity::find()
                        .filter(hour_entry::Column::RecordId.eq(r.id))
                        .order_by_desc(hour_entry::Column::EnteredAt)
                        .order_by_desc(hour_entry::Column::Id)
                        .all(db)
                        .await?
                }
                None => Vec::new(),
            };
            lines.push(AttendanceLine {
                served: record.as_ref().and_then(|r| served_tenths(&found, r)),
                signup,
                name,
                record,
                hours,
            });
        }
        result.push(ShiftAttendance {
            shift: found,
            lines,
        });
    }
    Ok((stall, result))
}

/// A volunteer's confirmed service: how many records have confirmed hours, and the sum of
/// their current values, in tenths.
pub async fn confirmed_hours_of(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<(u64, i64), EventError> {
    let hours = hours_of(db, person_id, Utc::now()).await?;
    Ok((hours.services, hours.tenths))
}

/// A volunteer's confirmed service, counted in one pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServedHours {
    /// Records with confirmed hours.
    pub services: u64,
    /// The sum of their current values, in tenths.
    pub tenths: i64,
    /// Of those, the hours that stand (posting over, no objection open): what a
    /// certificate can show today.
    pub standing_tenths: i64,
    /// When the next of those still posted ends its posting.
    pub stands_next: Option<DateTime<Utc>>,
}

pub async fn hours_of(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<ServedHours, EventError> {
    use sea_orm::sea_query::{ExprTrait, Func};
    let standing = Func::sum(
        Expr::col((hour_entry::Entity, hour_entry::Column::Tenths)).mul(stands_as_number(now)),
    );
    let stands_at = || Expr::col((hour_entry::Entity, hour_entry::Column::StandsAt));
    let stands_next = Func::min(Expr::case(stands_at().gt(now), stands_at()).finally(Expr::null()));
    let (services, tenths, standing_tenths, stands_next) = counted_hour_entries()
        .select_only()
        .column_as(hour_entry::Column::Id.count(), "services")
        .column_as(hour_entry::Column::Tenths.sum(), "tenths")
        .expr_as(standing, "standing")
        .expr_as(stands_next, "stands_next")
        .filter(service_record::Column::PersonId.eq(person_id))
        .into_tuple::<(i64, Option<i64>, Option<i64>, Option<DateTime<Utc>>)>()
        .one(db)
        .await?
        .unwrap_or_default();
    Ok(ServedHours {
        services: u64::try_from(services).unwrap_or(0),
        tenths: tenths.unwrap_or(0),
        standing_tenths: standing_tenths.unwrap_or(0),
        stands_next,
    })
}

/// Whether a counted entry stands (已生效): its 公示 is over and no objection to its record
/// is open. Certificates and the national-practice export take only these; dashboards show
/// them apart from those still posted (公示中).
pub(crate) fn stands(now: DateTime<Utc>) -> Expr {
    use sea_orm::sea_query::ExprTrait;
    let open_objection = Query::select()
        .expr(Expr::val(1))
        .from(objection::Entity)
        .and_where(
            Expr::col((objection::Entity, objection::Column::RecordId))
                .equals((service_record::Entity, service_record::Column::Id)),
        )
        .and_where(Expr::col((objection::Entity, objection::Column::Status)).eq(OBJECTION_OPEN))
        .to_owned();
    Expr::col((hour_entry::Entity, hour_entry::Column::StandsAt))
        .lte(now)
        .and(Expr::exists(open_objection).not())
}

/// 1 for an entry that stands, 0 for one still posted: both summed in one pass.
pub(crate) fn stands_as_number(now: DateTime<Utc>) -> Expr {
    Expr::case(stands(now), 1).finally(0).into()
}

/// The counted hours that stand: the rule below, and [`stands`].
pub(crate) fn official_hour_entries(now: DateTime<Utc>) -> Select<hour_entry::Entity> {
    counted_hour_entries().filter(stands(now))
}

/// An objection not yet resolved: it holds its record's hours back.
pub(crate) const OBJECTION_OPEN: &str = "open";

/// The hours that count, the one rule for the dashboard, reports, "my shifts" and
/// certificates: each record's current entry when it is above zero, for a volunteer who
/// was not marked 未到岗 and whose sign-up still stands (a sign-up cancelled, as when an
/// account is deleted before the day, never counts).
pub(crate) fn counted_hour_entries() -> Select<hour_entry::Entity> {
    let of_signup: RelationDef = service_record::Entity::belongs_to(signup::Entity)
        .from(service_record::Column::SignupId)
        .to(signup::Column::Id)
        .into();
    current_hour_entries()
        .join(JoinType::InnerJoin, of_signup)
        .filter(hour_entry::Column::Tenths.gt(0))
        .filter(
            Condition::any()
                .add(service_record::Column::Attendance.is_null())
                .add(service_record::Column::Attendance.ne("no_show")),
        )
        .filter(signup::Column::Status.ne(SignupStatus::Cancelled))
}

/// Every record's current hours: its hour entries (joined with the record, so callers can
/// filter by shift or person) for which no newer entry exists. The database picks the
/// newest, so a year of records leaves it as one row each, in one query.
pub(crate) fn current_hour_entries() -> Select<hour_entry::Entity> {
    // Scoped: its `max`/`min` would shadow `Ord`'s on times elsewhere in this module.
    use sea_orm::sea_query::ExprTrait;
    let newer = Alias::new("newer");
    let this = |column: hour_entry::Column| Expr::col((hour_entry::Entity, column));
    let other = |column: hour_entry::Column| Expr::col((newer.clone(), column));
    let newer_entry = Query::select()
        .expr(Expr::val(1))
        .from_as(hour_entry::Entity, newer.clone())
        .and_where(other(hour_entry::Column::RecordId).eq(this(hour_entry::Column::RecordId)))
        .cond_where(
            Condition::any()
                .add(other(hour_entry::Column::EnteredAt).gt(this(hour_entry::Column::EnteredAt)))
                .add(
                    Condition::all()
                        .add(
                            other(hour_entry::Column::EnteredAt)
                                .eq(this(hour_entry::Column::EnteredAt)),
                        )
                        .add(other(hour_entry::Column::Id).gt(this(hour_entry::Column::Id))),
                ),
        )
        .to_owned();
    let of_record: RelationDef = hour_entry::Entity::belongs_to(service_record::Entity)
        .from(hour_entry::Column::RecordId)
        .to(service_record::Column::Id)
        .into();
    hour_entry::Entity::find()
        .join(JoinType::InnerJoin, of_record)
        .filter(Expr::exists(newer_entry).not())
}

/// The stall a sign-up is for (the attendance page it belongs to).
pub async fn stall_of_signup(
    db: &impl ConnectionTrait,
    signup_id: Uuid,
) -> Result<Uuid, EventError> {
    let found = signup::Entity::find_by_id(signup_id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)?;
    Ok(crate::stalls::find_shift(db, found.shift_id)
        .await?
        .stall_id)
}

/// The stall a service record is for, and the record's sign-up (its line on the page).
pub async fn stall_of_record(
    db: &impl ConnectionTrait,
    record_id: Uuid,
) -> Result<(Uuid, Uuid), EventError> {
    let found = service_record::Entity::find_by_id(record_id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)?;
    let stall = crate::stalls::find_shift(db, found.shift_id)
        .await?
        .stall_id;
    Ok((stall, found.signup_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_have_one_decimal() {
        assert_eq!(parse_hours("1.5"), Ok(15));
        assert_eq!(parse_hours("2"), Ok(20));
        assert_eq!(parse_hours(".5"), Ok(5));
        assert_eq!(parse_hours("1.25"), Err("error-hours-one-decimal"));
        assert_eq!(parse_hours("-1"), Err("error-hours-invalid"));
        assert_eq!(parse_hours("abc"), Err("error-hours-invalid"));
        assert_eq!(format_hours(15), "1.5");
    }

    fn shift_from(starts: (u32, u32, u32), ends: (u32, u32, u32)) -> shift::Model {
        let on = |(day, h, m): (u32, u32, u32)| {
            at(
                chrono::NaiveDate::from_ymd_opt(2026, 12, day).unwrap(),
                NaiveTime::from_hms_opt(h, m, 0).unwrap(),
            )
        };
        shift::Model {
            id: Uuid::nil(),
            stall_id: Uuid::nil(),
            starts_at: on(starts),
            ends_at: on(ends),
            capacity: 1,
            confirmed_count: 1,
            required_skill: None,
            created_at: on(starts),
            checkin_token: None,
        }
    }

    #[test]
    fn times_typed_for_a_shift_past_midnight_fall_on_its_two_days() {
        let late = shift_from((5, 23, 30), (6, 0, 30));
        let [checked_in, checked_out] = checked_times(&late, "23:35", "00:25").unwrap();
        assert_eq!(
            checked_in,
            Some(late.starts_at + chrono::Duration::minutes(5))
        );
        assert_eq!(
            checked_out,
            Some(late.ends_at - chrono::Duration::minutes(5))
        );
        // A day's shift keeps every time on its day, however far off it is typed.
        let morning = shift_from((5, 9, 0), (5, 11, 0));
        let [checked_in, checked_out] = checked_times(&morning, "08:55", "23:00").unwrap();
        assert_eq!(
            checked_in,
            Some(morning.starts_at - chrono::Duration::minutes(5))
        );
        assert_eq!(
            checked_out,
            Some(morning.ends_at + chrono::Duration::hours(12))
        );
        assert!(checked_times(&morning, "10:00", "09:00").is_err());
    }
}
