//! `GET /metrics` in the Prometheus text format: requests by route and status with their
//! latency, the database pool, sign-ups and check-ins. Off unless a setting names who may
//! read it (client addresses, or a bearer token), since routes and volumes are nobody
//! else's business.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use sha2::{Digest, Sha256};

use crate::auth::ClientAddress;
use crate::errors::AppError;
use crate::state::AppState;

/// The application's counters; one set per running app (tests run several at once).
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    signups: IntCounterVec,
    checkins: IntCounterVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("weiyifang".to_owned()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer a request")
                .buckets(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ]),
            &["method", "route"],
        )?;
        let signups = IntCounterVec::new(
            Opts::new("signups_total", "Shift sign-ups taken, by outcome"),
            &["status"],
        )?;
        let checkins = IntCounterVec::new(
            Opts::new("checkins_total", "Volunteer check-ins and check-outs"),
            &["kind"],
        )?;
        let pool_connections = IntGauge::new("db_pool_connections", "Open database connections")?;
        let pool_idle = IntGauge::new("db_pool_idle", "Idle database connections")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(signups.clone()))?;
        registry.register(Box::new(checkins.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            signups,
            checkins,
            pool_connections,
            pool_idle,
        })
    }

    /// A sign-up was taken: `confirmed` or `waitlisted`.
    pub fn signup(&self, status: &str) {
        self.signups.with_label_values(&[status]).inc();
    }

    /// A volunteer scanned in (`in`) or out (`out`).
    pub fn checkin(&self, kind: &str) {
        self.checkins.with_label_values(&[kind]).inc();
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    fn render(&self, db: &DatabaseConnection) -> String {
        let (size, idle) = match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        self.pool_connections.set(i64::from(size));
        self.pool_idle.set(i64::try_from(idle).unwrap_or(i64::MAX));
        let mut buffer = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(error = %err, "metrics could not be encoded");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

/// Middleware: counts every request under its route pattern (`/markets/{id}`, never the
/// concrete path, so the number of series stays small).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// `GET /metrics`: 404 while metrics are off; 403 for a reader who is neither from an
/// allowed address nor holding the token.
pub async fn show(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let settings = &state.settings;
    let allowed_addresses = settings.metrics_allowed_addresses();
    let token = settings.metrics_token.trim();
    if allowed_addresses.is_empty() && token.is_empty() {
        return Err(AppError::NotFound);
    }
    let presented = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    // Compared as digests: equal length, and no early exit on the first differing byte.
    let by_token = !token.is_empty() && presented.is_some_and(|p| digest(p) == digest(token));
    let by_address = allowed_addresses.contains(&address);
    if !(by_token || by_address) {
        return Err(AppError::Forbidden);
    }
    Ok((
        StatusCode::OK,
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(&state.db),
    )
        .into_response())
}
