//! The coordinators' scheduling over the API, as on `/admin/markets`: every day (drafts,
//! past and cancelled ones too) by month and status; "every month on the second Saturday",
//! previewed with the reason for each date, then created; a day edited (its shifts move
//! with it, and the volunteers whose shifts now overlap are named); a leader putting a
//! member on a shift; attendance marked by hand.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use event::EventStatus;
use event::schedule::{self, EventEdit, MarketInput, PlannedDay, ScheduleInput, StaffFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
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
        .routes(routes!(list_days))
        .routes(routes!(schedule_monthly))
        .routes(routes!(edit_day))
        .routes(routes!(set_cutoff))
        .routes(routes!(edit_stall))
        .routes(routes!(edit_shift))
        .routes(routes!(set_capacity))
        .routes(routes!(mark_attendance))
        .routes(routes!(assign_member))
}

const PER_PAGE: u64 = 50;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DaysQuery {
    /// A month, `YYYY-MM` (Shanghai).
    #[param(example = "2026-12")]
    month: Option<String>,
    /// `draft`, `published`, `held`, `reported` or `cancelled`.
    status: Option<String>,
    /// Days this organization takes part in: its activities, and days it has a stall at.
    organization_id: Option<Uuid>,
    /// From 1.
    page: Option<u64>,
}

#[derive(Serialize, ToSchema)]
struct DayLine {
    id: Uuid,
    /// `market` or `activity`.
    kind: &'static str,
    #[schema(example = "南湖社区公益集市")]
    title: String,
    place: String,
    status: &'static str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    organizer_id: Option<Uuid>,
    cancel_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct DaysBody {
    total: u64,
    page: u64,
    days: Vec<DayLine>,
}

impl From<event::Event> for DayLine {
    fn from(e: event::Event) -> Self {
        DayLine {
            id: e.id,
            kind: match e.kind {
                event::EventKind::Market => "market",
                event::EventKind::Activity => "activity",
            },
            title: e.title,
            place: e.place,
            status: e.status.as_str(),
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            organizer_id: e.organizer_id,
            cancel_reason: e.cancel_reason,
        }
    }
}

/// Every market day and activity for staff, newest first, 50 a page; by month, status or
/// organization.
#[utoipa::path(
    get,
    path = "/markets/all",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(DaysQuery),
    responses(
        (status = 200, description = "One page of days", body = DaysBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 422, description = "A month or status that does not exist", body = ErrorBody),
    )
)]
async fn list_days(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<DaysQuery>,
) -> Result<Json<DaysBody>, AppError> {
    let month = match query
        .month
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        None => None,
        Some(typed) => Some(schedule::parse_month(typed).ok_or_else(|| refused("month"))?),
    };
    let status = match query
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(typed) => Some(EventStatus::parse(typed).ok_or_else(|| refused("status"))?),
    };
    let page = views::page_number(query.page);
    let filter = StaffFilter {
        month,
        status,
        organization: query.organization_id,
    };
    let (days, total) = schedule::for_staff(&state.db, &actor, &filter, page, PER_PAGE).await?;
    Ok(Json(DaysBody {
        total,
        page,
        days: days.into_iter().map(DayLine::from).collect(),
    }))
}

fn refused(field: &'static str) -> AppError {
    AppError::InvalidFields(vec![member::FieldError::new(field, "error-choose-one")])
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ScheduleRequest {
    #[schema(example = "南湖社区公益集市")]
    title: String,
    #[schema(example = "南湖社区广场")]
    place: String,
    description: Option<String>,
    #[schema(example = "09:00")]
    starts: String,
    #[schema(example = "11:30")]
    ends: String,
    /// Which one in the month, 1 to 5.
    #[schema(example = 2)]
    nth: u8,
    /// `mon` … `sun`.
    #[schema(example = "sat")]
    weekday: String,
    /// How many months, starting with this one (1 to 24).
    #[schema(example = 3)]
    months: u8,
    /// Only say what it would do (the default); `false` creates the drafts.
    preview: Option<bool>,
}

#[derive(Serialize, ToSchema)]
struct PlannedBody {
    date: NaiveDate,
    /// `create`, `taken` (a market day is on it already) or `past`.
    #[schema(example = "create")]
    plan: &'static str,
}

#[derive(Serialize, ToSchema)]
struct ScheduledBody {
    days: Vec<PlannedBody>,
    /// Whether the drafts were created (not a preview).
    created: bool,
    /// How many are (or would be) created.
    to_create: usize,
}

/// "Every month on the nth weekday": previewed date by date, or created as drafts (staff).
#[utoipa::path(
    post,
    path = "/markets/schedule",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = ScheduleRequest,
    responses(
        (status = 200, description = "What it does (or would do) with each date", body = ScheduledBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
async fn schedule_monthly(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    ApiJson(request): ApiJson<ScheduleRequest>,
) -> Result<Json<ScheduledBody>, AppError> {
    let input = ScheduleInput {
        market: MarketInput {
            title: request.title,
            place: request.place,
            description: request.description.unwrap_or_default(),
            starts: request.starts,
            ends: request.ends,
        },
        nth: request.nth.to_string(),
        weekday: request.weekday,
        months: request.months.to_string(),
    };
    let today = views::today();
    let done = if request.preview.unwrap_or(true) {
        schedule::preview_schedule(&state.db, &actor, &input, today).await?
    } else {
        schedule::schedule(&state.db, &actor, &input, today).await?
    };
    let plan = |day: &PlannedDay| match day {
        PlannedDay::Create(_) => "create",
        PlannedDay::Taken(_) => "taken",
        PlannedDay::Past(_) => "past",
    };
    Ok(Json(ScheduledBody {
        to_create: done.to_create(),
        created: done.created,
        days: (done.days.iter())
            .map(|day| PlannedBody {
                date: day.date(),
                plan: plan(day),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EditRequest {
    title: String,
    place: String,
    description: Option<String>,
    /// `YYYY-MM-DD`: moving the day moves its shifts with it.
    #[schema(example = "2026-12-19")]
    date: String,
    #[schema(example = "09:00")]
    starts: String,
    #[schema(example = "11:30")]
    ends: String,
}

#[derive(Serialize, ToSchema)]
struct ClashBody {
    person_id: Uuid,
    #[schema(example = "李秀英")]
    name: String,
}

#[derive(Serialize, ToSchema)]
struct EditedBody {
    /// Volunteers whose confirmed shifts now overlap, to sort out with them.
    clashes: Vec<ClashBody>,
}

/// Change a day's details, date and times (also once published), as whoever may publish it.
#[utoipa::path(
    put,
    path = "/markets/{id}",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Market day or activity id")),
    request_body = EditRequest,
    responses(
        (status = 200, description = "Changed", body = EditedBody),
        (status = 403, description = "Neither staff nor its organizer", body = ErrorBody),
        (status = 422, description = "Invalid fields, the day is over or cancelled, or its shifts fall outside the new hours", body = ErrorBody),
    )
)]
async fn edit_day(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<EditRequest>,
) -> Result<Json<EditedBody>, AppError> {
    let edit = EventEdit {
        details: MarketInput {
            title: request.title,
            place: request.place,
            description: request.description.unwrap_or_default(),
            starts: request.starts,
            ends: request.ends,
        },
        date: request.date,
    };
    let clashes = schedule::edit_event(&state.db, &actor, id, &edit, views::today()).await?;
    Ok(edited(clashes))
}

fn edited(clashes: Vec<schedule::Clash>) -> Json<EditedBody> {
    Json(EditedBody {
        clashes: (clashes.into_iter())
            .map(|c| ClashBody {
                person_id: c.person_id,
                name: c.name,
            })
            .collect(),
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StallEditRequest {
    /// `haircut`, `clinic`, `consultation`, `legal_aid`, `repair`, `tutoring`, `other`.
    #[schema(example = "clinic")]
    service: String,
    description: Option<String>,
}

/// Change what a stall offers while its day is ahead.
#[utoipa::path(
    put,
    path = "/stalls/{id}",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Stall id")),
    request_body = StallEditRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "Neither staff nor a leader of the stall's organization", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the day is over or cancelled", body = ErrorBody),
    )
)]
async fn edit_stall(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<StallEditRequest>,
) -> Result<axum::http::StatusCode, AppError> {
    let description = request.description.unwrap_or_default();
    event::stalls::edit_stall(&state.db, &actor, id, &request.service, &description).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ShiftEditRequest {
    /// `HH:MM`, within the day's hours.
    #[schema(example = "09:30")]
    starts: String,
    #[schema(example = "11:30")]
    ends: String,
    /// A skill the shift asks for, or none.
    required_skill: Option<String>,
}

/// Change a shift's times or the skill it asks for while its day is ahead; the volunteers
/// keep their places, and those whose shifts now overlap are named.
#[utoipa::path(
    put,
    path = "/shifts/{id}",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Shift id")),
    request_body = ShiftEditRequest,
    responses(
        (status = 200, description = "Changed", body = EditedBody),
        (status = 403, description = "Neither staff nor a leader of the stall's organization", body = ErrorBody),
        (status = 422, description = "Invalid times, outside the day's hours, or the day is over", body = ErrorBody),
    )
)]
async fn edit_shift(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<ShiftEditRequest>,
) -> Result<Json<EditedBody>, AppError> {
    let skill = request.required_skill.unwrap_or_default();
    let (starts, ends) = (&request.starts, &request.ends);
    let clashes = event::stalls::edit_shift(&state.db, &actor, id, starts, ends, &skill).await?;
    Ok(edited(clashes))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CapacityRequest {
    /// Places, 1 to 200: never fewer than the volunteers confirmed.
    #[schema(example = 6)]
    capacity: u32,
}

#[derive(Serialize, ToSchema)]
struct CapacityBody {
    #[schema(example = 6)]
    capacity: i32,
    confirmed: i32,
}

/// Change how many places a shift has: more promote the waitlist.
#[utoipa::path(
    put,
    path = "/shifts/{id}/capacity",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Shift id")),
    request_body = CapacityRequest,
    responses(
        (status = 200, description = "Changed", body = CapacityBody),
        (status = 403, description = "Neither staff nor a leader of the stall's organization", body = ErrorBody),
        (status = 422, description = "Out of range, or below the volunteers confirmed", body = ErrorBody),
    )
)]
async fn set_capacity(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<CapacityRequest>,
) -> Result<Json<CapacityBody>, AppError> {
    let capacity = request.capacity.to_string();
    let shift = event::stalls::set_capacity(&state.db, &actor, id, &capacity).await?;
    Ok(Json(CapacityBody {
        capacity: shift.capacity,
        confirmed: shift.confirmed_count,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AttendanceRequest {
    /// `false` marks 未到岗: the hours confirmed before end with an entry of 0.
    attended: bool,
    /// `HH:MM` on the shift's day, when known.
    #[schema(example = "09:05")]
    checked_in: Option<String>,
    #[schema(example = "11:30")]
    checked_out: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct RecordBody {
    record_id: Uuid,
    #[schema(example = "attended")]
    attendance: Option<String>,
    checked_in_at: Option<DateTime<Utc>>,
    checked_out_at: Option<DateTime<Utc>>,
}

/// Attendance by hand for a confirmed volunteer (no phone, a forgotten scan).
#[utoipa::path(
    post,
    path = "/signups/{id}/attendance",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The volunteer's sign-up")),
    request_body = AttendanceRequest,
    responses(
        (status = 200, description = "Marked", body = RecordBody),
        (status = 403, description = "Neither staff nor a leader of the stall's organization", body = ErrorBody),
        (status = 422, description = "Not confirmed, before the shift, or times typed wrong", body = ErrorBody),
    )
)]
async fn mark_attendance(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<AttendanceRequest>,
) -> Result<Json<RecordBody>, AppError> {
    let checked_in = request.checked_in.unwrap_or_default();
    let checked_out = request.checked_out.unwrap_or_default();
    let (attended, now) = (request.attended, Utc::now());
    let record = event::records::mark_attendance(
        &state.db,
        &actor,
        id,
        attended,
        &checked_in,
        &checked_out,
        now,
    )
    .await?;
    Ok(Json(RecordBody {
        record_id: record.id,
        attendance: record.attendance,
        checked_in_at: record.checked_in_at,
        checked_out_at: record.checked_out_at,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AssignRequest {
    /// A member of the stall's organization.
    #[schema(example = "13911110002")]
    phone: String,
}

#[derive(Serialize, ToSchema)]
struct PlacedBody {
    /// `confirmed` or `waitlisted`.
    #[schema(example = "confirmed")]
    status: &'static str,
    position: Option<u64>,
}

/// A leader puts one of their members, by phone, on a shift of their stall.
#[utoipa::path(
    post,
    path = "/shifts/{id}/assign",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Shift id")),
    request_body = AssignRequest,
    responses(
        (status = 200, description = "Placed", body = PlacedBody),
        (status = 403, description = "Neither staff nor a leader of the stall's organization", body = ErrorBody),
        (status = 422, description = "Not a member, on it already, or sign-up closed", body = ErrorBody),
    )
)]
async fn assign_member(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<AssignRequest>,
) -> Result<Json<PlacedBody>, AppError> {
    let now = Utc::now();
    let placed =
        event::signups::assign_by_phone(&state.db, &actor, id, &request.phone, now).await?;
    state.metrics.signup(placed.standing.status.as_str());
    Ok(Json(PlacedBody {
        status: placed.standing.status.as_str(),
        position: placed.standing.position,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CutoffRequest {
    /// `YYYY-MM-DDTHH:MM` in Shanghai, before the day starts; absent for the default (the
    /// evening before).
    #[schema(example = "2026-12-11T20:00")]
    closes_at: Option<String>,
}

/// When sign-up closes for a day, as whoever may publish it sets it.
#[utoipa::path(
    put,
    path = "/markets/{id}/cutoff",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Market day or activity id")),
    request_body = CutoffRequest,
    responses(
        (status = 204, description = "Set"),
        (status = 403, description = "Neither staff nor its organizer", body = ErrorBody),
        (status = 422, description = "A time typed wrong, after the start, or the day is over", body = ErrorBody),
    )
)]
async fn set_cutoff(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<CutoffRequest>,
) -> Result<axum::http::StatusCode, AppError> {
    let closes_at = request.closes_at.unwrap_or_default();
    schedule::set_signup_cutoff(&state.db, &actor, id, &closes_at).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
