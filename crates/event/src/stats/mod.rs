//! The figures the sub-district reports: market days held and organizations' activities
//! (apart), services delivered, active
//! volunteers, hours, residents served — for a period, and per month, organization and
//! service type. Every total is the sum of its parts (a test checks it).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Utc};
use futures_util::TryStreamExt;
use sea_orm::entity::prelude::*;
use sea_orm::{QueryOrder, QuerySelect, StreamTrait};

use crate::EventError;
use crate::entities::event::{self, EventKind, EventStatus};
use crate::entities::{beneficiary_report, hour_entry, service_record, shift, stall};
use crate::records::{counted_hour_entries, stands_as_number};
use crate::schedule::shanghai;
use crate::stalls::Service;

mod kept;
pub use kept::{KeptOverviews, MergeCheck, check_merged};

/// One group's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Public-welfare market days that took place (or are under way).
    pub market_days: u64,
    /// Organizations' own activities, counted apart so that "17 market days" stays 17.
    pub activities: u64,
    /// Service records with confirmed hours.
    pub services: u64,
    pub volunteers: u64,
    /// Confirmed hours, those still posted (公示中) included.
    pub hours_tenths: i64,
    /// Of those, the hours that stand (已生效): posting over, no objection open.
    pub hours_standing_tenths: i64,
    pub residents: i64,
    /// Of those, how many the stalls' phones counted as they were served (现场计数): per
    /// report, its tally at the time, up to its total.
    pub residents_tallied: i64,
    /// 人数: distinct residents among the visits recorded with a phone number (by its keyed
    /// digest), across stalls and days of the group.
    pub people: u64,
    /// Visits recorded with a phone number (the part of 人次 that 人数 is drawn from).
    pub identified_visits: u64,
    /// The residents' breakdown where reported: 老年人, 儿童, 残疾人, 其他.
    pub breakdown: Breakdown,
}

/// Residents served by group; a report that gave no breakdown adds nothing here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Breakdown {
    pub elderly: i64,
    pub children: i64,
    pub disabled: i64,
    pub other: i64,
}

impl Breakdown {
    fn of(report: &beneficiary_report::Model) -> Self {
        let n = |v: Option<i32>| i64::from(v.unwrap_or(0));
        Breakdown {
            elderly: n(report.elderly),
            children: n(report.children),
            disabled: n(report.disabled),
            other: n(report.other),
        }
    }

    fn add(&mut self, other: &Breakdown) {
        self.elderly += other.elderly;
        self.children += other.children;
        self.disabled += other.disabled;
        self.other += other.other;
    }
}

#[derive(Debug, Default)]
pub struct Stats {
    pub all: Figures,
    /// (year, month) in Shanghai.
    pub by_month: BTreeMap<(i32, u32), Figures>,
    pub by_organization: BTreeMap<Uuid, Figures>,
    pub by_service: BTreeMap<&'static str, Figures>,
    pub by_event: BTreeMap<Uuid, Figures>,
    /// Activities that belong to a project.
    pub by_project: BTreeMap<Uuid, Figures>,
    pub by_stall: BTreeMap<Uuid, Figures>,
    pub by_person: BTreeMap<Uuid, Figures>,
    /// The events and stalls counted, for naming the rows.
    pub events: Vec<event::Model>,
    pub stalls: Vec<stall::Model>,
    /// The first moment after the working at which the clock alone changes these figures
    /// (hours posted coming to stand); none when nothing is waiting on the clock. Days that
    /// begin later are seen by the stamp the kept overviews are read with.
    pub fresh_until: Option<DateTime<Utc>>,
}

/// The groups a period's overview shows (both dashboards, the API's figures): what is kept
/// in memory between requests (see [`KeptOverviews`]).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Overview {
    pub all: Figures,
    pub by_month: BTreeMap<(i32, u32), Figures>,
    pub by_organization: BTreeMap<Uuid, Figures>,
    pub by_service: BTreeMap<&'static str, Figures>,
    pub by_project: BTreeMap<Uuid, Figures>,
}

impl From<Stats> for Overview {
    fn from(stats: Stats) -> Self {
        Overview {
            all: stats.all,
            by_month: stats.by_month,
            by_organization: stats.by_organization,
            by_service: stats.by_service,
            by_project: stats.by_project,
        }
    }
}

#[derive(Default)]
struct Tally {
    markets: HashSet<Uuid>,
    activities: HashSet<Uuid>,
    services: u64,
    /// Hashed fast: a year's merge of months adds some 300,000 of them.
    volunteers: foldhash::HashSet<Uuid>,
    hours_tenths: i64,
    hours_standing_tenths: i64,
    residents: i64,
    residents_tallied: i64,
    people: HashSet<String>,
    identified_visits: u64,
    breakdown: Breakdown,
}

impl Tally {
    fn count_event(&mut self, event: &event::Model) {
        match event.kind {
            EventKind::Market => self.markets.insert(event.id),
            EventKind::Activity => self.activities.insert(event.id),
        };
    }

    /// Another tally of the same group over other days: distinct volunteers, residents
    /// and days counted once across both.
    fn add(&mut self, other: &Tally) {
        self.markets.extend(&other.markets);
        self.activities.extend(&other.activities);
        self.services += other.services;
        self.volunteers.extend(&other.volunteers);
        self.hours_tenths += other.hours_tenths;
        self.hours_standing_tenths += other.hours_standing_tenths;
        self.residents += other.residents;
        self.residents_tallied += other.residents_tallied;
        self.people.extend(other.people.iter().cloned());
        self.identified_visits += other.identified_visits;
        self.breakdown.add(&other.breakdown);
    }

    fn figures(&self) -> Figures {
        Figures {
            market_days: self.markets.len() as u64,
            activities: self.activities.len() as u64,
            services: self.services,
            volunteers: self.volunteers.len() as u64,
            hours_tenths: self.hours_tenths,
            hours_standing_tenths: self.hours_standing_tenths,
            residents: self.residents,
            residents_tallied: self.residents_tallied,
            people: self.people.len() as u64,
            identified_visits: self.identified_visits,
            breakdown: self.breakdown,
        }
    }
}

/// Events in `[from, until)` that have begun (not cancelled, not drafts): what is
/// confirmed or reported on the day counts at once, not only after the day has ended.
pub async fn stats(
    db: &(impl ConnectionTrait + StreamTrait),
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    organization: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Stats, EventError> {
    let Worked {
        counted,
        groups,
        by_person,
        fresh_until,
        ..
    } = work(db, (from, until), organization, now).await?;
    Ok(Stats {
        all: groups.all.figures(),
        by_month: figures(groups.by_month),
        by_organization: figures(groups.by_org),
        by_service: figures(groups.by_service),
        by_event: figures(groups.by_event),
        by_project: figures(groups.by_project),
        by_stall: figures(groups.by_stall),
        by_person,
        events: {
            let mut list: Vec<event::Model> = counted.events.into_values().collect();
            list.sort_by_key(|e| e.starts_at);
            list
        },
        stalls: counted.stalls.into_values().collect(),
        fresh_until,
    })
}

/// A period's tallies, with what they were counted from, before they become figures.
struct Worked {
    counted: Counted,
    groups: Groups,
    by_person: BTreeMap<Uuid, Figures>,
    /// See [`Stats::fresh_until`].
    fresh_until: Option<DateTime<Utc>>,
    /// The same moment stall by stall, for stalls with hours still posted.
    stands_next: HashMap<Uuid, DateTime<Utc>>,
}

async fn work(
    db: &(impl ConnectionTrait + StreamTrait),
    period: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    organization: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Worked, EventError> {
    let events = counted_events(db, period, now).await?;
    let counted = Counted::of(db, events, organization).await?;
    let counting = match organization {
        None => Counting::Everything,
        Some(_) => Counting::Stalls,
    };
    work_counted(db, counted, counting, now).await
}

/// What a working tallies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Counting {
    /// Every group, and every day held, stalls or not (street-wide).
    Everything,
    /// Every group of the stalls' records (one organization's).
    Stalls,
    /// Each stall's own tally alone (the kept overviews' parts, merged afterwards).
    EachStall,
}

/// The tallies of what was counted.
async fn work_counted(
    db: &(impl ConnectionTrait + StreamTrait),
    counted: Counted,
    counting: Counting,
    now: DateTime<Utc>,
) -> Result<Worked, EventError> {
    let residents = current_reports(db, counted.stalls.keys().copied().collect()).await?;
    let mut groups = Groups {
        each_stall_only: counting == Counting::EachStall,
        ..Groups::default()
    };
    if counting == Counting::Everything {
        for event in counted.events.values() {
            groups.each_of_event(event, |tally| tally.count_event(event));
        }
    }
    for stall in counted.stalls.values() {
        let Some(event) = counted.events.get(&stall.event_id) else {
            continue;
        };
        let (served, tallied, breakdown) = residents.get(&stall.id).copied().unwrap_or_default();
        groups.each_of_stall(event, stall, |tally| {
            tally.count_event(event);
            tally.residents += served;
            tally.residents_tallied += tallied;
            tally.breakdown.add(&breakdown);
        });
    }
    add_visits(db, &counted, &mut groups).await?;
    let (by_person, stands_next) = add_hours(db, &counted, &mut groups, now).await?;
    Ok(Worked {
        counted,
        groups,
        by_person,
        fresh_until: stands_next.values().min().copied(),
        stands_next,
    })
}

/// Events in `[from, until)` that have begun (not cancelled, not drafts).
async fn counted_events(
    db: &impl ConnectionTrait,
    (from, until): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, event::Model>, EventError> {
    let mut query = event::Entity::find()
        .filter(event::Column::Status.is_in([
            EventStatus::Published,
            EventStatus::Held,
            EventStatus::Reported,
        ]))
        .filter(event::Column::StartsAt.lte(now));
    if let Some(from) = from {
        query = query.filter(event::Column::StartsAt.gte(from));
    }
    if let Some(until) = until {
        query = query.filter(event::Column::StartsAt.lt(until));
    }
    let events = query.order_by_asc(event::Column::StartsAt).all(db).await?;
    Ok(events.into_iter().map(|e| (e.id, e)).collect())
}

/// The events, stalls (of one organization, if asked) and shifts that count.
struct Counted {
    events: HashMap<Uuid, event::Model>,
    stalls: HashMap<Uuid, stall::Model>,
    shifts: HashMap<Uuid, shift::Model>,
}

impl Counted {
    /// The stalls of `events` (of one organization, if asked) and their shifts.
    async fn of(
        db: &impl ConnectionTrait,
        events: HashMap<Uuid, event::Model>,
        organization: Option<Uuid>,
    ) -> Result<Counted, EventError> {
        let mut stall_query = stall::Entity::find()
            .filter(stall::Column::EventId.is_in(events.keys().copied().collect::<Vec<_>>()));
        if let Some(org) = organization {
            stall_query = stall_query.filter(stall::Column::OrganizationId.eq(org));
        }
        let stalls = stall_query.all(db).await?;
        Counted::of_stalls(db, events, stalls).await
    }

    /// The given stalls (of `events`) and their shifts.
    async fn of_stalls(
        db: &impl ConnectionTrait,
        events: HashMap<Uuid, event::Model>,
        stalls: Vec<stall::Model>,
    ) -> Result<Counted, EventError> {
        let stalls: HashMap<Uuid, stall::Model> = stalls.into_iter().map(|s| (s.id, s)).collect();
        let shifts = shift::Entity::find()
            .filter(shift::Column::StallId.is_in(stalls.keys().copied().collect::<Vec<_>>()))
            .all(db)
            .await?;
        let shifts = shifts.into_iter().map(|s| (s.id, s)).collect();
        Ok(Counted {
            events,
            stalls,
            shifts,
        })
    }
}

/// Each stall's current (newest) report of residents served: the total, how many of them
/// its tally counted, and the breakdown.
async fn current_reports(
    db: &impl ConnectionTrait,
    stall_ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, (i64, i64, Breakdown)>, EventError> {
    let mut newest: HashMap<Uuid, beneficiary_report::Model> = HashMap::new();
    let reports = beneficiary_report::Entity::find()
        .filter(beneficiary_report::Column::StallId.is_in(stall_ids))
        .all(db)
        .await?;
    for report in reports {
        let newer = (newest.get(&report.stall_id))
            .is_none_or(|seen| (report.entered_at, report.id) > (seen.entered_at, seen.id));
        if newer {
            newest.insert(report.stall_id, report);
        }
    }
    Ok((newest.into_iter())
        .map(|(stall, r)| {
            let tallied = r.tallied.map_or(0, |t| t.min(r.total));
            let figures = (i64::from(r.total), i64::from(tallied), Breakdown::of(&r));
            (stall, figures)
        })
        .collect())
}

/// The visits recorded with a phone number: each adds to the identified visits, and its
/// resident (by key) to the distinct residents, of every group its stall is in.
async fn add_visits(
    db: &impl ConnectionTrait,
    counted: &Counted,
    groups: &mut Groups,
) -> Result<(), EventError> {
    let stall_ids = counted.stalls.keys().copied().collect();
    for (stall_id, resident) in crate::records::visits::visits_of(db, stall_ids).await? {
        let Some(stall) = counted.stalls.get(&stall_id) else {
            continue;
        };
        let Some(event) = counted.events.get(&stall.event_id) else {
            continue;
        };
        groups.each_of_stall(event, stall, |tally| {
            tally.people.insert(resident.clone());
            tally.identified_visits += 1;
        });
    }
    Ok(())
}

/// The current hours of every record, one small row each, streamed into the tallies (a
/// year is about a hundred thousand rows: never held at once), in batches of shifts to
/// keep the parameter list short. Returns each person's own figures, and per stall the
/// first moment after `now` at which posted hours come to stand.
async fn add_hours(
    db: &(impl ConnectionTrait + StreamTrait),
    counted: &Counted,
    groups: &mut Groups,
    now: DateTime<Utc>,
) -> Result<(BTreeMap<Uuid, Figures>, HashMap<Uuid, DateTime<Utc>>), EventError> {
    // A person's own figures need no sets: (services, hours, hours that stand; in tenths).
    let mut by_person: HashMap<Uuid, (u64, i64, i64)> = HashMap::new();
    let shift_ids: Vec<Uuid> = counted.shifts.keys().copied().collect();
    let mut stands_next: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    for chunk in shift_ids.chunks(1000) {
        let mut worked = counted_hour_entries()
            .select_only()
            .column(hour_entry::Column::Tenths)
            .column(service_record::Column::ShiftId)
            .column(service_record::Column::PersonId)
            .expr_as(stands_as_number(now), "stands")
            .column(hour_entry::Column::StandsAt)
            .filter(service_record::Column::ShiftId.is_in(chunk.to_vec()))
            .into_tuple::<(i32, Uuid, Uuid, i32, DateTime<Utc>)>()
            .stream(db)
            .await?;
        while let Some((tenths, shift_id, person_id, stands, stands_at)) = worked.try_next().await?
        {
            let standing = if stands == 1 { i64::from(tenths) } else { 0 };
            let stall =
                (counted.shifts.get(&shift_id)).and_then(|s| counted.stalls.get(&s.stall_id));
            let Some((stall, event)) =
                stall.and_then(|stall| Some((stall, counted.events.get(&stall.event_id)?)))
            else {
                continue;
            };
            if stands_at > now {
                let next = stands_next.entry(stall.id).or_insert(stands_at);
                *next = (*next).min(stands_at);
            }
            let person = by_person.entry(person_id).or_default();
            person.0 += 1;
            person.1 += i64::from(tenths);
            person.2 += standing;
            groups.each_of_stall(event, stall, |tally| {
                tally.services += 1;
                tally.hours_tenths += i64::from(tenths);
                tally.hours_standing_tenths += standing;
                tally.volunteers.insert(person_id);
            });
        }
    }
    let by_person = (by_person.into_iter())
        .map(
            |(person, (services, hours_tenths, hours_standing_tenths))| {
                let figures = Figures {
                    services,
                    volunteers: 1,
                    hours_tenths,
                    hours_standing_tenths,
                    ..Figures::default()
                };
                (person, figures)
            },
        )
        .collect();
    Ok((by_person, stands_next))
}

/// The start of the newest event that has begun by `now` (not a draft, not cancelled): the
/// dashboards open on its month when the current month has nothing yet.
pub async fn latest_begun(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, EventError> {
    Ok(event::Entity::find()
        .filter(event::Column::Status.is_in([
            EventStatus::Published,
            EventStatus::Held,
            EventStatus::Reported,
        ]))
        .filter(event::Column::StartsAt.lte(now))
        .order_by_desc(event::Column::StartsAt)
        .one(db)
        .await?
        .map(|e| e.starts_at))
}

/// The tallies a figure counts in.
#[derive(Default)]
struct Groups {
    /// Only `by_stall` is counted.
    each_stall_only: bool,
    all: Tally,
    by_month: BTreeMap<(i32, u32), Tally>,
    by_org: BTreeMap<Uuid, Tally>,
    by_service: BTreeMap<&'static str, Tally>,
    by_event: BTreeMap<Uuid, Tally>,
    by_project: BTreeMap<Uuid, Tally>,
    by_stall: BTreeMap<Uuid, Tally>,
}

impl Groups {
    /// The whole, the event's month, the event and its project (if any); none when each
    /// stall's tally alone is counted.
    fn each_of_event(&mut self, event: &event::Model, mut count: impl FnMut(&mut Tally)) {
        if self.each_stall_only {
            return;
        }
        self.each_shown_of_event(event, &mut count);
        count(self.by_event.entry(event.id).or_default());
    }

    /// Those of the stall's event, and the stall's organization, service and stall; only the
    /// stall's when each stall's tally alone is counted.
    fn each_of_stall(
        &mut self,
        event: &event::Model,
        stall: &stall::Model,
        mut count: impl FnMut(&mut Tally),
    ) {
        count(self.by_stall.entry(stall.id).or_default());
        if self.each_stall_only {
            return;
        }
        self.each_shown_of_stall(event, stall, &mut count);
        count(self.by_event.entry(event.id).or_default());
    }

    /// Of the event's groups, those an [`Overview`] shows: the whole, its month and project.
    fn each_shown_of_event(&mut self, event: &event::Model, mut count: impl FnMut(&mut Tally)) {
        count(&mut self.all);
        count(self.by_month.entry(month_of(event)).or_default());
        if let Some(project) = event.project_id {
            count(self.by_project.entry(project).or_default());
        }
    }

    /// Of the stall's groups, those an [`Overview`] shows: its event's, its organization's
    /// and its service's.
    fn each_shown_of_stall(
        &mut self,
        event: &event::Model,
        stall: &stall::Model,
        mut count: impl FnMut(&mut Tally),
    ) {
        self.each_shown_of_event(event, &mut count);
        count(self.by_org.entry(stall.organization_id).or_default());
        count(
            self.by_service
                .entry(service_key(stall.service))
                .or_default(),
        );
    }

    /// The figures an [`Overview`] shows.
    fn overview(self) -> Overview {
        Overview {
            all: self.all.figures(),
            by_month: figures(self.by_month),
            by_organization: figures(self.by_org),
            by_service: figures(self.by_service),
            by_project: figures(self.by_project),
        }
    }
}

fn figures<K: Ord>(tallies: BTreeMap<K, Tally>) -> BTreeMap<K, Figures> {
    tallies.into_iter().map(|(k, t)| (k, t.figures())).collect()
}

/// (year, month) in Shanghai.
fn month_of(event: &event::Model) -> (i32, u32) {
    let local = event.starts_at.with_timezone(&shanghai());
    (local.year(), local.month())
}

fn service_key(service: Service) -> &'static str {
    service.as_str()
}
