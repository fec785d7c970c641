//! 三事分流 pages: a resident reports a problem from their phone and follows it with a
//! tracking code; coordinators triage and follow the board; leaders handle the small
//! matters assigned to their organization; the public board shows every request without
//! anything personal; residents rate a resolved request or a market-day stall.

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use triage::{Category, Class, Level};
use uuid::Uuid;

use super::forms::Choice;
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::views;

mod boards;
mod detail;

use detail::{Step, step_route};
mod report;
mod stall_rating;
mod track;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/requests/new",
            get(report::show_new).post(report::submit_new),
        )
        .route("/requests/track", get(track::show_track))
        .route("/requests/track/rate", post(track::submit_rating))
        .route("/requests/board", get(boards::show_board))
        .route("/requests", get(boards::show_manage))
        .route("/requests/{id}", get(detail::show_detail))
        .route("/requests/{id}/classify", step_route(Step::Classify))
        .route("/requests/{id}/accept", step_route(Step::Accept))
        .route("/requests/{id}/hand-back", step_route(Step::HandBack))
        .route("/requests/{id}/note", step_route(Step::Note))
        .route("/requests/{id}/resolve", step_route(Step::Resolve))
        .route("/requests/{id}/close", step_route(Step::Close))
        .route("/requests/{id}/summary", step_route(Step::Summary))
        .route("/requests/{id}/phone", post(detail::reveal_phone))
        .route(
            "/stalls/{id}/rate",
            get(stall_rating::show_stall_rating).post(stall_rating::submit_stall_rating),
        )
        .route(
            "/stalls/{id}/rating-qr",
            get(stall_rating::show_stall_rating_qr),
        )
}

const PER_PAGE: u64 = 20;

/// The catalogue's word for a value of a vocabulary: `request-class-big`, …
pub fn label(lang: Lang, prefix: &str, value: &str) -> String {
    lang.t(&format!("{prefix}-{}", value.replace('_', "-")))
}

fn choices(lang: Lang, prefix: &str, values: &[&'static str], selected: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_owned(),
            label: label(lang, prefix, v),
            selected: *v == selected,
        })
        .collect()
}

fn category_choices(lang: Lang, selected: &str) -> Vec<Choice> {
    let values: Vec<&'static str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    choices(lang, "request-category", &values, selected)
}

fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_days().max(0)
}

/// Who answers for a request now, in words anyone may read.
fn responsible(lang: Lang, found: &triage::Request, org_name: Option<&str>) -> String {
    match (found.class, org_name) {
        (Some(Class::Big), _) if !found.department.is_empty() => found.department.clone(),
        (Some(Class::Small), Some(name)) => name.to_owned(),
        (Some(Class::Private), _) => lang.t("request-responsible-resident"),
        _ => lang.t("request-responsible-community"),
    }
}

async fn org_names(
    state: &AppState,
    rows: &[triage::Request],
) -> Result<std::collections::HashMap<Uuid, String>, AppError> {
    Ok(member::orgs::names(&state.db, rows.iter().filter_map(|r| r.organization_id)).await?)
}

/// A request as a line of a list: what anyone may know of it.
#[derive(Serialize)]
struct RequestRow {
    id: Uuid,
    category: String,
    community: String,
    class: Option<&'static str>,
    class_label: String,
    status: &'static str,
    status_label: String,
    responsible: String,
    submitted: String,
    deadline: Option<String>,
    overdue: bool,
    days_open: i64,
    summary: String,
}

fn row(
    lang: Lang,
    found: &triage::Request,
    org_name: Option<&str>,
    now: DateTime<Utc>,
) -> RequestRow {
    RequestRow {
        id: found.id,
        category: label(lang, "request-category", found.category.as_str()),
        community: found.community.clone(),
        class: found.class.map(Class::as_str),
        class_label: match found.class {
            Some(class) => label(lang, "request-class", class.as_str()),
            None => lang.t("request-class-none"),
        },
        status: found.status.as_str(),
        status_label: label(lang, "request-status", found.status.as_str()),
        responsible: responsible(lang, found, org_name),
        submitted: views::format_date(lang, found.created_at),
        deadline: found.due_at.map(|due| views::format_date(lang, due)),
        overdue: found.is_overdue(now),
        days_open: days_between(found.created_at, found.resolved_at.unwrap_or(now)),
        summary: found.public_summary.clone(),
    }
}

fn level_choices(lang: Lang, selected: &str) -> Vec<Choice> {
    let values: Vec<&'static str> = Level::ALL.iter().map(|l| l.as_str()).collect();
    choices(lang, "rating-level", &values, selected)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
/// A rating: of a resolved request (with its code) or of a market-day stall.
struct RatingForm {
    code: String,
    level: String,
    comment: String,
    reopen: Option<String>,
    reopen_reason: String,
    /// A stall's rating: the resident's phone for 人数, if they give it.
    phone: String,
}
