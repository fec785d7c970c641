//! Server-rendered pages. Each module exposes `routes()`; `router.rs` merges them.

mod account;
mod admin;
mod assets;
mod calendar;
mod certificates;
mod code_login;
mod dashboard;
mod forms;
mod helping;
mod home;
mod markets;
mod me;
mod members;
mod notifications;
mod orgs;
mod pager;
mod projects;
mod publicity;
mod records;
mod requests;
mod rounds;
mod scheduling;
mod sent_reports;
mod tally;
mod volunteer_record;

use axum::Router;
use axum::response::Html;
use serde::Serialize;

use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;

pub use markets::MarketBody;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(home::routes())
        .merge(account::routes())
        .merge(code_login::routes())
        .merge(helping::routes())
        .merge(tally::routes())
        .merge(volunteer_record::routes())
        .merge(publicity::routes())
        .merge(rounds::routes())
        .merge(me::routes())
        .merge(notifications::routes())
        .merge(admin::routes())
        .merge(orgs::routes())
        .merge(members::routes())
        .merge(projects::routes())
        .merge(markets::routes())
        .merge(scheduling::routes())
        .merge(calendar::routes())
        .merge(records::routes())
        .merge(dashboard::routes())
        .merge(sent_reports::routes())
        .merge(certificates::routes())
        .merge(requests::routes())
        .merge(assets::routes())
}

/// Renders a page template; a template fault is a 500 with the detail in the log.
fn render(
    state: &AppState,
    context: &PageContext,
    template: &str,
    page: &impl Serialize,
) -> Result<Html<String>, AppError> {
    crate::templates::render(&state.templates, context, template, page)
        .map(Html)
        .map_err(|err| AppError::Internal(format!("template {template}: {err}")))
}

/// A form refused: the page again, with what was typed and why, as 422.
fn invalid(
    state: &AppState,
    context: &PageContext,
    template: &str,
    page: &impl Serialize,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let html = render(state, context, template, page)?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

/// The full address of a path on this site and its QR code as SVG, for posters that
/// phones scan.
fn qr_for(state: &AppState, path: &str) -> Result<(String, String), AppError> {
    let url = format!("{}{path}", state.settings.origin());
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| AppError::Internal(format!("qr: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(320, 320)
        .build();
    Ok((url, svg))
}

/// A one-time code, shown once to the coordinator or leader who passes it on.
#[derive(Serialize)]
struct CodePage {
    name: String,
    code: String,
    /// A new account (else a code for an existing one).
    created: bool,
    valid_hours: i64,
    back: String,
    /// Where its owner types it: the address to hand over with the code.
    reset_url: String,
}

/// A full phone number, revealed on request (and logged).
#[derive(Serialize)]
struct PhonePage {
    name: String,
    phone: String,
    back: String,
}
