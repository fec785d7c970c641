//! Authentication and one's own account over the API: bearer tokens, registration, my
//! data (see, correct, download, delete), password change, and the audit log for staff.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use member::accounts::{self, Registration};
use member::audit::{self, AuditFilter};
use member::privacy::{self, SelfUpdate};
use member::{FieldError, PRIVACY_NOTICE_VERSION, ThrottlePolicy, sessions};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::json::ApiJson;
use crate::auth::{ClientAddress, OwnedCredential, SignedIn};
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;
use crate::views;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_token, revoke_token))
        .routes(routes!(register))
        .routes(routes!(show_me, update_me, delete_me))
        .routes(routes!(change_password))
        .routes(routes!(export_me))
        .routes(routes!(list_audit_log))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    #[schema(example = "13812345678")]
    phone: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct TokenResponse {
    /// Send it as `Authorization: Bearer <token>`.
    token: String,
    #[schema(example = "Bearer")]
    token_type: &'static str,
    expires_at: DateTime<Utc>,
    me: Me,
}

/// The signed-in person.
#[derive(Serialize, ToSchema)]
struct Me {
    id: Uuid,
    name: String,
    /// Your own number, in full.
    phone: Option<String>,
    birth_date: Option<NaiveDate>,
    /// `admin`, `coordinator` or `volunteer`.
    #[schema(example = "volunteer")]
    role: String,
    privacy_notice_version: Option<String>,
    consented_at: Option<DateTime<Utc>>,
}

async fn load_me(state: &AppState, actor: &member::Actor) -> Result<Me, AppError> {
    let data = privacy::my_data(&state.db, actor, false).await?;
    Ok(Me {
        id: data.person.id,
        name: data.person.name,
        phone: data.person.phone,
        birth_date: data.person.birth_date,
        role: data.account.role.as_str().to_owned(),
        privacy_notice_version: data.person.privacy_notice_version,
        consented_at: data.person.consented_at,
    })
}

pub(super) async fn token_for(
    state: &AppState,
    actor: &member::Actor,
) -> Result<TokenResponse, AppError> {
    let (token, expires_at) = sessions::issue_api_token(&state.db, actor, Utc::now()).await?;
    Ok(TokenResponse {
        token,
        token_type: "Bearer",
        expires_at,
        me: load_me(state, actor).await?,
    })
}

/// Log in: phone and password for a bearer token. After repeated failures for a phone
/// or from an address the answer is 429 with `Retry-After`.
#[utoipa::path(
    post,
    path = "/auth/token",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Wrong phone or password (one answer for both)", body = ErrorBody),
        (status = 429, description = "Too many failures; see `Retry-After`", body = ErrorBody),
    )
)]
async fn issue_token(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(input): ApiJson<LoginRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    let actor = accounts::authenticate(
        &state.db,
        &ThrottlePolicy::default(),
        &input.phone,
        &input.password,
        &address,
        Utc::now(),
    )
    .await?;
    Ok(Json(token_for(&state, &actor).await?))
}

/// Log out: revokes the token the request carries (or ends the browser session).
#[utoipa::path(
    delete,
    path = "/auth/token",
    tag = "auth",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn revoke_token(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<StatusCode, AppError> {
    match &signed_in.credential {
        OwnedCredential::ApiToken(token) => {
            sessions::revoke_api_token(&state.db, &signed_in.actor, token, Utc::now()).await?;
        }
        OwnedCredential::Session(token) => {
            sessions::end_session(&state.db, &signed_in.actor, token).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RegisterRequest {
    name: String,
    #[schema(example = "13812345678")]
    phone: String,
    /// `YYYY-MM-DD`; under-14s cannot register themselves.
    #[schema(example = "1960-05-01")]
    birth_date: String,
    password: String,
    /// Must be true: the person agrees to the privacy notice…
    consent: bool,
    /// …of this version (the current one is on the registration page).
    #[schema(example = "2026-11-25")]
    privacy_notice_version: String,
}

/// What registration answers, whether or not the phone already had an account.
#[derive(Serialize, ToSchema)]
struct RegistrationReceived {
    /// Always "received": the same answer for a new phone and a known one.
    #[schema(example = "received")]
    status: &'static str,
    /// What to do next, in Chinese.
    message: String,
    /// Log in here with the phone and password (`POST`).
    #[schema(example = "/api/v1/auth/token")]
    login: &'static str,
}

/// Volunteer self-registration. The answer is 202 whether or not the phone already has an
/// account (so nobody learns who is registered); log in with `POST /auth/token` next. A
/// phone that already has an account keeps it and its password.
#[utoipa::path(
    post,
    path = "/accounts",
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 202, description = "Received: log in next", body = RegistrationReceived),
        (status = 400, description = "Malformed body or unknown field", body = ErrorBody),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
        (status = 429, description = "Too many registrations from this address; see `Retry-After`", body = ErrorBody),
    )
)]
async fn register(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(input): ApiJson<RegisterRequest>,
) -> Result<Response, AppError> {
    if input.consent && input.privacy_notice_version != PRIVACY_NOTICE_VERSION {
        return Err(AppError::InvalidFields(vec![FieldError::new(
            "privacy_notice_version",
            "error-consent-outdated",
        )]));
    }
    let registration = Registration {
        name: input.name,
        phone: input.phone,
        birth_date: input.birth_date,
        password_confirm: input.password.clone(),
        password: input.password,
        consent: input.consent,
    };
    accounts::register_volunteer(
        &state.db,
        &ThrottlePolicy::default(),
        &registration,
        &address,
        views::today(),
    )
    .await?;
    let received = RegistrationReceived {
        status: "received",
        message: crate::i18n::Lang::ZhCn.t("notice-registered"),
        login: "/api/v1/auth/token",
    };
    Ok((StatusCode::ACCEPTED, Json(received)).into_response())
}

/// Who I am, as the platform knows me.
#[utoipa::path(
    get,
    path = "/me",
    tag = "me",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The signed-in person", body = Me),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn show_me(State(state): State<AppState>, signed_in: SignedIn) -> Result<Json<Me>, AppError> {
    Ok(Json(load_me(&state, &signed_in.actor).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateMeRequest {
    #[schema(example = "李秀英")]
    name: String,
    phone: String,
    /// `YYYY-MM-DD`, or null to remove it.
    birth_date: Option<String>,
}

/// Correct my name, phone number or date of birth.
#[utoipa::path(
    put,
    path = "/me",
    tag = "me",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, description = "Saved", body = Me),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn update_me(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ApiJson(input): ApiJson<UpdateMeRequest>,
) -> Result<Json<Me>, AppError> {
    let update = SelfUpdate {
        name: input.name,
        phone: input.phone,
        birth_date: input.birth_date.unwrap_or_default(),
    };
    privacy::update_self(&state.db, &signed_in.actor, &update).await?;
    Ok(Json(load_me(&state, &signed_in.actor).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordRequest {
    #[schema(example = "my-passphrase-2026")]
    password: String,
}

/// Delete my account: personal data erased, anonymous totals kept. Needs the password.
#[utoipa::path(
    delete,
    path = "/me",
    tag = "me",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = PasswordRequest,
    responses(
        (status = 204, description = "Deleted"),
        (status = 422, description = "Wrong password", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn delete_me(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ApiJson(input): ApiJson<PasswordRequest>,
) -> Result<StatusCode, AppError> {
    event::leaving::delete_own_account(&state.db, &signed_in.actor, &input.password, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ChangePasswordRequest {
    current_password: String,
    #[schema(example = "a-new-passphrase-2026")]
    new_password: String,
}

/// Change my password. Every other session and token ends; this one stays valid.
#[utoipa::path(
    post,
    path = "/me/password",
    tag = "me",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ApiJson(input): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, AppError> {
    accounts::change_password(
        &state.db,
        &signed_in.actor,
        &input.current_password,
        &input.new_password,
        &input.new_password,
        Some(signed_in.credential.as_credential()),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Everything stored about me, to keep (the download is written to the audit log).
#[utoipa::path(
    get,
    path = "/me/export",
    tag = "me",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Person, account, sessions, tokens, audit entries, notification choices, the people I help, and `service`: the services that count, their hours and the certificates issued", content_type = "application/json"),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn export_me(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<crate::views::MyExport>, AppError> {
    Ok(Json(crate::views::MyExport {
        data: privacy::my_data(&state.db, &signed_in.actor, true).await?,
        service: event::certificates::service_record_of(
            &state.db,
            signed_in.actor.person_id,
            Utc::now(),
        )
        .await?,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// One of the actions, e.g. `account.login`, `person.phone_reveal`.
    action: Option<String>,
    /// Entries at or after this time (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Entries before this time (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// Whose actions.
    actor_id: Option<Uuid>,
    /// About whom.
    subject_id: Option<Uuid>,
    /// 1-based page of 50 entries.
    page: Option<u64>,
}

#[derive(Serialize, ToSchema)]
struct AuditEntry {
    at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    actor_name: Option<String>,
    action: String,
    subject_type: String,
    subject_id: Option<Uuid>,
    detail: String,
}

#[derive(Serialize, ToSchema)]
struct AuditLog {
    #[schema(example = 120)]
    total: u64,
    entries: Vec<AuditEntry>,
}

/// The audit log, newest first (coordinators and admins).
#[utoipa::path(
    get,
    path = "/audit-log",
    tag = "audit",
    security(("bearer" = []), ("session_cookie" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "Entries", body = AuditLog),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 422, description = "Unknown action", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
    )
)]
async fn list_audit_log(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditLog>, AppError> {
    if let Some(action) = &query.action
        && !audit::ACTIONS.contains(&action.as_str())
    {
        return Err(AppError::InvalidFields(vec![FieldError::new(
            "action",
            "error-audit-action-unknown",
        )]));
    }
    let filter = AuditFilter {
        action: query.action,
        actor_id: query.actor_id,
        subject_id: query.subject_id,
        from: query.from,
        until: query.until,
    };
    let page = crate::views::page_number(query.page);
    let listing = audit::list(&state.db, &signed_in.actor, &filter, page, 50).await?;
    Ok(Json(AuditLog {
        total: listing.total,
        entries: listing
            .rows
            .into_iter()
            .map(|row| AuditEntry {
                at: row.entry.at,
                actor_id: row.entry.actor_id,
                actor_name: row.actor_name,
                action: row.entry.action,
                subject_type: row.entry.subject_type,
                subject_id: row.entry.subject_id,
                detail: row.entry.detail,
            })
            .collect(),
    }))
}
