//! Checking in by the shift's QR code: its token, and each scan's step (in, then out).

use chrono::{DateTime, Duration, Utc};
use member::{Actor, tx};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, Set};

use crate::EventError;
use crate::entities::event::{self, EventStatus};
use crate::entities::{service_record, shift, signup, stall};
use crate::schedule::{self};
use crate::signups::SignupStatus;
use crate::stalls::{find_shift, find_stall};

use super::{record_for, require_manager};

/// Check-in opens this long before a shift starts.
pub const CHECKIN_OPENS_BEFORE: Duration = Duration::minutes(30);

/// The secret of a shift's check-in QR code, made on first use (for its stall's leaders
/// and staff).
pub async fn checkin_token(
    db: &DatabaseConnection,
    actor: &Actor,
    shift_id: Uuid,
) -> Result<String, EventError> {
    let found = find_shift(db, shift_id).await?;
    require_manager(actor, &find_stall(db, found.stall_id).await?)?;
    if let Some(token) = found.checkin_token {
        return Ok(token);
    }
    let token = member::secrets::new_token();
    shift::Entity::update_many()
        .col_expr(shift::Column::CheckinToken, Expr::value(token.clone()))
        .filter(shift::Column::Id.eq(found.id))
        .filter(shift::Column::CheckinToken.is_null())
        .exec(db)
        .await?;
    // Of two first views at once, the token that was stored is the one.
    Ok(find_shift(db, shift_id)
        .await?
        .checkin_token
        .unwrap_or(token))
}

/// The shift, stall and event behind a scanned code.
pub async fn shift_for_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<(shift::Model, stall::Model, event::Model), EventError> {
    let found = shift::Entity::find()
        .filter(shift::Column::CheckinToken.eq(token))
        .one(db)
        .await?
        .ok_or(EventError::NotFound)?;
    let stall = find_stall(db, found.stall_id).await?;
    let event = schedule::find(db, stall.event_id).await?;
    Ok((found, stall, event))
}

/// What a scan did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    CheckedIn(DateTime<Utc>),
    CheckedOut(DateTime<Utc>),
}

pub(super) async fn confirmed_signup(
    db: &impl ConnectionTrait,
    shift_id: Uuid,
    person_id: Uuid,
) -> Result<Option<signup::Model>, EventError> {
    Ok(signup::Entity::find()
        .filter(signup::Column::ShiftId.eq(shift_id))
        .filter(signup::Column::PersonId.eq(person_id))
        .filter(signup::Column::Status.eq(SignupStatus::Confirmed))
        .one(db)
        .await?)
}

/// Which way a scan goes: the page says it explicitly; a bare scan takes the next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanStep {
    In,
    Out,
    Next,
}

/// A signed-in volunteer scans their shift's code: the first scan checks in (from 30
/// minutes before the start until the end), the second checks out. Only volunteers
/// confirmed on that shift, with their own login, can.
pub async fn scan(
    db: &DatabaseConnection,
    actor: &Actor,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Scan, EventError> {
    scan_step(db, actor, token, ScanStep::Next, now).await
}

/// A scan in the stated direction; checking in twice, or out before in, is refused.
pub async fn scan_step(
    db: &DatabaseConnection,
    actor: &Actor,
    token: &str,
    step: ScanStep,
    now: DateTime<Utc>,
) -> Result<Scan, EventError> {
    let (found, _, event) = shift_for_token(db, token).await?;
    if event.status == EventStatus::Cancelled {
        return Err(EventError::field("scan", "error-event-cancelled"));
    }
    let txn = tx::begin_write(db).await?;
    let Some(signup) = confirmed_signup(&txn, found.id, actor.person_id).await? else {
        return Err(EventError::field("scan", "error-not-confirmed"));
    };
    let record = record_for(&txn, &signup).await?;
    let result = match (record.checked_in_at, record.checked_out_at, step) {
        (None, _, ScanStep::Out) => return Err(EventError::field("scan", "error-not-checked-in")),
        (None, _, _) => {
            if now < found.starts_at - CHECKIN_OPENS_BEFORE || now > found.ends_at {
                return Err(EventError::field("scan", "error-checkin-window"));
            }
            let mut active: service_record::ActiveModel = record.into();
            active.checked_in_at = Set(Some(now));
            active.attendance = Set(Some("attended".to_owned()));
            active.update(&txn).await?;
            Scan::CheckedIn(now)
        }
        (Some(_), None, ScanStep::In) => {
            return Err(EventError::field("scan", "error-already-checked-in"));
        }
        (Some(_), None, _) => {
            let mut active: service_record::ActiveModel = record.into();
            active.checked_out_at = Set(Some(now));
            active.update(&txn).await?;
            Scan::CheckedOut(now)
        }
        (Some(_), Some(_), _) => {
            return Err(EventError::field("scan", "error-already-checked-out"));
        }
    };
    txn.commit().await?;
    Ok(result)
}

/// Where a volunteer stands on the shift behind a code: confirmed or not, and the
/// check-in and check-out so far.
pub async fn scan_standing(
    db: &impl ConnectionTrait,
    actor: &Actor,
    token: &str,
) -> Result<(bool, Option<service_record::Model>), EventError> {
    let (found, _, _) = shift_for_token(db, token).await?;
    let Some(signup) = confirmed_signup(db, found.id, actor.person_id).await? else {
        return Ok((false, None));
    };
    let record = service_record::Entity::find()
        .filter(service_record::Column::SignupId.eq(signup.id))
        .one(db)
        .await?;
    Ok((true, record))
}
