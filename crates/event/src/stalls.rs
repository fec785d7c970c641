//! Stalls of a market day and their shifts. Leaders manage their own organization's
//! stalls; coordinators all.

use chrono::{NaiveDate, NaiveTime, Utc};
use member::entities::organization;
use member::orgs::Stage;
use member::{Actor, FieldError, audit, orgs, tx};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, QueryOrder, Set};
use serde::Serialize;

use crate::EventError;
use crate::entities::event::EventStatus;
use crate::entities::{shift, stall};
use crate::schedule::{self, at, shanghai};
use crate::signups;

/// What a stall offers.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum Service {
    #[sea_orm(string_value = "haircut")]
    Haircut,
    #[sea_orm(string_value = "clinic")]
    Clinic,
    #[sea_orm(string_value = "consultation")]
    Consultation,
    #[sea_orm(string_value = "legal_aid")]
    LegalAid,
    #[sea_orm(string_value = "repair")]
    Repair,
    #[sea_orm(string_value = "tutoring")]
    Tutoring,
    #[sea_orm(string_value = "other")]
    Other,
}

impl Service {
    pub const ALL: &'static [Service] = &[
        Service::Haircut,
        Service::Clinic,
        Service::Consultation,
        Service::LegalAid,
        Service::Repair,
        Service::Tutoring,
        Service::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Haircut => "haircut",
            Service::Clinic => "clinic",
            Service::Consultation => "consultation",
            Service::LegalAid => "legal_aid",
            Service::Repair => "repair",
            Service::Tutoring => "tutoring",
            Service::Other => "other",
        }
    }

    pub fn parse(input: &str) -> Option<Service> {
        Service::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == input.trim())
    }
}

/// Stalls and shifts may change while the day is still ahead: draft or published.
fn open_for_changes(status: EventStatus) -> bool {
    matches!(status, EventStatus::Draft | EventStatus::Published)
}

/// A leader (for their organization) or staff adds a stall to a market day.
pub async fn add_stall(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: Uuid,
    organization_id: &str,
    service: &str,
    description: &str,
) -> Result<stall::Model, EventError> {
    let event = schedule::find(db, event_id).await?;
    let mut errors = Vec::new();
    let org = match organization_id.trim().parse::<Uuid>() {
        Ok(id) => match orgs::find(db, id).await {
            Ok(org) => Some(org),
            Err(member::MemberError::NotFound) => None,
            Err(other) => return Err(other.into()),
        },
        Err(_) => None,
    };
    // An activity's stalls are its organizer's business (and staff's).
    if event.kind == crate::EventKind::Activity && !schedule::may_steer(actor, &event) {
        return Err(EventError::Forbidden);
    }
    match &org {
        None => errors.push(FieldError::new("organization_id", "error-choose-one")),
        Some(org) if !actor.can_manage_org(org.id) => return Err(EventError::Forbidden),
        Some(org) if !matches!(org.stage, Stage::Incubating | Stage::Graduated) => {
            errors.push(FieldError::new("organization_id", "error-org-not-active"))
        }
        Some(_) => {}
    }
    let service = Service::parse(service);
    if service.is_none() {
        errors.push(FieldError::new("service", "error-choose-one"));
    }
    if description.chars().count() > 1000 {
        errors.push(FieldError::new("description", "error-too-long"));
    }
    if !open_for_changes(event.status) {
        errors.push(FieldError::new("event", "error-event-not-open"));
    }
    let (Some(org), Some(service), true) = (org, service, errors.is_empty()) else {
        return Err(EventError::Invalid(errors));
    };
    let txn = tx::begin_write(db).await?;
    let created = stall::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(event.id),
        organization_id: Set(org.id),
        service: Set(service),
        description: Set(description.trim().to_owned()),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "stall.create",
        "event",
        Some(event.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn find_stall(
    db: &impl ConnectionTrait,
    stall_id: Uuid,
) -> Result<stall::Model, EventError> {
    stall::Entity::find_by_id(stall_id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)
}

pub async fn find_shift(
    db: &impl ConnectionTrait,
    shift_id: Uuid,
) -> Result<shift::Model, EventError> {
    shift::Entity::find_by_id(shift_id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)
}

/// The market day or activity a shift belongs to, in one query.
pub async fn event_of_shift(db: &impl ConnectionTrait, shift_id: Uuid) -> Result<Uuid, EventError> {
    let stall_of_shift = sea_orm::sea_query::Query::select()
        .column(shift::Column::StallId)
        .from(shift::Entity)
        .and_where(shift::Column::Id.eq(shift_id))
        .to_owned();
    stall::Entity::find()
        .filter(stall::Column::Id.in_subquery(stall_of_shift))
        .one(db)
        .await?
        .map(|stall| stall.event_id)
        .ok_or(EventError::NotFound)
}

/// A shift as typed: clock times on the market day.
#[derive(Clone, Debug, Default)]
pub struct ShiftInput {
    /// `HH:MM`.
    pub starts: String,
    pub ends: String,
    pub capacity: String,
    /// A skill code or empty.
    pub required_skill: String,
}

/// `HH:MM`–`HH:MM`, the end after the start.
fn shift_times(
    errors: &mut Vec<FieldError>,
    starts: &str,
    ends: &str,
) -> Option<(NaiveTime, NaiveTime)> {
    let time = |errors: &mut Vec<FieldError>, field: &'static str, s: &str| {
        NaiveTime::parse_from_str(s.trim(), "%H:%M")
            .map_err(|_| errors.push(FieldError::new(field, "error-time-invalid")))
            .ok()
    };
    let starts = time(errors, "starts", starts);
    let ends = time(errors, "ends", ends);
    if let (Some(s), Some(e)) = (starts, ends)
        && e <= s
    {
        errors.push(FieldError::new("ends", "error-time-order"));
        return None;
    }
    Some((starts?, ends?))
}

/// A shift lies within its day's hours: a 00:00–23:59 shift on a 09:00–11:30 market day is
/// a typing slip, and would count hours nobody served.
fn within_event(
    errors: &mut Vec<FieldError>,
    event: &crate::entities::event::Model,
    starts_at: chrono::DateTime<Utc>,
    ends_at: chrono::DateTime<Utc>,
) {
    if starts_at < event.starts_at || ends_at > event.ends_at {
        errors.push(FieldError::new("starts", "error-shift-outside-event"));
    }
}

/// A skill code (or its Chinese word), or empty for none.
fn shift_skill(errors: &mut Vec<FieldError>, input: &str) -> Option<String> {
    match input.trim() {
        "" => None,
        typed => match member::memberships::parse_skill(typed) {
            Some(skill) => Some(skill.to_owned()),
            None => {
                errors.push(FieldError::new("required_skill", "error-skill-unknown"));
                None
            }
        },
    }
}

/// Changes a shift's times and required skill while its day is ahead. The volunteers
/// keep their places; those whose shifts now overlap another of theirs are returned for
/// the coordinator to sort out.
pub async fn edit_shift(
    db: &DatabaseConnection,
    actor: &Actor,
    shift_id: Uuid,
    starts: &str,
    ends: &str,
    required_skill: &str,
) -> Result<Vec<schedule::Clash>, EventError> {
    let found = find_shift(db, shift_id).await?;
    let stall = find_stall(db, found.stall_id).await?;
    if !actor.can_manage_org(stall.organization_id) {
        return Err(EventError::Forbidden);
    }
    let event = schedule::find(db, stall.event_id).await?;
    let mut errors = Vec::new();
    let times = shift_times(&mut errors, starts, ends);
    let skill = shift_skill(&mut errors, required_skill);
    if !open_for_changes(event.status) {
        errors.push(FieldError::new("event", "error-event-not-open"));
    }
    let day: NaiveDate = event.starts_at.with_timezone(&shanghai()).date_naive();
    if let Some((starts, ends)) = times {
        within_event(&mut errors, &event, at(day, starts), at(day, ends));
    }
    let (Some((starts, ends)), true) = (times, errors.is_empty()) else {
        return Err(EventError::Invalid(errors));
    };
    let (starts_at, ends_at) = (at(day, starts), at(day, ends));
    if (starts_at, ends_at, &skill) == (found.starts_at, found.ends_at, &found.required_skill) {
        return Ok(Vec::new());
    }
    let txn = tx::begin_write(db).await?;
    shift::Entity::update_many()
        .col_expr(shift::Column::StartsAt, Expr::value(starts_at))
        .col_expr(shift::Column::EndsAt, Expr::value(ends_at))
        .col_expr(shift::Column::RequiredSkill, Expr::value(skill))
        .filter(shift::Column::Id.eq(found.id))
        .exec(&txn)
        .await?;
    let clashes = signups::clashes_on(&txn, &[found.id]).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "shift.edit",
        "event",
        Some(event.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(clashes)
}

/// Changes what a stall offers and its description while its day is ahead.
pub async fn edit_stall(
    db: &DatabaseConnection,
    actor: &Actor,
    stall_id: Uuid,
    service: &str,
    description: &str,
) -> Result<stall::Model, EventError> {
    let found = find_stall(db, stall_id).await?;
    if !actor.can_manage_org(found.organization_id) {
        return Err(EventError::Forbidden);
    }
    let event = schedule::find(db, found.event_id).await?;
    let mut errors = Vec::new();
    let service = Service::parse(service);
    if service.is_none() {
        errors.push(FieldError::new("service", "error-choose-one"));
    }
    if description.chars().count() > 1000 {
        errors.push(FieldError::new("description", "error-too-long"));
    }
    if !open_for_changes(event.status) {
        errors.push(FieldError::new("event", "error-event-not-open"));
    }
    let (Some(service), true) = (service, errors.is_empty()) else {
        return Err(EventError::Invalid(errors));
    };
    let txn = tx::begin_write(db).await?;
    let mut active: stall::ActiveModel = found.into();
    active.service = Set(service);
    active.description = Set(description.trim().to_owned());
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "stall.edit",
        "event",
        Some(event.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

fn parse_capacity(errors: &mut Vec<FieldError>, input: &str) -> Option<i32> {
    match input.trim().parse::<i32>() {
        Ok(n) if (1..=500).contains(&n) => Some(n),
        _ => {
            errors.push(FieldError::new("capacity", "error-capacity-invalid"));
            None
        }
    }
}

/// Adds a shift to a stall.
pub async fn add_shift(
    db: &DatabaseConnection,
    actor: &Actor,
    stall_id: Uuid,
    input: &ShiftInput,
) -> Result<shift::Model, EventError> {
    let stall = find_stall(db, stall_id).await?;
    if !actor.can_manage_org(stall.organization_id) {
        return Err(EventError::Forbidden);
    }
    let event = schedule::find(db, stall.event_id).await?;
    let mut errors = Vec::new();
    let times = shift_times(&mut errors, &input.starts, &input.ends);
    let capacity = parse_capacity(&mut errors, &input.capacity);
    let skill = shift_skill(&mut errors, &input.required_skill);
    if !open_for_changes(event.status) {
        errors.push(FieldError::new("event", "error-event-not-open"));
    }
    let day: NaiveDate = event.starts_at.with_timezone(&shanghai()).date_naive();
    if let Some((starts, ends)) = times {
        within_event(&mut errors, &event, at(day, starts), at(day, ends));
    }
    let (Some((starts, ends)), Some(capacity), true) = (times, capacity, errors.is_empty()) else {
        return Err(EventError::Invalid(errors));
    };
    let txn = tx::begin_write(db).await?;
    let created = shift::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(stall.id),
        starts_at: Set(at(day, starts)),
        ends_at: Set(at(day, ends)),
        capacity: Set(capacity),
        confirmed_count: Set(0),
        required_skill: Set(skill),
        created_at: Set(Utc::now()),
        checkin_token: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "shift.create",
        "event",
        Some(event.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a shift's capacity. Fewer places than confirmed volunteers is refused (nobody
/// loses a confirmed place behind their back); more places promote the waitlist.
pub async fn set_capacity(
    db: &DatabaseConnection,
    actor: &Actor,
    shift_id: Uuid,
    capacity: &str,
) -> Result<shift::Model, EventError> {
    let found = find_shift(db, shift_id).await?;
    let stall = find_stall(db, found.stall_id).await?;
    if !actor.can_manage_org(stall.organization_id) {
        return Err(EventError::Forbidden);
    }
    let mut errors = Vec::new();
    let Some(capacity) = parse_capacity(&mut errors, capacity) else {
        return Err(EventError::Invalid(errors));
    };
    let txn = tx::begin_write(db).await?;
    // Conditional: never below the confirmed count, even if sign-ups arrive meanwhile.
    let changed = shift::Entity::update_many()
        .col_expr(shift::Column::Capacity, Expr::value(capacity))
        .filter(shift::Column::Id.eq(found.id))
        .filter(shift::Column::ConfirmedCount.lte(capacity))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(EventError::field(
            "capacity",
            "error-capacity-below-confirmed",
        ));
    }
    signups::promote_waitlist(&txn, found.id).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "shift.capacity_change",
        "event",
        Some(stall.event_id),
        format!("capacity {capacity}"),
    )
    .await?;
    txn.commit().await?;
    find_shift(db, shift_id).await
}

/// Stalls of a market day with their organizations' names and their shifts, in order.
pub struct StallWithShifts {
    pub stall: stall::Model,
    pub organization: String,
    pub shifts: Vec<shift::Model>,
}

pub async fn stalls_of(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<StallWithShifts>, EventError> {
    let stalls = stall::Entity::find()
        .filter(stall::Column::EventId.eq(event_id))
        .order_by_asc(stall::Column::CreatedAt)
        .all(db)
        .await?;
    let stall_ids: Vec<Uuid> = stalls.iter().map(|s| s.id).collect();
    let shifts = shift::Entity::find()
        .filter(shift::Column::StallId.is_in(stall_ids))
        .order_by_asc(shift::Column::StartsAt)
        .all(db)
        .await?;
    let org_ids: Vec<Uuid> = stalls.iter().map(|s| s.organization_id).collect();
    let names: std::collections::HashMap<Uuid, String> = organization::Entity::find()
        .filter(organization::Column::Id.is_in(org_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok(stalls
        .into_iter()
        .map(|stall| StallWithShifts {
            organization: names
                .get(&stall.organization_id)
                .cloned()
                .unwrap_or_default(),
            shifts: shifts
                .iter()
                .filter(|s| s.stall_id == stall.id)
                .cloned()
                .collect(),
            stall,
        })
        .collect())
}
