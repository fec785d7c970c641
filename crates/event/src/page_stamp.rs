//! What a market day's public page may be kept in memory by: its version stamp and the
//! moment the clock alone changes it. The versions are kept by triggers (migration 22):
//! every change to the day, its stalls, their shifts, their sign-ups or an organization's
//! name raises one in the same transaction, so a page rendered at a stamp stays right until
//! the stamp moves or the clock reaches `fresh_until`.

use chrono::{DateTime, Days, NaiveTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::EventError;
use crate::entities::event::{self, EventStatus};
use crate::schedule::{self, shanghai};

/// A day's version with the sums over its stalls and their shifts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageStamp {
    day: i64,
    stalls: i64,
    shifts: i64,
}

/// The stamp of a market day, in one indexed query; `None` when there is no such day.
pub async fn page_stamp(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Option<PageStamp>, EventError> {
    let backend = db.get_database_backend();
    let placeholder = if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let sql = format!(
        "SELECT e.page_version AS day, \
         (SELECT CAST(COALESCE(SUM(st.page_version), 0) AS BIGINT) FROM stalls st \
          WHERE st.event_id = e.id) AS stalls, \
         (SELECT CAST(COALESCE(SUM(sh.page_version), 0) AS BIGINT) FROM shifts sh \
          JOIN stalls st ON st.id = sh.stall_id WHERE st.event_id = e.id) AS shifts \
         FROM events e WHERE e.id = {placeholder}"
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [event_id.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(PageStamp {
        day: row.try_get("", "day")?,
        stalls: row.try_get("", "stalls")?,
        shifts: row.try_get("", "shifts")?,
    }))
}

/// The first moment after `now` at which the page changes with no write: a shift starting
/// or sign-up closing (a shift then reads as closed), and the next midnight in Shanghai
/// (the page names days relative to today).
pub fn fresh_until(
    event: &event::Model,
    shift_starts: impl IntoIterator<Item = DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let tomorrow = now
        .with_timezone(&shanghai())
        .date_naive()
        .checked_add_days(Days::new(1))
        .map_or(now, |day| schedule::at(day, NaiveTime::MIN));
    if event.status != EventStatus::Published {
        return tomorrow;
    }
    shift_starts
        .into_iter()
        .chain([schedule::signup_closes_at(event)])
        .filter(|at| *at > now)
        .fold(tomorrow, DateTime::min)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::event::EventKind;
    use chrono::TimeZone;

    fn local(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        schedule::shanghai()
            .with_ymd_and_hms(2026, 12, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn day_on_the_5th(status: EventStatus) -> event::Model {
        event::Model {
            id: Uuid::nil(),
            kind: EventKind::Market,
            title: String::new(),
            place: String::new(),
            starts_at: local(5, 9, 0),
            ends_at: local(5, 11, 30),
            status,
            created_at: local(1, 0, 0),
            description: String::new(),
            organizer_id: None,
            project_id: None,
            signup_closes_at: None,
            cancel_reason: None,
        }
    }

    #[test]
    fn a_page_is_fresh_until_midnight_sign_up_closing_or_a_shift_starting() {
        let day = day_on_the_5th(EventStatus::Published);
        let shifts = [local(5, 9, 0), local(5, 10, 0)];
        // Days before: the next midnight comes first.
        assert_eq!(fresh_until(&day, shifts, local(2, 15, 0)), local(3, 0, 0));
        // Sign-up closes at the start of the day (the default), also a midnight.
        assert_eq!(fresh_until(&day, shifts, local(4, 23, 0)), local(5, 0, 0));
        // On the day: the next shift's start.
        assert_eq!(fresh_until(&day, shifts, local(5, 8, 0)), local(5, 9, 0));
        assert_eq!(fresh_until(&day, shifts, local(5, 9, 30)), local(5, 10, 0));
        // A cut-off set by the coordinator in the afternoon before.
        let early = event::Model {
            signup_closes_at: Some(local(4, 18, 0)),
            ..day_on_the_5th(EventStatus::Published)
        };
        assert_eq!(
            fresh_until(&early, shifts, local(4, 12, 0)),
            local(4, 18, 0)
        );
        // A cancelled day changes only with the date.
        let cancelled = day_on_the_5th(EventStatus::Cancelled);
        assert_eq!(
            fresh_until(&cancelled, shifts, local(5, 8, 0)),
            local(6, 0, 0)
        );
    }
}
