//! Applications: a leader drafts one for their organization (one per round), submits it
//! once while the round takes applications (eligibility checked then), or withdraws it.

use chrono::{DateTime, Utc};
use member::entities::organization;
use member::fields::text;
use member::{Actor, FieldError, audit, orgs, tx};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use super::{Phase, Round, find_round, phase, stages, themes};
use crate::ProjectError;
use crate::entities::venture_application as application;
use crate::money;

pub use application::Model as Application;

/// One line of an application's budget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    pub item: String,
    pub fen: i64,
}

pub fn budget_of(found: &Application) -> Vec<BudgetLine> {
    serde_json::from_str(&found.budget).unwrap_or_default()
}

/// An application as typed; the budget as lines of (item, yuan).
#[derive(Clone, Debug, Default)]
pub struct ApplicationInput {
    pub title: String,
    pub plan: String,
    pub goals: String,
    /// A whole number or empty.
    pub beneficiaries: String,
    pub timeline: String,
    pub budget: Vec<(String, String)>,
}

struct ValidApplication {
    title: String,
    plan: String,
    goals: String,
    beneficiaries: Option<i32>,
    timeline: String,
    budget: Vec<BudgetLine>,
}

impl ApplicationInput {
    /// A draft may be incomplete; what is typed must still be well formed.
    fn validate(&self) -> Result<ValidApplication, ProjectError> {
        let mut errors = Vec::new();
        let title = text(&mut errors, "title", &self.title, 100, true);
        let plan = text(&mut errors, "plan", &self.plan, 8000, false);
        let goals = text(&mut errors, "goals", &self.goals, 2000, false);
        let timeline = text(&mut errors, "timeline", &self.timeline, 2000, false);
        let beneficiaries = match self.beneficiaries.trim() {
            "" => None,
            typed => match typed.parse::<i32>() {
                Ok(n) if (1..=10_000_000).contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError::new("beneficiaries", "error-count-invalid"));
                    None
                }
            },
        };
        let mut budget = Vec::new();
        for (item, amount) in &self.budget {
            let item = item.trim();
            if item.is_empty() && amount.trim().is_empty() {
                continue;
            }
            match money::parse_yuan(amount) {
                Ok(fen) if !item.is_empty() && item.chars().count() <= 50 => {
                    budget.push(BudgetLine {
                        item: item.to_owned(),
                        fen,
                    });
                }
                _ => {
                    errors.push(FieldError::new("budget", "error-budget-line"));
                    break;
                }
            }
        }
        if budget.len() > 30 {
            errors.push(FieldError::new("budget", "error-budget-line"));
        }
        if errors.is_empty() {
            Ok(ValidApplication {
                title,
                plan,
                goals,
                beneficiaries,
                timeline,
                budget,
            })
        } else {
            Err(ProjectError::Invalid(errors))
        }
    }
}

fn require_leader(actor: &Actor, organization_id: Uuid) -> Result<(), ProjectError> {
    if actor.can_manage_org(organization_id) {
        Ok(())
    } else {
        Err(ProjectError::Forbidden)
    }
}

pub async fn find_application(
    db: &impl ConnectionTrait,
    application_id: Uuid,
) -> Result<Application, ProjectError> {
    application::Entity::find_by_id(application_id)
        .one(db)
        .await?
        .ok_or(ProjectError::NotFound)
}

/// An organization's application to a round, if it has one.
pub async fn application_of(
    db: &impl ConnectionTrait,
    round_id: Uuid,
    organization_id: Uuid,
) -> Result<Option<Application>, ProjectError> {
    Ok(application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?)
}

/// The submitted applications of a round, oldest first.
pub async fn submitted(
    db: &impl ConnectionTrait,
    round_id: Uuid,
) -> Result<Vec<Application>, ProjectError> {
    Ok(application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::Status.eq("submitted"))
        .order_by_asc(application::Column::SubmittedAt)
        .all(db)
        .await?)
}

/// A leader (or staff) saves their organization's draft: created the first time, then
/// changed until it is submitted. Drafts are kept until applications close.
pub async fn save_draft(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    organization_id: Uuid,
    input: &ApplicationInput,
    now: DateTime<Utc>,
) -> Result<Application, ProjectError> {
    require_leader(actor, organization_id)?;
    let round = find_round(db, round_id).await?;
    orgs::find(db, organization_id).await?;
    if !matches!(phase(&round, now), Phase::Upcoming | Phase::Applying) {
        return Err(ProjectError::field("title", "error-round-closed"));
    }
    let valid = input.validate()?;
    let request: i64 = valid.budget.iter().map(|l| l.fen).sum();
    let budget = serde_json::to_string(&valid.budget).unwrap_or_default();
    let txn = tx::begin_write(db).await?;
    let saved = match application_of(&txn, round.id, organization_id).await? {
        Some(found) if found.status != "draft" => {
            return Err(ProjectError::field("title", "error-application-submitted"));
        }
        Some(found) => {
            let mut draft: application::ActiveModel = found.into();
            draft.title = Set(valid.title);
            draft.plan = Set(valid.plan);
            draft.goals = Set(valid.goals);
            draft.beneficiaries = Set(valid.beneficiaries);
            draft.timeline = Set(valid.timeline);
            draft.budget = Set(budget);
            draft.request_fen = Set(request);
            draft.updated_at = Set(now);
            draft.update(&txn).await?
        }
        None => {
            application::ActiveModel {
                id: Set(Uuid::now_v7()),
                round_id: Set(round.id),
                organization_id: Set(organization_id),
                title: Set(valid.title),
                plan: Set(valid.plan),
                goals: Set(valid.goals),
                beneficiaries: Set(valid.beneficiaries),
                timeline: Set(valid.timeline),
                budget: Set(budget),
                request_fen: Set(request),
                status: Set("draft".to_owned()),
                submitted_at: Set(None),
                award_fen: Set(None),
                awarded_by: Set(None),
                paid_fen: Set(0),
                project_id: Set(None),
                created_by: Set(actor.person_id),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    txn.commit().await?;
    Ok(saved)
}

/// Who may apply, and whether the application is complete: the organization's stage (and
/// theme, if the round names themes), a plan, goals, a budget adding up to the request.
fn eligibility(
    round: &Round,
    org: &organization::Model,
    found: &Application,
) -> Result<(), ProjectError> {
    let mut errors = Vec::new();
    if !stages(round).contains(&org.stage) {
        errors.push(FieldError::new("organization", "error-round-stage"));
    }
    let themes = themes(round);
    if !themes.is_empty() && !themes.contains(&org.theme) {
        errors.push(FieldError::new("organization", "error-round-theme"));
    }
    for (field, value) in [
        ("plan", &found.plan),
        ("goals", &found.goals),
        ("timeline", &found.timeline),
    ] {
        if value.trim().is_empty() {
            errors.push(FieldError::new(field, "error-required"));
        }
    }
    if budget_of(found).is_empty() || found.request_fen <= 0 {
        errors.push(FieldError::new("budget", "error-budget-empty"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ProjectError::Invalid(errors))
    }
}

/// The leader submits the draft, once, while the round takes applications.
pub async fn submit(
    db: &DatabaseConnection,
    actor: &Actor,
    application_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Application, ProjectError> {
    let found = find_application(db, application_id).await?;
    require_leader(actor, found.organization_id)?;
    let round = find_round(db, found.round_id).await?;
    if phase(&round, now) != Phase::Applying {
        return Err(ProjectError::field("title", "error-round-closed"));
    }
    if found.status != "draft" {
        return Err(ProjectError::field("title", "error-application-submitted"));
    }
    let org = orgs::find(db, found.organization_id).await?;
    eligibility(&round, &org, &found)?;
    set_status(db, actor, found, "submitted", now).await
}

/// The leader withdraws an application before applications close.
pub async fn withdraw(
    db: &DatabaseConnection,
    actor: &Actor,
    application_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Application, ProjectError> {
    let found = find_application(db, application_id).await?;
    require_leader(actor, found.organization_id)?;
    let round = find_round(db, found.round_id).await?;
    if !matches!(phase(&round, now), Phase::Upcoming | Phase::Applying) {
        return Err(ProjectError::field("title", "error-round-closed"));
    }
    if found.status == "withdrawn" {
        return Err(ProjectError::field("title", "error-application-withdrawn"));
    }
    set_status(db, actor, found, "withdrawn", now).await
}

async fn set_status(
    db: &DatabaseConnection,
    actor: &Actor,
    found: Application,
    status: &'static str,
    now: DateTime<Utc>,
) -> Result<Application, ProjectError> {
    let txn = tx::begin_write(db).await?;
    let org = found.organization_id;
    let mut changed: application::ActiveModel = found.into();
    changed.status = Set(status.to_owned());
    if status == "submitted" {
        changed.submitted_at = Set(Some(now));
    }
    changed.updated_at = Set(now);
    let changed = changed.update(&txn).await?;
    let action = if status == "submitted" {
        "round.apply"
    } else {
        "round.withdraw"
    };
    audit::record(
        &txn,
        Some(actor.person_id),
        action,
        "organization",
        Some(org),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(changed)
}

/// What a leader's application page shows: the round, the organization's name, its
/// application if any; for the organization's leaders and staff only.
pub async fn application_page(
    db: &impl ConnectionTrait,
    actor: &Actor,
    round_id: Uuid,
    organization_id: Uuid,
) -> Result<(Round, String, Option<Application>), ProjectError> {
    require_leader(actor, organization_id)?;
    let round = find_round(db, round_id).await?;
    let org = orgs::find(db, organization_id).await?;
    let found = application_of(db, round.id, organization_id).await?;
    Ok((round, org.name, found))
}
