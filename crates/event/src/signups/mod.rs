//! Volunteers signing up for shifts. Capacity is a promise: a place is taken by a
//! conditional increment of the shift's confirmed count (`… WHERE confirmed_count <
//! capacity`), which the database performs atomically and a check constraint backs, so no
//! number of simultaneous requests confirms one volunteer too many. The rest wait in
//! arrival order and move up when someone cancels.

use chrono::{DateTime, Utc};
use member::entities::{membership, person, person_skill};
use member::notices::{self, Kind};
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait, Query, UnionType};
use sea_orm::{
    Condition, DatabaseConnection, FromQueryResult, Iterable, PaginatorTrait, QueryOrder,
    QuerySelect, Set, SqlErr,
};
use serde::Serialize;

use crate::EventError;
use crate::entities::event::{self, EventStatus};
use crate::entities::{shift, signup, stall};
use crate::schedule::{self, signup_closes_at};
use crate::stalls::{find_shift, find_stall};

mod mine;
mod on_behalf;
pub use mine::{
    MyShift, TALLY_OFFERED_BEFORE, helped_shifts, my_shifts, my_shifts_fresh_until,
    my_shifts_version,
};
pub use on_behalf::{cancel_helped, sign_up_at_desk, sign_up_helped};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum SignupStatus {
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    #[sea_orm(string_value = "waitlisted")]
    Waitlisted,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl SignupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SignupStatus::Confirmed => "confirmed",
            SignupStatus::Waitlisted => "waitlisted",
            SignupStatus::Cancelled => "cancelled",
        }
    }
}

/// Where a volunteer stands on a shift.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub status: SignupStatus,
    /// 1 for the first in line, when waitlisted.
    pub position: Option<u64>,
}

/// A sign-up just placed: where it stands, and the market day or activity of its shift (where
/// the volunteer is sent back to).
#[derive(Clone, Debug)]
pub struct Placed {
    pub standing: Standing,
    pub event_id: Uuid,
}

/// Why a shift cannot be signed up for right now, if it cannot. Staff at the day's desk
/// may still add people once it has begun, until it ends.
fn closed_reason(
    event: &event::Model,
    shift: &shift::Model,
    now: DateTime<Utc>,
    at_desk: bool,
) -> Option<&'static str> {
    match event.status {
        EventStatus::Cancelled => Some("error-event-cancelled"),
        EventStatus::Draft => Some("error-event-not-open"),
        EventStatus::Held | EventStatus::Reported => Some("error-event-past"),
        EventStatus::Published if at_desk => (shift.ends_at <= now).then_some("error-event-past"),
        EventStatus::Published if shift.starts_at <= now => Some("error-event-past"),
        EventStatus::Published if now >= signup_closes_at(event) => Some("error-signup-closed"),
        EventStatus::Published => None,
    }
}

/// Takes the shift's row lock (a no-op update) for the rest of the transaction. On SQLite
/// `BEGIN IMMEDIATE` already holds the one write lock, so there is nothing to take.
async fn lock_shift(db: &impl ConnectionTrait, shift_id: Uuid) -> Result<(), EventError> {
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        return Ok(());
    }
    shift::Entity::update_many()
        .col_expr(
            shift::Column::ConfirmedCount,
            Expr::col(shift::Column::ConfirmedCount),
        )
        .filter(shift::Column::Id.eq(shift_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Serialises one person's sign-ups (on PostgreSQL the row lock makes a second request
/// wait; on SQLite `BEGIN IMMEDIATE` already did), so the overlap check cannot be raced.
async fn lock_person(db: &impl ConnectionTrait, person_id: Uuid) -> Result<(), EventError> {
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        return Ok(());
    }
    person::Entity::update_many()
        .col_expr(
            person::Column::UpdatedAt,
            Expr::col(person::Column::UpdatedAt),
        )
        .filter(person::Column::Id.eq(person_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Signs `person_id` up for a shift: confirmed while a place is free, else waitlisted.
/// A person has one place on a shift, and no two shifts at once.
async fn not_twice_nor_overlapping(
    txn: &impl ConnectionTrait,
    person_id: Uuid,
    shift: &shift::Model,
) -> Result<(), EventError> {
    let live: Vec<(signup::Model, Option<shift::Model>)> = signup::Entity::find()
        .filter(signup::Column::PersonId.eq(person_id))
        .filter(signup::Column::Status.ne(SignupStatus::Cancelled))
        .find_also_related(shift::Entity)
        .all(txn)
        .await?;
    if live.iter().any(|(s, _)| s.shift_id == shift.id) {
        return Err(EventError::field("shift", "error-already-signed-up"));
    }
    let overlaps = |o: &shift::Model| o.starts_at < shift.ends_at && shift.starts_at < o.ends_at;
    if live
        .iter()
        .any(|(_, other)| other.as_ref().is_some_and(overlaps))
    {
        return Err(EventError::field("shift", "error-overlapping-shift"));
    }
    Ok(())
}

/// Who is put on a shift, and who does it: the volunteer themselves, a leader, a helper, or
/// staff at the day's desk (who may add people until the shift ends, past the deadline).
#[derive(Clone, Copy)]
struct Placing {
    person_id: Uuid,
    added_by: Option<Uuid>,
    at_desk: bool,
}

impl Placing {
    fn by_self(person_id: Uuid) -> Placing {
        Placing {
            person_id,
            added_by: None,
            at_desk: false,
        }
    }

    fn by(actor: &Actor, person_id: Uuid) -> Placing {
        Placing {
            person_id,
            added_by: Some(actor.person_id),
            at_desk: false,
        }
    }
}

/// The shift and its day, when people can still be put on it.
async fn open_shift(
    db: &DatabaseConnection,
    at_desk: bool,
    shift_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(shift::Model, stall::Model, event::Model), EventError> {
    // In one query: every sign-up asks this before its turn to write.
    let Some((shift, Some(stall), Some(event))) = shift::Entity::find_by_id(shift_id)
        .find_also_related(stall::Entity)
        .and_also_related(event::Entity)
        .one(db)
        .await?
    else {
        return Err(EventError::NotFound);
    };
    match closed_reason(&event, &shift, now, at_desk) {
        Some(reason) => Err(EventError::field("shift", reason)),
        None => Ok((shift, stall, event)),
    }
}

async fn place(
    db: &DatabaseConnection,
    placing: Placing,
    shift_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Placed, EventError> {
    let Placing {
        person_id,
        added_by,
        at_desk,
    } = placing;
    // Read before the turn to write: the turn is held only for what must be atomic.
    let (shift, stall, event) = open_shift(db, at_desk, shift_id, now).await?;
    let recipient = notices::recipient(db, person_id).await?;

    let txn = tx::begin_write(db).await?;
    // The shift's row first: sign-ups for one shift queue up here on PostgreSQL (SQLite's
    // `BEGIN IMMEDIATE` already did), so arrival order is commit order and the place in
    // line told to each volunteer is exact.
    lock_shift(&txn, shift.id).await?;
    lock_person(&txn, person_id).await?;
    not_twice_nor_overlapping(&txn, person_id, &shift).await?;
    let taken = take_place(&txn, shift.id).await?;
    let status = if taken {
        SignupStatus::Confirmed
    } else {
        SignupStatus::Waitlisted
    };
    let created = signup::ActiveModel {
        id: Set(Uuid::now_v7()),
        shift_id: Set(shift.id),
        person_id: Set(person_id),
        status: Set(status),
        created_at: Set(Utc::now()),
        confirmed_at: Set(taken.then(Utc::now)),
        cancelled_at: Set(None),
        added_by: Set(added_by),
    }
    .insert(&txn)
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            EventError::field("shift", "error-already-signed-up")
        }
        _ => EventError::Database(err),
    })?;
    audit::record(
        &txn,
        Some(added_by.unwrap_or(person_id)),
        "signup.create",
        "person",
        Some(person_id),
        status.as_str(),
    )
    .await?;
    let standing = standing_of(&txn, &created).await?;
    let told = match standing.position {
        None => crate::notify::of_shift(Kind::SignupConfirmed, &event, &stall, &shift),
        Some(position) => crate::notify::of_shift(Kind::SignupWaitlisted, &event, &stall, &shift)
            .arg("position", position.to_string()),
    };
    notices::send_to(&txn, &recipient, &told, Utc::now()).await?;
    txn.commit().await?;
    Ok(Placed {
        standing,
        event_id: event.id,
    })
}

/// The atomic step: one more confirmed volunteer, if and only if a place is free.
async fn take_place(db: &impl ConnectionTrait, shift_id: Uuid) -> Result<bool, EventError> {
    let taken = shift::Entity::update_many()
        .col_expr(
            shift::Column::ConfirmedCount,
            Expr::col(shift::Column::ConfirmedCount).add(1),
        )
        .filter(shift::Column::Id.eq(shift_id))
        .filter(Expr::col(shift::Column::ConfirmedCount).lt(Expr::col(shift::Column::Capacity)))
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// A volunteer signs themselves up.
pub async fn sign_up(
    db: &DatabaseConnection,
    actor: &Actor,
    shift_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Placed, EventError> {
    place(db, Placing::by_self(actor.person_id), shift_id, now).await
}

/// A leader puts one of their organization's members, found by the phone typed, on one of
/// their stalls' shifts.
pub async fn assign_by_phone(
    db: &DatabaseConnection,
    actor: &Actor,
    shift_id: Uuid,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<Placed, EventError> {
    // Who may assign first, so that nobody else learns whose phone is known.
    let stall = find_stall(db, find_shift(db, shift_id).await?.stall_id).await?;
    if !actor.can_manage_org(stall.organization_id) {
        return Err(EventError::Forbidden);
    }
    let phone = member::Phone::parse("phone", phone).map_err(|e| EventError::Invalid(vec![e]))?;
    match member::memberships::find_person_by_phone(db, &phone).await? {
        // Someone known who is not a member is refused on the phone typed.
        Some(person) => {
            assign(db, actor, shift_id, person.id, now)
                .await
                .map_err(|err| match err {
                    EventError::Invalid(errors) => EventError::Invalid(
                        (errors.into_iter())
                            .map(|e| match e.field {
                                "person" => FieldError::new("phone", e.reason),
                                _ => e,
                            })
                            .collect(),
                    ),
                    other => other,
                })
        }
        None => Err(EventError::field("phone", "error-not-a-member")),
    }
}

/// A leader puts one of their organization's members on one of their stalls' shifts.
pub async fn assign(
    db: &DatabaseConnection,
    actor: &Actor,
    shift_id: Uuid,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Placed, EventError> {
    let shift = find_shift(db, shift_id).await?;
    let stall = find_stall(db, shift.stall_id).await?;
    if !actor.can_manage_org(stall.organization_id) {
        return Err(EventError::Forbidden);
    }
    let member = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(stall.organization_id))
        .filter(membership::Column::PersonId.eq(person_id))
        .filter(membership::Column::LeftOn.is_null())
        .one(db)
        .await?;
    if member.is_none() {
        return Err(EventError::field("person", "error-not-a-member"));
    }
    place(db, Placing::by(actor, person_id), shift_id, now).await
}

/// Cancels the volunteer's place on a shift. A confirmed place goes to the first in line.
pub async fn cancel(
    db: &DatabaseConnection,
    actor: &Actor,
    shift_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), EventError> {
    cancel_place(db, actor, actor.person_id, shift_id, now).await
}

/// Gives up `person_id`'s place on a shift, the signed-in person deciding (themselves, or
/// a helper for someone they help).
async fn cancel_place(
    db: &DatabaseConnection,
    actor: &Actor,
    person_id: Uuid,
    shift_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), EventError> {
    let shift = find_shift(db, shift_id).await?;
    if shift.starts_at <= now {
        return Err(EventError::field("shift", "error-event-past"));
    }
    let txn = tx::begin_write(db).await?;
    let Some(mine) = signup::Entity::find()
        .filter(signup::Column::ShiftId.eq(shift.id))
        .filter(signup::Column::PersonId.eq(person_id))
        .filter(signup::Column::Status.ne(SignupStatus::Cancelled))
        .one(&txn)
        .await?
    else {
        return Err(EventError::field("shift", "error-not-signed-up"));
    };
    give_up(&txn, mine, now).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "signup.cancel",
        "person",
        Some(person_id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Gives up every place a person holds on shifts that have not started (they deleted their
/// account), inside the caller's transaction: confirmed places go to the first in line.
pub(crate) async fn release_all(
    txn: &impl ConnectionTrait,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), EventError> {
    let live = signup::Entity::find()
        .filter(signup::Column::PersonId.eq(person_id))
        .filter(signup::Column::Status.ne(SignupStatus::Cancelled))
        .find_also_related(shift::Entity)
        .all(txn)
        .await?;
    for (mine, found) in live {
        if found.is_some_and(|s| s.starts_at > now) {
            give_up(txn, mine, now).await?;
        }
    }
    Ok(())
}

/// One place given up: cancelled at `now`, and a confirmed place goes to the first in line.
async fn give_up(
    txn: &impl ConnectionTrait,
    mine: signup::Model,
    now: DateTime<Utc>,
) -> Result<(), EventError> {
    let (shift_id, was_confirmed) = (mine.shift_id, mine.status == SignupStatus::Confirmed);
    let mut active: signup::ActiveModel = mine.into();
    active.status = Set(SignupStatus::Cancelled);
    active.cancelled_at = Set(Some(now));
    active.update(txn).await?;
    if was_confirmed {
        shift::Entity::update_many()
            .col_expr(
                shift::Column::ConfirmedCount,
                Expr::col(shift::Column::ConfirmedCount).sub(1),
            )
            .filter(shift::Column::Id.eq(shift_id))
            .exec(txn)
            .await?;
        promote_waitlist(txn, shift_id).await?;
    }
    Ok(())
}

/// Fills free places from the waitlist, first come first served.
pub(crate) async fn promote_waitlist(
    db: &impl ConnectionTrait,
    shift_id: Uuid,
) -> Result<(), EventError> {
    loop {
        let Some(next) = signup::Entity::find()
            .filter(signup::Column::ShiftId.eq(shift_id))
            .filter(signup::Column::Status.eq(SignupStatus::Waitlisted))
            .order_by_asc(signup::Column::CreatedAt)
            .order_by_asc(signup::Column::Id)
            .one(db)
            .await?
        else {
            return Ok(());
        };
        if !take_place(db, shift_id).await? {
            return Ok(());
        }
        let person_id = next.person_id;
        let mut active: signup::ActiveModel = next.into();
        active.status = Set(SignupStatus::Confirmed);
        active.confirmed_at = Set(Some(Utc::now()));
        active.update(db).await?;
        let told = crate::notify::about_shift(db, Kind::Promoted, shift_id).await?;
        notices::send(db, person_id, &told, Utc::now()).await?;
    }
}

/// Confirmed, or waitlisted with the place in line.
async fn standing_of(
    db: &impl ConnectionTrait,
    signup: &signup::Model,
) -> Result<Standing, EventError> {
    let position = match signup.status {
        SignupStatus::Waitlisted => Some(
            signup::Entity::find()
                .filter(signup::Column::ShiftId.eq(signup.shift_id))
                .filter(signup::Column::Status.eq(SignupStatus::Waitlisted))
                .filter(
                    Condition::any()
                        .add(signup::Column::CreatedAt.lt(signup.created_at))
                        .add(
                            Condition::all()
                                .add(signup::Column::CreatedAt.eq(signup.created_at))
                                .add(signup::Column::Id.lt(signup.id)),
                        ),
                )
                .count(db)
                .await?
                + 1,
        ),
        _ => None,
    };
    Ok(Standing {
        status: signup.status,
        position,
    })
}

/// A shift as a volunteer sees it on the market day page.
#[derive(Clone, Debug)]
pub struct ShiftView {
    pub shift: shift::Model,
    pub free: i32,
    pub waiting: u64,
    pub mine: Option<Standing>,
    /// Why one cannot sign up now (a catalogue key), if one cannot.
    pub closed: Option<&'static str>,
    /// The shift asks for a skill the viewer has not listed (a warning, not a refusal:
    /// skills on file are often incomplete).
    pub lacks_skill: bool,
}

pub struct StallView {
    pub stall: stall::Model,
    pub organization: String,
    pub shifts: Vec<ShiftView>,
}

/// A market day with its stalls and shifts: free places, the waitlist's length, and
/// where `viewer` stands. No volunteer names: residents see this page too.
/// How many wait on each shift.
async fn waiting_on(
    db: &impl ConnectionTrait,
    shift_ids: Vec<Uuid>,
) -> Result<std::collections::HashMap<Uuid, i64>, EventError> {
    Ok(signup::Entity::find()
        .select_only()
        .column(signup::Column::ShiftId)
        // COUNT(*), not COUNT(id): the index alone answers it, no row is read.
        .column_as(Expr::col(sea_orm::sea_query::Asterisk).count(), "waiting")
        .filter(signup::Column::ShiftId.is_in(shift_ids))
        .filter(signup::Column::Status.eq(SignupStatus::Waitlisted))
        .group_by(signup::Column::ShiftId)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Where the viewer stands on each of the shifts (none cancelled), and their skills: one
/// query, as a signed-in volunteer's market-day page asks both on every view. Sign-ups come
/// as rows with no skill, and each skill as a row with nothing else.
pub async fn viewer_on(
    db: &impl ConnectionTrait,
    person: Uuid,
    shift_ids: Vec<Uuid>,
) -> Result<(std::collections::HashMap<Uuid, Standing>, Vec<String>), EventError> {
    const SKILL: &str = "viewer_skill";
    let mut query = Query::select()
        .columns(signup::Column::iter().map(|c| (signup::Entity, c)))
        .expr_as(Expr::cust("NULL"), SKILL)
        .from(signup::Entity)
        .and_where(signup::Column::ShiftId.is_in(shift_ids))
        .and_where(signup::Column::PersonId.eq(person))
        .and_where(signup::Column::Status.ne(SignupStatus::Cancelled))
        .to_owned();
    let mut skills = Query::select();
    for _ in signup::Column::iter() {
        skills.expr(Expr::cust("NULL"));
    }
    skills
        .column(person_skill::Column::Skill)
        .from(person_skill::Entity)
        .and_where(person_skill::Column::PersonId.eq(person));
    query.union(UnionType::All, skills);
    let (mut mine, mut skills) = (std::collections::HashMap::new(), Vec::new());
    for row in db.query_all(&query).await? {
        match row.try_get::<Option<String>>("", SKILL)? {
            Some(skill) => skills.push(skill),
            None => {
                let signup = signup::Model::from_query_result(&row, "")?;
                mine.insert(signup.shift_id, standing_of(db, &signup).await?);
            }
        }
    }
    skills.sort();
    Ok((mine, skills))
}

/// A shift asks for a skill the volunteer has not got.
pub fn lacks_skill(required: Option<&str>, skills: &[String]) -> bool {
    required.is_some_and(|skill| !skills.iter().any(|s| s == skill))
}

pub async fn market_day(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    viewer: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(event::Model, Vec<StallView>), EventError> {
    let event = schedule::find(db, event_id).await?;
    let stalls = crate::stalls::stalls_of(db, event.id).await?;
    let shift_ids: Vec<Uuid> = stalls
        .iter()
        .flat_map(|s| s.shifts.iter().map(|sh| sh.id))
        .collect();
    // The page only needs counts, and where the viewer stands: a day of popular shifts
    // can have thousands of sign-ups, which are never loaded here.
    let waiting = waiting_on(db, shift_ids.clone()).await?;
    let (mine, viewer_skills) = match viewer {
        Some(person) => viewer_on(db, person, shift_ids).await?,
        None => Default::default(),
    };
    let mut views = Vec::new();
    for stall in stalls {
        let shifts = stall
            .shifts
            .into_iter()
            .map(|shift| ShiftView {
                free: shift.capacity - shift.confirmed_count,
                waiting: waiting
                    .get(&shift.id)
                    .map_or(0, |n| u64::try_from(*n).unwrap_or(0)),
                closed: closed_reason(&event, &shift, now, false),
                mine: mine.get(&shift.id).copied(),
                lacks_skill: viewer.is_some()
                    && lacks_skill(shift.required_skill.as_deref(), &viewer_skills),
                shift,
            })
            .collect();
        views.push(StallView {
            stall: stall.stall,
            organization: stall.organization,
            shifts,
        });
    }
    Ok((event, views))
}

/// The volunteers of an event whose confirmed shifts overlap another of their shifts.
pub async fn clashes_in_event(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<crate::schedule::Clash>, EventError> {
    let shift_ids: Vec<Uuid> = crate::stalls::stalls_of(db, event_id)
        .await?
        .iter()
        .flat_map(|s| s.shifts.iter().map(|sh| sh.id))
        .collect();
    clashes_on(db, &shift_ids).await
}

/// The volunteers confirmed on any of `shift_ids` whose confirmed place there now overlaps
/// another of their live shifts (after a day or a shift was moved).
pub(crate) async fn clashes_on(
    db: &impl ConnectionTrait,
    shift_ids: &[Uuid],
) -> Result<Vec<crate::schedule::Clash>, EventError> {
    let on_these = signup::Entity::find()
        .filter(signup::Column::ShiftId.is_in(shift_ids.to_vec()))
        .filter(signup::Column::Status.eq(SignupStatus::Confirmed))
        .all(db)
        .await?;
    let mut clashes = Vec::new();
    for mine in on_these {
        let Some(here) = shift::Entity::find_by_id(mine.shift_id).one(db).await? else {
            continue;
        };
        let overlapping = signup::Entity::find()
            .filter(signup::Column::PersonId.eq(mine.person_id))
            .filter(signup::Column::Id.ne(mine.id))
            .filter(signup::Column::Status.ne(SignupStatus::Cancelled))
            .find_also_related(shift::Entity)
            .all(db)
            .await?
            .into_iter()
            .any(|(_, other)| {
                other.is_some_and(|o| o.starts_at < here.ends_at && here.starts_at < o.ends_at)
            });
        if overlapping
            && !clashes
                .iter()
                .any(|c: &crate::schedule::Clash| c.person_id == mine.person_id)
        {
            let name = person::Entity::find_by_id(mine.person_id)
                .one(db)
                .await?
                .map(|p| p.name)
                .unwrap_or_default();
            clashes.push(crate::schedule::Clash {
                person_id: mine.person_id,
                name,
            });
        }
    }
    Ok(clashes)
}
