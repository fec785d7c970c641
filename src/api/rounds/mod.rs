//! 公益创投 over the API, as on `/rounds`: the rounds and their public results, applying,
//! reviewing, awards, the announcement, projects, tranches and reports. Money is integer
//! fen in both directions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use project::money::plain_yuan;
use project::rounds::applications::{self, Application, ApplicationInput};
use project::rounds::{self, Round, RoundInput, awards};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::json::ApiJson;
use crate::auth::SignedIn;
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;

mod awarding;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rounds, open_round))
        .routes(routes!(show_round))
        .routes(routes!(show_application, save_application))
        .routes(routes!(submit_application))
        .routes(routes!(withdraw_application))
        .merge(awarding::routes())
}

#[derive(Serialize, ToSchema)]
struct CriterionBody {
    #[schema(example = "社区需求")]
    name: String,
    #[schema(example = 30)]
    weight: i32,
}

#[derive(Serialize, ToSchema)]
pub(super) struct RoundBody {
    id: Uuid,
    #[schema(example = "2027年南湖街道公益创投")]
    title: String,
    #[schema(example = "聚焦为老服务和儿童关爱")]
    description: String,
    #[schema(example = 10000000)]
    budget_fen: i64,
    /// The sum of the awards, never above the budget.
    #[schema(example = 4500000)]
    awarded_fen: i64,
    /// `upcoming`, `applying`, `reviewing`, `deciding`, `posted` or `standing`.
    #[schema(example = "applying")]
    phase: String,
    /// Theme codes that may apply; empty: any.
    #[schema(example = json!(["elderly"]))]
    themes: Vec<String>,
    /// Incubation stages that may apply.
    #[schema(example = json!(["incubating", "graduated"]))]
    stages: Vec<String>,
    opens_on: NaiveDate,
    closes_on: NaiveDate,
    review_until: NaiveDate,
    criteria: Vec<CriterionBody>,
    #[schema(example = 7)]
    publicity_days: i32,
    announced_at: Option<DateTime<Utc>>,
}

impl RoundBody {
    pub(super) fn of(found: &Round) -> RoundBody {
        RoundBody {
            id: found.id,
            title: found.title.clone(),
            description: found.description.clone(),
            budget_fen: found.budget_fen,
            awarded_fen: found.awarded_fen,
            phase: rounds::phase(found, Utc::now()).as_str().to_owned(),
            themes: rounds::themes(found)
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
            stages: rounds::stages(found)
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            opens_on: found.opens_on,
            closes_on: found.closes_on,
            review_until: found.review_until,
            criteria: rounds::criteria(found)
                .into_iter()
                .map(|c| CriterionBody {
                    name: c.name,
                    weight: c.weight,
                })
                .collect(),
            publicity_days: found.publicity_days,
            announced_at: found.announced_at,
        }
    }
}

/// Public: every round, newest first.
#[utoipa::path(
    get,
    path = "/rounds",
    tag = "rounds",
    responses(
        (status = 200, description = "Rounds", body = [RoundBody]),
        (status = 500, description = "Internal error", body = ErrorBody),
    )
)]
async fn list_rounds(State(state): State<AppState>) -> Result<Json<Vec<RoundBody>>, AppError> {
    let all = rounds::rounds(&state.db).await?;
    Ok(Json(all.iter().map(RoundBody::of).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RoundRequest {
    #[schema(example = "2027年南湖街道公益创投")]
    title: String,
    #[serde(default)]
    #[schema(example = "聚焦为老服务和儿童关爱")]
    description: String,
    #[schema(example = 10000000)]
    budget_fen: i64,
    #[serde(default)]
    #[schema(example = json!(["elderly"]))]
    themes: Vec<String>,
    #[schema(example = json!(["incubating", "graduated"]))]
    stages: Vec<String>,
    opens_on: NaiveDate,
    closes_on: NaiveDate,
    review_until: NaiveDate,
    /// Names and weights adding up to 100: `社区需求 30，可行性 30，预算合理 20，可持续性 20`.
    #[schema(example = "社区需求 30，可行性 30，预算合理 20，可持续性 20")]
    criteria: String,
    #[schema(example = 7)]
    publicity_days: i32,
}

/// Staff open a round.
#[utoipa::path(
    post,
    path = "/rounds",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = RoundRequest,
    responses(
        (status = 201, description = "Opened", body = RoundBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
    )
)]
async fn open_round(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    ApiJson(request): ApiJson<RoundRequest>,
) -> Result<Response, AppError> {
    let input = RoundInput {
        title: request.title,
        description: request.description,
        budget: plain_yuan(request.budget_fen),
        themes: request.themes,
        stages: request.stages,
        opens_on: request.opens_on.to_string(),
        closes_on: request.closes_on.to_string(),
        review_until: request.review_until.to_string(),
        criteria: request.criteria,
        publicity_days: request.publicity_days.to_string(),
    };
    let created = rounds::create_round(&state.db, &actor, &input, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(RoundBody::of(&created))).into_response())
}

#[derive(Serialize, ToSchema)]
struct ResultBody {
    #[schema(example = "南湖爱心理发队")]
    organization: String,
    #[schema(example = "银发理发上门")]
    title: String,
    #[schema(example = 2000000)]
    award_fen: i64,
    /// Mean weighted score in hundredths (8000 = 80.00).
    #[schema(example = 8000)]
    mean_hundredths: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct RoundDetailBody {
    #[serde(flatten)]
    round: RoundBody,
    /// The awards, once announced: no reviewers, no personal data.
    results: Vec<ResultBody>,
}

/// Public: a round and, once announced, its results.
#[utoipa::path(
    get,
    path = "/rounds/{id}",
    tag = "rounds",
    params(("id" = Uuid, Path, description = "Round id")),
    responses(
        (status = 200, description = "The round", body = RoundDetailBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn show_round(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<RoundDetailBody>, AppError> {
    let found = rounds::find_round(&state.db, id).await?;
    let results = awards::results(&state.db, id).await?;
    Ok(Json(RoundDetailBody {
        round: RoundBody::of(&found),
        results: results
            .into_iter()
            .map(|r| ResultBody {
                organization: r.organization,
                title: r.application.title,
                award_fen: r.application.award_fen.unwrap_or(0),
                mean_hundredths: r.mean,
            })
            .collect(),
    }))
}

#[derive(Serialize, Deserialize, ToSchema)]
struct BudgetLineBody {
    #[schema(example = "理发工具")]
    item: String,
    #[schema(example = 1200000)]
    fen: i64,
}

#[derive(Serialize, ToSchema)]
pub(super) struct ApplicationBody {
    id: Uuid,
    round_id: Uuid,
    organization_id: Uuid,
    #[schema(example = "银发理发上门")]
    title: String,
    #[schema(example = "每月两次上门服务")]
    plan: String,
    #[schema(example = "服务独居老人 120 人")]
    goals: String,
    #[schema(example = 120)]
    beneficiaries: Option<i32>,
    #[schema(example = "三月启动，十二月结项")]
    timeline: String,
    budget: Vec<BudgetLineBody>,
    #[schema(example = 2000000)]
    request_fen: i64,
    /// `draft`, `submitted` or `withdrawn`.
    #[schema(example = "submitted")]
    status: String,
    #[schema(example = 1800000)]
    award_fen: Option<i64>,
    #[schema(example = 1200000)]
    paid_fen: i64,
    project_id: Option<Uuid>,
}

impl ApplicationBody {
    pub(super) fn of(a: &Application) -> ApplicationBody {
        ApplicationBody {
            id: a.id,
            round_id: a.round_id,
            organization_id: a.organization_id,
            title: a.title.clone(),
            plan: a.plan.clone(),
            goals: a.goals.clone(),
            beneficiaries: a.beneficiaries,
            timeline: a.timeline.clone(),
            budget: applications::budget_of(a)
                .into_iter()
                .map(|l| BudgetLineBody {
                    item: l.item,
                    fen: l.fen,
                })
                .collect(),
            request_fen: a.request_fen,
            status: a.status.clone(),
            award_fen: a.award_fen,
            paid_fen: a.paid_fen,
            project_id: a.project_id,
        }
    }
}

/// An organization's application to a round (its leaders and staff); 404 before it has one.
#[utoipa::path(
    get,
    path = "/rounds/{id}/applications/{organization_id}",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("id" = Uuid, Path, description = "Round id"),
        ("organization_id" = Uuid, Path, description = "Organization id"),
    ),
    responses(
        (status = 200, description = "The application", body = ApplicationBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of the organization, nor staff", body = ErrorBody),
        (status = 404, description = "No such round or organization, or no application yet", body = ErrorBody),
    )
)]
async fn show_application(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path((id, organization_id)): Path<(Uuid, Uuid)>,
) -> Result<Json<ApplicationBody>, AppError> {
    let (_, _, found) =
        applications::application_page(&state.db, &actor, id, organization_id).await?;
    let found = found.ok_or(AppError::NotFound)?;
    Ok(Json(ApplicationBody::of(&found)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ApplicationRequest {
    #[schema(example = "银发理发上门")]
    title: String,
    #[serde(default)]
    #[schema(example = "每月两次上门服务")]
    plan: String,
    #[serde(default)]
    #[schema(example = "服务独居老人 120 人")]
    goals: String,
    #[schema(example = 120)]
    beneficiaries: Option<i32>,
    #[serde(default)]
    #[schema(example = "三月启动，十二月结项")]
    timeline: String,
    /// The lines add up to the amount requested.
    #[serde(default)]
    budget: Vec<BudgetLineBody>,
}

/// A leader saves their organization's draft (created the first time, changed until it is
/// submitted).
#[utoipa::path(
    put,
    path = "/rounds/{id}/applications/{organization_id}",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("id" = Uuid, Path, description = "Round id"),
        ("organization_id" = Uuid, Path, description = "Organization id"),
    ),
    request_body = ApplicationRequest,
    responses(
        (status = 200, description = "The draft", body = ApplicationBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of the organization, nor staff", body = ErrorBody),
        (status = 404, description = "No such round or organization", body = ErrorBody),
        (status = 422, description = "Invalid fields, already submitted, or applications closed", body = ErrorBody),
    )
)]
async fn save_application(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path((id, organization_id)): Path<(Uuid, Uuid)>,
    ApiJson(request): ApiJson<ApplicationRequest>,
) -> Result<Json<ApplicationBody>, AppError> {
    let input = ApplicationInput {
        title: request.title,
        plan: request.plan,
        goals: request.goals,
        beneficiaries: request
            .beneficiaries
            .map(|n| n.to_string())
            .unwrap_or_default(),
        timeline: request.timeline,
        budget: (request.budget.into_iter())
            .map(|l| (l.item, plain_yuan(l.fen)))
            .collect(),
    };
    let saved =
        applications::save_draft(&state.db, &actor, id, organization_id, &input, Utc::now())
            .await?;
    Ok(Json(ApplicationBody::of(&saved)))
}

/// The leader submits the draft, once, while the round takes applications.
#[utoipa::path(
    post,
    path = "/applications/{id}/submit",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "Submitted", body = ApplicationBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of the organization, nor staff", body = ErrorBody),
        (status = 404, description = "No such application", body = ErrorBody),
        (status = 422, description = "Not eligible, incomplete, already submitted, or closed", body = ErrorBody),
    )
)]
async fn submit_application(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<ApplicationBody>, AppError> {
    let submitted = applications::submit(&state.db, &actor, id, Utc::now()).await?;
    Ok(Json(ApplicationBody::of(&submitted)))
}

/// The leader withdraws an application before applications close.
#[utoipa::path(
    post,
    path = "/applications/{id}/withdraw",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "Withdrawn", body = ApplicationBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of the organization, nor staff", body = ErrorBody),
        (status = 404, description = "No such application", body = ErrorBody),
        (status = 422, description = "Already withdrawn, or applications closed", body = ErrorBody),
    )
)]
async fn withdraw_application(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<ApplicationBody>, AppError> {
    let withdrawn = applications::withdraw(&state.db, &actor, id, Utc::now()).await?;
    Ok(Json(ApplicationBody::of(&withdrawn)))
}
