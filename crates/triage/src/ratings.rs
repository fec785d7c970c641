//! Residents' satisfaction: a rating of a resolved request (with its tracking code; an
//! unsatisfied resident may reopen it once) or of a market-day stall (from the QR code at
//! the stall, one per phone), and the satisfaction rate against the street's 80 % target.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, Utc};
use event::EventStatus;
use event::entities::event as event_entity;
use event::stalls::{self, Service};
use member::FieldError;
use member::fields::text;
use member::secrets::digest;
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, IntoActiveModel, PaginatorTrait, Set, SqlErr};
use serde::Serialize;

use crate::entities::{rating, request};
use crate::kinds::{Class, Level, Status, UpdateKind};
use crate::requests::{add_update, find_by_code, lock};
use crate::{Policy, TriageError};

/// The sub-district's goal: 80 % or more satisfied or basically satisfied (80% 以上 counts
/// 80 % itself).
pub const TARGET_PERMILLE: u64 = 800;

/// A rating as typed.
#[derive(Clone, Debug, Default)]
pub struct RatingInput {
    pub level: String,
    pub comment: String,
    /// An unsatisfied resident asks for another look (once per request).
    pub reopen: bool,
    pub reopen_reason: String,
    /// A stall's rating may carry the resident's phone, for 人数 (only its keyed digest is
    /// kept, see `event::records::visits`); empty when they gave none.
    pub phone: String,
}

struct ValidRating {
    level: Level,
    comment: String,
    reopen_reason: Option<String>,
}

impl RatingInput {
    fn validate(&self) -> Result<ValidRating, TriageError> {
        let mut errors = Vec::new();
        let level = Level::parse(&self.level);
        if level.is_none() {
            errors.push(FieldError::new("level", "error-choose-one"));
        }
        let comment = text(&mut errors, "comment", &self.comment, 500, false);
        let reopen_reason = if self.reopen {
            if level.is_some_and(Level::is_satisfied) {
                errors.push(FieldError::new("reopen", "error-reopen-only-unsatisfied"));
            }
            Some(text(
                &mut errors,
                "reopen_reason",
                &self.reopen_reason,
                500,
                true,
            ))
        } else {
            None
        };
        match (level, errors.is_empty()) {
            (Some(level), true) => Ok(ValidRating {
                level,
                comment,
                reopen_reason,
            }),
            _ => Err(TriageError::Invalid(errors)),
        }
    }
}

async fn check_rate_limit(
    db: &impl ConnectionTrait,
    policy: &Policy,
    from: &str,
    now: DateTime<Utc>,
) -> Result<(), TriageError> {
    let recent = rating::Entity::find()
        .filter(rating::Column::SubmittedFrom.eq(from))
        .filter(rating::Column::CreatedAt.gt(now - Duration::hours(1)))
        .count(db)
        .await?;
    if recent >= policy.ratings_per_hour {
        return Err(TriageError::Throttled(3600));
    }
    Ok(())
}

fn already_rated() -> TriageError {
    TriageError::field("level", "error-already-rated")
}

/// A unique index caught a second rating that raced the first.
fn unique_violation_is_already_rated(err: DbErr) -> TriageError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => already_rated(),
        _ => TriageError::Database(err),
    }
}

/// The resident rates their resolved request. Satisfied (or basically) closes it; an
/// unsatisfied resident may reopen it once, with a reason, and its deadline starts again.
/// Once per round of handling; a request is reopened once at most.
async fn may_rate(
    txn: &impl ConnectionTrait,
    found: &request::Model,
    reopening: bool,
) -> Result<(), TriageError> {
    let existing = rating::Entity::find()
        .filter(rating::Column::RequestId.eq(found.id))
        .filter(rating::Column::Round.eq(found.round))
        .count(txn)
        .await?;
    if existing > 0 {
        return Err(already_rated());
    }
    if reopening && found.round > 0 {
        return Err(TriageError::field("reopen", "error-reopen-once"));
    }
    Ok(())
}

/// After a rating: reopened (with a new deadline) if the resident asked, closed if they
/// are satisfied with a resolved request.
async fn after_rating(
    txn: &impl ConnectionTrait,
    policy: &Policy,
    found: request::Model,
    valid: &ValidRating,
    now: DateTime<Utc>,
) -> Result<request::Model, TriageError> {
    let (id, class, round, status) = (found.id, found.class, found.round, found.status);
    let mut active = found.into_active_model();
    active.updated_at = Set(now);
    if let Some(reason) = &valid.reopen_reason {
        active.status = Set(Status::Reopened);
        active.round = Set(round + 1);
        active.clock_from = Set(now);
        active.due_at = Set(class.map(|c| now + Duration::days(policy.days_for(c))));
        active.resolved_at = Set(None);
        add_update(txn, id, None, UpdateKind::Reopened, reason, now).await?;
    } else if valid.level.is_satisfied() && status == Status::Resolved {
        active.status = Set(Status::Closed);
        add_update(txn, id, None, UpdateKind::Closed, "", now).await?;
    }
    Ok(active.update(txn).await?)
}

pub async fn rate_request(
    db: &DatabaseConnection,
    policy: &Policy,
    code: &str,
    input: &RatingInput,
    client_address: &str,
    now: DateTime<Utc>,
) -> Result<request::Model, TriageError> {
    let valid = input.validate()?;
    let from = digest(&format!("rating:{client_address}"));
    check_rate_limit(db, policy, &from, now).await?;
    let found = find_by_code(db, code).await?;
    let txn = member::tx::begin_write(db).await?;
    // The request's row lock: a rating and a coordinator's step do not cross.
    let found = lock(&txn, found.id).await?;
    if !matches!(found.status, Status::Resolved | Status::Closed) {
        return Err(TriageError::field("level", "error-rating-not-resolved"));
    }
    may_rate(&txn, &found, valid.reopen_reason.is_some()).await?;
    rating::ActiveModel {
        id: Set(Uuid::now_v7()),
        request_id: Set(Some(found.id)),
        round: Set(found.round),
        stall_id: Set(None),
        level: Set(valid.level),
        comment: Set(valid.comment.clone()),
        class: Set(found.class),
        organization_id: Set(found.organization_id),
        service: Set(None),
        rater_key: Set(None),
        submitted_from: Set(from),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(unique_violation_is_already_rated)?;
    add_update(
        &txn,
        found.id,
        None,
        UpdateKind::Rated,
        valid.level.as_str(),
        now,
    )
    .await?;
    let updated = after_rating(&txn, policy, found, &valid, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The rating this request has been given in its current round, if any.
pub async fn rating_of(
    db: &impl ConnectionTrait,
    found: &request::Model,
) -> Result<Option<rating::Model>, TriageError> {
    Ok(rating::Entity::find()
        .filter(rating::Column::RequestId.eq(found.id))
        .filter(rating::Column::Round.eq(found.round))
        .one(db)
        .await?)
}

/// Whether a stall can be rated now: its market day is on (from an hour before it starts
/// until a week after it ended) and not cancelled.
pub async fn stall_open_for_rating(
    db: &impl ConnectionTrait,
    stall_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, TriageError> {
    let stall = stalls::find_stall(db, stall_id)
        .await
        .map_err(|_| TriageError::NotFound)?;
    let event = event_entity::Entity::find_by_id(stall.event_id)
        .one(db)
        .await?
        .ok_or(TriageError::NotFound)?;
    Ok(
        !matches!(event.status, EventStatus::Draft | EventStatus::Cancelled)
            && now >= event.starts_at - Duration::hours(1)
            && now <= event.ends_at + Duration::days(7),
    )
}

/// Whether this phone (its rater cookie) has rated the stall already.
pub async fn has_rated_stall(
    db: &impl ConnectionTrait,
    stall_id: Uuid,
    rater: &str,
) -> Result<bool, TriageError> {
    Ok(rating::Entity::find()
        .filter(rating::Column::StallId.eq(stall_id))
        .filter(rating::Column::RaterKey.eq(digest(rater)))
        .count(db)
        .await?
        > 0)
}

/// A resident rates a stall from its QR code. `rater` is the phone's random cookie.
pub async fn rate_stall(
    db: &DatabaseConnection,
    policy: &Policy,
    stall_id: Uuid,
    input: &RatingInput,
    rater: &str,
    client_address: &str,
    now: DateTime<Utc>,
) -> Result<rating::Model, TriageError> {
    let valid = RatingInput {
        reopen: false,
        ..input.clone()
    }
    .validate()?;
    if rater.len() < 32 {
        return Err(TriageError::field("level", "error-rating-cookie"));
    }
    if !stall_open_for_rating(db, stall_id, now).await? {
        return Err(TriageError::field("level", "error-stall-rating-closed"));
    }
    let from = digest(&format!("rating:{client_address}"));
    check_rate_limit(db, policy, &from, now).await?;
    if has_rated_stall(db, stall_id, rater).await? {
        return Err(already_rated());
    }
    let stall = stalls::find_stall(db, stall_id)
        .await
        .map_err(|_| TriageError::NotFound)?;
    // A number given is checked before anything is written; without a key it is not taken.
    let phone = (!policy.resident_secret.is_empty() && !input.phone.trim().is_empty())
        .then(|| member::Phone::parse("phone", &input.phone))
        .transpose()
        .map_err(|e| TriageError::Invalid(vec![e]))?;
    let txn = member::tx::begin_write(db).await?;
    let created = rating::ActiveModel {
        id: Set(Uuid::now_v7()),
        request_id: Set(None),
        round: Set(0),
        stall_id: Set(Some(stall.id)),
        level: Set(valid.level),
        comment: Set(valid.comment),
        class: Set(None),
        organization_id: Set(Some(stall.organization_id)),
        service: Set(Some(stall.service)),
        rater_key: Set(Some(digest(rater))),
        submitted_from: Set(from),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(unique_violation_is_already_rated)?;
    if let Some(phone) = phone {
        let secret = &policy.resident_secret;
        event::records::visits::insert_visit(&txn, stall.id, phone.as_str(), secret, None, now)
            .await
            .map_err(|e| TriageError::Internal(e.to_string()))?;
    }
    txn.commit().await?;
    Ok(created)
}

/// Counts of the three levels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub satisfied: u64,
    pub basic: u64,
    pub unsatisfied: u64,
}

impl Tally {
    fn add(&mut self, level: Level) {
        match level {
            Level::Satisfied => self.satisfied += 1,
            Level::Basic => self.basic += 1,
            Level::Unsatisfied => self.unsatisfied += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.satisfied + self.basic + self.unsatisfied
    }

    /// (satisfied + basically satisfied) / all, in tenths of a percent, rounded half up;
    /// `None` without ratings.
    pub fn rate_permille(&self) -> Option<u64> {
        let total = self.total();
        (total > 0).then(|| ((self.satisfied + self.basic) * 2000 + total) / (2 * total))
    }

    pub fn meets_target(&self) -> Option<bool> {
        self.rate_permille().map(|r| r >= TARGET_PERMILLE)
    }
}

/// The satisfaction rate for a period, whole and broken down.
#[derive(Clone, Debug, Default)]
pub struct Satisfaction {
    pub all: Tally,
    /// Requests' ratings only, and stalls' only.
    pub requests: Tally,
    pub stalls: Tally,
    /// `(year, month)` in Shanghai.
    pub by_month: BTreeMap<(i32, u32), Tally>,
    pub by_class: BTreeMap<&'static str, (Class, Tally)>,
    pub by_organization: BTreeMap<Uuid, Tally>,
    pub by_service: BTreeMap<&'static str, (Service, Tally)>,
}

/// Ratings given in `[from, until)` (either end open), counted every way the dashboards
/// show them. Ratings are few (thousands a year): they are counted here, not in SQL.
/// Ratings of a stall whose day was cancelled leave the rate with the day: the stalls of
/// cancelled days.
fn stalls_of_cancelled_days() -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::ExprTrait;
    sea_orm::sea_query::Query::select()
        .column((
            event::entities::stall::Entity,
            event::entities::stall::Column::Id,
        ))
        .from(event::entities::stall::Entity)
        .inner_join(
            event_entity::Entity,
            Expr::col((event_entity::Entity, event_entity::Column::Id)).equals((
                event::entities::stall::Entity,
                event::entities::stall::Column::EventId,
            )),
        )
        .and_where(
            Expr::col((event_entity::Entity, event_entity::Column::Status))
                .eq(EventStatus::Cancelled.as_str()),
        )
        .to_owned()
}

impl Satisfaction {
    /// One rating, in every tally it belongs to.
    fn add(&mut self, row: &rating::Model) {
        let shanghai = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
        let local = row.created_at.with_timezone(&shanghai);
        self.all.add(row.level);
        let month = self.by_month.entry((local.year(), local.month()));
        month.or_default().add(row.level);
        if row.request_id.is_some() {
            self.requests.add(row.level);
        } else {
            self.stalls.add(row.level);
        }
        if let Some(class) = row.class {
            let tally = self
                .by_class
                .entry(class.as_str())
                .or_insert((class, Tally::default()));
            tally.1.add(row.level);
        }
        if let Some(org) = row.organization_id {
            self.by_organization.entry(org).or_default().add(row.level);
        }
        if let Some(service) = row.service {
            let tally =
                (self.by_service.entry(service.as_str())).or_insert((service, Tally::default()));
            tally.1.add(row.level);
        }
    }
}

pub async fn satisfaction(
    db: &impl ConnectionTrait,
    organization_id: Option<Uuid>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<Satisfaction, TriageError> {
    let cancelled_stalls = stalls_of_cancelled_days();
    let mut query = rating::Entity::find().filter(
        sea_orm::Condition::any()
            .add(rating::Column::StallId.is_null())
            .add(rating::Column::StallId.not_in_subquery(cancelled_stalls)),
    );
    if let Some(org) = organization_id {
        query = query.filter(rating::Column::OrganizationId.eq(org));
    }
    if let Some(from) = from {
        query = query.filter(rating::Column::CreatedAt.gte(from));
    }
    if let Some(until) = until {
        query = query.filter(rating::Column::CreatedAt.lt(until));
    }
    let mut result = Satisfaction::default();
    for row in query.all(db).await? {
        result.add(&row);
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_counts_basically_satisfied_as_satisfied_and_rounds_half_up() {
        let tally = Tally {
            satisfied: 5,
            basic: 3,
            unsatisfied: 2,
        };
        assert_eq!(tally.total(), 10);
        assert_eq!(tally.rate_permille(), Some(800));
        // "80 % 以上" includes 80 % itself (以上 counts the number named).
        assert_eq!(tally.meets_target(), Some(true));
        let just_below = Tally {
            satisfied: 799,
            basic: 0,
            unsatisfied: 201,
        };
        assert_eq!(just_below.meets_target(), Some(false));
        let two_thirds = Tally {
            satisfied: 2,
            basic: 0,
            unsatisfied: 1,
        };
        assert_eq!(two_thirds.rate_permille(), Some(667));
        assert_eq!(Tally::default().rate_permille(), None);
    }

    #[test]
    fn only_an_unsatisfied_resident_reopens_and_says_why() {
        let input = RatingInput {
            level: "satisfied".into(),
            reopen: true,
            ..RatingInput::default()
        };
        let Err(TriageError::Invalid(errors)) = input.validate() else {
            panic!("invalid");
        };
        let fields: Vec<_> = errors.iter().map(|e| (e.field, e.reason)).collect();
        assert_eq!(
            fields,
            [
                ("reopen", "error-reopen-only-unsatisfied"),
                ("reopen_reason", "error-required")
            ]
        );
    }
}
