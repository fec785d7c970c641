//! Counting residents as they are served: the volunteers on a stall's shifts and its leader
//! tap a counter per category on their phones, offline too. Each tap carries an id made on
//! the phone; [`record_taps`] stores each id once, so a batch sent again after the signal
//! came back adds nothing. The stall's report of residents served starts from [`tally`].

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use member::{Actor, FieldError, tx};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, QuerySelect, Set};
use serde::Serialize;

use crate::EventError;
use crate::entities::event::EventStatus;
use crate::entities::{shift, signup, stall, tally_tap};
use crate::schedule;
use crate::signups::SignupStatus;
use crate::stalls::find_stall;

/// Who the residents served were, as the beneficiary report breaks them down.
pub const CATEGORIES: [&str; 4] = ["elderly", "children", "disabled", "other"];

/// Taps one request may carry: a morning's queue on a phone, not a flood.
pub const MAX_TAPS: usize = 500;

/// How far back a phone's clock may date a tap (a day's queue kept overnight).
const OLDEST_TAP: Duration = Duration::days(2);

/// A tap as the phone sends it.
#[derive(Clone, Debug)]
pub struct Tap {
    pub id: Uuid,
    pub category: String,
    pub delta: i32,
    pub tapped_at: Option<DateTime<Utc>>,
}

/// Who counted how many taps.
#[derive(Clone, Debug, Serialize)]
pub struct Counter {
    pub name: String,
    pub taps: u64,
}

/// A stall's running totals: residents served per category (never below 0) and their sum.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Tally {
    pub counts: HashMap<&'static str, i64>,
    pub total: i64,
    /// Taps received (undos included).
    pub taps: u64,
    pub counters: Vec<Counter>,
}

impl Tally {
    pub fn count(&self, category: &str) -> i64 {
        self.counts.get(category).copied().unwrap_or(0)
    }
}

/// The stall's leaders and staff (who manage it), and the volunteers with a confirmed place
/// on one of its shifts, count.
async fn may_count(
    db: &impl ConnectionTrait,
    actor: &Actor,
    stall: &stall::Model,
) -> Result<(), EventError> {
    if actor.can_manage_org(stall.organization_id) {
        return Ok(());
    }
    let on_a_shift = signup::Entity::find()
        .inner_join(shift::Entity)
        .filter(shift::Column::StallId.eq(stall.id))
        .filter(signup::Column::PersonId.eq(actor.person_id))
        .filter(signup::Column::Status.eq(SignupStatus::Confirmed))
        .one(db)
        .await?
        .is_some();
    if on_a_shift {
        Ok(())
    } else {
        Err(EventError::Forbidden)
    }
}

fn checked(taps: &[Tap], now: DateTime<Utc>) -> Result<Vec<tally_tap::ActiveModel>, EventError> {
    if taps.len() > MAX_TAPS {
        return Err(EventError::field("taps", "error-too-many-taps"));
    }
    taps.iter()
        .map(|tap| {
            let category = CATEGORIES
                .into_iter()
                .find(|c| *c == tap.category)
                .ok_or(FieldError::new("taps", "error-tap-invalid"))?;
            if !matches!(tap.delta, 1 | -1) {
                return Err(FieldError::new("taps", "error-tap-invalid"));
            }
            // A phone's clock is believed within reason.
            let tapped_at = tap.tapped_at.unwrap_or(now).clamp(now - OLDEST_TAP, now);
            Ok(tally_tap::ActiveModel {
                id: Set(tap.id),
                stall_id: Set(Uuid::nil()),
                person_id: Set(Uuid::nil()),
                category: Set(category.to_owned()),
                delta: Set(tap.delta),
                tapped_at: Set(tapped_at),
                received_at: Set(now),
            })
        })
        .collect::<Result<_, FieldError>>()
        .map_err(|e| EventError::Invalid(vec![e]))
}

/// The stall, when the signed-in person may count there now: its volunteers, leaders and
/// staff, while the day is neither a draft nor cancelled (the refusal is on `field`).
pub(super) async fn open_for_counting(
    db: &impl ConnectionTrait,
    actor: &Actor,
    stall_id: Uuid,
    field: &'static str,
) -> Result<stall::Model, EventError> {
    let stall = find_stall(db, stall_id).await?;
    may_count(db, actor, &stall).await?;
    match schedule::find(db, stall.event_id).await?.status {
        EventStatus::Cancelled => Err(EventError::field(field, "error-event-cancelled")),
        EventStatus::Draft => Err(EventError::field(field, "error-event-not-open")),
        _ => Ok(stall),
    }
}

/// Stores the taps a phone sends for a stall, each id once, and answers the stall's totals.
/// Taps are taken while the day is on or just held (not for a draft or a cancelled day).
pub async fn record_taps(
    db: &DatabaseConnection,
    actor: &Actor,
    stall_id: Uuid,
    taps: &[Tap],
    now: DateTime<Utc>,
) -> Result<Tally, EventError> {
    let stall = open_for_counting(db, actor, stall_id, "taps").await?;
    let rows: Vec<tally_tap::ActiveModel> = checked(taps, now)?
        .into_iter()
        .map(|mut row| {
            row.stall_id = Set(stall.id);
            row.person_id = Set(actor.person_id);
            row
        })
        .collect();
    if !rows.is_empty() {
        let txn = tx::begin_write(db).await?;
        // A tap already stored (sent again after the signal came back) is left as it is.
        tally_tap::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(tally_tap::Column::Id)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
    }
    totals(db, stall.id).await
}

/// A stall, its day and its tally, as the tally page shows them.
#[derive(Clone, Debug)]
pub struct StallTally {
    pub stall: stall::Model,
    pub day: crate::Event,
    pub tally: Tally,
}

/// A stall's tally, for those who count there.
pub async fn tally(
    db: &impl ConnectionTrait,
    actor: &Actor,
    stall_id: Uuid,
) -> Result<StallTally, EventError> {
    let stall = find_stall(db, stall_id).await?;
    may_count(db, actor, &stall).await?;
    let day = schedule::find(db, stall.event_id).await?;
    let tally = totals(db, stall.id).await?;
    Ok(StallTally { stall, day, tally })
}

/// The totals of a stall's taps: each category the sum of its taps, never below 0.
pub async fn totals(db: &impl ConnectionTrait, stall_id: Uuid) -> Result<Tally, EventError> {
    let sums: Vec<(String, Option<i64>, i64)> = tally_tap::Entity::find()
        .select_only()
        .column(tally_tap::Column::Category)
        .column_as(tally_tap::Column::Delta.sum(), "sum")
        .column_as(tally_tap::Column::Id.count(), "taps")
        .filter(tally_tap::Column::StallId.eq(stall_id))
        .group_by(tally_tap::Column::Category)
        .into_tuple()
        .all(db)
        .await?;
    let mut tally = Tally::default();
    for (category, sum, taps) in sums {
        if let Some(known) = CATEGORIES.into_iter().find(|c| *c == category) {
            let count = sum.unwrap_or(0).max(0);
            tally.counts.insert(known, count);
            tally.total += count;
        }
        tally.taps += u64::try_from(taps).unwrap_or(0);
    }
    let by_person: Vec<(Uuid, i64)> = tally_tap::Entity::find()
        .select_only()
        .column(tally_tap::Column::PersonId)
        .column_as(tally_tap::Column::Id.count(), "taps")
        .filter(tally_tap::Column::StallId.eq(stall_id))
        .group_by(tally_tap::Column::PersonId)
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = by_person.iter().map(|(id, _)| *id).collect();
    let names = member::privacy::names(db, ids).await?;
    tally.counters = by_person
        .into_iter()
        .map(|(id, taps)| Counter {
            name: names.get(&id).cloned().unwrap_or_default(),
            taps: u64::try_from(taps).unwrap_or(0),
        })
        .collect();
    Ok(tally)
}
