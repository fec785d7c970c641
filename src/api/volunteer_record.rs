//! A volunteer's trainings, awards and evaluations over the API, as on `/people/{id}/record`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use member::volunteer_record::{self, Entry, EntryInput};
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
    OpenApiRouter::new().routes(routes!(show_record, add_entry))
}

/// A training, an award or an evaluation.
#[derive(Serialize, ToSchema)]
struct EntryBody {
    id: Uuid,
    /// `training`, `award` or `evaluation`.
    #[schema(example = "training")]
    kind: String,
    #[schema(example = "应急救护培训")]
    name: String,
    date: NaiveDate,
    #[schema(example = "南湖社区活动室")]
    place: String,
    #[schema(example = "心肺复苏与止血包扎")]
    content: String,
    /// A training's hours.
    #[schema(example = "2.0")]
    hours: Option<String>,
    /// An evaluation's result.
    #[schema(example = "excellent")]
    result: Option<String>,
    /// The trainer, or the body that granted the award.
    #[schema(example = "区红十字会 李老师")]
    given_by: String,
    entered_at: DateTime<Utc>,
}

impl From<Entry> for EntryBody {
    fn from(e: Entry) -> Self {
        EntryBody {
            id: e.id,
            kind: e.kind.as_str().to_owned(),
            name: e.name,
            date: e.date,
            place: e.place,
            content: e.content,
            hours: e.tenths.map(event::records::format_hours),
            result: e.result,
            given_by: e.given_by,
            entered_at: e.entered_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
struct RecordBody {
    #[schema(example = "李阿姨")]
    name: String,
    /// 志愿者编号, once their first service was recorded.
    #[schema(example = "WYF-V000123")]
    volunteer_number: Option<String>,
    entries: Vec<EntryBody>,
    /// Whether the caller may add to it (staff, the person's leaders).
    may_enter: bool,
}

/// A volunteer's trainings, awards and evaluations, for them, staff and their leaders.
#[utoipa::path(
    get,
    path = "/people/{id}/record",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The record", body = RecordBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such person, or not theirs to read", body = ErrorBody),
    )
)]
async fn show_record(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<RecordBody>, AppError> {
    let (name, entries, may_enter) = volunteer_record::record_of(&state.db, &actor, id).await?;
    let volunteer_number = volunteer_record::numbers_of(&state.db, [id])
        .await?
        .remove(&id);
    Ok(Json(RecordBody {
        name,
        volunteer_number,
        entries: entries.into_iter().map(EntryBody::from).collect(),
        may_enter,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewEntry {
    /// `training`, `award` or `evaluation`.
    #[schema(example = "training")]
    kind: String,
    #[schema(example = "应急救护培训")]
    name: String,
    #[schema(example = "2026-11-20")]
    date: String,
    /// A training's place (required for a training).
    #[serde(default)]
    #[schema(example = "南湖社区活动室")]
    place: String,
    #[serde(default)]
    #[schema(example = "心肺复苏与止血包扎")]
    content: String,
    /// A training's hours, e.g. `1.5` (required for a training).
    #[serde(default)]
    #[schema(example = "2")]
    hours: String,
    /// An evaluation's result: `excellent`, `good`, `pass` or `fail` (required for one).
    #[serde(default)]
    #[schema(example = "excellent")]
    result: String,
    #[schema(example = "区红十字会 李老师")]
    given_by: String,
}

/// Staff or one of the person's leaders adds a training, an award or an evaluation of their
/// service to their record.
#[utoipa::path(
    post,
    path = "/people/{id}/record",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = NewEntry,
    responses(
        (status = 201, description = "Added", body = EntryBody),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither staff nor one of the person's leaders", body = ErrorBody),
        (status = 404, description = "No such person", body = ErrorBody),
        (status = 422, description = "A field is wrong", body = ErrorBody),
    )
)]
async fn add_entry(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<NewEntry>,
) -> Result<Response, AppError> {
    let input = EntryInput {
        kind: body.kind,
        name: body.name,
        date: body.date,
        place: body.place,
        content: body.content,
        hours: body.hours,
        result: body.result,
        given_by: body.given_by,
    };
    let entry = volunteer_record::add_entry(&state.db, &actor, id, &input, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(EntryBody::from(entry))).into_response())
}
