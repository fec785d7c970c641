use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use event::EventStatus;
use event::signups::{self, Standing};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_upcoming_markets))
        .routes(routes!(show_market))
        .routes(routes!(sign_up, cancel_sign_up))
        .routes(routes!(my_shifts))
}

const MAX_LIMIT: u64 = 50;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UpcomingQuery {
    /// How many market days to return, 1 to 50 (default 10).
    limit: Option<u64>,
}

/// A published market day.
#[derive(Serialize, ToSchema)]
struct MarketSummary {
    id: Uuid,
    #[schema(example = "南湖社区公益集市")]
    title: String,
    place: String,
    /// Start, in UTC (RFC 3339).
    starts_at: DateTime<Utc>,
    /// End, in UTC (RFC 3339).
    ends_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
struct UpcomingMarkets {
    markets: Vec<MarketSummary>,
}

/// The next published market days that have not ended, soonest first.
#[utoipa::path(
    get,
    path = "/markets/upcoming",
    tag = "markets",
    params(UpcomingQuery),
    responses(
        (status = 200, description = "Upcoming market days", body = UpcomingMarkets),
        (status = 400, description = "`limit` is not a number from 1 to 50", body = ErrorBody),
        (status = 500, description = "Internal error", body = ErrorBody),
    )
)]
async fn list_upcoming_markets(
    State(state): State<AppState>,
    Query(query): Query<UpcomingQuery>,
) -> Result<Json<UpcomingMarkets>, AppError> {
    let limit = query.limit.unwrap_or(10);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::InvalidInput("error-limit-out-of-range"));
    }
    let markets = event::upcoming_markets(&state.db, Utc::now(), limit).await?;
    Ok(Json(UpcomingMarkets {
        markets: markets
            .into_iter()
            .map(|m| MarketSummary {
                id: m.id,
                title: m.title,
                place: m.place,
                starts_at: m.starts_at,
                ends_at: m.ends_at,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
struct ShiftBody {
    id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    capacity: i32,
    free: i32,
    waiting: u64,
    required_skill: Option<String>,
    /// Where the caller stands, if signed in and signed up.
    mine: Option<StandingBody>,
    /// Why sign-up is not possible now (a stable reason code), if it is not.
    closed: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct StallBody {
    id: Uuid,
    /// `haircut`, `clinic`, `consultation`, `legal_aid`, `repair`, `tutoring`, `other`.
    service: String,
    organization: String,
    description: String,
    shifts: Vec<ShiftBody>,
}

#[derive(Serialize, ToSchema)]
struct MarketBody {
    id: Uuid,
    #[schema(example = "南湖社区公益集市")]
    title: String,
    place: String,
    description: String,
    status: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    signup_closes_at: DateTime<Utc>,
    cancel_reason: Option<String>,
    stalls: Vec<StallBody>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct StandingBody {
    /// `confirmed` or `waitlisted`.
    #[schema(example = "waitlisted")]
    status: String,
    /// The place in line, when waitlisted (1 is next).
    position: Option<u64>,
}

pub(super) fn standing(s: &Standing) -> StandingBody {
    StandingBody {
        status: s.status.as_str().to_owned(),
        position: s.position,
    }
}

/// A published market day with its stalls, shifts and free places (no volunteer names).
#[utoipa::path(
    get,
    path = "/markets/{id}",
    tag = "markets",
    params(("id" = Uuid, Path, description = "Market day id")),
    responses(
        (status = 200, description = "The market day", body = MarketBody),
        (status = 404, description = "No such published market day", body = ErrorBody),
    )
)]
async fn show_market(
    State(state): State<AppState>,
    viewer: Option<SignedIn>,
    Path(id): Path<Uuid>,
) -> Result<Json<MarketBody>, AppError> {
    let person = viewer.as_ref().map(|s| s.actor.person_id);
    let (market, stalls) = signups::market_day(&state.db, id, person, Utc::now()).await?;
    let visible = event::schedule::may_see(viewer.as_ref().map(|s| &s.actor), &market);
    if !visible || market.kind != event::EventKind::Market {
        return Err(AppError::NotFound);
    }
    Ok(Json(MarketBody {
        id: market.id,
        title: market.title.clone(),
        place: market.place.clone(),
        description: market.description.clone(),
        status: market.status.as_str().to_owned(),
        starts_at: market.starts_at,
        ends_at: market.ends_at,
        signup_closes_at: event::schedule::signup_closes_at(&market),
        cancel_reason: market.cancel_reason.clone(),
        stalls: stalls
            .into_iter()
            .map(|view| StallBody {
                id: view.stall.id,
                service: view.stall.service.as_str().to_owned(),
                organization: view.organization,
                description: view.stall.description,
                shifts: view
                    .shifts
                    .into_iter()
                    .map(|shift| ShiftBody {
                        id: shift.shift.id,
                        starts_at: shift.shift.starts_at,
                        ends_at: shift.shift.ends_at,
                        capacity: shift.shift.capacity,
                        free: shift.free,
                        waiting: shift.waiting,
                        required_skill: shift.shift.required_skill,
                        mine: shift.mine.as_ref().map(standing),
                        closed: shift.closed.map(str::to_owned),
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// Sign up for a shift: confirmed while a place is free, else waitlisted in arrival order.
#[utoipa::path(
    post,
    path = "/shifts/{id}/signup",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Shift id")),
    responses(
        (status = 201, description = "Signed up", body = StandingBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such shift", body = ErrorBody),
        (status = 422, description = "Twice, overlapping, closed, cancelled or past", body = ErrorBody),
    )
)]
async fn sign_up(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let placed = signups::sign_up(&state.db, &actor, id, Utc::now()).await?;
    state.metrics.signup(placed.standing.status.as_str());
    Ok((StatusCode::CREATED, Json(standing(&placed.standing))).into_response())
}

/// Cancel one's place; a confirmed place goes to the first in line.
#[utoipa::path(
    delete,
    path = "/shifts/{id}/signup",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Shift id")),
    responses(
        (status = 204, description = "Cancelled"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such shift", body = ErrorBody),
        (status = 422, description = "Not signed up, or the shift has begun", body = ErrorBody),
    )
)]
async fn cancel_sign_up(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, AppError> {
    signups::cancel(&state.db, &actor, id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
struct MyShiftBody {
    market_id: Uuid,
    market: String,
    place: String,
    shift_id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    service: String,
    standing: StandingBody,
    market_cancelled: bool,
}

/// The caller's shifts, soonest first (past ones included).
#[utoipa::path(
    get,
    path = "/me/shifts",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "My shifts", body = Vec<MyShiftBody>),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn my_shifts(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Json<Vec<MyShiftBody>>, AppError> {
    let mine = signups::my_shifts(&state.db, actor.person_id).await?;
    Ok(Json(
        mine.iter()
            .map(|item| MyShiftBody {
                market_id: item.event.id,
                market: item.event.title.clone(),
                place: item.event.place.clone(),
                shift_id: item.shift.id,
                starts_at: item.shift.starts_at,
                ends_at: item.shift.ends_at,
                service: item.stall.service.as_str().to_owned(),
                standing: standing(&item.standing),
                market_cancelled: item.event.status == EventStatus::Cancelled,
            })
            .collect(),
    ))
}
