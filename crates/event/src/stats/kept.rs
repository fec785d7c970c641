//! Periods' overviews kept in memory: a year's dashboard sums about a hundred thousand
//! records, so its figures are worked out once and kept until something they count
//! changes. Each is kept with the stamp of the days it was worked out from — every day that
//! starts in the period with its own version and the sums of its stalls' (page and
//! figures) and shifts' versions, all raised by triggers in the same transaction as any
//! change the figures read (migrations 22 and 23) — and with the moment the clock alone
//! changes it (a day beginning, posted hours coming to stand). One query reads the stamp;
//! a different stamp, or that moment passed, and the figures are worked out again from
//! their records. So several servers never show figures older than the request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use member::Actor;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{QueryOrder, QuerySelect, StreamTrait};

use super::{Overview, stats};
use crate::EventError;
use crate::entities::event;

/// How many periods (and organizations) are kept at most; each is a few kilobytes.
const MAX_KEPT: usize = 256;

/// One day in a period's stamp: its version, and the sums over its stalls and their shifts.
/// A stall or shift removed raises the day's own version, so a stamp never comes back once
/// anything changed.
#[derive(Clone, Debug, PartialEq, Eq)]
struct DayStamp {
    id: Uuid,
    starts_at: DateTime<Utc>,
    day: i64,
    stalls: i64,
    shifts: i64,
}

/// Every day that starts in a period, whatever its state, in one query.
#[derive(Clone, Debug, PartialEq, Eq)]
struct OverviewStamp(Vec<DayStamp>);

impl OverviewStamp {
    /// The first day to begin after `now`: it starts to count then.
    fn next_start(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.0.iter())
            .map(|d| d.starts_at)
            .filter(|at| *at > now)
            .min()
    }
}

async fn overview_stamp(
    db: &impl ConnectionTrait,
    (from, until): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
) -> Result<OverviewStamp, EventError> {
    let stalls = Expr::cust(
        "(SELECT CAST(COALESCE(SUM(st.page_version + st.figures_version), 0) AS BIGINT) \
         FROM stalls st WHERE st.event_id = events.id)",
    );
    let shifts = Expr::cust(
        "(SELECT CAST(COALESCE(SUM(sh.page_version), 0) AS BIGINT) FROM shifts sh \
         JOIN stalls st ON st.id = sh.stall_id WHERE st.event_id = events.id)",
    );
    let mut query = event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .column(event::Column::StartsAt)
        .expr_as(Expr::cust("events.page_version"), "day")
        .expr_as(stalls, "stalls")
        .expr_as(shifts, "shifts");
    if let Some(from) = from {
        query = query.filter(event::Column::StartsAt.gte(from));
    }
    if let Some(until) = until {
        query = query.filter(event::Column::StartsAt.lt(until));
    }
    let days = query
        .order_by_asc(event::Column::Id)
        .into_tuple::<(Uuid, DateTime<Utc>, i64, i64, i64)>()
        .all(db)
        .await?;
    Ok(OverviewStamp(
        (days.into_iter())
            .map(|(id, starts_at, day, stalls, shifts)| DayStamp {
                id,
                starts_at,
                day,
                stalls,
                shifts,
            })
            .collect(),
    ))
}

/// What was asked: a period, street-wide or for one organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Question {
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    organization: Option<Uuid>,
}

struct Kept {
    stamp: OverviewStamp,
    fresh_until: Option<DateTime<Utc>>,
    overview: Arc<Overview>,
}

impl Kept {
    fn still_right(&self, stamp: &OverviewStamp, now: DateTime<Utc>) -> bool {
        self.stamp == *stamp && self.fresh_until.is_none_or(|until| now < until)
    }
}

/// One question's kept overview. Requests asking the same take turns on it, so a crowd
/// arriving after a change waits for one working and then shares it.
type Slot = Arc<tokio::sync::Mutex<Option<Kept>>>;

/// The overviews kept, one per question asked.
#[derive(Default)]
pub struct KeptOverviews {
    slots: Mutex<HashMap<Question, Slot>>,
}

impl KeptOverviews {
    /// A period's overview, `[from, until)` (open ends for all time), for someone allowed to
    /// see it: staff street-wide or for any organization, a leader for their own. Served
    /// from memory while nothing it counts has changed; otherwise worked out from the
    /// records and kept. `turn` is awaited (and held) only for a working: the caller's way
    /// of letting few heavy workings run at once.
    pub async fn overview_for<Turn>(
        &self,
        db: &(impl ConnectionTrait + StreamTrait),
        actor: &Actor,
        period: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
        organization: Option<Uuid>,
        now: DateTime<Utc>,
        turn: impl Future<Output = Turn>,
    ) -> Result<Arc<Overview>, EventError> {
        let allowed = actor.is_staff() || organization.is_some_and(|org| actor.can_manage_org(org));
        if !allowed {
            return Err(EventError::Forbidden);
        }
        let slot = self.slot(Question {
            from: period.0,
            until: period.1,
            organization,
        });
        let mut kept = slot.lock().await;
        // Read before the working: a change committed during it leaves the kept stamp
        // behind, so the next request works the figures out again.
        let stamp = overview_stamp(db, period).await?;
        if let Some(found) = kept.as_ref().filter(|k| k.still_right(&stamp, now)) {
            return Ok(found.overview.clone());
        }
        let held = turn.await;
        let stats = stats(db, period.0, period.1, organization, now).await?;
        drop(held);
        let fresh_until = [stats.fresh_until, stamp.next_start(now)]
            .into_iter()
            .flatten()
            .min();
        let overview = Arc::new(Overview::from(stats));
        *kept = Some(Kept {
            stamp,
            fresh_until,
            overview: overview.clone(),
        });
        Ok(overview)
    }

    fn slot(&self, question: Question) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        // Only a shortcut: past the limit, all are let go and worked out again when asked.
        if slots.len() >= MAX_KEPT && !slots.contains_key(&question) {
            slots.clear();
        }
        slots.entry(question).or_default().clone()
    }
}
