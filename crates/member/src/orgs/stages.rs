//! Stage changes: checked, recorded, and an admitted applicant's leadership.

use chrono::{NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, Set};

use crate::entities::{organization, stage_change};
use crate::fields::text;
use crate::memberships::{self, MemberRole};
use crate::notices::{self, Kind, Notice};
use crate::{Actor, FieldError, MemberError, audit, tx};

use super::{Stage, find};

pub(super) async fn record_stage(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    from: Option<Stage>,
    to: Stage,
    on_date: NaiveDate,
    by: Option<Uuid>,
    reason: &str,
) -> Result<(), MemberError> {
    stage_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        from_stage: Set(from),
        to_stage: Set(to),
        on_date: Set(on_date),
        by_id: Set(by),
        reason: Set(reason.to_owned()),
        recorded_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Staff move an organization to another stage, with the date and a reason. Admitting
/// an application makes its applicant the leader. Of two moves at the same moment,
/// only the first counts: the second finds the stage changed and is refused.
/// A stage change as typed: a stage this one may move to, a day not in the future (today
/// when empty), and the reason.
pub(super) fn checked_move(
    from: Stage,
    to: &str,
    on_date: &str,
    reason: &str,
    today: NaiveDate,
) -> Result<(Stage, NaiveDate, String), MemberError> {
    let mut errors = Vec::new();
    let to = Stage::parse(to);
    match to {
        Some(to) if from.can_move_to(to) => {}
        Some(_) => errors.push(FieldError::new("to", "error-stage-not-allowed")),
        None => errors.push(FieldError::new("to", "error-choose-one")),
    }
    let on_date = match on_date.trim() {
        "" => Some(today),
        typed => match NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
            Ok(date) if date <= today => Some(date),
            _ => {
                errors.push(FieldError::new("on_date", "error-date-invalid"));
                None
            }
        },
    };
    let reason = text(&mut errors, "reason", reason, 500, true);
    match (to, on_date, errors.is_empty()) {
        (Some(to), Some(on_date), true) => Ok((to, on_date, reason)),
        _ => Err(MemberError::Invalid(errors)),
    }
}

/// An application admitted to incubation: the one who applied leads it.
pub(super) async fn applicant_leads(
    txn: &impl ConnectionTrait,
    org: &organization::Model,
    on_date: NaiveDate,
) -> Result<(), MemberError> {
    if let Some(applicant) = org.applicant_id
        && memberships::current(txn, org.id, applicant)
            .await?
            .is_none()
    {
        memberships::insert(txn, org.id, applicant, MemberRole::Leader, on_date).await?;
    }
    Ok(())
}

pub async fn transition(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    to: &str,
    on_date: &str,
    reason: &str,
    today: NaiveDate,
) -> Result<organization::Model, MemberError> {
    if !actor.can_steer_incubation() {
        return Err(MemberError::Forbidden);
    }
    let org = find(db, organization_id).await?;
    let (to, on_date, reason) = checked_move(org.stage, to, on_date, reason, today)?;

    let txn = tx::begin_write(db).await?;
    let moved = organization::Entity::update_many()
        .col_expr(organization::Column::Stage, Expr::value(to.as_str()))
        .col_expr(organization::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(organization::Column::Id.eq(org.id))
        .filter(organization::Column::Stage.eq(org.stage.as_str()))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(MemberError::field("to", "error-stage-changed-meanwhile"));
    }
    record_stage(
        &txn,
        org.id,
        Some(org.stage),
        to,
        on_date,
        Some(actor.person_id),
        &reason,
    )
    .await?;
    if org.stage == Stage::Applied && to == Stage::Incubating {
        applicant_leads(&txn, &org, on_date).await?;
    }
    if let (Stage::Applied, Some(applicant)) = (org.stage, org.applicant_id) {
        let notice = Notice::new(Kind::OrgDecided, format!("/orgs/{}", org.id))
            .arg("org", org.name.clone())
            .arg("stage", to.as_str());
        notices::send(&txn, applicant, &notice, Utc::now()).await?;
    }
    audit::record(
        &txn,
        Some(actor.person_id),
        "organization.stage_change",
        "organization",
        Some(org.id),
        format!("{} -> {}", org.stage.as_str(), to.as_str()),
    )
    .await?;
    txn.commit().await?;
    find(db, org.id).await
}
