//! 报送 over the API, as on `/reports/sent`: sending the month upward freezes its report (a
//! revision when it was sent before, listing what changed), and the months sent so far.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use event::sent_reports::{self, Changes};
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
        .routes(routes!(send_month))
        .routes(routes!(sent_months))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SendRequest {
    /// `YYYY-MM`; this month when absent.
    #[schema(example = "2026-11")]
    month: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct SentBody {
    id: Uuid,
    #[schema(example = "2026-11")]
    month: String,
    /// 1 for the first sending of the month.
    #[schema(example = 2)]
    revision: i32,
    sent_at: DateTime<Utc>,
    /// SHA-256 of what was sent.
    content_hash: String,
    /// The report's lines that changed since the revision before.
    removed: Vec<String>,
    added: Vec<String>,
}

impl From<event::SentReport> for SentBody {
    fn from(sent: event::SentReport) -> Self {
        let changes = Changes::of(&sent);
        SentBody {
            id: sent.id,
            month: sent.month,
            revision: sent.revision,
            sent_at: sent.sent_at,
            content_hash: sent.content_hash,
            removed: changes.removed,
            added: changes.added,
        }
    }
}

/// Send the month's report upward (staff): frozen as it stands now.
#[utoipa::path(
    post,
    path = "/reports/monthly/send",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = SendRequest,
    responses(
        (status = 201, description = "Sent", body = SentBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 422, description = "A month typed wrong, or nothing changed since it was sent", body = ErrorBody),
    )
)]
async fn send_month(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    ApiJson(request): ApiJson<SendRequest>,
) -> Result<Response, AppError> {
    let month = request.month.unwrap_or_default();
    let sent = crate::reporting::send_month(&state, &actor, &month).await?;
    Ok((StatusCode::CREATED, Json(SentBody::from(sent))).into_response())
}

#[derive(Serialize, ToSchema)]
struct SentList {
    /// Newest month first; within it, newest revision first.
    sent: Vec<SentBody>,
}

/// Every month sent upward, with its revisions (staff).
#[utoipa::path(
    get,
    path = "/reports/sent",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The months sent", body = SentList),
        (status = 403, description = "Not staff", body = ErrorBody),
    )
)]
async fn sent_months(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Json<SentList>, AppError> {
    let all = sent_reports::all(&state.db, &actor).await?;
    Ok(Json(SentList {
        sent: all.into_iter().map(SentBody::from).collect(),
    }))
}
