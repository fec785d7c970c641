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
//! months, each kept apart with its sets of distinct volunteers, residents and days, so a
//! change reworks only the month it falls in and the year is merged again — exactly: a
//! volunteer serving in two months is one volunteer of the year.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, Utc};
use member::Actor;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{QueryOrder, QuerySelect, StreamTrait};

use super::{Figures, Groups, Overview, Tally, figures, stats, work};
use crate::EventError;
use crate::entities::event;
use crate::schedule::{self, shanghai};

/// How many periods (and organizations) are kept at most; each is a few kilobytes.
const MAX_KEPT: usize = 256;

/// How many months are kept apart at most: a busy month street-wide holds about half a
/// megabyte of distinct volunteers.
const MAX_MONTHS_KEPT: usize = 48;

/// Periods of whole months up to this long are put together from their months; longer
/// ones (all time) are worked out whole.
const MONTHS_MERGED: usize = 24;

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

    /// The days of one month of the period.
    fn within(&self, (from, until): (DateTime<Utc>, DateTime<Utc>)) -> OverviewStamp {
        OverviewStamp(
            (self.0.iter())
                .filter(|d| from <= d.starts_at && d.starts_at < until)
                .cloned()
                .collect(),
        )
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

struct Kept<T> {
    stamp: OverviewStamp,
    fresh_until: Option<DateTime<Utc>>,
    value: Arc<T>,
}

impl<T> Kept<T> {
    fn still_right(&self, stamp: &OverviewStamp, now: DateTime<Utc>) -> bool {
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

/// A month's tallies with their sets of distinct volunteers, residents and days, so that
/// months add up into a longer period exactly.
#[derive(Default)]
struct Part {
    all: Tally,
    by_month: BTreeMap<(i32, u32), Figures>,
    by_org: BTreeMap<Uuid, Tally>,
    by_service: BTreeMap<&'static str, Tally>,
    by_project: BTreeMap<Uuid, Tally>,
}

impl Part {
    fn of(groups: Groups) -> Self {
        Part {
            all: groups.all,
            // A month is never in two parts: its row is final.
            by_month: figures(groups.by_month),
            by_org: groups.by_org,
            by_service: groups.by_service,
            by_project: groups.by_project,
        }
    }

    fn add(&mut self, other: &Part) {
        fn add_each<K: Ord + Copy>(into: &mut BTreeMap<K, Tally>, from: &BTreeMap<K, Tally>) {
            for (key, tally) in from {
                into.entry(*key).or_default().add(tally);
            }
        }
        self.all.add(&other.all);
        (self.by_month).extend(other.by_month.iter().map(|(k, f)| (*k, f.clone())));
        add_each(&mut self.by_org, &other.by_org);
        add_each(&mut self.by_service, &other.by_service);
        add_each(&mut self.by_project, &other.by_project);
    }

    fn overview(&self) -> Overview {
        fn each<K: Ord + Copy>(tallies: &BTreeMap<K, Tally>) -> BTreeMap<K, Figures> {
            (tallies.iter()).map(|(k, t)| (*k, t.figures())).collect()
        }
        Overview {
            all: self.all.figures(),
            by_month: self.by_month.clone(),
            by_organization: each(&self.by_org),
            by_service: each(&self.by_service),
            by_project: each(&self.by_project),
        }
    }
}

/// The months `[from, until)` is made of, when it is whole months in Shanghai and not too
/// many of them.
fn whole_months(
    (from, until): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
) -> Option<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
    let first_of_month = |at: DateTime<Utc>| -> Option<NaiveDate> {
        let local = at.with_timezone(&shanghai());
        (local.day() == 1 && local.time() == NaiveTime::MIN).then(|| local.date_naive())
    };
    let (mut month, end) = (first_of_month(from?)?, first_of_month(until?)?);
    let mut months = Vec::new();
    while month < end && months.len() < MONTHS_MERGED {
        let next = month.checked_add_months(Months::new(1))?;
        months.push((
            schedule::at(month, NaiveTime::MIN),
            schedule::at(next, NaiveTime::MIN),
        ));
        month = next;
    }
    (month == end && !months.is_empty()).then_some(months)
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    [a, b].into_iter().flatten().min()
}

/// The overviews kept, one per question asked, and the months they are made of.
pub struct KeptOverviews {
    periods: Slots<Overview>,
    months: Slots<Part>,
}

impl Default for KeptOverviews {
    fn default() -> Self {
        KeptOverviews {
            periods: Slots::new(MAX_KEPT),
            months: Slots::new(MAX_MONTHS_KEPT),
        }
    }
}

impl KeptOverviews {
    /// A period's overview, `[from, until)` (open ends for all time), for someone allowed to
    /// see it: staff street-wide or for any organization, a leader for their own. Served
    /// from memory while nothing it counts has changed; otherwise worked out from the
    /// records (of the months that changed) and kept. `turn` is awaited (and held) only for
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
        let (overview, fresh_until) = match whole_months(period) {
            Some(months) => {
                let (whole, fresh_until) = self
                    .merged_months(db, &months, organization, &stamp, now, turn)
                    .await?;
                (whole.overview(), fresh_until)
            }
            None => {
                let held = turn.await;
                let stats = stats(db, period.0, period.1, organization, now).await?;
                drop(held);
                let fresh_until = earliest(stats.fresh_until, stamp.next_start(now));
                (Overview::from(stats), fresh_until)
            }
        };
        let overview = Arc::new(overview);
        *kept = Some(Kept {
            stamp,
            fresh_until,
            value: overview.clone(),
        });
        Ok(overview)
    }

    /// The months of a period merged, each from memory or worked out again, and the first
    /// moment the clock changes one; `turn` is taken before the first month worked out.
    async fn merged_months<Turn>(
        &self,
        db: &(impl ConnectionTrait + StreamTrait),
        months: &[(DateTime<Utc>, DateTime<Utc>)],
        organization: Option<Uuid>,
        period_stamp: &OverviewStamp,
        now: DateTime<Utc>,
        turn: impl Future<Output = Turn>,
    ) -> Result<(Part, Option<DateTime<Utc>>), EventError> {
        let (mut turn, mut held) = (Some(turn), None);
        let mut whole = Part::default();
        let mut fresh_until = None;
        for &month in months {
            let stamp = period_stamp.within(month);
            let slot = self.months.slot(Question {
                from: Some(month.0),
                until: Some(month.1),
                organization,
            });
            let mut kept = slot.lock().await;
            if !kept.as_ref().is_some_and(|k| k.still_right(&stamp, now)) {
                if let Some(turn) = turn.take() {
                    held = Some(turn.await);
                }
                let worked = work(db, (Some(month.0), Some(month.1)), organization, now).await?;
                *kept = Some(Kept {
                    fresh_until: earliest(worked.fresh_until, stamp.next_start(now)),
                    stamp,
                    value: Arc::new(Part::of(worked.groups)),
                });
            }
            if let Some(part) = kept.as_ref() {
                whole.add(&part.value);
                fresh_until = earliest(fresh_until, part.fresh_until);
            }
        }
        drop(held);
        Ok((whole, fresh_until))
    }
}

/// A period's overview both ways: put together from its months kept apart (as the
/// dashboards are served) and worked out whole from its rows.
#[derive(Debug)]
pub struct MonthsCheck {
    pub merged: Overview,
    pub whole: Overview,
}

impl MonthsCheck {
    /// Every figure the same both ways.
    pub fn agrees(&self) -> bool {
        self.merged == self.whole
    }
}

/// `weiyifang check-figures`: the months of `[first, until)` (whole months, first days
/// given) merged, against the whole period worked out from its rows, street-wide.
pub async fn check_months(
    db: &(impl ConnectionTrait + StreamTrait),
    (first, until): (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
) -> Result<MonthsCheck, EventError> {
    let period = (
        Some(schedule::at(first, NaiveTime::MIN)),
        Some(schedule::at(until, NaiveTime::MIN)),
    );
    let months = whole_months(period)
        .ok_or_else(|| EventError::field("until", "error-period-whole-months"))?;
    let stamp = overview_stamp(db, period).await?;
    let (merged, _) = (KeptOverviews::default())
        .merged_months(db, &months, None, &stamp, now, async {})
        .await?;
    let whole = stats(db, period.0, period.1, None, now).await?;
    Ok(MonthsCheck {
        merged: merged.overview(),
        whole: Overview::from(whole),
    })
}
