use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

use crate::errors::AppError;
use crate::state::AppState;

/// Stylesheets, scripts and images from `web/static/`, embedded in the binary.
#[derive(RustEmbed)]
#[folder = "web/static/"]
struct StaticFiles;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/{*path}", get(show_asset))
        .route("/sw.js", get(service_worker))
}

/// The tally page's service worker, from the root so that it may look after `/stalls/…`;
/// browsers check it for a new version at every visit.
async fn service_worker() -> Result<Response, AppError> {
    let file = StaticFiles::get("js/sw.js").ok_or(AppError::NotFound)?;
    Ok((
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8".to_owned()),
            (CACHE_CONTROL, "no-cache".to_owned()),
        ],
        file.data,
    )
        .into_response())
}

async fn show_asset(Path(path): Path<String>) -> Result<Response, AppError> {
    let file = StaticFiles::get(&path).ok_or(AppError::NotFound)?;
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    Ok((
        [
            (CONTENT_TYPE, mime.as_ref().to_owned()),
            (CACHE_CONTROL, "public, max-age=3600".to_owned()),
        ],
        file.data,
    )
        .into_response())
}
