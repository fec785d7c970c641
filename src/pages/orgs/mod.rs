//! Organizations: the public directory and detail page, applying for incubation,
//! registering, editing, and moving an organization through its stages.

use axum::Router;
use axum::routing::get;
use member::orgs::{Registration, Stage, Theme};

use crate::i18n::Lang;
use crate::state::AppState;

mod detail;
mod directory;
mod form;
mod logo;
mod stages;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(directory::show_directory))
        .route(
            "/orgs/apply",
            get(form::show_apply).post(form::submit_apply),
        )
        .route("/orgs/new", get(form::show_new).post(form::submit_new))
        .route("/orgs/{id}", get(detail::show_detail))
        .route(
            "/orgs/{id}/edit",
            get(form::show_edit).post(form::submit_edit),
        )
        .route(
            "/orgs/{id}/stage",
            get(stages::show_stage).post(stages::submit_stage),
        )
        .route(
            "/orgs/{id}/logo",
            get(logo::show_logo).post(logo::upload_logo),
        )
}

const PER_PAGE: u64 = 20;

pub(super) fn theme_label(lang: Lang, theme: Theme) -> String {
    lang.t(&format!("theme-{}", theme.as_str().replace('_', "-")))
}

pub(super) fn stage_label(lang: Lang, stage: Stage) -> String {
    lang.t(&format!("stage-{}", stage.as_str()))
}

fn registration_label(lang: Lang, registration: Registration) -> String {
    lang.t(&format!("registration-{}", registration.as_str()))
}
