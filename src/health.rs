use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(check_health))
}

/// For load balancers and monitoring: 200 when the database answers a real query,
/// 503 when it does not (within two seconds).
async fn check_health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let query = Statement::from_string(state.db.get_database_backend(), "SELECT 1");
    let ping = tokio::time::timeout(Duration::from_secs(2), state.db.query_one_raw(query)).await;
    match ping {
        Ok(Ok(_)) => (
            StatusCode::OK,
            Json(json!({"status": "ok", "database": "ok"})),
        ),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            unavailable()
        }
        Err(_) => {
            tracing::warn!("health check: database did not answer in time");
            unavailable()
        }
    }
}

fn unavailable() -> (StatusCode, Json<Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"status": "unavailable", "database": "unreachable"})),
    )
}
