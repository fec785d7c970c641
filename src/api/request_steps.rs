//! The handling steps of a resident's request over the API, as the detail page offers them:
//! accept (the assigned organization's leader), hand back with a reason, add a note,
//! resolve with what was done, close, publish the public summary (staff). Triage itself
//! (refer a big matter, assign a small one, guide a private one) is `classify`. Each answers
//! the request as it now stands, with the steps open next; who may take which step is the
//! triage crate's rule, the same the page shows.

use axum::Json;
use axum::extract::{Path, State};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use triage::handling;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::json::ApiJson;
use super::requests::{RequestBody, request_body};
use crate::auth::{ClientAddress, SignedIn};
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accept_request))
        .routes(routes!(hand_back_request))
        .routes(routes!(add_note))
        .routes(routes!(resolve_request))
        .routes(routes!(close_request))
        .routes(routes!(publish_summary))
        .routes(routes!(rate_stall))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReasonRequest {
    #[schema(example = "不属于本组织服务范围")]
    reason: String,
}

/// A note on the timeline, or (to resolve) what was done.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NoteRequest {
    #[schema(example = "组织志愿者上门处理，已解决")]
    note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SummaryRequest {
    /// Up to 300 characters; empty takes it off the board.
    #[schema(example = "路灯已修复")]
    summary: String,
}

/// The assigned organization takes the small matter on.
#[utoipa::path(
    post,
    path = "/requests/{id}/accept",
    tag = "requests",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The request")),
    responses(
        (status = 200, description = "Accepted", body = RequestBody),
        (status = 403, description = "Not a leader of the assigned organization, nor staff", body = ErrorBody),
        (status = 422, description = "Not waiting to be accepted", body = ErrorBody),
    )
)]
async fn accept_request(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<RequestBody>, AppError> {
    let now = Utc::now();
    let updated = handling::accept(&state.db, &actor, id, now).await?;
    Ok(Json(request_body(&actor, &updated, now)))
}

/// The organization gives a small matter back to the coordinators, saying why.
#[utoipa::path(
    post,
    path = "/requests/{id}/hand-back",
    tag = "requests",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The request")),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "Handed back", body = RequestBody),
        (status = 403, description = "Not a leader of the assigned organization, nor staff", body = ErrorBody),
        (status = 422, description = "No reason, or not the organization's to give back", body = ErrorBody),
    )
)]
async fn hand_back_request(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<ReasonRequest>,
) -> Result<Json<RequestBody>, AppError> {
    let now = Utc::now();
    let updated = handling::hand_back(&state.db, &actor, id, &request.reason, now).await?;
    Ok(Json(request_body(&actor, &updated, now)))
}

/// A note on the request's timeline (what was done so far).
#[utoipa::path(
    post,
    path = "/requests/{id}/notes",
    tag = "requests",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The request")),
    request_body = NoteRequest,
    responses(
        (status = 200, description = "Noted", body = RequestBody),
        (status = 403, description = "Not someone handling it", body = ErrorBody),
        (status = 422, description = "An empty note, or the request is closed", body = ErrorBody),
    )
)]
async fn add_note(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<NoteRequest>,
) -> Result<Json<RequestBody>, AppError> {
    let now = Utc::now();
    let updated = handling::add_note(&state.db, &actor, id, &request.note, now).await?;
    Ok(Json(request_body(&actor, &updated, now)))
}

/// Resolved: what was done, for the resident to see and rate.
#[utoipa::path(
    post,
    path = "/requests/{id}/resolve",
    tag = "requests",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The request")),
    request_body = NoteRequest,
    responses(
        (status = 200, description = "Resolved", body = RequestBody),
        (status = 403, description = "Not someone handling it", body = ErrorBody),
        (status = 422, description = "No resolution, or not open to resolve", body = ErrorBody),
    )
)]
async fn resolve_request(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<NoteRequest>,
) -> Result<Json<RequestBody>, AppError> {
    let now = Utc::now();
    let updated = handling::resolve(&state.db, &actor, id, &request.note, now).await?;
    Ok(Json(request_body(&actor, &updated, now)))
}

/// Close a resolved request (staff), when the resident has not rated it.
#[utoipa::path(
    post,
    path = "/requests/{id}/close",
    tag = "requests",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The request")),
    responses(
        (status = 200, description = "Closed", body = RequestBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 422, description = "Not resolved", body = ErrorBody),
    )
)]
async fn close_request(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<RequestBody>, AppError> {
    let now = Utc::now();
    let updated = handling::close(&state.db, &actor, id, now).await?;
    Ok(Json(request_body(&actor, &updated, now)))
}

/// The summary the public board shows (staff): nothing personal.
#[utoipa::path(
    put,
    path = "/requests/{id}/summary",
    tag = "requests",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The request")),
    request_body = SummaryRequest,
    responses(
        (status = 200, description = "Published", body = RequestBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 422, description = "Too long", body = ErrorBody),
    )
)]
async fn publish_summary(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<SummaryRequest>,
) -> Result<Json<RequestBody>, AppError> {
    let now = Utc::now();
    let updated = handling::publish_summary(&state.db, &actor, id, &request.summary, now).await?;
    Ok(Json(request_body(&actor, &updated, now)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StallRatingRequest {
    /// `satisfied`, `basic` or `unsatisfied`.
    #[schema(example = "satisfied")]
    level: String,
    comment: Option<String>,
    /// The app's own random id for this phone (at least 32 characters): one rating per
    /// phone and stall, as the page's cookie does for a browser.
    #[schema(example = "4f1c2b9e8d7a6b5c4f1c2b9e8d7a6b5c")]
    device: String,
    /// The resident's phone, if they give it, for counting residents (人数): only a keyed
    /// digest is kept, and only when the server has a key.
    #[schema(example = "13812345678")]
    phone: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct StallRatingBody {
    stall_id: Uuid,
    #[schema(example = "satisfied")]
    level: String,
}

/// A resident rates a market-day stall (no account), on its day or the next.
#[utoipa::path(
    post,
    path = "/stalls/{id}/ratings",
    tag = "requests",
    params(("id" = Uuid, Path, description = "Stall id")),
    request_body = StallRatingRequest,
    responses(
        (status = 201, description = "Rated", body = StallRatingBody),
        (status = 422, description = "Rated from this phone already, not its day, or an unknown level", body = ErrorBody),
        (status = 429, description = "Too many ratings from this address", body = ErrorBody),
    )
)]
async fn rate_stall(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<StallRatingRequest>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    if request.device.trim().chars().count() < 32 {
        let refused = member::FieldError::new("device", "error-rating-cookie");
        return Err(AppError::InvalidFields(vec![refused]));
    }
    let input = triage::ratings::RatingInput {
        level: request.level,
        comment: request.comment.unwrap_or_default(),
        phone: request.phone.unwrap_or_default(),
        ..triage::ratings::RatingInput::default()
    };
    let policy = state.settings.triage_policy();
    let device = format!("app:{}", request.device.trim());
    let rated = triage::ratings::rate_stall(
        &state.db,
        &policy,
        id,
        &input,
        &device,
        &address,
        Utc::now(),
    )
    .await?;
    let body = StallRatingBody {
        stall_id: id,
        level: rated.level.as_str().to_owned(),
    };
    Ok((axum::http::StatusCode::CREATED, Json(body)).into_response())
}
