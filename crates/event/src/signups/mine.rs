//! A volunteer's own shifts ("my shifts"), and those of the people they help.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;

use super::{SignupStatus, Standing, standing_of};
use crate::EventError;
use crate::entities::{event, service_record, shift, signup, stall};

/// One of a volunteer's shifts.
pub struct MyShift {
    pub event: event::Model,
    pub stall: stall::Model,
    pub shift: shift::Model,
    pub standing: Standing,
    /// Check-in and check-out, once there are any.
    pub record: Option<service_record::Model>,
}

/// "My shifts" offers a shift's tally page from this long before it starts until it ends.
pub const TALLY_OFFERED_BEFORE: chrono::Duration = chrono::Duration::hours(12);

impl MyShift {
    /// Whether the page offers the stall's tally: a confirmed place, on the day.
    pub fn offers_tally(&self, now: DateTime<Utc>) -> bool {
        self.standing.status == SignupStatus::Confirmed
            && self.event.status != crate::EventStatus::Cancelled
            && self.shift.starts_at - TALLY_OFFERED_BEFORE <= now
            && now < self.shift.ends_at
    }
}

/// The version of a person's "my shifts" (migration 24 raises it, in the same transaction,
/// with every change the page shows); `None` when there is no such person.
pub async fn my_shifts_version(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<Option<i64>, EventError> {
    let backend = db.get_database_backend();
    let placeholder = if backend == sea_orm::DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            format!("SELECT shifts_version FROM people WHERE id = {placeholder}"),
            [person_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get("", "shifts_version")?),
        None => None,
    })
}

/// Until when a person's "my shifts" stays as it is with no write: the next moment a shift
/// offers its tally, ends (it moves to the past), or hours of theirs stand. A place on a
/// waiting list shows a position that others leaving moves without touching this person's
/// rows, so a page with one is good for no time at all.
pub fn my_shifts_fresh_until(
    shifts: &[MyShift],
    hours_stand_next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    if shifts
        .iter()
        .any(|s| s.standing.status == SignupStatus::Waitlisted)
    {
        return now;
    }
    shifts
        .iter()
        .flat_map(|s| [s.shift.starts_at - TALLY_OFFERED_BEFORE, s.shift.ends_at])
        .chain(hours_stand_next)
        .filter(|at| *at > now)
        .min()
        // Nothing due: a day is long enough, the stamp catches every write.
        .unwrap_or(now + chrono::Duration::days(1))
}

type ById<T> = std::collections::HashMap<Uuid, T>;

/// The shifts, stalls and events of some sign-ups, in three queries however many there are.
async fn shifts_stalls_events(
    db: &impl ConnectionTrait,
    signups: &[signup::Model],
) -> Result<(ById<shift::Model>, ById<stall::Model>, ById<event::Model>), EventError> {
    let shift_ids: Vec<Uuid> = signups.iter().map(|s| s.shift_id).collect();
    let shifts = shift::Entity::find()
        .filter(shift::Column::Id.is_in(shift_ids))
        .all(db)
        .await?;
    let shifts: ById<shift::Model> = shifts.into_iter().map(|s| (s.id, s)).collect();
    let stall_ids: Vec<Uuid> = shifts.values().map(|s| s.stall_id).collect();
    let stalls = stall::Entity::find()
        .filter(stall::Column::Id.is_in(stall_ids))
        .all(db)
        .await?;
    let stalls: ById<stall::Model> = stalls.into_iter().map(|s| (s.id, s)).collect();
    let event_ids: Vec<Uuid> = stalls.values().map(|s| s.event_id).collect();
    let events = event::Entity::find()
        .filter(event::Column::Id.is_in(event_ids))
        .all(db)
        .await?;
    let events = events.into_iter().map(|e| (e.id, e)).collect();
    Ok((shifts, stalls, events))
}

/// A person's live sign-ups, soonest first.
pub async fn my_shifts(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<Vec<MyShift>, EventError> {
    let mine = signup::Entity::find()
        .filter(signup::Column::PersonId.eq(person_id))
        .filter(signup::Column::Status.ne(SignupStatus::Cancelled))
        .all(db)
        .await?;
    let (shifts, stalls, events) = shifts_stalls_events(db, &mine).await?;
    let mut records: std::collections::HashMap<Uuid, service_record::Model> =
        service_record::Entity::find()
            .filter(service_record::Column::PersonId.eq(person_id))
            .filter(
                service_record::Column::SignupId
                    .is_in(mine.iter().map(|s| s.id).collect::<Vec<_>>()),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.signup_id, r))
            .collect();
    let mut shifts_out = Vec::new();
    for signup in mine {
        let Some(found) = shifts.get(&signup.shift_id) else {
            continue;
        };
        let Some(stall) = stalls.get(&found.stall_id) else {
            continue;
        };
        let Some(event) = events.get(&stall.event_id) else {
            continue;
        };
        // Only a waitlisted place needs a query for its position.
        let standing = standing_of(db, &signup).await?;
        shifts_out.push(MyShift {
            event: event.clone(),
            stall: stall.clone(),
            shift: found.clone(),
            standing,
            record: records.remove(&signup.id),
        });
    }
    let mut shifts = shifts_out;
    shifts.sort_by_key(|s| s.shift.starts_at);
    Ok(shifts)
}

/// The live sign-ups of each person the signed-in helper still acts for, by person.
pub async fn helped_shifts(
    db: &impl ConnectionTrait,
    actor: &member::Actor,
) -> Result<Vec<(member::helping::Helped, Vec<MyShift>)>, EventError> {
    let mut out = Vec::new();
    // At most `member::helping::MAX_HELPED` people: a query or two each.
    for helped in member::helping::helped_by(db, actor).await? {
        if !helped.claimed {
            let shifts = my_shifts(db, helped.person_id).await?;
            out.push((helped, shifts));
        }
    }
    Ok(out)
}
