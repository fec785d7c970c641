//! Market days: one at a time or on a recurring schedule ("every month on the second
//! Saturday, 9:00–11:30"), published, or cancelled with a reason.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, QueryOrder, Set};

use crate::EventError;
use crate::entities::event::{self, EventKind, EventStatus};

/// China Standard Time: what every date and clock time typed here means.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
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
        signup_closes_at: Set(None),
        cancel_reason: Set(None),
    }
}

/// The `nth` (1–5) `weekday` of a month, if the month has one.
pub fn nth_weekday(year: i32, month: u32, weekday: Weekday, nth: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, nth)
}

/// A recurring schedule: "every month on the `nth` `weekday`".
#[derive(Clone, Debug, Default)]
pub struct ScheduleInput {
    pub market: MarketInput,
    /// `1`–`5`.
    pub nth: String,
    /// `mon` … `sun`.
    pub weekday: String,
    /// How many months ahead, starting with the current one (1–24).
    pub months: String,
}

fn parse_weekday(input: &str) -> Option<Weekday> {
    match input.trim() {
        "mon" => Some(Weekday::Mon),
        "tue" => Some(Weekday::Tue),
        "wed" => Some(Weekday::Wed),
        "thu" => Some(Weekday::Thu),
        "fri" => Some(Weekday::Fri),
        "sat" => Some(Weekday::Sat),
        "sun" => Some(Weekday::Sun),
        _ => None,
    }
}

fn require_staff(actor: &Actor) -> Result<(), EventError> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(EventError::Forbidden)
    }
}

/// What a schedule did: the drafts made and the dates skipped because a market day was
/// already on them.
#[derive(Debug, Default)]
pub struct Scheduled {
    pub created: Vec<NaiveDate>,
    pub skipped: Vec<NaiveDate>,
}

/// Creates draft market days for the next months on the chosen weekday, skipping dates
/// in the past and dates that already have a market day.
pub async fn schedule(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &ScheduleInput,
    today: NaiveDate,
) -> Result<Scheduled, EventError> {
    require_staff(actor)?;
    let mut errors = Vec::new();
    let valid = input.market.validate(&mut errors);
    let nth = input
        .nth
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|n| (1..=5).contains(n));
    if nth.is_none() {
        errors.push(FieldError::new("nth", "error-choose-one"));
    }
    let weekday = parse_weekday(&input.weekday);
    if weekday.is_none() {
        errors.push(FieldError::new("weekday", "error-choose-one"));
    }
    let months = input
        .months
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=24).contains(n));
    if months.is_none() {
        errors.push(FieldError::new("months", "error-months-invalid"));
    }
    let (Some(valid), Some(nth), Some(weekday), Some(months), true) =
        (valid, nth, weekday, months, errors.is_empty())
    else {
        return Err(EventError::Invalid(errors));
    };

    let txn = tx::begin_write(db).await?;
    let mut done = Scheduled::default();
    let (mut year, mut month) = (today.year(), today.month());
    for _ in 0..months {
        if let Some(day) = nth_weekday(year, month, weekday, nth)
            && day > today
        {
            let start = at(day, NaiveTime::MIN);
            let taken = event::Entity::find()
                .filter(event::Column::Kind.eq(EventKind::Market))
                .filter(event::Column::StartsAt.gte(start))
                .filter(event::Column::StartsAt.lt(start + Duration::days(1)))
                .filter(event::Column::Status.ne(EventStatus::Cancelled))
                .one(&txn)
                .await?
                .is_some();
            if taken {
                done.skipped.push(day);
            } else {
                new_market(&valid, day).insert(&txn).await?;
                done.created.push(day);
            }
        }
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    audit::record(
        &txn,
        Some(actor.person_id),
        "market.schedule",
        "event",
        None,
        format!(
            "created {}, skipped {}",
            done.created.len(),
            done.skipped.len()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(done)
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
    let day = match NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") {
        Ok(day) if day >= today => Some(day),
        _ => {
            errors.push(FieldError::new("date", "error-date-invalid"));
            None
        }
    };
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
    let day = match NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") {
        Ok(day) if day >= today => Some(day),
        _ => {
            errors.push(FieldError::new("date", "error-date-invalid"));
            None
        }
    };
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
fn may_steer(actor: &Actor, event: &event::Model) -> bool {
    actor.is_staff()
        || (event.kind == EventKind::Activity
            && event.organizer_id.is_some_and(|o| actor.can_manage_org(o)))
}

/// Upcoming events an organization organizes (its activities), soonest first.
pub async fn organized_by(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<event::Model>, EventError> {
    Ok(event::Entity::find()
        .filter(event::Column::OrganizerId.eq(organization_id))
        .filter(event::Column::EndsAt.gt(since))
        .order_by_asc(event::Column::StartsAt)
        .all(db)
        .await?)
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
    if !may_steer(actor, &find(db, event_id).await?) {
        return Err(EventError::Forbidden);
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
    if !matches!(found.status, EventStatus::Draft | EventStatus::Published) {
        return Err(EventError::field("reason", "error-event-not-cancellable"));
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

/// Staff set when sign-up closes (`YYYY-MM-DDTHH:MM` in Shanghai), or empty for the
/// default, the day before. It must be before the event starts.
pub async fn set_signup_cutoff(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: Uuid,
    input: &str,
) -> Result<(), EventError> {
    require_staff(actor)?;
    let found = find(db, event_id).await?;
    let closes_at = match input.trim() {
        "" => None,
        typed => match chrono::NaiveDateTime::parse_from_str(typed, "%Y-%m-%dT%H:%M") {
            Ok(local) => {
                let at = at(local.date(), local.time());
                if at > found.starts_at {
                    return Err(EventError::field("closes_at", "error-cutoff-after-start"));
                }
                Some(at)
            }
            Err(_) => return Err(EventError::field("closes_at", "error-date-invalid")),
        },
    };
    let txn = tx::begin_write(db).await?;
    event::Entity::update_many()
        .col_expr(event::Column::SignupClosesAt, Expr::value(closes_at))
        .filter(event::Column::Id.eq(found.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "market.cutoff_change",
        "event",
        Some(found.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Market days for staff, drafts included, soonest first from `since`.
pub async fn for_staff(
    db: &impl ConnectionTrait,
    actor: &Actor,
    since: DateTime<Utc>,
) -> Result<Vec<event::Model>, EventError> {
    require_staff(actor)?;
    Ok(event::Entity::find()
        .filter(event::Column::Kind.eq(EventKind::Market))
        .filter(event::Column::EndsAt.gt(since))
        .order_by_asc(event::Column::StartsAt)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

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
