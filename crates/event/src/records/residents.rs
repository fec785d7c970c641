//! Residents served: each stall's report with its breakdown, corrections with a reason, and the day reported once every stall is.

use chrono::Utc;
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, PaginatorTrait, QueryOrder, Set};

use crate::EventError;
use crate::entities::event::{self, EventStatus};
use crate::entities::{beneficiary_report, stall};
use crate::stalls::find_stall;

use super::require_manager;

/// A stall's count of residents served, as typed.
#[derive(Clone, Debug, Default)]
pub struct BeneficiaryInput {
    pub total: String,
    pub elderly: String,
    pub children: String,
    pub disabled: String,
    pub other: String,
    pub reason: String,
}

/// The leader or a coordinator reports (or corrects, with a reason) how many residents a
/// stall served. The breakdown, if given, adds up to the total. When every stall of the
/// day has a report, the day is `reported`.
impl BeneficiaryInput {
    /// The total and its breakdown as typed: counts from 0 to 100,000, the parts (when
    /// any is given) adding up to the total; a correction says why.
    fn checked(
        &self,
        correcting: bool,
        tallied: Option<i64>,
    ) -> Result<(i32, [Option<i32>; 4]), EventError> {
        let mut errors = Vec::new();
        let mut count = |field: &'static str, typed: &str, required: bool| match typed.trim() {
            "" if !required => None,
            "" => {
                errors.push(FieldError::new(field, "error-required"));
                None
            }
            typed => match typed.parse::<i32>() {
                Ok(n) if (0..=100_000).contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError::new(field, "error-count-not-negative"));
                    None
                }
            },
        };
        let total = count("total", &self.total, true);
        let parts = [
            count("elderly", &self.elderly, false),
            count("children", &self.children, false),
            count("disabled", &self.disabled, false),
            count("other", &self.other, false),
        ];
        if let Some(total) = total
            && parts.iter().any(Option::is_some)
            && parts.iter().flatten().sum::<i32>() != total
        {
            errors.push(FieldError::new("total", "error-breakdown-sum"));
        }
        if correcting && self.reason.trim().is_empty() {
            errors.push(FieldError::new("reason", "error-correction-reason"));
        } else if let (Some(total), Some(tallied)) = (total, tallied)
            && i64::from(total) != tallied
            && self.reason.trim().is_empty()
        {
            errors.push(FieldError::new("reason", "error-tally-difference-reason"));
        }
        match (total, errors.is_empty()) {
            (Some(total), true) => Ok((total, parts)),
            _ => Err(EventError::Invalid(errors)),
        }
    }
}

/// Every stall of the day reported: the day is reported.
pub(super) async fn mark_reported_when_all_are(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<(), EventError> {
    let stalls = stall::Entity::find()
        .filter(stall::Column::EventId.eq(event_id))
        .all(txn)
        .await?;
    for found in &stalls {
        let reported = beneficiary_report::Entity::find()
            .filter(beneficiary_report::Column::StallId.eq(found.id))
            .count(txn)
            .await?;
        if reported == 0 {
            return Ok(());
        }
    }
    event::Entity::update_many()
        .col_expr(event::Column::Status, Expr::value(EventStatus::Reported))
        .filter(event::Column::Id.eq(event_id))
        .filter(event::Column::Status.is_in([EventStatus::Published, EventStatus::Held]))
        .exec(txn)
        .await?;
    Ok(())
}

pub async fn report_beneficiaries(
    db: &DatabaseConnection,
    actor: &Actor,
    stall_id: Uuid,
    input: &BeneficiaryInput,
) -> Result<beneficiary_report::Model, EventError> {
    let stall = find_stall(db, stall_id).await?;
    require_manager(actor, &stall)?;
    let earlier = beneficiary_report::Entity::find()
        .filter(beneficiary_report::Column::StallId.eq(stall.id))
        .count(db)
        .await?;
    let reason = input.reason.trim();
    // What the volunteers tapped on the day, if they did: a report that differs says why.
    let tally = super::tally::totals(db, stall.id).await?;
    let tallied = (tally.taps > 0).then_some(tally.total);
    let (total, [elderly, children, disabled, other]) = input.checked(earlier > 0, tallied)?;
    let txn = tx::begin_write(db).await?;
    let report = beneficiary_report::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(stall.id),
        total: Set(total),
        elderly: Set(elderly),
        children: Set(children),
        disabled: Set(disabled),
        other: Set(other),
        reason: Set(reason.to_owned()),
        entered_by: Set(actor.person_id),
        entered_at: Set(Utc::now()),
        tallied: Set(tallied.map(|t| i32::try_from(t).unwrap_or(i32::MAX))),
    }
    .insert(&txn)
    .await?;
    mark_reported_when_all_are(&txn, stall.event_id).await?;
    let action = if earlier == 0 {
        "service.beneficiaries_report"
    } else {
        "service.beneficiaries_correct"
    };
    audit::record(
        &txn,
        Some(actor.person_id),
        action,
        "event",
        Some(stall.event_id),
        format!("total {total}"),
    )
    .await?;
    txn.commit().await?;
    Ok(report)
}

/// A stall's reports, newest (current) first.
pub async fn beneficiary_history(
    db: &impl ConnectionTrait,
    stall_id: Uuid,
) -> Result<Vec<beneficiary_report::Model>, EventError> {
    Ok(beneficiary_report::Entity::find()
        .filter(beneficiary_report::Column::StallId.eq(stall_id))
        .order_by_desc(beneficiary_report::Column::EnteredAt)
        .order_by_desc(beneficiary_report::Column::Id)
        .all(db)
        .await?)
}
