//! The one router: pages, health, the API and its document, and the layers every
//! request passes through.

use std::sync::Arc;

use axum::http::Request;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::identify;
use crate::errors::{AppError, render_errors};
use crate::i18n::negotiate_language;
use crate::state::AppState;
use crate::{api, health, pages};

/// The header that carries each request's id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// No inline script or style, no framing, no third-party origins.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; \
     frame-ancestors 'none'";

/// Forms and JSON bodies are small; anything bigger is refused with 413.
const MAX_REQUEST_BODY_BYTES: usize = 2 * 1024 * 1024;

pub fn build_router(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(api::with_common_responses(openapi));

    let mut router = Router::new()
        .merge(pages::routes())
        .merge(health::routes())
        .merge(api_router)
        .route("/metrics", get(crate::metrics::show))
        .route(
            "/api/openapi.json",
            get(move || {
                let openapi = Arc::clone(&openapi);
                async move { Json(openapi.as_ref().clone()) }
            }),
        )
        .fallback(|| async { AppError::NotFound })
        .with_state(state.clone())
        // Layers run outside-in in reverse order of this list: tracing sees everything,
        // the language and the person are known before errors are rendered, and every
        // refusal below (forged form, oversized body, timeout, panic) gets a proper page
        // or JSON body from `render_errors`.
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn(refuse_non_utf8_forms))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.settings.request_timeout(),
        ))
        .layer(RequestBodyLimitLayer::new(MAX_REQUEST_BODY_BYTES))
        // Cross-site form posts are refused by `Sec-Fetch-Site`/`Origin`; API clients
        // that send neither (curl, apps) authenticate with a bearer token instead.
        .layer(CsrfLayer::new())
        .layer(from_fn_with_state(state.clone(), render_errors))
        .layer(from_fn_with_state(state.clone(), identify))
        .layer(from_fn(negotiate_language))
        .layer(from_fn_with_state(state, crate::metrics::track));

    for (name, value) in [
        // Pages show personal data; nothing dynamic is cached (static files say otherwise).
        (header::CACHE_CONTROL, "no-store"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }

    router
        .layer(
            TraceLayer::new_for_http()
                // Method and path only: query strings and bodies may carry personal data.
                .make_span_with(|request: &Request<_>| {
                    let id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!("request", id, method = %request.method(), path = %loggable_path(request.uri().path()))
                })
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Millis),
                ),
        )
        // Outermost: every request gets an id (or keeps the proxy's), which the log, the
        // `x-request-id` response header and error pages all show.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Paths whose last segment is a secret (a calendar feed, a check-in code) are logged
/// without it: server logs are read by more people than the secrets are meant for.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/calendar/", "/checkin/"] {
        if path.starts_with(prefix) {
            return format!("{prefix}…").into();
        }
    }
    path.into()
}

/// Form posts must be UTF-8 once percent-decoded, as every browser sends them: decoding
/// leniently would store replacement characters in place of what was typed. The JSON API
/// refuses such bodies already.
async fn refuse_non_utf8_forms(request: Request<axum::body::Body>, next: Next) -> Response {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REQUEST_BODY_BYTES).await else {
        return AppError::Rejected(StatusCode::PAYLOAD_TOO_LARGE).into_response();
    };
    if !form_is_utf8(&bytes) {
        return AppError::InvalidInput("error-form-not-utf8").into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Every name and value of an `application/x-www-form-urlencoded` body, percent-decoded,
/// is UTF-8.
fn form_is_utf8(body: &[u8]) -> bool {
    let hex = |b: u8| (b as char).to_digit(16);
    body.split(|b| matches!(b, b'&' | b'=')).all(|part| {
        let mut decoded = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match (
                part[i],
                part.get(i + 1).copied().and_then(hex),
                part.get(i + 2).copied().and_then(hex),
            ) {
                (b'%', Some(high), Some(low)) => {
                    decoded.push(u8::try_from(high * 16 + low).unwrap_or(0));
                    i += 3;
                }
                (byte, _, _) => {
                    decoded.push(byte);
                    i += 1;
                }
            }
        }
        std::str::from_utf8(&decoded).is_ok()
    })
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::Internal("a handler panicked".to_owned()).into_response()
}

#[cfg(test)]
mod tests {
    use super::{form_is_utf8, loggable_path};

    #[test]
    fn form_bodies_must_decode_to_utf8() {
        assert!(form_is_utf8(b"name=%E6%9D%8E&phone=139+1234"));
        assert!(form_is_utf8(b"a=100%25&b=%zz"));
        assert!(!form_is_utf8(b"name=%FF%FE"));
        assert!(!form_is_utf8(b"name=\xff"));
    }

    #[test]
    fn secrets_in_paths_stay_out_of_the_log() {
        assert_eq!(loggable_path("/calendar/0123abcd.ics"), "/calendar/…");
        assert_eq!(loggable_path("/checkin/0123abcd"), "/checkin/…");
        assert_eq!(loggable_path("/markets/123"), "/markets/123");
    }
}
