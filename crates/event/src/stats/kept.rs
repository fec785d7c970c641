//! Periods' overviews kept in memory: a year's dashboard sums about a hundred thousand
//! records, so its figures are worked out once and kept until something they count
//! changes. Each is kept with the stamp of the days it was worked out from — every day that
//! starts in the period with its own version and the sums of its stalls' (page and
//! figures) and shifts' versions, all raised by triggers in the same transaction as any
//! change the figures read (migrations 22 and 23) — and with the moment the clock alone
//! changes it (a day beginning, posted hours coming to stand). One query reads the stamp;
//! a different stamp, or that moment passed, and the figures are worked out again from
//! their records. So several servers never show figures older than the request.
//!
//! A period of whole months (a year, a month, up to two years) is put together from its
//! stalls' tallies, each kept apart with its own stamp and its sets of distinct volunteers,
//! residents and days: a stall counts in exactly one organization, service, project and
//! month, so a change reworks only the stall it touches (a few hundred records, where its
//! month holds thousands) and the period is merged again — exactly: a volunteer serving at
//! two stalls is one volunteer of the year.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use member::Actor;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{QueryOrder, QuerySelect, StreamTrait};

use super::{Counted, Counting, Groups, Overview, Tally, counted_events, stats, work_counted};
use crate::EventError;
use crate::entities::{event, stall};
use crate::schedule::{self, shanghai};

/// How many periods (and organizations) are kept at most; each is a few kilobytes.
const MAX_KEPT: usize = 256;

/// How many stalls' tallies are kept apart at most: a busy stall holds a few hundred
/// distinct volunteers (~10 KB), a busy street some 240 stalls a year.
const MAX_STALLS_KEPT: usize = 1024;

/// Periods of whole months up to this long are put together from their stalls; longer
/// ones (all time) are worked out whole.
const MONTHS_MERGED: i64 = 24;

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

/// What was asked: a period (or one month of it), street-wide or for one organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Question {
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    organization: Option<Uuid>,
}

struct Kept<T, Stamp = OverviewStamp> {
    stamp: Stamp,
    fresh_until: Option<DateTime<Utc>>,
    value: Arc<T>,
}

impl<T, Stamp: PartialEq> Kept<T, Stamp> {
    fn still_right(&self, stamp: &Stamp, now: DateTime<Utc>) -> bool {
        self.stamp == *stamp && self.fresh_until.is_none_or(|until| now < until)
    }
}

/// One question's kept answer. Requests asking the same take turns on it, so a crowd
/// arriving after a change waits for one working and then shares it.
type Slot<T> = Arc<tokio::sync::Mutex<Option<Kept<T>>>>;

struct Slots<T> {
    slots: Mutex<HashMap<Question, Slot<T>>>,
    max: usize,
}

impl<T> Slots<T> {
    fn new(max: usize) -> Self {
        Slots {
            slots: Mutex::new(HashMap::new()),
            max,
        }
    }

    fn slot(&self, question: Question) -> Slot<T> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        // Only a shortcut: past the limit, all are let go and worked out again when asked.
        if slots.len() >= self.max && !slots.contains_key(&question) {
            slots.clear();
        }
        slots.entry(question).or_default().clone()
    }
}

/// One stall's stamp: its day's version, its own (page and figures) and the sum of its
/// shifts'. A shift removed raises its stall's version, a stall removed its day's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct StallStamp {
    day: i64,
    stall: i64,
    shifts: i64,
}

/// The stamps of the stalls (of one organization, if asked) of `days`, in one query.
async fn stall_stamps(
    db: &impl ConnectionTrait,
    days: Vec<Uuid>,
    organization: Option<Uuid>,
) -> Result<Vec<(Uuid, StallStamp)>, EventError> {
    let day = Expr::cust("(SELECT e.page_version FROM events e WHERE e.id = stalls.event_id)");
    let shifts = Expr::cust(
        "(SELECT CAST(COALESCE(SUM(sh.page_version), 0) AS BIGINT) FROM shifts sh \
         WHERE sh.stall_id = stalls.id)",
    );
    let mut query = stall::Entity::find()
        .select_only()
        .column(stall::Column::Id)
        .expr_as(day, "day")
        .expr_as(
            Expr::cust("stalls.page_version + stalls.figures_version"),
            "stall",
        )
        .expr_as(shifts, "shifts")
        .filter(stall::Column::EventId.is_in(days));
    if let Some(org) = organization {
        query = query.filter(stall::Column::OrganizationId.eq(org));
    }
    let stamps = query.into_tuple::<(Uuid, i64, i64, i64)>().all(db).await?;
    Ok((stamps.into_iter())
        .map(|(id, day, stall, shifts)| (id, StallStamp { day, stall, shifts }))
        .collect())
}

/// One stall's tally, with its own sets of distinct volunteers, residents and days.
struct StallPart {
    stall: stall::Model,
    tally: Tally,
}

/// Whether `[from, until)` is whole months in Shanghai, and not too many of them.
fn whole_months((from, until): (Option<DateTime<Utc>>, Option<DateTime<Utc>>)) -> bool {
    let first_of_month = |at: Option<DateTime<Utc>>| -> Option<NaiveDate> {
        let local = at?.with_timezone(&shanghai());
        (local.day() == 1 && local.time() == NaiveTime::MIN).then(|| local.date_naive())
    };
    let (Some(first), Some(end)) = (first_of_month(from), first_of_month(until)) else {
        return false;
    };
    let months = |date: NaiveDate| i64::from(date.year()) * 12 + i64::from(date.month0());
    let count = months(end) - months(first);
    0 < count && count <= MONTHS_MERGED
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    [a, b].into_iter().flatten().min()
}

/// The overviews kept, one per question asked, and the stalls' tallies they are made of.
pub struct KeptOverviews {
    periods: Slots<Overview>,
    stalls: Mutex<HashMap<Uuid, Kept<StallPart, StallStamp>>>,
}

impl Default for KeptOverviews {
    fn default() -> Self {
        KeptOverviews {
            periods: Slots::new(MAX_KEPT),
            stalls: Mutex::new(HashMap::new()),
        }
    }
}

impl KeptOverviews {
    /// A period's overview, `[from, until)` (open ends for all time), for someone allowed to
    /// see it: staff street-wide or for any organization, a leader for their own. Served
    /// from memory while nothing it counts has changed; otherwise worked out from the
    /// records (of the stalls that changed) and kept. `turn` is awaited (and held) only for
    /// a working: the caller's way of letting few heavy workings run at once.
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
        let slot = self.periods.slot(Question {
            from: period.0,
            until: period.1,
            organization,
        });
        let mut kept = slot.lock().await;
        // Read before the working: a change committed during it leaves the kept stamp
        // behind, so the next request works the figures out again.
        let stamp = overview_stamp(db, period).await?;
        if let Some(found) = kept.as_ref().filter(|k| k.still_right(&stamp, now)) {
            return Ok(found.value.clone());
        }
        let (overview, fresh_until) = if whole_months(period) {
            (self.merged_stalls(db, period, organization, now, turn)).await?
        } else {
            let held = turn.await;
            let stats = stats(db, period.0, period.1, organization, now).await?;
            drop(held);
            let fresh_until = stats.fresh_until;
            (Overview::from(stats), fresh_until)
        };
        let fresh_until = earliest(fresh_until, stamp.next_start(now));
        let overview = Arc::new(overview);
        *kept = Some(Kept {
            stamp,
            fresh_until,
            value: overview.clone(),
        });
        Ok(overview)
    }

    /// A period's stalls merged, each from memory or worked out again, with the days that
    /// count, and the first moment the clock changes a stall; `turn` is taken before
    /// any stall is worked out.
    async fn merged_stalls<Turn>(
        &self,
        db: &(impl ConnectionTrait + StreamTrait),
        period: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
        organization: Option<Uuid>,
        now: DateTime<Utc>,
        turn: impl Future<Output = Turn>,
    ) -> Result<(Overview, Option<DateTime<Utc>>), EventError> {
        let mut events = counted_events(db, period, now).await?;
        // Read before the working, as the period's stamp is.
        let stamps = stall_stamps(db, events.keys().copied().collect(), organization).await?;
        let mut parts = Vec::with_capacity(stamps.len());
        let mut stale = HashMap::new();
        {
            let kept = self.stalls.lock().unwrap_or_else(PoisonError::into_inner);
            for (id, stamp) in stamps {
                match kept.get(&id).filter(|k| k.still_right(&stamp, now)) {
                    Some(found) => parts.push((found.value.clone(), found.fresh_until)),
                    None => {
                        stale.insert(id, stamp);
                    }
                }
            }
        }
        if !stale.is_empty() {
            let held = turn.await;
            let stalls = (stall::Entity::find())
                .filter(stall::Column::Id.is_in(stale.keys().copied().collect::<Vec<_>>()))
                .all(db)
                .await?;
            let counted = Counted::of_stalls(db, events, stalls).await?;
            let mut worked = work_counted(db, counted, Counting::EachStall, now).await?;
            drop(held);
            let mut kept = self.stalls.lock().unwrap_or_else(PoisonError::into_inner);
            // Only a shortcut: past the limit, all are let go and worked out again when asked.
            if kept.len() + stale.len() > MAX_STALLS_KEPT {
                kept.clear();
            }
            for (id, stall) in worked.counted.stalls.drain() {
                let part = Arc::new(StallPart {
                    tally: worked.groups.by_stall.remove(&id).unwrap_or_default(),
                    stall,
                });
                let fresh_until = worked.stands_next.get(&id).copied();
                if let Some(&stamp) = stale.get(&id) {
                    let value = part.clone();
                    kept.insert(
                        id,
                        Kept {
                            stamp,
                            fresh_until,
                            value,
                        },
                    );
                }
                parts.push((part, fresh_until));
            }
            events = worked.counted.events;
        }
        Ok(merge(&events, &parts, organization))
    }
}

/// The days that count (street-wide) and their stalls' tallies merged into an overview, with
/// the first moment the clock changes a stall.
fn merge(
    events: &HashMap<Uuid, event::Model>,
    parts: &[(Arc<StallPart>, Option<DateTime<Utc>>)],
    organization: Option<Uuid>,
) -> (Overview, Option<DateTime<Utc>>) {
    let mut groups = Groups::default();
    if organization.is_none() {
        for event in events.values() {
            groups.each_shown_of_event(event, |tally| tally.count_event(event));
        }
    }
    let mut fresh_until = None;
    for (part, until) in parts {
        if let Some(event) = events.get(&part.stall.event_id) {
            groups.each_shown_of_stall(event, &part.stall, |tally| tally.add(&part.tally));
            fresh_until = earliest(fresh_until, *until);
        }
    }
    (groups.overview(), fresh_until)
}

/// A period's overview both ways: put together from its stalls kept apart (as the
/// dashboards are served) and worked out whole from its rows.
#[derive(Debug)]
pub struct MergeCheck {
    pub merged: Overview,
    pub whole: Overview,
}

impl MergeCheck {
    /// Every figure the same both ways.
    pub fn agrees(&self) -> bool {
        self.merged == self.whole
    }
}

/// `weiyifang check-figures`: `[first, until)` (whole months, first days given) put
/// together from its stalls, against the whole period worked out from its rows,
/// street-wide.
pub async fn check_merged(
    db: &(impl ConnectionTrait + StreamTrait),
    (first, until): (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
) -> Result<MergeCheck, EventError> {
    let period = (
        Some(schedule::at(first, NaiveTime::MIN)),
        Some(schedule::at(until, NaiveTime::MIN)),
    );
    if !whole_months(period) {
        return Err(EventError::field("until", "error-period-whole-months"));
    }
    let (merged, _) = (KeptOverviews::default())
        .merged_stalls(db, period, None, now, async {})
        .await?;
    let whole = stats(db, period.0, period.1, None, now).await?;
    Ok(MergeCheck {
        merged,
        whole: Overview::from(whole),
    })
}
