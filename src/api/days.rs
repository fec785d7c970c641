//! Organizing a market day over the API, as the coordinators' pages do: a day for a date,
//! its stalls and shifts, publishing it, cancelling it with a reason. The same domain
//! functions as the pages, so the same rules and the same refusals.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use event::schedule::{self, MarketInput};
use event::stalls::{self, ShiftInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::json::ApiJson;
use crate::auth::SignedIn;
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;
use crate::views;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_market))
        .routes(routes!(add_stall))
        .routes(routes!(add_shift))
        .routes(routes!(publish_market))
        .routes(routes!(cancel_market))
        .routes(routes!(create_activity))
}

/// What was made: its id, to fetch or to add to.
#[derive(Serialize, ToSchema)]
struct CreatedBody {
    #[schema(example = "0193a5c2-7d1e-7c3b-9f00-3a1b2c3d4e5f")]
    id: Uuid,
}

fn created(id: Uuid) -> Response {
    (StatusCode::CREATED, Json(CreatedBody { id })).into_response()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewMarketRequest {
    #[schema(example = "南湖社区公益集市")]
    title: String,
    #[schema(example = "南湖社区广场")]
    place: String,
    #[schema(example = "义务理发、义诊、法律咨询")]
    description: Option<String>,
    /// The day, `YYYY-MM-DD` in Shanghai: today or later.
    #[schema(example = "2026-12-12")]
    date: String,
    /// `HH:MM` in Shanghai.
    #[schema(example = "09:00")]
    starts: String,
    #[schema(example = "11:30")]
    ends: String,
}

/// Create a market day for a date, as a draft (staff).
#[utoipa::path(
    post,
    path = "/markets",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = NewMarketRequest,
    responses(
        (status = 201, description = "Created as a draft", body = CreatedBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 422, description = "Invalid fields, or a market day on that date already", body = ErrorBody),
    )
)]
async fn create_market(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    ApiJson(request): ApiJson<NewMarketRequest>,
) -> Result<Response, AppError> {
    let input = MarketInput {
        title: request.title,
        place: request.place,
        description: request.description.unwrap_or_default(),
        starts: request.starts,
        ends: request.ends,
    };
    let today = views::today();
    let market = schedule::create_market(&state.db, &actor, &input, &request.date, today).await?;
    Ok(created(market.id))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewStallRequest {
    /// An incubating or graduated organization the caller manages (any, for staff).
    organization_id: String,
    /// `haircut`, `clinic`, `consultation`, `legal_aid`, `repair`, `tutoring`, `other`.
    #[schema(example = "haircut")]
    service: String,
    description: Option<String>,
}

/// Add a stall to a day that is not over.
#[utoipa::path(
    post,
    path = "/markets/{id}/stalls",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Market day id")),
    request_body = NewStallRequest,
    responses(
        (status = 201, description = "Added", body = CreatedBody),
        (status = 403, description = "Neither staff nor a leader of the organization", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the day is over or cancelled", body = ErrorBody),
    )
)]
async fn add_stall(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<NewStallRequest>,
) -> Result<Response, AppError> {
    let description = request.description.unwrap_or_default();
    let (org, service) = (&request.organization_id, &request.service);
    let stall = stalls::add_stall(&state.db, &actor, id, org, service, &description).await?;
    Ok(created(stall.id))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewShiftRequest {
    /// `HH:MM` in Shanghai, within the day's hours.
    #[schema(example = "09:00")]
    starts: String,
    #[schema(example = "10:15")]
    ends: String,
    /// Places, 1 to 200.
    #[schema(example = 4)]
    capacity: u32,
    /// A skill the shift asks for (`haircut`, `medical`, …), if any.
    required_skill: Option<String>,
}

/// Add a shift to a stall.
#[utoipa::path(
    post,
    path = "/stalls/{id}/shifts",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Stall id")),
    request_body = NewShiftRequest,
    responses(
        (status = 201, description = "Added", body = CreatedBody),
        (status = 403, description = "Neither staff nor a leader of the stall's organization", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the day is over or cancelled", body = ErrorBody),
    )
)]
async fn add_shift(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<NewShiftRequest>,
) -> Result<Response, AppError> {
    let input = ShiftInput {
        starts: request.starts,
        ends: request.ends,
        capacity: request.capacity.to_string(),
        required_skill: request.required_skill.unwrap_or_default(),
    };
    let shift = stalls::add_shift(&state.db, &actor, id, &input).await?;
    Ok(created(shift.id))
}

/// Publish a draft day: volunteers can see it and sign up.
#[utoipa::path(
    post,
    path = "/markets/{id}/publish",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Market day or activity id")),
    responses(
        (status = 204, description = "Published"),
        (status = 403, description = "Neither staff nor its organizer", body = ErrorBody),
        (status = 422, description = "Not a draft, or the day is over", body = ErrorBody),
    )
)]
async fn publish_market(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, AppError> {
    schedule::publish(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CancelRequest {
    /// Told to everyone signed up.
    #[schema(example = "下雨，改期")]
    reason: String,
}

/// Cancel a day with a reason: its places are released. A day with records stays.
#[utoipa::path(
    post,
    path = "/markets/{id}/cancel",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Market day or activity id")),
    request_body = CancelRequest,
    responses(
        (status = 204, description = "Cancelled"),
        (status = 403, description = "Neither staff nor its organizer", body = ErrorBody),
        (status = 422, description = "No reason, cancelled already, or service recorded", body = ErrorBody),
    )
)]
async fn cancel_market(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<CancelRequest>,
) -> Result<StatusCode, AppError> {
    schedule::cancel(&state.db, &actor, id, &request.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewActivityRequest {
    #[schema(example = "周末治安巡逻")]
    title: String,
    #[schema(example = "南湖社区")]
    place: String,
    description: Option<String>,
    /// `YYYY-MM-DD` in Shanghai: today or later.
    #[schema(example = "2026-12-20")]
    date: String,
    #[schema(example = "19:00")]
    starts: String,
    #[schema(example = "21:00")]
    ends: String,
    /// One of the organization's projects it serves, if any.
    project_id: Option<Uuid>,
}

/// An organization's own activity (a patrol, a visit), as a draft, by its leaders or staff;
/// stalls and shifts are added to it as to a market day.
#[utoipa::path(
    post,
    path = "/organizations/{id}/activities",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    request_body = NewActivityRequest,
    responses(
        (status = 201, description = "Created as a draft", body = CreatedBody),
        (status = 403, description = "Neither staff nor a leader of the organization", body = ErrorBody),
        (status = 422, description = "Invalid fields, or a project of another organization", body = ErrorBody),
    )
)]
async fn create_activity(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<NewActivityRequest>,
) -> Result<Response, AppError> {
    let input = MarketInput {
        title: request.title,
        place: request.place,
        description: request.description.unwrap_or_default(),
        starts: request.starts,
        ends: request.ends,
    };
    let project = request
        .project_id
        .map(|p| p.to_string())
        .unwrap_or_default();
    let (date, today) = (&request.date, views::today());
    let activity =
        schedule::create_activity(&state.db, &actor, id, &input, date, &project, today).await?;
    Ok(created(activity.id))
}
