//! Changing a day: its details and date (its shifts move with it), and the sign-up cut-off.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, Set};

use crate::EventError;
use crate::entities::event::{self, EventStatus};

use super::{MarketInput, ValidMarket, at, born_cutoff, event_day, find, may_steer, shanghai};

/// Staff (and an activity's own leaders) set when sign-up closes (`YYYY-MM-DDTHH:MM` in
/// Shanghai), or empty for the default, the day before. It must be before the event starts.
pub async fn set_signup_cutoff(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: Uuid,
    input: &str,
) -> Result<(), EventError> {
    let found = find(db, event_id).await?;
    if !may_steer(actor, &found) {
        return Err(EventError::Forbidden);
    }
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

/// An event's details as edited: the same fields as at creation, and the date.
#[derive(Clone, Debug, Default)]
pub struct EventEdit {
    pub details: MarketInput,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// A volunteer whose confirmed shifts now overlap after an edit, for the coordinator to
/// sort out with them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clash {
    pub person_id: Uuid,
    pub name: String,
}

/// Changes an event's title, place, description, date and times, also once published (by
/// whoever may publish it). Moving the date moves its shifts with it; the volunteers keep
/// their places and see the new time on "my shifts". Returns the volunteers whose shifts
/// now overlap one of their other shifts.
/// The fields an edit changes, by name, for the audit log: none means nothing to do.
pub(super) fn what_changed(
    found: &event::Model,
    valid: &ValidMarket,
    moved_by: Duration,
    (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if valid.title != found.title {
        changed.push("title");
    }
    if valid.place != found.place {
        changed.push("place");
    }
    if valid.description != found.description {
        changed.push("description");
    }
    if moved_by != Duration::zero() {
        changed.push("date");
    }
    if starts_at - moved_by != found.starts_at || ends_at - moved_by != found.ends_at {
        changed.push("time");
    }
    changed
}

/// The day's shifts move with it; returns the volunteers whose shifts now overlap.
pub(super) async fn move_shifts(
    txn: &impl ConnectionTrait,
    shifts: &[crate::entities::shift::Model],
    moved_by: Duration,
) -> Result<Vec<Clash>, EventError> {
    use crate::entities::shift;
    for found in shifts {
        shift::Entity::update_many()
            .col_expr(
                shift::Column::StartsAt,
                Expr::value(found.starts_at + moved_by),
            )
            .col_expr(shift::Column::EndsAt, Expr::value(found.ends_at + moved_by))
            .filter(shift::Column::Id.eq(found.id))
            .exec(txn)
            .await?;
    }
    let ids: Vec<Uuid> = shifts.iter().map(|s| s.id).collect();
    crate::signups::clashes_on(txn, &ids).await
}

/// Everyone on the day hears of a new date, time or place (a new title or description is
/// not news).
async fn tell_of_change(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    changed: &[&str],
) -> Result<(), EventError> {
    if !changed
        .iter()
        .any(|c| ["place", "date", "time"].contains(c))
    {
        return Ok(());
    }
    let day = find(txn, event_id).await?;
    let notice = crate::notify::about_day(member::notices::Kind::DayChanged, &day);
    crate::notify::tell_day(txn, event_id, &notice, Utc::now()).await?;
    Ok(())
}

pub async fn edit_event(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: Uuid,
    input: &EventEdit,
    today: NaiveDate,
) -> Result<Vec<Clash>, EventError> {
    let found = find(db, event_id).await?;
    if !may_steer(actor, &found) {
        return Err(EventError::Forbidden);
    }
    let mut errors = Vec::new();
    if !matches!(found.status, EventStatus::Draft | EventStatus::Published) {
        errors.push(FieldError::new("date", "error-event-not-open"));
    }
    let valid = input.details.validate(&mut errors);
    let day = event_day(&mut errors, &input.date, today);
    let (Some(valid), Some(day), true) = (valid, day, errors.is_empty()) else {
        return Err(EventError::Invalid(errors));
    };
    let moved_by = day - found.starts_at.with_timezone(&shanghai()).date_naive();
    let (starts_at, ends_at) = (at(day, valid.starts), at(day, valid.ends));
    let changed = what_changed(&found, &valid, moved_by, (starts_at, ends_at));
    if changed.is_empty() {
        return Ok(Vec::new());
    }
    let txn = tx::begin_write(db).await?;
    // The day's shifts, read once inside the write: new hours must still hold them (moved
    // with the day); they are changed first, on the day's page, when the hours shrink.
    let stalls = crate::stalls::stalls_of(&txn, found.id).await?;
    let shifts: Vec<_> = stalls.into_iter().flat_map(|s| s.shifts).collect();
    let outside = |shift: &crate::entities::shift::Model| {
        shift.starts_at + moved_by < starts_at || shift.ends_at + moved_by > ends_at
    };
    if shifts.iter().any(outside) {
        return Err(EventError::field(
            "starts",
            "error-event-hours-exclude-shifts",
        ));
    }
    // A cut-off moves with the day; a day moved to today stays open until it starts.
    let cutoff = match found.signup_closes_at {
        Some(cutoff) => Some((cutoff + moved_by).min(starts_at)),
        None => born_cutoff(day, valid.starts, Utc::now()),
    };
    let mut active: event::ActiveModel = found.clone().into();
    (active.title, active.place) = (Set(valid.title.clone()), Set(valid.place.clone()));
    active.description = Set(valid.description.clone());
    (active.starts_at, active.ends_at) = (Set(starts_at), Set(ends_at));
    active.signup_closes_at = Set(cutoff);
    active.update(&txn).await?;
    let clashes = if moved_by == Duration::zero() {
        Vec::new()
    } else {
        move_shifts(&txn, &shifts, moved_by).await?
    };
    tell_of_change(&txn, found.id, &changed).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "market.edit",
        "event",
        Some(found.id),
        format!("changed {}", changed.join(", ")),
    )
    .await?;
    txn.commit().await?;
    Ok(clashes)
}
