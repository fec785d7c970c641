//! 公示 over the API, as on `/publicity`: the records posted now, objecting to one, and
//! staff resolving objections.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use event::publicity::{self, ObjectionInput, Resolution};
use event::records::format_hours;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::json::ApiJson;
use crate::auth::{ClientAddress, SignedIn};
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(posted))
        .routes(routes!(object))
        .routes(routes!(objections))
        .routes(routes!(resolve))
        .routes(routes!(service_records))
}

/// One record as posted: the name masked.
#[derive(Serialize, ToSchema)]
struct PostedLineBody {
    record_id: Uuid,
    #[schema(example = "张*")]
    name: String,
    #[schema(example = "南湖理发志愿队")]
    organization: String,
    #[schema(example = "haircut")]
    service: String,
    #[schema(example = "2.5")]
    hours: String,
    /// The last day of posting (Shanghai).
    #[schema(example = "2026-12-04")]
    until: NaiveDate,
    /// An objection is open: the record stands only once staff resolve it.
    #[schema(example = false)]
    objected: bool,
}

#[derive(Serialize, ToSchema)]
struct PostedEventBody {
    event_id: Uuid,
    #[schema(example = "南湖社区十二月公益集市")]
    title: String,
    starts_at: DateTime<Utc>,
    lines: Vec<PostedLineBody>,
}

#[derive(Serialize, ToSchema)]
struct PostedBody {
    /// Working days hours are posted.
    #[schema(example = 3)]
    days: u16,
    events: Vec<PostedEventBody>,
}

/// Public: the hours posted now (公示), by market day, newest first.
#[utoipa::path(
    get,
    path = "/publicity",
    tag = "records",
    responses(
        (status = 200, description = "Posted records", body = PostedBody),
        (status = 500, description = "Internal error", body = ErrorBody),
    )
)]
async fn posted(State(state): State<AppState>) -> Result<Json<PostedBody>, AppError> {
    let events = publicity::posted(&state.db, Utc::now()).await?;
    Ok(Json(PostedBody {
        days: state.settings.publicity_days,
        events: events
            .into_iter()
            .map(|e| PostedEventBody {
                event_id: e.event.id,
                title: e.event.title,
                starts_at: e.event.starts_at,
                lines: e
                    .lines
                    .into_iter()
                    .map(|l| PostedLineBody {
                        record_id: l.record_id,
                        name: l.name,
                        organization: l.organization,
                        service: l.service.as_str().to_owned(),
                        hours: format_hours(l.tenths),
                        until: l.until,
                        objected: l.objected,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ObjectionRequest {
    #[schema(example = "这位志愿者当天没有到场")]
    reason: String,
    /// Optional; only staff see it.
    #[serde(default)]
    #[schema(example = "13800001111")]
    contact: String,
}

#[derive(Serialize, ToSchema)]
struct ObjectionBody {
    id: Uuid,
    record_id: Uuid,
    /// `open`, `corrected` or `dismissed`.
    #[schema(example = "open")]
    status: String,
    #[schema(example = "这位志愿者当天没有到场")]
    reason: String,
    /// Staff's explanation once resolved.
    #[schema(example = "")]
    resolution: String,
    raised_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
}

impl From<publicity::Objection> for ObjectionBody {
    fn from(o: publicity::Objection) -> Self {
        ObjectionBody {
            id: o.id,
            record_id: o.record_id,
            status: o.status,
            reason: o.reason,
            resolution: o.resolution,
            raised_at: o.raised_at,
            resolved_at: o.resolved_at,
        }
    }
}

/// Anyone objects to a record while it is posted; it then does not stand until staff
/// resolve the objection. Limited per client address.
#[utoipa::path(
    post,
    path = "/publicity/records/{id}/objections",
    tag = "records",
    params(("id" = Uuid, Path, description = "Service record id")),
    request_body = ObjectionRequest,
    responses(
        (status = 201, description = "Objection received", body = ObjectionBody),
        (status = 404, description = "No such record", body = ErrorBody),
        (status = 422, description = "Not posted now, a field is wrong, or too many objections from here", body = ErrorBody),
    )
)]
async fn object(
    State(state): State<AppState>,
    signed_in: Option<SignedIn>,
    ClientAddress(address): ClientAddress,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<ObjectionRequest>,
) -> Result<Response, AppError> {
    let input = ObjectionInput {
        reason: body.reason,
        contact: body.contact,
    };
    let actor = signed_in.as_ref().map(|s| &s.actor);
    let raised = publicity::raise(&state.db, actor, id, &input, &address, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(ObjectionBody::from(raised))).into_response())
}

#[derive(Serialize, ToSchema)]
struct StaffObjectionBody {
    #[serde(flatten)]
    objection: ObjectionBody,
    #[schema(example = "13800001111")]
    contact: String,
    /// The volunteer's whole name.
    #[schema(example = "张三")]
    name: String,
    #[schema(example = "南湖社区十二月公益集市")]
    event: String,
    #[schema(example = "haircut")]
    service: String,
    /// The record's current hours.
    #[schema(example = "2.5")]
    hours: String,
}

/// Staff: every objection, open ones first.
#[utoipa::path(
    get,
    path = "/objections",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Objections", body = [StaffObjectionBody]),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
    )
)]
async fn objections(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Json<Vec<StaffObjectionBody>>, AppError> {
    let all = publicity::objections(&state.db, &actor).await?;
    Ok(Json(
        all.into_iter()
            .map(|v| StaffObjectionBody {
                contact: v.objection.contact.clone(),
                objection: v.objection.into(),
                name: v.name,
                event: v.event.title,
                service: v.service.as_str().to_owned(),
                hours: format_hours(v.tenths),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResolutionRequest {
    /// `dismiss` (the record is right) or `correct` (new hours).
    #[schema(example = "correct")]
    outcome: String,
    /// The corrected hours, for `correct`.
    #[serde(default)]
    #[schema(example = "1.5")]
    hours: String,
    #[schema(example = "核对签到记录，按实际时长更正")]
    reason: String,
}

/// Staff resolve an open objection: dismiss it with a reason, or correct the hours (a new
/// entry with the reason); both logged.
#[utoipa::path(
    post,
    path = "/objections/{id}/resolution",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Objection id")),
    request_body = ResolutionRequest,
    responses(
        (status = 200, description = "Resolved", body = ObjectionBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such objection", body = ErrorBody),
        (status = 422, description = "Already resolved, or a field is wrong", body = ErrorBody),
    )
)]
async fn resolve(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<ResolutionRequest>,
) -> Result<Json<ObjectionBody>, AppError> {
    let resolution = match body.outcome.as_str() {
        "dismiss" => Resolution::Dismiss {
            reason: body.reason,
        },
        "correct" => Resolution::Correct {
            hours: body.hours,
            reason: body.reason,
        },
        _ => {
            return Err(event::EventError::field("outcome", "error-choose-one").into());
        }
    };
    let resolved = publicity::resolve(&state.db, &actor, id, &resolution, Utc::now()).await?;
    Ok(Json(resolved.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RecordsQuery {
    /// The first day, `YYYY-MM-DD` in Shanghai.
    #[param(example = "2026-11-01")]
    from: String,
    /// The last day, included.
    #[param(example = "2026-11-30")]
    until: String,
    /// `xlsx` (default) or `csv`.
    format: Option<String>,
}

/// Staff: the period's service records whose hours stand, one row per service, for entry
/// into the national volunteer service system (columns mapped in the README).
#[utoipa::path(
    get,
    path = "/reports/service-records",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(RecordsQuery),
    responses(
        (status = 200, description = "The records file", content_type = crate::files::XLSX),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 422, description = "A date typed wrong, or an unknown format", body = ErrorBody),
    )
)]
async fn service_records(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<RecordsQuery>,
) -> Result<Response, AppError> {
    let format = match query.format.as_deref().unwrap_or("xlsx") {
        format @ ("xlsx" | "csv") => format,
        _ => {
            let refused = member::FieldError::new("format", "error-choose-one");
            return Err(AppError::InvalidFields(vec![refused]));
        }
    };
    crate::reporting::official_download(&state, &actor, (&query.from, &query.until), format).await
}
