//! Logging in with an SMS code, signing up people one helps, and the market desk, over
//! the API: the same domain calls as the pages (`member::accounts::send_login_code`,
//! `member::helping`, `event::signups::{sign_up_helped, sign_up_at_desk}`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use event::signups;
use member::helping::{self, Helped, HelpedInput};
use member::{ThrottlePolicy, accounts};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::account::{TokenResponse, token_for};
use super::json::ApiJson;
use super::markets::{StandingBody, standing};
use crate::auth::{ClientAddress, SignedIn};
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_code))
        .routes(routes!(token_by_code))
        .routes(routes!(list_helped, register_helped))
        .routes(routes!(update_helped, erase_helped))
        .routes(routes!(sign_up_helped))
        .routes(routes!(cancel_helped))
        .routes(routes!(desk_search, desk_sign_up))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CodeRequest {
    #[schema(example = "13812345678")]
    phone: String,
}

#[derive(Serialize, ToSchema)]
struct CodeSent {
    /// How long a code works once it arrives.
    #[schema(example = 300)]
    valid_for_seconds: i64,
}

/// Ask for a 6-digit log-in code by SMS. The answer is the same whether or not the phone
/// is registered; a code goes out only to one that may log in.
#[utoipa::path(
    post,
    path = "/auth/code",
    tag = "auth",
    request_body = CodeRequest,
    responses(
        (status = 202, description = "Sent, if the phone may log in", body = CodeSent),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 404, description = "This server sends no SMS", body = ErrorBody),
        (status = 422, description = "Not a mobile number", body = ErrorBody),
        (status = 429, description = "Asked too often; see `Retry-After`", body = ErrorBody),
    )
)]
async fn send_code(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(input): ApiJson<CodeRequest>,
) -> Result<Response, AppError> {
    if !state.settings.notices.sends_sms() {
        return Err(AppError::NotFound);
    }
    let policy = ThrottlePolicy::default();
    accounts::send_login_code(&state.db, &policy, &input.phone, &address, Utc::now()).await?;
    let sent = CodeSent {
        valid_for_seconds: accounts::LOGIN_CODE_VALID_FOR.num_seconds(),
    };
    Ok((StatusCode::ACCEPTED, Json(sent)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CodeLogin {
    #[schema(example = "13812345678")]
    phone: String,
    #[schema(example = "042917")]
    code: String,
}

/// Log in with the code: a bearer token. A person someone registered for themselves gets
/// their own account here, the first time.
#[utoipa::path(
    post,
    path = "/auth/code/token",
    tag = "auth",
    request_body = CodeLogin,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 422, description = "Wrong, used or expired code (one answer for all)", body = ErrorBody),
        (status = 429, description = "Too many failures; see `Retry-After`", body = ErrorBody),
    )
)]
async fn token_by_code(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(input): ApiJson<CodeLogin>,
) -> Result<Json<TokenResponse>, AppError> {
    let policy = ThrottlePolicy::default();
    let now = Utc::now();
    let actor =
        accounts::log_in_with_code(&state.db, &policy, &input.phone, &input.code, &address, now)
            .await?;
    Ok(Json(token_for(&state, &actor).await?))
}

/// Someone the caller helps.
#[derive(Serialize, ToSchema)]
struct HelpedBody {
    person_id: Uuid,
    #[schema(example = "张奶奶")]
    name: String,
    /// Masked.
    #[schema(example = "138****2222")]
    phone: Option<String>,
    #[schema(example = 1948)]
    birth_year: Option<i32>,
    since: DateTime<Utc>,
    /// They log in themselves now; the caller no longer acts for them.
    claimed: bool,
}

impl From<Helped> for HelpedBody {
    fn from(h: Helped) -> Self {
        HelpedBody {
            person_id: h.person_id,
            name: h.name,
            phone: h.phone,
            birth_year: h.birth_year,
            since: h.since,
            claimed: h.claimed,
        }
    }
}

/// The people the caller registered and helps.
#[utoipa::path(
    get,
    path = "/me/helped",
    tag = "me",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "People I help", body = Vec<HelpedBody>),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn list_helped(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Json<Vec<HelpedBody>>, AppError> {
    let people = helping::helped_by(&state.db, &actor).await?;
    Ok(Json(people.into_iter().map(HelpedBody::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewHelped {
    #[schema(example = "张奶奶")]
    name: String,
    /// Empty or absent when they have no phone of their own.
    #[serde(default)]
    #[schema(example = "13800002222")]
    phone: String,
    #[schema(example = "1948")]
    birth_year: String,
    /// The caller states that the person agreed (recorded with who and when).
    #[schema(example = true)]
    agreed: bool,
    #[serde(default)]
    #[schema(example = "电话里问过，她同意")]
    note: String,
}

/// Register someone the caller helps (no smartphone): the caller then signs them up.
#[utoipa::path(
    post,
    path = "/me/helped",
    tag = "me",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = NewHelped,
    responses(
        (status = 201, description = "Registered", body = HelpedBody),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A field is wrong, consent not stated, or the phone is taken", body = ErrorBody),
    )
)]
async fn register_helped(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    ApiJson(input): ApiJson<NewHelped>,
) -> Result<Response, AppError> {
    let typed = HelpedInput {
        name: input.name,
        phone: input.phone,
        birth_year: input.birth_year,
        agreed: input.agreed,
        note: input.note,
    };
    let person = helping::register(&state.db, &actor, &typed, Utc::now()).await?;
    let registered = helping::helped_by(&state.db, &actor)
        .await?
        .into_iter()
        .find(|h| h.person_id == person.id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(HelpedBody::from(registered))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PersonBody {
    #[schema(example = "0193a5c2-7d1e-7c3b-9f00-3a1b2c3d4e5f")]
    person_id: Uuid,
}

/// Sign up a person the caller helps for a shift.
#[utoipa::path(
    post,
    path = "/shifts/{id}/signup-for",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Shift id")),
    request_body = PersonBody,
    responses(
        (status = 201, description = "Signed up", body = StandingBody),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such shift, or not someone the caller helps", body = ErrorBody),
        (status = 422, description = "Twice, overlapping, closed, cancelled or past", body = ErrorBody),
    )
)]
async fn sign_up_helped(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<PersonBody>,
) -> Result<Response, AppError> {
    let placed =
        signups::sign_up_helped(&state.db, &actor, id, input.person_id, Utc::now()).await?;
    state.metrics.signup(placed.standing.status.as_str());
    Ok((StatusCode::CREATED, Json(standing(&placed.standing))).into_response())
}

/// Cancel the place of a person the caller helps.
#[utoipa::path(
    delete,
    path = "/shifts/{id}/signup-for/{person_id}",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("id" = Uuid, Path, description = "Shift id"),
        ("person_id" = Uuid, Path, description = "The person helped"),
    ),
    responses(
        (status = 204, description = "Cancelled"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such shift, or not someone the caller helps", body = ErrorBody),
        (status = 422, description = "Not signed up, or the shift has begun", body = ErrorBody),
    )
)]
async fn cancel_helped(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path((id, person_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, AppError> {
    signups::cancel_helped(&state.db, &actor, id, person_id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DeskQuery {
    /// Part of a name, or the last four digits of a phone.
    #[param(example = "5678")]
    q: String,
}

/// Someone found at the desk.
#[derive(Serialize, ToSchema)]
struct DeskPersonBody {
    person_id: Uuid,
    #[schema(example = "王小明")]
    name: String,
    #[schema(example = "138****5678")]
    phone: Option<String>,
}

/// Staff at the market desk: find a walk-in volunteer (at most 20 answers).
#[utoipa::path(
    get,
    path = "/shifts/{id}/desk",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Shift id"), DeskQuery),
    responses(
        (status = 200, description = "People found", body = Vec<DeskPersonBody>),
        (status = 400, description = "No query", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such shift", body = ErrorBody),
    )
)]
async fn desk_search(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    Query(query): Query<DeskQuery>,
) -> Result<Json<Vec<DeskPersonBody>>, AppError> {
    let found = member::desk::search(&state.db, &actor, &query.q).await?;
    event::stalls::event_of_shift(&state.db, id).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|p| DeskPersonBody {
                person_id: p.person_id,
                name: p.name,
                phone: p.phone,
            })
            .collect(),
    ))
}

/// Staff at the market desk sign someone up: until the shift ends, past the deadline.
#[utoipa::path(
    post,
    path = "/shifts/{id}/desk",
    tag = "markets",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Shift id")),
    request_body = PersonBody,
    responses(
        (status = 201, description = "Signed up", body = StandingBody),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such shift or person", body = ErrorBody),
        (status = 422, description = "Twice, overlapping, cancelled or over", body = ErrorBody),
    )
)]
async fn desk_sign_up(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<PersonBody>,
) -> Result<Response, AppError> {
    let placed =
        signups::sign_up_at_desk(&state.db, &actor, id, input.person_id, Utc::now()).await?;
    state.metrics.signup(placed.standing.status.as_str());
    Ok((StatusCode::CREATED, Json(standing(&placed.standing))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct HelpedCorrection {
    #[schema(example = "张奶奶")]
    name: String,
    /// Empty or absent: no phone.
    #[serde(default)]
    #[schema(example = "13800002222")]
    phone: String,
    #[schema(example = "1948")]
    birth_year: String,
}

/// Correct someone the caller helps (a phone added lets them claim their account).
#[utoipa::path(
    put,
    path = "/me/helped/{person_id}",
    tag = "me",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("person_id" = Uuid, Path, description = "The person helped")),
    request_body = HelpedCorrection,
    responses(
        (status = 200, description = "Corrected", body = HelpedBody),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not someone the caller helps (or they took over)", body = ErrorBody),
        (status = 422, description = "A field is wrong, or the phone is taken", body = ErrorBody),
    )
)]
async fn update_helped(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(person_id): Path<Uuid>,
    ApiJson(input): ApiJson<HelpedCorrection>,
) -> Result<Json<HelpedBody>, AppError> {
    let typed = HelpedInput {
        name: input.name,
        phone: input.phone,
        birth_year: input.birth_year,
        ..HelpedInput::default()
    };
    helping::update(&state.db, &actor, person_id, &typed, Utc::now()).await?;
    let corrected = helping::helped_by(&state.db, &actor)
        .await?
        .into_iter()
        .find(|h| h.person_id == person_id)
        .ok_or(AppError::NotFound)?;
    Ok(Json(corrected.into()))
}

/// Delete the data of someone the caller helps: erased, places to come cancelled.
#[utoipa::path(
    delete,
    path = "/me/helped/{person_id}",
    tag = "me",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("person_id" = Uuid, Path, description = "The person helped")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not someone the caller helps (or they took over)", body = ErrorBody),
    )
)]
async fn erase_helped(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(person_id): Path<Uuid>,
) -> Result<StatusCode, AppError> {
    event::leaving::erase_helped(&state.db, &actor, person_id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
