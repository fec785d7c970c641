use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_upcoming_markets))
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
