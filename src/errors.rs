//! One error type for the web layer.
//!
//! A handler returns `AppError`; its response carries an [`ErrorReport`] and no body.
//! The [`render_errors`] middleware, which knows the request, turns every error response
//! (ours, axum's extractor rejections, 404 and 405 from the router, a caught panic) into
//! the right format: an HTML page in the reader's language, or under `/api/` a JSON body
//! `{"error":{"code":"…","message":"…"}}` with a stable code and a Chinese message.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sea_orm::DbErr;
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::{Lang, RequestLocale};
use crate::state::AppState;
use crate::templates;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Input the request carried is unusable; the message is a catalogue key.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<event::EventError> for AppError {
    fn from(err: event::EventError) -> Self {
        match err {
            event::EventError::Database(db) => AppError::Database(db),
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
}

#[derive(Serialize)]
struct ErrorPage {
    status: u16,
    message: String,
}

/// Middleware: gives every error response its body, HTML or JSON by path.
pub async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let locale = request
        .extensions()
        .get::<RequestLocale>()
        .cloned()
        .unwrap_or_else(|| RequestLocale {
            lang: Lang::default(),
            path: request.uri().path().to_owned(),
        });
    let is_api = locale.path.starts_with("/api/");

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
        let body = ErrorBody {
            error: ErrorDetail {
                code: report.code.to_owned(),
                message,
            },
        };
        (
            "application/json",
            serde_json::to_string(&body).unwrap_or_default(),
        )
    } else {
        let page = ErrorPage {
            status: report.status.as_u16(),
            message,
        };
        match templates::render(&state.templates, &locale, "pages/error", &page) {
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
