//! Market days: one at a time or on a recurring schedule ("every month on the second
//! Saturday, 9:00–11:30"), published, or cancelled with a reason.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, PaginatorTrait, QueryOrder, Set};

use crate::EventError;
use crate::entities::event::{self, EventKind, EventStatus};

mod editing;
pub use editing::{Clash, EventEdit, edit_event, set_signup_cutoff};

mod monthly;
pub use monthly::{PlannedDay, ScheduleInput, Scheduled, nth_weekday, preview_schedule, schedule};

/// China Standard Time: what every date and clock time typed here means.
pub fn shanghai() -> FixedOffset {
    member::fields::shanghai()
}

/// A Shanghai date and clock time as a UTC instant.
pub fn at(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    shanghai()
        .from_local_datetime(&date.and_time(time))
        .single()
        .map(|t| t.to_utc())
        .unwrap_or_else(|| Utc.from_utc_datetime(&date.and_time(time)))
}

/// When sign-up for an event closes: its own setting, else the start of its day in
/// Shanghai (the day before is the last day to sign up).
pub fn signup_closes_at(event: &event::Model) -> DateTime<Utc> {
    event.signup_closes_at.unwrap_or_else(|| {
        let day = event.starts_at.with_timezone(&shanghai()).date_naive();
        at(day, NaiveTime::MIN)
    })
}

/// A market day as typed.
#[derive(Clone, Debug, Default)]
pub struct MarketInput {
    pub title: String,
    pub place: String,
    pub description: String,
    /// `HH:MM`.
    pub starts: String,
    pub ends: String,
}

struct ValidMarket {
    title: String,
    place: String,
    description: String,
    starts: NaiveTime,
    ends: NaiveTime,
}

fn clock(errors: &mut Vec<FieldError>, field: &'static str, input: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(input.trim(), "%H:%M")
        .map_err(|_| errors.push(FieldError::new(field, "error-time-invalid")))
        .ok()
}

impl MarketInput {
    fn validate(&self, errors: &mut Vec<FieldError>) -> Option<ValidMarket> {
        let title = self.title.trim();
        if title.is_empty() {
            errors.push(FieldError::new("title", "error-required"));
        } else if title.chars().count() > 200 {
            errors.push(FieldError::new("title", "error-too-long"));
        }
        let place = self.place.trim();
        if place.is_empty() {
            errors.push(FieldError::new("place", "error-required"));
        } else if place.chars().count() > 200 {
            errors.push(FieldError::new("place", "error-too-long"));
        }
        let starts = clock(errors, "starts", &self.starts);
        let ends = clock(errors, "ends", &self.ends);
        if let (Some(s), Some(e)) = (starts, ends)
            && e <= s
        {
            errors.push(FieldError::new("ends", "error-time-order"));
        }
        Some(ValidMarket {
            title: title.to_owned(),
            place: place.to_owned(),
            description: self.description.trim().to_owned(),
            starts: starts?,
            ends: ends?,
        })
    }
}

/// The cut-off an event is born with: none (the default, the day before) unless that
/// default has already passed, as for a day created for today; then sign-up stays open
/// until the event starts.
fn born_cutoff(day: NaiveDate, starts: NaiveTime, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (at(day, NaiveTime::MIN) <= now).then(|| at(day, starts))
}

fn new_market(valid: &ValidMarket, day: NaiveDate) -> event::ActiveModel {
    event::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(EventKind::Market),
        title: Set(valid.title.clone()),
        place: Set(valid.place.clone()),
        starts_at: Set(at(day, valid.starts)),
        ends_at: Set(at(day, valid.ends)),
        status: Set(EventStatus::Draft),
        created_at: Set(Utc::now()),
        description: Set(valid.description.clone()),
        organizer_id: Set(None),
        project_id: Set(None),
        signup_closes_at: Set(born_cutoff(day, valid.starts, Utc::now())),
        cancel_reason: Set(None),
    }
}

fn require_staff(actor: &Actor) -> Result<(), EventError> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(EventError::Forbidden)
    }
}

/// The day an event is set for: today or later, and at most five years ahead.
fn event_day(errors: &mut Vec<FieldError>, input: &str, today: NaiveDate) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d") {
        Ok(day) if day >= today && day <= today + Duration::days(5 * 366) => Some(day),
        _ => {
            errors.push(FieldError::new("date", "error-date-invalid"));
            None
        }
    }
}

/// One market day on a given date, as a draft.
pub async fn create_market(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &MarketInput,
    date: &str,
    today: NaiveDate,
) -> Result<event::Model, EventError> {
    require_staff(actor)?;
    let mut errors = Vec::new();
    let valid = input.validate(&mut errors);
    let day = event_day(&mut errors, date, today);
    let (Some(valid), Some(day), true) = (valid, day, errors.is_empty()) else {
        return Err(EventError::Invalid(errors));
    };
    let txn = tx::begin_write(db).await?;
    let created = new_market(&valid, day).insert(&txn).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "market.create",
        "event",
        Some(created.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// A project activity (a patrol, a clean-up) organized by an organization, optionally for
/// one of its projects: created by its leaders or staff, as a draft.
pub async fn create_activity(
    db: &DatabaseConnection,
    actor: &Actor,
    organizer_id: Uuid,
    input: &MarketInput,
    date: &str,
    project_id: &str,
    today: NaiveDate,
) -> Result<event::Model, EventError> {
    let organizer = member::orgs::find(db, organizer_id).await?;
    if !actor.can_manage_org(organizer.id) {
        return Err(EventError::Forbidden);
    }
    let mut errors = Vec::new();
    let valid = input.validate(&mut errors);
    let day = event_day(&mut errors, date, today);
    let project = match project_id.trim() {
        "" => None,
        typed => match typed.parse::<Uuid>() {
            Ok(id) => match project::projects::find(db, id).await {
                Ok(found) if found.organization_id == organizer.id => Some(found.id),
                _ => {
                    errors.push(FieldError::new("project_id", "error-choose-one"));
                    None
                }
            },
            Err(_) => {
                errors.push(FieldError::new("project_id", "error-choose-one"));
                None
            }
        },
    };
    if !matches!(
        organizer.stage,
        member::orgs::Stage::Incubating | member::orgs::Stage::Graduated
    ) {
        errors.push(FieldError::new("organizer", "error-org-not-active"));
    }
    let (Some(valid), Some(day), true) = (valid, day, errors.is_empty()) else {
        return Err(EventError::Invalid(errors));
    };
    let mut activity = new_market(&valid, day);
    activity.kind = Set(EventKind::Activity);
    activity.organizer_id = Set(Some(organizer.id));
    activity.project_id = Set(project);
    let txn = tx::begin_write(db).await?;
    let created = activity.insert(&txn).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "market.create",
        "event",
        Some(created.id),
        "activity",
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Who may publish or cancel an event: staff, and for an activity its organizer's leaders.
pub fn may_steer(actor: &Actor, event: &event::Model) -> bool {
    actor.is_staff()
        || (event.kind == EventKind::Activity
            && event.organizer_id.is_some_and(|o| actor.can_manage_org(o)))
}

/// Who may see an event: once published, everyone; a draft market day, staff and every
/// organization leader (they add their stalls before it is published); a draft activity,
/// staff and its own organization's leaders. Pages and API both ask here.
pub fn may_see(actor: Option<&Actor>, event: &event::Model) -> bool {
    if event.status != EventStatus::Draft {
        return true;
    }
    let Some(actor) = actor else {
        return false;
    };
    match event.kind {
        EventKind::Market => actor.is_staff() || !actor.leads.is_empty(),
        EventKind::Activity => may_steer(actor, event),
    }
}

/// An organization's activities: the coming ones soonest first, then the latest `past`
/// ones that have begun, newest first (their records stay one tap away).
///
/// Only what `viewer` may see: drafts stay with those who steer them.
pub async fn organized_by(
    db: &impl ConnectionTrait,
    viewer: Option<&Actor>,
    organization_id: Uuid,
    now: DateTime<Utc>,
    past: u64,
) -> Result<(Vec<event::Model>, Vec<event::Model>), EventError> {
    let coming = event::Entity::find()
        .filter(event::Column::OrganizerId.eq(organization_id))
        .filter(event::Column::StartsAt.gt(now))
        .order_by_asc(event::Column::StartsAt)
        .all(db)
        .await?;
    let begun = event::Entity::find()
        .filter(event::Column::OrganizerId.eq(organization_id))
        .filter(event::Column::StartsAt.lte(now))
        .order_by_desc(event::Column::StartsAt)
        .paginate(db, past.max(1))
        .fetch_page(0)
        .await?;
    let visible = |list: Vec<event::Model>| -> Vec<event::Model> {
        list.into_iter().filter(|e| may_see(viewer, e)).collect()
    };
    Ok((visible(coming), visible(begun)))
}

pub async fn find(db: &impl ConnectionTrait, event_id: Uuid) -> Result<event::Model, EventError> {
    event::Entity::find_by_id(event_id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)
}

/// Drafts become visible to volunteers and residents.
pub async fn publish(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: Uuid,
) -> Result<(), EventError> {
    let found = find(db, event_id).await?;
    if !may_steer(actor, &found) {
        return Err(EventError::Forbidden);
    }
    // A day that is over cannot be opened for sign-up; its records go on the attendance
    // pages of a day that was published in time.
    if found.ends_at <= Utc::now() {
        return Err(EventError::field("status", "error-event-over"));
    }
    move_status(
        db,
        actor,
        event_id,
        EventStatus::Draft,
        EventStatus::Published,
        None,
    )
    .await
}

/// Cancels a draft or published event, with a reason the signed-up volunteers see.
/// The rule that a day took place, stored: a published day whose end has passed is
/// `held`. The server applies it every minute (and at start); until then a published day
/// under way or just over counts the same, so a late sweep changes no figure.
pub async fn mark_held(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, EventError> {
    let txn = tx::begin_write(db).await?;
    let result = event::Entity::update_many()
        .col_expr(event::Column::Status, Expr::value(EventStatus::Held))
        .filter(event::Column::Status.eq(EventStatus::Published))
        .filter(event::Column::EndsAt.lte(now))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(result.rows_affected)
}

pub async fn cancel(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: Uuid,
    reason: &str,
) -> Result<(), EventError> {
    if !may_steer(actor, &find(db, event_id).await?) {
        return Err(EventError::Forbidden);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(EventError::field("reason", "error-required"));
    }
    let found = find(db, event_id).await?;
    // A held day with nothing recorded (rained off, nobody came) can still be cancelled.
    if !matches!(
        found.status,
        EventStatus::Draft | EventStatus::Published | EventStatus::Held
    ) {
        return Err(EventError::field("reason", "error-event-not-cancellable"));
    }
    // A day that took place keeps its records: attendance and hours are corrected record
    // by record, never dropped by cancelling the day.
    let shift_ids: Vec<Uuid> = crate::stalls::stalls_of(db, found.id)
        .await?
        .iter()
        .flat_map(|s| s.shifts.iter().map(|shift| shift.id))
        .collect();
    let records = crate::entities::service_record::Entity::find()
        .filter(crate::entities::service_record::Column::ShiftId.is_in(shift_ids))
        .count(db)
        .await?;
    if records > 0 {
        return Err(EventError::field("reason", "error-event-has-records"));
    }
    move_status(
        db,
        actor,
        event_id,
        found.status,
        EventStatus::Cancelled,
        Some(reason),
    )
    .await
}

async fn move_status(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: Uuid,
    from: EventStatus,
    to: EventStatus,
    reason: Option<&str>,
) -> Result<(), EventError> {
    let txn = tx::begin_write(db).await?;
    let mut update = event::Entity::update_many()
        .col_expr(event::Column::Status, Expr::value(to))
        .filter(event::Column::Id.eq(event_id))
        .filter(event::Column::Status.eq(from));
    if let Some(reason) = reason {
        update = update.col_expr(event::Column::CancelReason, Expr::value(reason));
    }
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(EventError::field("status", "error-stage-changed-meanwhile"));
    }
    if to == EventStatus::Cancelled {
        let day = find(&txn, event_id).await?;
        let notice = crate::notify::about_day(member::notices::Kind::DayCancelled, &day)
            .arg("reason", reason.unwrap_or_default());
        crate::notify::tell_day(&txn, event_id, &notice, Utc::now()).await?;
    }
    let action = if to == EventStatus::Cancelled {
        "market.cancel"
    } else {
        "market.publish"
    };
    audit::record(
        &txn,
        Some(actor.person_id),
        action,
        "event",
        Some(event_id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A month as typed, `YYYY-MM`: `(year, month)`.
pub fn parse_month(input: &str) -> Option<(i32, u32)> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", input.trim()), "%Y-%m-%d").ok()?;
    Some((
        chrono::Datelike::year(&first),
        chrono::Datelike::month(&first),
    ))
}

/// Which events the coordinators' list shows.
#[derive(Clone, Debug, Default)]
pub struct StaffFilter {
    /// A Shanghai month, `(year, month)`.
    pub month: Option<(i32, u32)>,
    pub status: Option<EventStatus>,
    /// Days an organization takes part in: its own activities, and days it has a stall at.
    pub organization: Option<Uuid>,
}

/// One page of events for staff: market days and activities, drafts, past and cancelled
/// ones included, newest first.
pub async fn for_staff(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &StaffFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<event::Model>, u64), EventError> {
    require_staff(actor)?;
    let mut query = event::Entity::find();
    if let Some((year, month)) = filter.month
        && let Some(first) = NaiveDate::from_ymd_opt(year, month, 1)
    {
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first);
        query = query
            .filter(event::Column::StartsAt.gte(at(first, NaiveTime::MIN)))
            .filter(event::Column::StartsAt.lt(at(next, NaiveTime::MIN)));
    }
    if let Some(status) = filter.status {
        query = query.filter(event::Column::Status.eq(status));
    }
    if let Some(org) = filter.organization {
        use crate::entities::stall;
        let with_a_stall = sea_orm::sea_query::Query::select()
            .column(stall::Column::EventId)
            .from(stall::Entity)
            .and_where(stall::Column::OrganizationId.eq(org))
            .to_owned();
        query = query.filter(
            sea_orm::Condition::any()
                .add(event::Column::OrganizerId.eq(org))
                .add(event::Column::Id.in_subquery(with_a_stall)),
        );
    }
    let paginator = query
        .order_by_desc(event::Column::StartsAt)
        .order_by_desc(event::Column::Id)
        .paginate(db, per_page.max(1));
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.saturating_sub(1)).await?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn the_second_saturday() {
        assert_eq!(
            nth_weekday(2026, 12, Weekday::Sat, 2),
            NaiveDate::from_ymd_opt(2026, 12, 12)
        );
        assert_eq!(
            nth_weekday(2026, 2, Weekday::Sun, 5),
            None,
            "February 2026 has four Sundays"
        );
    }

    #[test]
    fn nine_in_shanghai_is_one_in_utc() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        assert_eq!(at(day, nine).to_rfc3339(), "2026-12-12T01:00:00+00:00");
    }
}
