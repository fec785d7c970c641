//! 现场计数 over the API: a phone sends its queued taps in batches (each tap's id makes a
//! batch sent twice count once) and reads a stall's totals.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use event::records::tally::{self, CATEGORIES, Tally, Tap};
use event::records::visits;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::json::ApiJson;
use crate::auth::SignedIn;
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_taps))
        .routes(routes!(show_tally))
        .routes(routes!(record_visit))
}

/// One tap as the phone made it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TapBody {
    /// Made on the phone; a tap sent again with the same id counts once.
    #[schema(example = "0193a5c2-7d1e-7c3b-9f00-3a1b2c3d4e5f")]
    id: Uuid,
    /// `elderly`, `children`, `disabled` or `other`.
    #[schema(example = "elderly")]
    category: String,
    /// 1 for a resident served, -1 to undo the last tap.
    #[schema(example = 1)]
    delta: i32,
    /// When it was tapped (the phone's clock); now when absent.
    tapped_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"taps": [{"id": "0193a5c2-7d1e-7c3b-9f00-3a1b2c3d4e5f", "category": "elderly", "delta": 1, "tapped_at": "2026-12-05T01:30:00Z"}]}))]
struct TapBatch {
    /// At most 500.
    taps: Vec<TapBody>,
}

#[derive(Serialize, ToSchema)]
struct CounterBody {
    #[schema(example = "李阿姨")]
    name: String,
    #[schema(example = 12)]
    taps: u64,
}

/// A stall's running tally.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"counts": {"elderly": 12, "children": 3, "disabled": 1, "other": 4}, "total": 20, "taps": 21, "counters": [{"name": "李阿姨", "taps": 21}]}))]
struct TallyBody {
    /// Residents served per category, never below 0.
    counts: BTreeMap<String, i64>,
    total: i64,
    /// Taps received, undos included.
    taps: u64,
    counters: Vec<CounterBody>,
}

impl From<Tally> for TallyBody {
    fn from(tally: Tally) -> Self {
        TallyBody {
            counts: CATEGORIES
                .iter()
                .map(|c| ((*c).to_owned(), tally.count(c)))
                .collect(),
            total: tally.total,
            taps: tally.taps,
            counters: tally
                .counters
                .into_iter()
                .map(|c| CounterBody {
                    name: c.name,
                    taps: c.taps,
                })
                .collect(),
        }
    }
}

/// Send taps for a stall (a phone's queue, in batches); answers the stall's totals.
#[utoipa::path(
    post,
    path = "/stalls/{id}/taps",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Stall id")),
    request_body = TapBatch,
    responses(
        (status = 200, description = "Stored (each id once); the stall's totals", body = TallyBody),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not on one of the stall's shifts, its leader or staff", body = ErrorBody),
        (status = 404, description = "No such stall", body = ErrorBody),
        (status = 422, description = "An unknown category, a delta other than ±1, over 500 taps, or the day is cancelled", body = ErrorBody),
    )
)]
async fn send_taps(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(batch): ApiJson<TapBatch>,
) -> Result<Json<TallyBody>, AppError> {
    let taps: Vec<Tap> = batch
        .taps
        .into_iter()
        .map(|t| Tap {
            id: t.id,
            category: t.category,
            delta: t.delta,
            tapped_at: t.tapped_at,
        })
        .collect();
    let tally = tally::record_taps(&state.db, &actor, id, &taps, Utc::now()).await?;
    Ok(Json(tally.into()))
}

/// A stall's running tally.
#[utoipa::path(
    get,
    path = "/stalls/{id}/tally",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Stall id")),
    responses(
        (status = 200, description = "The totals", body = TallyBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not on one of the stall's shifts, its leader or staff", body = ErrorBody),
        (status = 404, description = "No such stall", body = ErrorBody),
    )
)]
async fn show_tally(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<TallyBody>, AppError> {
    let found = tally::tally(&state.db, &actor, id).await?;
    Ok(Json(found.tally.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct VisitBody {
    /// The resident's number, given with their agreement; only its keyed digest is kept.
    #[schema(example = "13812345678")]
    phone: String,
}

/// Record a resident served who gave their phone number (人数: distinct residents). The
/// number is not stored, only HMAC-SHA256 under the server's secret.
#[utoipa::path(
    post,
    path = "/stalls/{id}/visits",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Stall id")),
    request_body = VisitBody,
    responses(
        (status = 204, description = "Recorded"),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not on one of the stall's shifts, its leader or staff", body = ErrorBody),
        (status = 404, description = "No such stall, or this server records no numbers", body = ErrorBody),
        (status = 422, description = "Not a mobile number, or the day is cancelled", body = ErrorBody),
    )
)]
async fn record_visit(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<VisitBody>,
) -> Result<StatusCode, AppError> {
    let secret = &state.settings.resident_secret;
    visits::record_visit(&state.db, &actor, id, &input.phone, secret, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
