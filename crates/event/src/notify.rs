//! What volunteers are told about their shifts and days: the notices are worded from the
//! day's records and written with the change that causes them (see `member::notices`).
//! Reminders are enqueued by a job ([`enqueue_reminders`]) that any number of servers may
//! run at once: each reminder has a key, so it is written once.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use member::notices::{self, Kind, Notice};
use member::{Actor, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, QuerySelect};

use crate::EventError;
use crate::entities::event::{self, EventStatus};
use crate::entities::{shift, signup, stall};
use crate::schedule::{self, shanghai};
use crate::signups::SignupStatus;

/// A time as volunteers read it: Shanghai, to the minute.
pub fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&shanghai())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A notice about one shift: the day, the stall's service, when and where.
pub(crate) async fn about_shift(
    db: &impl ConnectionTrait,
    kind: Kind,
    shift_id: Uuid,
) -> Result<Notice, EventError> {
    let shift = crate::stalls::find_shift(db, shift_id).await?;
    let stall = crate::stalls::find_stall(db, shift.stall_id).await?;
    let day = schedule::find(db, stall.event_id).await?;
    Ok(of_shift(kind, &day, &stall, &shift))
}

/// The same, from the rows already at hand.
pub(crate) fn of_shift(
    kind: Kind,
    day: &event::Model,
    stall: &stall::Model,
    shift: &shift::Model,
) -> Notice {
    Notice::new(kind, format!("/markets/{}", day.id))
        .arg("day", day.title.clone())
        .arg("service", stall.service.as_str())
        .arg("starts", local(shift.starts_at))
        .arg("place", day.place.clone())
}

/// A notice about a whole day.
pub(crate) fn about_day(kind: Kind, day: &event::Model) -> Notice {
    Notice::new(kind, format!("/markets/{}", day.id))
        .arg("day", day.title.clone())
        .arg("starts", local(day.starts_at))
        .arg("place", day.place.clone())
}

/// Everyone holding or waiting for a place on the given shifts, once each.
async fn people_on(db: &impl ConnectionTrait, shift_ids: Vec<Uuid>) -> Result<Vec<Uuid>, DbErr> {
    signup::Entity::find()
        .select_only()
        .column(signup::Column::PersonId)
        .distinct()
        .filter(signup::Column::ShiftId.is_in(shift_ids))
        .filter(signup::Column::Status.ne(SignupStatus::Cancelled))
        .into_tuple()
        .all(db)
        .await
}

async fn shifts_of(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    only_stall: Option<Uuid>,
) -> Result<Vec<Uuid>, EventError> {
    Ok(crate::stalls::stalls_of(db, event_id)
        .await?
        .iter()
        .filter(|s| only_stall.is_none_or(|id| s.stall.id == id))
        .flat_map(|s| s.shifts.iter().map(|shift| shift.id))
        .collect())
}

/// Tells everyone on a day (signed up or waiting) the notice, inside the caller's
/// transaction.
pub(crate) async fn tell_day(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<usize, EventError> {
    let people = people_on(txn, shifts_of(txn, event_id, None).await?).await?;
    notices::send_all(txn, people.iter().copied(), notice, now).await?;
    Ok(people.len())
}

/// The longest message staff may send: with the template's words and the signature it
/// still fits one SMS (70 Chinese characters).
pub const MESSAGE_MAX_CHARS: usize = 40;

/// Staff (the day's organizer) tell everyone on a day, or a stall's leader everyone on
/// their stall: "下雨，集市改到社区活动室". Returns how many people it reached.
pub async fn message_day(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: Uuid,
    only_stall: Option<Uuid>,
    text: &str,
    now: DateTime<Utc>,
) -> Result<usize, EventError> {
    let day = schedule::find(db, event_id).await?;
    let allowed = match only_stall {
        None => schedule::may_steer(actor, &day),
        Some(stall_id) => {
            let stall = crate::stalls::find_stall(db, stall_id).await?;
            if stall.event_id != day.id {
                return Err(EventError::NotFound);
            }
            schedule::may_steer(actor, &day) || actor.can_manage_org(stall.organization_id)
        }
    };
    if !allowed {
        return Err(EventError::Forbidden);
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(EventError::field("message", "error-required"));
    }
    if text.chars().count() > MESSAGE_MAX_CHARS {
        return Err(EventError::field("message", "error-message-too-long"));
    }
    if matches!(day.status, EventStatus::Cancelled) {
        return Err(EventError::field("message", "error-event-not-open"));
    }
    let notice = about_day(Kind::StaffMessage, &day).arg("message", text);
    let txn = tx::begin_write(db).await?;
    let people = people_on(&txn, shifts_of(&txn, event_id, only_stall).await?).await?;
    notices::send_all(&txn, people.iter().copied(), &notice, now).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "market.message",
        "event",
        Some(event_id),
        format!("{} people", people.len()),
    )
    .await?;
    txn.commit().await?;
    Ok(people.len())
}

/// Whom the actor may message on a day: everyone (the organizer), and the stalls they
/// run, by id and service. Nothing at all: they may not message this day.
pub async fn message_targets(
    db: &impl ConnectionTrait,
    actor: &Actor,
    event_id: Uuid,
) -> Result<(bool, Vec<(Uuid, crate::stalls::Service, String)>), EventError> {
    let day = schedule::find(db, event_id).await?;
    let whole_day = schedule::may_steer(actor, &day);
    let stalls = crate::stalls::stalls_of(db, event_id)
        .await?
        .into_iter()
        .filter(|s| whole_day || actor.can_manage_org(s.stall.organization_id))
        .map(|s| (s.stall.id, s.stall.service, s.organization))
        .collect::<Vec<_>>();
    if !whole_day && stalls.is_empty() {
        return Err(EventError::Forbidden);
    }
    Ok((whole_day, stalls))
}

/// The evening before a shift (18:00 Shanghai) and two hours before it.
fn reminder_times(starts_at: DateTime<Utc>) -> [(Kind, DateTime<Utc>); 2] {
    let eve = starts_at.with_timezone(&shanghai()).date_naive() - Duration::days(1);
    let six_pm = NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN);
    [
        (Kind::ReminderEvening, schedule::at(eve, six_pm)),
        (Kind::ReminderSoon, starts_at - Duration::hours(2)),
    ]
}

/// Writes the reminders that are due now for confirmed places on published days: the
/// evening one until two hours before, the near one until the shift starts, each only for
/// a place held before its time (a volunteer who signs up late was just told). Returns how
/// many were written.
pub async fn enqueue_reminders(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<usize, EventError> {
    let soon = shift::Entity::find()
        .filter(shift::Column::StartsAt.gt(now))
        .filter(shift::Column::StartsAt.lte(now + Duration::hours(30)))
        .all(db)
        .await?;
    let mut written = 0;
    for found in soon {
        let stall = stall::Entity::find_by_id(found.stall_id).one(db).await?;
        let Some(stall) = stall else { continue };
        let day = schedule::find(db, stall.event_id).await?;
        if day.status != EventStatus::Published {
            continue;
        }
        let [evening, near] = reminder_times(found.starts_at);
        let (kind, due) = if now >= near.1 { near } else { evening };
        if now < due {
            continue;
        }
        let places = signup::Entity::find()
            .filter(signup::Column::ShiftId.eq(found.id))
            .filter(signup::Column::Status.eq(SignupStatus::Confirmed))
            .filter(signup::Column::ConfirmedAt.lt(due))
            .all(db)
            .await?;
        if places.is_empty() {
            continue;
        }
        // Everything read before the turn to write; the turn holds only the writes.
        let about = of_shift(kind, &day, &stall, &found);
        let mut to_tell = Vec::new();
        for place in places {
            to_tell.push((notices::recipient(db, place.person_id).await?, place.id));
        }
        let txn = tx::begin_write(db).await?;
        for (recipient, signup_id) in &to_tell {
            let mut notice = about.clone();
            notice.dedupe_key = Some(format!(
                "{}:{}:{}",
                kind.as_str(),
                signup_id,
                found.starts_at.timestamp()
            ));
            notice.expires_at = Some(found.starts_at);
            if notices::send_to(&txn, recipient, &notice, now).await? {
                written += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(written)
}
