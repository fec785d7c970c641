//! 公益创投 over the API, after the applications: reviewers and scores, the ranking,
//! awards and the announcement, projects, tranches and reports.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use project::money::plain_yuan;
use project::rounds::{awards, reports, review};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{ApplicationBody, RoundBody};
use crate::api::json::ApiJson;
use crate::auth::SignedIn;
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;
use crate::views;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_reviewer))
        .routes(routes!(show_ranking))
        .routes(routes!(save_scores))
        .routes(routes!(save_award))
        .routes(routes!(announce))
        .routes(routes!(start_project))
        .routes(routes!(pay_tranche))
        .routes(routes!(send_report))
        .routes(routes!(decide_report))
        .routes(routes!(summary))
}

/// Staff: the round's summary as a workbook, a row per application (score, award, money
/// paid, project, reports).
#[utoipa::path(
    get,
    path = "/rounds/{id}/summary",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Round id")),
    responses(
        (status = 200, description = "The workbook", content_type = crate::files::XLSX),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn summary(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (title, bytes) =
        project::rounds::summary::workbook(&state.db, &actor, id, Utc::now()).await?;
    Ok(crate::files::download(
        &format!("公益创投-{title}.xlsx"),
        "weiyifang-round.xlsx",
        crate::files::XLSX,
        bytes,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReviewerRequest {
    /// The phone of someone with an account.
    #[schema(example = "13600000004")]
    phone: String,
}

#[derive(Serialize, ToSchema)]
struct ReviewerBody {
    #[schema(example = "0193a0c4-5b7e-7c1d-9f2e-3a4b5c6d7e8f")]
    person_id: Uuid,
}

/// Staff assign a reviewer to a round.
#[utoipa::path(
    post,
    path = "/rounds/{id}/reviewers",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Round id")),
    request_body = ReviewerRequest,
    responses(
        (status = 201, description = "Assigned", body = ReviewerBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
        (status = 422, description = "Not a phone number, or no account has it", body = ErrorBody),
    )
)]
async fn add_reviewer(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<ReviewerRequest>,
) -> Result<Response, AppError> {
    let person_id = review::assign_reviewer(&state.db, &actor, id, &request.phone).await?;
    Ok((StatusCode::CREATED, Json(ReviewerBody { person_id })).into_response())
}

#[derive(Serialize, ToSchema)]
struct RankedBody {
    application: ApplicationBody,
    /// Mean weighted score in hundredths, once the review has closed.
    #[schema(example = 8000)]
    mean_hundredths: Option<i64>,
    #[schema(example = 2)]
    reviews: usize,
    /// The caller's own scores, in the order of the criteria.
    #[schema(example = json!([80, 75, 90, 60]))]
    mine: Vec<i32>,
    /// The caller belongs to the applying organization and may not score it.
    #[schema(example = false)]
    conflicted: bool,
}

/// Staff and the round's reviewers: the submitted applications, ranked once the review
/// has closed; before, each reviewer sees only their own scores.
#[utoipa::path(
    get,
    path = "/rounds/{id}/ranking",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Round id")),
    responses(
        (status = 200, description = "The applications", body = [RankedBody]),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither staff nor a reviewer of the round", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn show_ranking(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<RankedBody>>, AppError> {
    let ranked = review::ranking(&state.db, &actor, id, Utc::now()).await?;
    Ok(Json(
        ranked
            .into_iter()
            .map(|r| RankedBody {
                application: ApplicationBody::of(&r.application),
                mean_hundredths: r.mean,
                reviews: r.reviews,
                mine: r.mine.iter().map(|m| m.1).collect(),
                conflicted: r.conflicted,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ScoreBody {
    /// 0–100.
    #[schema(example = 80)]
    score: i64,
    #[serde(default)]
    #[schema(example = "方案扎实")]
    comment: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ScoresRequest {
    /// One per criterion, in the round's order.
    scores: Vec<ScoreBody>,
}

#[derive(Serialize, ToSchema)]
struct SavedBody {
    #[schema(example = true)]
    saved: bool,
}

/// A reviewer scores an application while the round is under review (again, to change).
#[utoipa::path(
    put,
    path = "/applications/{id}/scores",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    request_body = ScoresRequest,
    responses(
        (status = 200, description = "Saved", body = SavedBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such application, or not the caller's to review", body = ErrorBody),
        (status = 422, description = "A score out of range, the caller's own organization, or not under review", body = ErrorBody),
    )
)]
async fn save_scores(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<ScoresRequest>,
) -> Result<Json<SavedBody>, AppError> {
    let input: review::ScoreInput = (request.scores.into_iter())
        .map(|s| (s.score.to_string(), s.comment))
        .collect();
    review::score_application(&state.db, &actor, id, &input, Utc::now()).await?;
    Ok(Json(SavedBody { saved: true }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AwardRequest {
    /// None: no award.
    #[schema(example = 1800000)]
    award_fen: Option<i64>,
}

/// Staff set an application's award after the review closed; the round's total never goes
/// over its budget.
#[utoipa::path(
    put,
    path = "/applications/{id}/award",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    request_body = AwardRequest,
    responses(
        (status = 200, description = "Saved", body = ApplicationBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such submitted application", body = ErrorBody),
        (status = 422, description = "Over the request or the budget, or not the time", body = ErrorBody),
    )
)]
async fn save_award(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<AwardRequest>,
) -> Result<Json<ApplicationBody>, AppError> {
    let amount = request.award_fen.map(plain_yuan).unwrap_or_default();
    let saved = awards::award(&state.db, &actor, id, &amount, Utc::now()).await?;
    Ok(Json(ApplicationBody::of(&saved)))
}

/// Staff announce the results: posted publicly, they stand after the round's days.
#[utoipa::path(
    post,
    path = "/rounds/{id}/announce",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Round id")),
    responses(
        (status = 200, description = "Announced", body = RoundBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
        (status = 422, description = "Not the time (the review has not closed, or already announced)", body = ErrorBody),
    )
)]
async fn announce(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<RoundBody>, AppError> {
    let announced = awards::announce(&state.db, &actor, id, Utc::now()).await?;
    Ok(Json(RoundBody::of(&announced)))
}

#[derive(Serialize, ToSchema)]
struct ProjectStarted {
    #[schema(example = "0193a0c4-5b7e-7c1d-9f2e-3a4b5c6d7e8f")]
    project_id: Uuid,
}

/// Once the results stand, staff turn an award into the organization's project.
#[utoipa::path(
    post,
    path = "/applications/{id}/project",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    responses(
        (status = 201, description = "Started", body = ProjectStarted),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such application", body = ErrorBody),
        (status = 422, description = "Not awarded, not standing yet, or already started", body = ErrorBody),
    )
)]
async fn start_project(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let created = awards::start_project(&state.db, &actor, id, Utc::now()).await?;
    let body = ProjectStarted {
        project_id: created.id,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TrancheRequest {
    #[schema(example = 1200000)]
    amount_fen: i64,
    paid_on: NaiveDate,
    #[serde(default)]
    #[schema(example = "首期")]
    note: String,
}

#[derive(Serialize, ToSchema)]
struct TrancheBody {
    /// The project's funding entry.
    entry_id: Uuid,
    project_id: Uuid,
    #[schema(example = 1200000)]
    amount_fen: i64,
}

/// Staff pay a tranche of an award into its project's ledger; never more than the award.
#[utoipa::path(
    post,
    path = "/applications/{id}/tranches",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    request_body = TrancheRequest,
    responses(
        (status = 201, description = "Paid", body = TrancheBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such application", body = ErrorBody),
        (status = 422, description = "Over the award, no project yet, or a field is wrong", body = ErrorBody),
    )
)]
async fn pay_tranche(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<TrancheRequest>,
) -> Result<Response, AppError> {
    let input = awards::TrancheInput {
        amount: plain_yuan(request.amount_fen),
        paid_on: request.paid_on.to_string(),
        note: request.note,
    };
    let entry = awards::pay_tranche(&state.db, &actor, id, &input, views::today()).await?;
    let body = TrancheBody {
        entry_id: entry.id,
        project_id: entry.project_id,
        amount_fen: entry.amount_fen,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReportRequest {
    /// `midterm` or `final`.
    #[schema(example = "midterm")]
    kind: String,
    #[schema(example = "已上门服务 60 人次")]
    text: String,
    #[schema(example = 60)]
    reached: Option<i32>,
}

#[derive(Serialize, ToSchema)]
struct ReportBody {
    id: Uuid,
    #[schema(example = "midterm")]
    kind: String,
    #[schema(example = "已上门服务 60 人次")]
    text: String,
    #[schema(example = 60)]
    reached: Option<i32>,
    /// `submitted`, `accepted` or `returned`.
    #[schema(example = "submitted")]
    status: String,
    #[schema(example = "")]
    staff_note: String,
    submitted_at: DateTime<Utc>,
}

impl ReportBody {
    fn of(r: reports::VentureReport) -> ReportBody {
        ReportBody {
            id: r.id,
            kind: r.kind,
            text: r.text,
            reached: r.reached,
            status: r.status,
            staff_note: r.staff_note,
            submitted_at: r.submitted_at,
        }
    }
}

/// A leader sends the project's mid-term report, then (once it was accepted) the final.
#[utoipa::path(
    post,
    path = "/applications/{id}/reports",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    request_body = ReportRequest,
    responses(
        (status = 201, description = "Sent", body = ReportBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of the organization, nor staff", body = ErrorBody),
        (status = 404, description = "No such application", body = ErrorBody),
        (status = 422, description = "Out of order, no project yet, or a field is wrong", body = ErrorBody),
    )
)]
async fn send_report(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<ReportRequest>,
) -> Result<Response, AppError> {
    let reached = request.reached.map(|n| n.to_string()).unwrap_or_default();
    let typed = (
        request.kind.as_str(),
        request.text.as_str(),
        reached.as_str(),
    );
    let sent = reports::submit_report(&state.db, &actor, id, typed, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(ReportBody::of(sent))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DecisionRequest {
    /// `accept` or `return`.
    #[schema(example = "return")]
    decision: String,
    #[serde(default)]
    #[schema(example = "请补充照片")]
    note: String,
}

/// Staff accept a report, or return it with a note.
#[utoipa::path(
    post,
    path = "/venture-reports/{id}/decision",
    tag = "rounds",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Report id")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "Decided", body = ReportBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such report", body = ErrorBody),
        (status = 422, description = "Already decided, a return without a note, or an unknown decision", body = ErrorBody),
    )
)]
async fn decide_report(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<DecisionRequest>,
) -> Result<Json<ReportBody>, AppError> {
    let accept = match request.decision.as_str() {
        "accept" => true,
        "return" => false,
        _ => {
            let refused = member::FieldError::new("decision", "error-choose-one");
            return Err(AppError::InvalidFields(vec![refused]));
        }
    };
    let decided =
        reports::decide_report(&state.db, &actor, id, accept, &request.note, Utc::now()).await?;
    Ok(Json(ReportBody::of(decided)))
}
