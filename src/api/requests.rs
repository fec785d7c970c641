//! Residents' requests (三事分流) and satisfaction over the API: submitting and following a
//! request with its tracking code and rating it need no account; the board and triage are
//! for staff (and leaders, for what is assigned to their organization).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use member::FieldError;
use member::fields::mask_phone;
use serde::{Deserialize, Serialize};
use triage::handling::{self, ClassifyInput};
use triage::ratings::{self, RatingInput, Tally};
use triage::requests::{self, RequestFilter, RequestInput};
use triage::{Category, Class, Status};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::json::ApiJson;
use crate::auth::{ClientAddress, SignedIn};
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;
use crate::views;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, submit_request))
        .routes(routes!(track_request))
        .routes(routes!(rate_request))
        .routes(routes!(classify_request))
        .routes(routes!(satisfaction))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SubmitBody {
    /// `environment`, `parking`, `safety`, `facilities`, `elderly_children`, `disputes`, `other`.
    #[schema(example = "parking")]
    category: String,
    #[schema(example = "3栋楼下消防通道常被私家车占用")]
    description: String,
    #[schema(example = "南湖社区")]
    community: String,
    place: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    may_contact: Option<bool>,
    /// Staff only, entering a request for a resident: `phone`, `visit` or `wechat`.
    channel: Option<String>,
}

/// What the resident sees of their request (and anyone holding its tracking code).
#[derive(Serialize, ToSchema)]
struct TrackedBody {
    #[schema(example = "K7M2Q9X4TB")]
    tracking_code: String,
    category: String,
    community: String,
    /// `big`, `small`, `private`, or null before triage.
    class: Option<String>,
    /// `received`, `triaged`, `in_progress`, `resolved`, `closed`, `reopened`.
    status: String,
    responsible: String,
    due_at: Option<DateTime<Utc>>,
    overdue: bool,
    resolution: String,
    submitted_at: DateTime<Utc>,
    /// Whether a rating can be given now.
    can_rate: bool,
    timeline: Vec<UpdateBody>,
}

#[derive(Serialize, ToSchema)]
struct UpdateBody {
    at: DateTime<Utc>,
    kind: String,
    class: Option<String>,
    note: String,
}

/// A request as staff (or the assigned organization's leader) see it; the phone masked.
#[derive(Serialize, ToSchema)]
pub(super) struct RequestBody {
    id: Uuid,
    #[schema(example = "K7M2Q9X4TB")]
    tracking_code: String,
    category: String,
    description: String,
    community: String,
    place: String,
    contact_name: String,
    contact_phone_masked: Option<String>,
    may_contact: bool,
    channel: String,
    class: Option<String>,
    class_reason: String,
    status: String,
    organization_id: Option<Uuid>,
    project_id: Option<Uuid>,
    department: String,
    referred_on: Option<NaiveDate>,
    reference_no: String,
    guidance: String,
    resolution: String,
    public_summary: String,
    due_at: Option<DateTime<Utc>>,
    overdue: bool,
    created_at: DateTime<Utc>,
    /// What the caller may do with it now (the same rule the steps apply, and the page shows).
    next_steps: StepsBody,
}

/// The handling steps open to the caller on a request now.
#[derive(Serialize, ToSchema)]
struct StepsBody {
    classify: bool,
    accept: bool,
    hand_back: bool,
    note: bool,
    resolve: bool,
    close: bool,
}

pub(super) fn request_body(
    actor: &member::Actor,
    found: &triage::Request,
    now: DateTime<Utc>,
) -> RequestBody {
    let steps = handling::Steps::of(actor, found);
    RequestBody {
        id: found.id,
        tracking_code: found.tracking_code.clone(),
        category: found.category.as_str().to_owned(),
        description: found.description.clone(),
        community: found.community.clone(),
        place: found.place.clone(),
        contact_name: found.contact_name.clone(),
        contact_phone_masked: found.contact_phone.as_deref().map(mask_phone),
        may_contact: found.may_contact,
        channel: found.channel.as_str().to_owned(),
        class: found.class.map(|c| c.as_str().to_owned()),
        class_reason: found.class_reason.clone(),
        status: found.status.as_str().to_owned(),
        organization_id: found.organization_id,
        project_id: found.project_id,
        department: found.department.clone(),
        referred_on: found.referred_on,
        reference_no: found.reference_no.clone(),
        guidance: found.guidance.clone(),
        resolution: found.resolution.clone(),
        public_summary: found.public_summary.clone(),
        due_at: found.due_at,
        overdue: found.is_overdue(now),
        created_at: found.created_at,
        next_steps: StepsBody {
            classify: steps.classify,
            accept: steps.accept,
            hand_back: steps.hand_back,
            note: steps.note,
            resolve: steps.resolve,
            close: steps.close,
        },
    }
}

async fn tracked_body(state: &AppState, found: &triage::Request) -> Result<TrackedBody, AppError> {
    let lang = crate::i18n::Lang::ZhCn;
    let org_name = match found.organization_id {
        Some(id) => Some(member::orgs::find(&state.db, id).await?.name),
        None => None,
    };
    let responsible = match (found.class, org_name) {
        (Some(Class::Big), _) => found.department.clone(),
        (Some(Class::Small), Some(name)) => name,
        (Some(Class::Private), _) => lang.t("request-responsible-resident"),
        _ => lang.t("request-responsible-community"),
    };
    let rated = ratings::rating_of(&state.db, found).await?.is_some();
    Ok(TrackedBody {
        tracking_code: found.tracking_code.clone(),
        category: found.category.as_str().to_owned(),
        community: found.community.clone(),
        class: found.class.map(|c| c.as_str().to_owned()),
        status: found.status.as_str().to_owned(),
        responsible,
        due_at: found.due_at,
        overdue: found.is_overdue(Utc::now()),
        resolution: found.resolution.clone(),
        submitted_at: found.created_at,
        can_rate: matches!(found.status, Status::Resolved | Status::Closed) && !rated,
        timeline: requests::timeline(&state.db, found.id)
            .await?
            .into_iter()
            .map(|u| UpdateBody {
                at: u.at,
                kind: u.kind.as_str().to_owned(),
                class: u.class.map(|c| c.as_str().to_owned()),
                // The resident's view leaves the handlers' notes out, as the page does.
                note: if u.kind.note_is_internal() {
                    String::new()
                } else {
                    u.note
                },
            })
            .collect(),
    })
}

/// Submit a request. Without authentication it is a resident's own (rate-limited per
/// address); a coordinator's bearer token enters it for a resident, with its `channel`.
#[utoipa::path(
    post,
    path = "/requests",
    tag = "requests",
    request_body = SubmitBody,
    responses(
        (status = 201, description = "Received; keep the tracking code", body = TrackedBody),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
        (status = 429, description = "Too many submissions from this address", body = ErrorBody),
    )
)]
async fn submit_request(
    State(state): State<AppState>,
    signed_in: Option<SignedIn>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<SubmitBody>,
) -> Result<Response, AppError> {
    let input = RequestInput {
        category: body.category,
        description: body.description,
        community: body.community,
        place: body.place.unwrap_or_default(),
        contact_name: body.contact_name.unwrap_or_default(),
        contact_phone: body.contact_phone.unwrap_or_default(),
        may_contact: body.may_contact.unwrap_or(false),
        channel: body.channel.unwrap_or_default(),
    };
    let now = Utc::now();
    let created = match signed_in {
        Some(SignedIn { actor, .. }) if actor.is_staff() => {
            requests::submit_on_behalf(&state.db, &actor, &input, now).await?
        }
        _ => {
            let policy = state.settings.triage_policy();
            requests::submit_public(&state.db, &policy, &input, &address, now).await?
        }
    };
    let body = tracked_body(&state, &created).await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TrackQuery {
    /// The tracking code (any case, spaces and dashes ignored).
    code: String,
}

/// Follow a request with its tracking code. No account needed.
#[utoipa::path(
    get,
    path = "/requests/track",
    tag = "requests",
    params(TrackQuery),
    responses(
        (status = 200, description = "The request and its timeline", body = TrackedBody),
        (status = 404, description = "No request has this code", body = ErrorBody),
    )
)]
async fn track_request(
    State(state): State<AppState>,
    Query(query): Query<TrackQuery>,
) -> Result<Json<TrackedBody>, AppError> {
    let found = requests::find_by_code(&state.db, &query.code).await?;
    Ok(Json(tracked_body(&state, &found).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    code: String,
    /// `satisfied`, `basic` or `unsatisfied`.
    #[schema(example = "satisfied")]
    level: String,
    comment: Option<String>,
    /// Unsatisfied only, once per request: ask for another look.
    reopen: Option<bool>,
    reopen_reason: Option<String>,
}

/// Rate a resolved request with its tracking code (once per round).
#[utoipa::path(
    post,
    path = "/requests/rating",
    tag = "requests",
    request_body = RatingBody,
    responses(
        (status = 200, description = "Rated", body = TrackedBody),
        (status = 404, description = "No request has this code", body = ErrorBody),
        (status = 422, description = "Not resolved, rated already, or invalid fields", body = ErrorBody),
        (status = 429, description = "Too many ratings from this address", body = ErrorBody),
    )
)]
async fn rate_request(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<RatingBody>,
) -> Result<Json<TrackedBody>, AppError> {
    let input = RatingInput {
        level: body.level,
        comment: body.comment.unwrap_or_default(),
        reopen: body.reopen.unwrap_or(false),
        reopen_reason: body.reopen_reason.unwrap_or_default(),
        phone: String::new(),
    };
    let policy = state.settings.triage_policy();
    let rated =
        ratings::rate_request(&state.db, &policy, &body.code, &input, &address, Utc::now()).await?;
    Ok(Json(tracked_body(&state, &rated).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `big`, `small`, `private`, or `none` (not yet triaged).
    class: Option<String>,
    status: Option<String>,
    community: Option<String>,
    category: Option<String>,
    /// Only those past their deadline.
    overdue: Option<bool>,
    /// 1-based page of 50.
    page: Option<u64>,
}

#[derive(Serialize, ToSchema)]
struct RequestList {
    total: u64,
    overdue: u64,
    requests: Vec<RequestBody>,
}

/// The board: staff see every request, a leader those assigned to their organization.
#[utoipa::path(
    get,
    path = "/requests",
    tag = "requests",
    security(("bearer" = []), ("session_cookie" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Requests, open ones first", body = RequestList),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither staff nor a leader", body = ErrorBody),
        (status = 422, description = "Unknown class, status or category", body = ErrorBody),
    )
)]
async fn list_requests(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Json<RequestList>, AppError> {
    if !actor.is_staff() && actor.leads.is_empty() {
        return Err(AppError::Forbidden);
    }
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut errors = Vec::new();
    let class = given(&query.class);
    let status = given(&query.status);
    let category = given(&query.category);
    if class
        .as_deref()
        .is_some_and(|c| c != "none" && Class::parse(c).is_none())
    {
        errors.push(FieldError::new("class", "error-choose-one"));
    }
    if status
        .as_deref()
        .is_some_and(|s| Status::parse(s).is_none())
    {
        errors.push(FieldError::new("status", "error-choose-one"));
    }
    if category
        .as_deref()
        .is_some_and(|c| Category::parse(c).is_none())
    {
        errors.push(FieldError::new("category", "error-choose-one"));
    }
    if !errors.is_empty() {
        return Err(AppError::InvalidFields(errors));
    }
    let filter = RequestFilter {
        class: class.as_deref().and_then(Class::parse),
        unclassified: class.as_deref() == Some("none"),
        status: status.as_deref().and_then(Status::parse),
        community: given(&query.community),
        category: category.as_deref().and_then(Category::parse),
        overdue: query.overdue.unwrap_or(false),
    };
    let now = Utc::now();
    let page = crate::views::page_number(query.page);
    let listing = requests::list(&state.db, &actor, &filter, now, page, 50).await?;
    Ok(Json(RequestList {
        total: listing.total,
        overdue: listing.overdue,
        requests: listing
            .rows
            .iter()
            .map(|r| request_body(&actor, r, now))
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ClassifyBody {
    /// `big`, `small` or `private`.
    #[schema(example = "small")]
    class: String,
    reason: String,
    /// Big matters: the department, the referral date (today when absent), its reference.
    department: Option<String>,
    referred_on: Option<NaiveDate>,
    reference_no: Option<String>,
    /// Small matters: the organization, and optionally one of its projects.
    organization_id: Option<Uuid>,
    project_id: Option<Uuid>,
    /// Private matters: the guidance given.
    guidance: Option<String>,
}

/// Triage (or re-triage) a request. Staff only.
#[utoipa::path(
    post,
    path = "/requests/{id}/classify",
    tag = "requests",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The request")),
    request_body = ClassifyBody,
    responses(
        (status = 200, description = "Triaged", body = RequestBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such request", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the request is resolved", body = ErrorBody),
    )
)]
async fn classify_request(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<ClassifyBody>,
) -> Result<Json<RequestBody>, AppError> {
    let input = ClassifyInput {
        class: body.class,
        reason: body.reason,
        department: body.department.unwrap_or_default(),
        referred_on: body
            .referred_on
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        reference_no: body.reference_no.unwrap_or_default(),
        organization_id: body
            .organization_id
            .map(|o| o.to_string())
            .unwrap_or_default(),
        project_id: body.project_id.map(|p| p.to_string()).unwrap_or_default(),
        guidance: body.guidance.unwrap_or_default(),
    };
    let policy = state.settings.triage_policy();
    let now = Utc::now();
    let updated =
        handling::classify(&state.db, &actor, &policy, id, &input, now, views::today()).await?;
    Ok(Json(request_body(&actor, &updated, now)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PeriodQuery {
    /// First day (Asia/Shanghai), inclusive.
    from: Option<NaiveDate>,
    /// Last day, inclusive.
    until: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
struct TallyBody {
    #[schema(example = 41)]
    satisfied: u64,
    basic: u64,
    unsatisfied: u64,
    total: u64,
    /// (satisfied + basic) / total in tenths of a percent; null without ratings.
    rate_permille: Option<u64>,
    /// Above the 80 % target.
    meets_target: Option<bool>,
}

fn tally_body(t: &Tally) -> TallyBody {
    TallyBody {
        satisfied: t.satisfied,
        basic: t.basic,
        unsatisfied: t.unsatisfied,
        total: t.total(),
        rate_permille: t.rate_permille(),
        meets_target: t.meets_target(),
    }
}

#[derive(Serialize, ToSchema)]
struct SatisfactionBody {
    all: TallyBody,
    requests: TallyBody,
    stalls: TallyBody,
    /// By class: `big`, `small`, `private`.
    by_class: std::collections::BTreeMap<String, TallyBody>,
    /// By stall service type.
    by_service: std::collections::BTreeMap<String, TallyBody>,
    /// By `YYYY-MM` (Asia/Shanghai).
    by_month: std::collections::BTreeMap<String, TallyBody>,
}

/// Residents' satisfaction for a period, against the 80 % target. Staff only.
#[utoipa::path(
    get,
    path = "/satisfaction",
    tag = "requests",
    security(("bearer" = []), ("session_cookie" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "Counts and rates", body = SatisfactionBody),
        (status = 403, description = "Not staff", body = ErrorBody),
    )
)]
async fn satisfaction(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<PeriodQuery>,
) -> Result<Json<SatisfactionBody>, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let start = |d: NaiveDate| event::schedule::at(d, chrono::NaiveTime::MIN);
    let found = ratings::satisfaction(
        &state.db,
        None,
        query.from.map(start),
        query.until.and_then(|d| d.succ_opt()).map(start),
    )
    .await?;
    Ok(Json(SatisfactionBody {
        all: tally_body(&found.all),
        requests: tally_body(&found.requests),
        stalls: tally_body(&found.stalls),
        by_class: found
            .by_class
            .iter()
            .map(|(k, (_, t))| ((*k).to_owned(), tally_body(t)))
            .collect(),
        by_service: found
            .by_service
            .iter()
            .map(|(k, (_, t))| ((*k).to_owned(), tally_body(t)))
            .collect(),
        by_month: found
            .by_month
            .iter()
            .map(|((y, m), t)| (format!("{y}-{m:02}"), tally_body(t)))
            .collect(),
    }))
}
