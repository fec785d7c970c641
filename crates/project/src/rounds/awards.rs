//! Awards: once the review has closed, staff award amounts (at most what was asked) and
//! the database keeps the round's total at or below its budget, also when two staff award
//! at once. Staff announce the results; they are posted publicly for the round's days,
//! then stand: each award becomes a project, paid in tranches recorded in its ledger (the
//! tranches, too, kept at or below the award by the database).

use chrono::{DateTime, NaiveDate, Utc};
use member::{Actor, audit, orgs, tx};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{DatabaseConnection, Set};

use super::applications::{Application, find_application};
use super::review::rank;
use super::{Phase, Round, find_round, phase, require_staff, themes};
use crate::ProjectError;
use crate::entities::{
    funding_entry, project, venture_application as application, venture_round as round,
    venture_tranche as tranche,
};
use crate::ledger::Source;
use crate::money;
use crate::projects::Status;

/// Staff set an application's award in yuan (empty: none); the round's total never goes
/// over its budget.
pub async fn award(
    db: &DatabaseConnection,
    actor: &Actor,
    application_id: Uuid,
    amount: &str,
    now: DateTime<Utc>,
) -> Result<Application, ProjectError> {
    require_staff(actor)?;
    let found = find_application(db, application_id).await?;
    let round = find_round(db, found.round_id).await?;
    if phase(&round, now) != Phase::Deciding {
        return Err(ProjectError::field("amount", "error-award-phase"));
    }
    if found.status != "submitted" {
        return Err(ProjectError::NotFound);
    }
    let new = award_amount(&found, amount)?;
    let delta = new.unwrap_or(0) - found.award_fen.unwrap_or(0);
    let txn = tx::begin_write(db).await?;
    // The application moves only from the award read: a change made meanwhile wins.
    let moved = application::Entity::update_many()
        .col_expr(application::Column::AwardFen, Expr::value(new))
        .col_expr(
            application::Column::AwardedBy,
            Expr::value(Some(actor.person_id)),
        )
        .filter(application::Column::Id.eq(found.id))
        .filter(match found.award_fen {
            Some(old) => application::Column::AwardFen.eq(old),
            None => application::Column::AwardFen.is_null(),
        })
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ProjectError::field("amount", "error-award-changed"));
    }
    within_budget(&txn, round.id, delta).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "round.award",
        "organization",
        Some(found.organization_id),
        new.map(money::plain_yuan).unwrap_or_default(),
    )
    .await?;
    txn.commit().await?;
    find_application(db, found.id).await
}

/// An award as typed, in fen: none when empty, never more than was requested.
fn award_amount(found: &Application, amount: &str) -> Result<Option<i64>, ProjectError> {
    let new = match amount.trim() {
        "" => None,
        typed => Some(money::parse_yuan(typed).map_err(|r| ProjectError::field("amount", r))?),
    };
    if new.is_some_and(|fen| fen > found.request_fen) {
        return Err(ProjectError::field("amount", "error-award-over-request"));
    }
    Ok(new)
}

/// The round's total moves by `delta` only while it stays within the budget: one
/// conditional update, so of two awards at once the second sees the first.
async fn within_budget(
    txn: &impl ConnectionTrait,
    round_id: Uuid,
    delta: i64,
) -> Result<(), ProjectError> {
    let within = round::Entity::update_many()
        .col_expr(
            round::Column::AwardedFen,
            Expr::col(round::Column::AwardedFen).add(delta),
        )
        .filter(round::Column::Id.eq(round_id))
        .filter(
            Expr::col(round::Column::AwardedFen)
                .add(delta)
                .lte(Expr::col(round::Column::BudgetFen)),
        )
        .exec(txn)
        .await?;
    if within.rows_affected == 1 {
        Ok(())
    } else {
        Err(ProjectError::field("amount", "error-award-over-budget"))
    }
}

/// Staff announce the results: they are posted publicly and stand after the round's days.
pub async fn announce(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Round, ProjectError> {
    require_staff(actor)?;
    let found = find_round(db, round_id).await?;
    if phase(&found, now) != Phase::Deciding {
        return Err(ProjectError::field("round", "error-award-phase"));
    }
    let txn = tx::begin_write(db).await?;
    let mut announced: round::ActiveModel = found.into();
    announced.announced_at = Set(Some(now));
    let announced = announced.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "round.announce",
        "round",
        Some(announced.id),
        money::plain_yuan(announced.awarded_fen),
    )
    .await?;
    txn.commit().await?;
    Ok(announced)
}

/// An award as the public results show it: no reviewers, no personal data.
#[derive(Clone, Debug)]
pub struct PublicResult {
    pub application: Application,
    pub organization: String,
    /// Mean weighted score, in hundredths.
    pub mean: Option<i64>,
}

/// The announced awards of a round, best score first; empty before the announcement.
pub async fn results(
    db: &impl ConnectionTrait,
    round_id: Uuid,
) -> Result<Vec<PublicResult>, ProjectError> {
    let found = find_round(db, round_id).await?;
    if found.announced_at.is_none() {
        return Ok(Vec::new());
    }
    let mut awarded = Vec::new();
    for ranked in rank(db, &found, None, true).await? {
        if ranked.application.award_fen.is_none() {
            continue;
        }
        let organization = orgs::find(db, ranked.application.organization_id)
            .await?
            .name;
        awarded.push(PublicResult {
            application: ranked.application,
            organization,
            mean: ranked.mean,
        });
    }
    Ok(awarded)
}

/// Once the results stand, staff turn an award into the organization's project (active,
/// starting today, the plan as its description); once.
pub async fn start_project(
    db: &DatabaseConnection,
    actor: &Actor,
    application_id: Uuid,
    now: DateTime<Utc>,
) -> Result<project::Model, ProjectError> {
    require_staff(actor)?;
    let found = find_application(db, application_id).await?;
    let round = find_round(db, found.round_id).await?;
    if phase(&round, now) != Phase::Standing || found.award_fen.is_none() {
        return Err(ProjectError::field("project", "error-award-not-standing"));
    }
    if found.project_id.is_some() {
        return Err(ProjectError::field("project", "error-award-has-project"));
    }
    let org = orgs::find(db, found.organization_id).await?;
    let theme = themes(&round).first().copied().unwrap_or(org.theme);
    let txn = tx::begin_write(db).await?;
    let created = project::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org.id),
        title: Set(found.title.clone()),
        theme: Set(theme),
        description: Set(found.plan.chars().take(4000).collect()),
        status: Set(Status::Active),
        starts_on: Set(member::fields::shanghai_date(now)),
        ends_on: Set(None),
        goal_beneficiaries: Set(found.beneficiaries),
        goal_text: Set(found.goals.chars().take(500).collect()),
        community: Set(org.community.chars().take(50).collect()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let linked = application::Entity::update_many()
        .col_expr(
            application::Column::ProjectId,
            Expr::value(Some(created.id)),
        )
        .filter(application::Column::Id.eq(found.id))
        .filter(application::Column::ProjectId.is_null())
        .exec(&txn)
        .await?;
    if linked.rows_affected != 1 {
        return Err(ProjectError::field("project", "error-award-has-project"));
    }
    audit::record(
        &txn,
        Some(actor.person_id),
        "project.create",
        "project",
        Some(created.id),
        round.title.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// A tranche as typed.
#[derive(Clone, Debug, Default)]
pub struct TrancheInput {
    /// Yuan.
    pub amount: String,
    /// `YYYY-MM-DD`, not in the future.
    pub paid_on: String,
    pub note: String,
}

impl TrancheInput {
    /// The amount in fen and the day, not in the future; a short note.
    fn checked(&self, today: NaiveDate) -> Result<(i64, NaiveDate), ProjectError> {
        let amount =
            money::parse_yuan(&self.amount).map_err(|r| ProjectError::field("amount", r))?;
        let paid_on = NaiveDate::parse_from_str(self.paid_on.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| *d <= today && member::fields::plausible_date(*d))
            .ok_or_else(|| ProjectError::field("paid_on", "error-date-invalid"))?;
        if self.note.chars().count() > 500 {
            return Err(ProjectError::field("note", "error-too-long"));
        }
        Ok((amount, paid_on))
    }
}

/// Staff pay a tranche of an award: a funding entry of its project (公益基金, from
/// "公益创投 · the round"), never more in all than the award.
pub async fn pay_tranche(
    db: &DatabaseConnection,
    actor: &Actor,
    application_id: Uuid,
    input: &TrancheInput,
    today: NaiveDate,
) -> Result<funding_entry::Model, ProjectError> {
    require_staff(actor)?;
    let found = find_application(db, application_id).await?;
    let round = find_round(db, found.round_id).await?;
    let Some(project_id) = found.project_id else {
        return Err(ProjectError::field("amount", "error-award-not-standing"));
    };
    let (amount, paid_on) = input.checked(today)?;
    let txn = tx::begin_write(db).await?;
    within_award(&txn, found.id, amount).await?;
    let entry = funding_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        source: Set(Source::FundGrant),
        amount_fen: Set(amount),
        received_on: Set(paid_on),
        contributor: Set(format!("公益创投 · {}", round.title)
            .chars()
            .take(100)
            .collect()),
        contributor_count: Set(None),
        note: Set(input.note.trim().to_owned()),
        reverses_id: Set(None),
        recorded_by: Set(actor.person_id),
        recorded_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    tranche::ActiveModel {
        funding_entry_id: Set(entry.id),
        application_id: Set(found.id),
    }
    .insert(&txn)
    .await?;
    let detail = format!("venture {}", money::plain_yuan(amount));
    audit::record(
        &txn,
        Some(actor.person_id),
        "funding.record",
        "project",
        Some(project_id),
        detail,
    )
    .await?;
    txn.commit().await?;
    Ok(entry)
}

/// An award's payments move by `amount` only while they stay within the award.
async fn within_award(
    txn: &impl ConnectionTrait,
    application_id: Uuid,
    amount: i64,
) -> Result<(), ProjectError> {
    let within = application::Entity::update_many()
        .col_expr(
            application::Column::PaidFen,
            Expr::col(application::Column::PaidFen).add(amount),
        )
        .filter(application::Column::Id.eq(application_id))
        .filter(
            Expr::col(application::Column::PaidFen)
                .add(amount)
                .lte(Expr::col(application::Column::AwardFen)),
        )
        .exec(txn)
        .await?;
    if within.rows_affected == 1 {
        Ok(())
    } else {
        Err(ProjectError::field("amount", "error-tranche-over-award"))
    }
}

/// A reversed tranche is no longer paid: called in the reversal's transaction.
pub(crate) async fn unpay(
    txn: &impl ConnectionTrait,
    entry: &funding_entry::Model,
) -> Result<(), ProjectError> {
    if let Some(link) = tranche::Entity::find_by_id(entry.id).one(txn).await? {
        application::Entity::update_many()
            .col_expr(
                application::Column::PaidFen,
                Expr::col(application::Column::PaidFen).sub(entry.amount_fen),
            )
            .filter(application::Column::Id.eq(link.application_id))
            .exec(txn)
            .await?;
    }
    Ok(())
}
