//! Server-rendered pages. Each module exposes `routes()`; `router.rs` merges them.

mod assets;
mod home;

use axum::Router;
use axum::response::Html;
use serde::Serialize;

use crate::errors::AppError;
use crate::i18n::RequestLocale;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().merge(home::routes()).merge(assets::routes())
}

/// Renders a page template; a template fault is a 500 with the detail in the log.
fn render(
    state: &AppState,
    locale: &RequestLocale,
    template: &str,
    page: &impl Serialize,
) -> Result<Html<String>, AppError> {
    crate::templates::render(&state.templates, locale, template, page)
        .map(Html)
        .map_err(|err| AppError::Internal(format!("template {template}: {err}")))
}
