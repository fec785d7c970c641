//! The one router: pages, health, the API and its document, and the layers every
//! request passes through.

use std::sync::Arc;

use axum::http::Request;
use axum::http::header::{self, HeaderValue};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::errors::{AppError, render_errors};
use crate::i18n::negotiate_language;
use crate::state::AppState;
use crate::{api, health, pages};

/// No inline script or style, no framing, no third-party origins.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; \
     frame-ancestors 'none'";

pub fn build_router(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);

    let mut router = Router::new()
        .merge(pages::routes())
        .merge(health::routes())
        .merge(api_router)
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
        // the language is known before errors are rendered, panics become 500s inside.
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(state, render_errors))
        .layer(from_fn(negotiate_language));

    for (name, value) in [
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

    router.layer(
        TraceLayer::new_for_http()
            // Method and path only: query strings and bodies may carry personal data.
            .make_span_with(|request: &Request<_>| {
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
            })
            .on_response(
                DefaultOnResponse::new()
                    .level(Level::INFO)
                    .latency_unit(tower_http::LatencyUnit::Millis),
            ),
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::Internal("a handler panicked".to_owned()).into_response()
}
