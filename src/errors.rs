//! One error type for the web layer.
//!
//! A handler returns `AppError`; its response carries an [`ErrorReport`] and no body.
//! The [`render_errors`] middleware, which knows the request, turns every error response
//! (ours, axum's extractor rejections, 404 and 405 from the router, a caught panic) into
//! the right format: an HTML page in the reader's language, or under `/api/` a JSON body
//! `{"error":{"code":"…","message":"…"}}` with a stable code and a Chinese message.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sea_orm::DbErr;
use serde::Serialize;
use utoipa::ToSchema;

use member::{FieldError, MemberError};

use crate::state::AppState;
use crate::templates;
use crate::templates::PageContext;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Input the request carried is unusable; the message is a catalogue key.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// Fields of a form or JSON body that cannot be used; reasons are catalogue keys.
    #[error("invalid fields: {0:?}")]
    InvalidFields(Vec<FieldError>),
    /// Phone and password do not match an account (the same for every reason).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// A request the framework refused before any handler ran (body too large, …).
    #[error("rejected with {0}")]
    Rejected(StatusCode),
    /// Nobody is signed in (the API answers 401; pages redirect to the login first).
    #[error("not signed in")]
    Unauthorized,
    /// Signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Too many failed logins: try again after this many seconds.
    #[error("throttled for {0} s")]
    Throttled(u64),
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<MemberError> for AppError {
    fn from(err: MemberError) -> Self {
        match err {
            MemberError::Invalid(fields) => AppError::InvalidFields(fields),
            MemberError::InvalidCredentials => AppError::InvalidCredentials,
            MemberError::Throttled { retry_after_secs } => AppError::Throttled(retry_after_secs),
            MemberError::Forbidden => AppError::Forbidden,
            MemberError::NotFound => AppError::NotFound,
            MemberError::Internal(detail) => AppError::Internal(detail),
            MemberError::Database(db) => AppError::Database(db),
        }
    }
}

impl From<project::ProjectError> for AppError {
    fn from(err: project::ProjectError) -> Self {
        use project::ProjectError;
        match err {
            ProjectError::Invalid(fields) => AppError::InvalidFields(fields),
            ProjectError::Forbidden => AppError::Forbidden,
            ProjectError::NotFound => AppError::NotFound,
            ProjectError::Internal(detail) => AppError::Internal(detail),
            ProjectError::Database(db) => AppError::Database(db),
        }
    }
}

impl From<event::EventError> for AppError {
    fn from(err: event::EventError) -> Self {
        match err {
            event::EventError::Invalid(fields) => AppError::InvalidFields(fields),
            event::EventError::Forbidden => AppError::Forbidden,
            event::EventError::NotFound => AppError::NotFound,
            event::EventError::Database(db) => AppError::Database(db),
        }
    }
}

impl From<report::ReportError> for AppError {
    fn from(err: report::ReportError) -> Self {
        use report::ReportError;
        match err {
            ReportError::Member(err) => err.into(),
            ReportError::Project(err) => err.into(),
            ReportError::Event(err) => err.into(),
            ReportError::Triage(err) => err.into(),
            ReportError::File(detail) => AppError::Internal(detail),
        }
    }
}

impl From<triage::TriageError> for AppError {
    fn from(err: triage::TriageError) -> Self {
        use triage::TriageError;
        match err {
            TriageError::Invalid(fields) => AppError::InvalidFields(fields),
            TriageError::Forbidden => AppError::Forbidden,
            TriageError::NotFound => AppError::NotFound,
            TriageError::Throttled(secs) => AppError::Throttled(secs),
            TriageError::Internal(detail) => AppError::Internal(detail),
            TriageError::Database(db) => AppError::Database(db),
        }
    }
}

/// What went wrong, in the words the client will see.
#[derive(Clone, Copy, Debug)]
pub struct ErrorReport {
    pub status: StatusCode,
    /// Stable, machine-readable: `not_found`, `invalid_input`, …
    pub code: &'static str,
    /// Catalogue key of the human message.
    pub message_key: &'static str,
}

impl ErrorReport {
    /// The report for an error response that carries none (axum's own answers).
    fn for_status(status: StatusCode) -> Self {
        let (code, message_key) = match status {
            StatusCode::NOT_FOUND => ("not_found", "error-not-found"),
            StatusCode::UNAUTHORIZED => ("unauthorized", "error-unauthorized"),
            StatusCode::FORBIDDEN => ("forbidden", "error-forbidden"),
            StatusCode::REQUEST_TIMEOUT => ("timeout", "error-timeout"),
            StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "error-method-not-allowed"),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "error-payload-too-large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported_media_type", "error-unsupported-media-type")
            }
            StatusCode::TOO_MANY_REQUESTS => ("too_many_requests", "error-too-many-requests"),
            StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "error-unavailable"),
            s if s.is_client_error() => ("bad_request", "error-bad-request"),
            _ => ("internal", "error-internal"),
        };
        Self {
            status,
            code,
            message_key,
        }
    }
}

impl AppError {
    pub fn report(&self) -> ErrorReport {
        match self {
            AppError::NotFound | AppError::Database(DbErr::RecordNotFound(_)) => {
                ErrorReport::for_status(StatusCode::NOT_FOUND)
            }
            AppError::InvalidInput(key) => ErrorReport {
                status: StatusCode::BAD_REQUEST,
                code: "invalid_input",
                message_key: key,
            },
            AppError::InvalidFields(_) => ErrorReport {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "invalid_input",
                message_key: "error-invalid-fields",
            },
            AppError::Unauthorized => ErrorReport::for_status(StatusCode::UNAUTHORIZED),
            AppError::InvalidCredentials => ErrorReport {
                status: StatusCode::UNAUTHORIZED,
                code: "invalid_credentials",
                message_key: "error-login-failed",
            },
            AppError::Rejected(status) => ErrorReport::for_status(*status),
            AppError::Forbidden => ErrorReport::for_status(StatusCode::FORBIDDEN),
            AppError::Throttled(_) => ErrorReport::for_status(StatusCode::TOO_MANY_REQUESTS),
            AppError::Database(_) | AppError::Internal(_) => {
                ErrorReport::for_status(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let report = self.report();
        if report.status.is_server_error() {
            // The detail goes to the log, never to the client.
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(error = %self, "request refused");
        }
        let mut response = report.status.into_response();
        match self {
            AppError::Throttled(secs) => {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(secs));
            }
            AppError::InvalidFields(fields) => {
                response.extensions_mut().insert(InvalidFields(fields));
            }
            AppError::Unauthorized => {
                response.headers_mut().insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"weiyifang\""),
                );
            }
            _ => {}
        }
        response.extensions_mut().insert(report);
        response
    }
}

/// The JSON error body of the API.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `not_found`, `invalid_input`, `internal`.
    #[schema(example = "not_found")]
    pub code: String,
    /// What went wrong, for people (Chinese by default).
    #[schema(example = "找不到您要的页面或数据。")]
    pub message: String,
    /// For `invalid_input`: which fields are wrong and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldMessage>,
    /// The request's id (also in the `x-request-id` header), to quote when reporting it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub request_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct FieldMessage {
    #[schema(example = "phone")]
    pub field: String,
    /// Stable reason, e.g. `error-phone-invalid`.
    #[schema(example = "error-phone-invalid")]
    pub reason: String,
    #[schema(example = "请输入 11 位手机号码。")]
    pub message: String,
}

/// The field errors behind an `invalid_input` response, for its JSON body.
#[derive(Clone, Debug)]
struct InvalidFields(Vec<FieldError>);

#[derive(Serialize)]
struct ErrorPage {
    status: u16,
    message: String,
    /// Shown so a coordinator can quote it when reporting the problem.
    request_id: String,
}

impl ErrorBody {
    /// The API's error body: the code, the message, and each refused field's reason.
    fn of(
        lang: crate::i18n::Lang,
        report: ErrorReport,
        message: String,
        fields: Option<&InvalidFields>,
        request_id: String,
    ) -> ErrorBody {
        let fields = fields
            .map(|InvalidFields(fields)| {
                fields
                    .iter()
                    .map(|f| FieldMessage {
                        field: f.field.to_owned(),
                        reason: f.reason.to_owned(),
                        message: lang.t(f.reason),
                    })
                    .collect()
            })
            .unwrap_or_default();
        ErrorBody {
            error: ErrorDetail {
                code: report.code.to_owned(),
                message,
                fields,
                request_id,
            },
        }
    }
}

/// Middleware: gives every error response its body, HTML or JSON by path.
pub async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let context = PageContext::from_extensions(request.extensions(), request.uri().path());
    let locale = &context.locale;
    let is_api = locale.path.starts_with("/api/");
    let request_id = request
        .headers()
        .get(crate::router::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();

    let response = next.run(request).await;
    let Some(report) = response
        .extensions()
        .get::<ErrorReport>()
        .copied()
        .or_else(|| is_bare_error(&response).then(|| ErrorReport::for_status(response.status())))
    else {
        return response;
    };

    let message = locale.lang.t(report.message_key);
    let (content_type, body) = if is_api {
        let fields = response.extensions().get::<InvalidFields>();
        let body = ErrorBody::of(locale.lang, report, message, fields, request_id);
        let json = serde_json::to_string(&body).unwrap_or_default();
        ("application/json", json)
    } else {
        let page = ErrorPage {
            status: report.status.as_u16(),
            message,
            request_id,
        };
        match templates::render(&state.templates, &context, "pages/error", &page) {
            Ok(html) => ("text/html; charset=utf-8", html),
            Err(err) => {
                tracing::error!(error = %err, "error page failed to render");
                ("text/plain; charset=utf-8", page.message)
            }
        }
    };

    let (mut parts, _) = response.into_parts();
    parts.status = report.status;
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    Response::from_parts(parts, Body::from(body))
}

/// An error status whose body was not written for people: empty, or axum's plain text.
fn is_bare_error(response: &Response) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    match response.headers().get(CONTENT_TYPE) {
        None => true,
        Some(value) => value.as_bytes().starts_with(b"text/plain"),
    }
}
