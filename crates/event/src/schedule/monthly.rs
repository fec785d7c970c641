//! The monthly scheduler: the nth weekday of coming months, previewed with the reason a day is skipped, then created as drafts.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use member::{Actor, FieldError, audit, tx};
use sea_orm::DatabaseConnection;
use sea_orm::entity::prelude::*;

use crate::EventError;
use crate::entities::event::{self, EventKind, EventStatus};

use super::{MarketInput, ValidMarket, at, new_market, require_staff};

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

pub(super) fn parse_weekday(input: &str) -> Option<Weekday> {
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

/// What a schedule would do with one date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlannedDay {
    /// A draft is (or would be) created.
    Create(NaiveDate),
    /// A market day is already on this date.
    Taken(NaiveDate),
    /// The date has passed (or is today: a schedule plans ahead).
    Past(NaiveDate),
}

impl PlannedDay {
    pub fn date(self) -> NaiveDate {
        match self {
            PlannedDay::Create(d) | PlannedDay::Taken(d) | PlannedDay::Past(d) => d,
        }
    }
}

/// What a schedule did or would do, date by date; `created` says whether it was carried out.
#[derive(Debug, Default)]
pub struct Scheduled {
    pub days: Vec<PlannedDay>,
    pub created: bool,
}

impl Scheduled {
    pub fn to_create(&self) -> usize {
        self.days
            .iter()
            .filter(|d| matches!(d, PlannedDay::Create(_)))
            .count()
    }

    /// Why nothing would be created, when nothing would: the words' key.
    pub fn why_nothing(&self) -> Option<&'static str> {
        if self.to_create() > 0 {
            return None;
        }
        let past = self.days.iter().all(|d| matches!(d, PlannedDay::Past(_)));
        let taken = self.days.iter().all(|d| matches!(d, PlannedDay::Taken(_)));
        Some(if self.days.is_empty() {
            "schedule-none-no-dates"
        } else if past {
            "schedule-none-past"
        } else if taken {
            "schedule-none-taken"
        } else {
            "schedule-none-past-or-taken"
        })
    }
}

/// The dates a schedule names and what would happen to each, or the form's errors.
pub(super) async fn plan(
    db: &impl ConnectionTrait,
    input: &ScheduleInput,
    today: NaiveDate,
) -> Result<(ValidMarket, Vec<PlannedDay>), EventError> {
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
    let mut days = Vec::new();
    let (mut year, mut month) = (today.year(), today.month());
    for _ in 0..months {
        if let Some(day) = nth_weekday(year, month, weekday, nth) {
            days.push(if day <= today {
                PlannedDay::Past(day)
            } else if market_on(db, day).await? {
                PlannedDay::Taken(day)
            } else {
                PlannedDay::Create(day)
            });
        }
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    Ok((valid, days))
}

/// Whether a (not cancelled) market day is already on that date.
pub(super) async fn market_on(
    db: &impl ConnectionTrait,
    day: NaiveDate,
) -> Result<bool, EventError> {
    let start = at(day, NaiveTime::MIN);
    Ok(event::Entity::find()
        .filter(event::Column::Kind.eq(EventKind::Market))
        .filter(event::Column::StartsAt.gte(start))
        .filter(event::Column::StartsAt.lt(start + Duration::days(1)))
        .filter(event::Column::Status.ne(EventStatus::Cancelled))
        .one(db)
        .await?
        .is_some())
}

/// What `schedule` would do, without doing it.
pub async fn preview_schedule(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &ScheduleInput,
    today: NaiveDate,
) -> Result<Scheduled, EventError> {
    require_staff(actor)?;
    let (_, days) = plan(db, input, today).await?;
    Ok(Scheduled {
        days,
        created: false,
    })
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
    let txn = tx::begin_write(db).await?;
    // Planned inside the write transaction, so two coordinators cannot both take a date.
    let (valid, days) = plan(&txn, input, today).await?;
    for day in &days {
        if let PlannedDay::Create(date) = day {
            new_market(&valid, *date).insert(&txn).await?;
        }
    }
    let done = Scheduled {
        days,
        created: true,
    };
    audit::record(
        &txn,
        Some(actor.person_id),
        "market.schedule",
        "event",
        None,
        format!(
            "created {}, skipped {}",
            done.to_create(),
            done.days.len() - done.to_create()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(done)
}
