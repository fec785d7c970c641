//! An awarded project reports to staff: a mid-term report, then a final one (text and
//! residents reached); staff accept a report or return it with a note, and a returned
//! report is sent again as a new one.

use chrono::{DateTime, Utc};
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, QueryOrder, Set};

use super::applications::find_application;
use super::require_staff;
use crate::ProjectError;
use crate::entities::venture_report as report;

pub use report::Model as VentureReport;

/// The reports of an award, oldest first.
pub async fn reports_of(
    db: &impl ConnectionTrait,
    application_id: Uuid,
) -> Result<Vec<VentureReport>, ProjectError> {
    Ok(report::Entity::find()
        .filter(report::Column::ApplicationId.eq(application_id))
        .order_by_asc(report::Column::SubmittedAt)
        .all(db)
        .await?)
}

/// The application a report belongs to (its page).
pub async fn application_of_report(
    db: &impl ConnectionTrait,
    report_id: Uuid,
) -> Result<Uuid, ProjectError> {
    Ok(report::Entity::find_by_id(report_id)
        .one(db)
        .await?
        .ok_or(ProjectError::NotFound)?
        .application_id)
}

/// A leader of the organization sends the mid-term report, and after it was accepted the
/// final one; never a second while one waits for staff or was accepted.
pub async fn submit_report(
    db: &DatabaseConnection,
    actor: &Actor,
    application_id: Uuid,
    (kind, text, reached): (&str, &str, &str),
    now: DateTime<Utc>,
) -> Result<VentureReport, ProjectError> {
    let found = find_application(db, application_id).await?;
    if !actor.can_manage_org(found.organization_id) {
        return Err(ProjectError::Forbidden);
    }
    if found.project_id.is_none() {
        return Err(ProjectError::field("text", "error-award-not-standing"));
    }
    let (text, reached) = checked_report(kind, text, reached)?;
    in_order(&reports_of(db, found.id).await?, kind)?;
    let txn = tx::begin_write(db).await?;
    let sent = report::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(found.id),
        kind: Set(kind.to_owned()),
        text: Set(text),
        reached: Set(reached),
        submitted_by: Set(actor.person_id),
        submitted_at: Set(now),
        status: Set("submitted".to_owned()),
        staff_note: Set(String::new()),
        decided_by: Set(None),
        decided_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "round.report",
        "organization",
        Some(found.organization_id),
        kind.to_owned(),
    )
    .await?;
    txn.commit().await?;
    Ok(sent)
}

/// A report's kind, text and residents reached, as typed.
fn checked_report(
    kind: &str,
    text: &str,
    reached: &str,
) -> Result<(String, Option<i32>), ProjectError> {
    let mut errors = Vec::new();
    if !matches!(kind, "midterm" | "final") {
        errors.push(FieldError::new("kind", "error-choose-one"));
    }
    let text = member::fields::text(&mut errors, "text", text, 8000, true);
    let reached = match reached.trim() {
        "" => None,
        typed => match typed.parse::<i32>() {
            Ok(n) if (0..=10_000_000).contains(&n) => Some(n),
            _ => {
                errors.push(FieldError::new("reached", "error-count-invalid"));
                None
            }
        },
    };
    if errors.is_empty() {
        Ok((text, reached))
    } else {
        Err(ProjectError::Invalid(errors))
    }
}

/// One report of a kind at a time (a returned one may be sent again), and the final only
/// after the mid-term was accepted.
fn in_order(earlier: &[VentureReport], kind: &str) -> Result<(), ProjectError> {
    let standing = |k: &str| {
        earlier
            .iter()
            .any(|r| r.kind == k && matches!(r.status.as_str(), "submitted" | "accepted"))
    };
    if standing(kind) {
        return Err(ProjectError::field("kind", "error-report-exists"));
    }
    let midterm_accepted = earlier
        .iter()
        .any(|r| r.kind == "midterm" && r.status == "accepted");
    if kind == "final" && !midterm_accepted {
        return Err(ProjectError::field("kind", "error-report-midterm-first"));
    }
    Ok(())
}

/// Staff accept a report, or return it with a note saying what is missing.
pub async fn decide_report(
    db: &DatabaseConnection,
    actor: &Actor,
    report_id: Uuid,
    accept: bool,
    note: &str,
    now: DateTime<Utc>,
) -> Result<VentureReport, ProjectError> {
    require_staff(actor)?;
    let found = report::Entity::find_by_id(report_id)
        .one(db)
        .await?
        .ok_or(ProjectError::NotFound)?;
    if found.status != "submitted" {
        return Err(ProjectError::field("note", "error-report-decided"));
    }
    let note = note.trim();
    if !accept && note.is_empty() {
        return Err(ProjectError::field("note", "error-report-return-note"));
    }
    if note.chars().count() > 1000 {
        return Err(ProjectError::field("note", "error-too-long"));
    }
    let txn = tx::begin_write(db).await?;
    let mut decided: report::ActiveModel = found.into();
    decided.status = Set(if accept { "accepted" } else { "returned" }.to_owned());
    decided.staff_note = Set(note.to_owned());
    decided.decided_by = Set(Some(actor.person_id));
    decided.decided_at = Set(Some(now));
    let decided = decided.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "round.report_decide",
        "round",
        None,
        decided.status.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(decided)
}
