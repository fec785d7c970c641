//! Projects and their funding: the public list and page with its ledger, creating and
//! editing projects, recording money and reversals, exports, and the staff overview.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use member::Actor;
use member::orgs::Theme;
use project::ledger::Source;
use project::projects::{self, ProjectFilter, Status};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::Choice;
use super::orgs::theme_label;
use super::pager::Pager;
use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

mod detail;
mod exports;
mod form;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(show_list))
        .route("/projects/new", get(form::show_new).post(form::submit_new))
        .route("/projects/{id}", get(detail::show_detail))
        .route(
            "/projects/{id}/edit",
            get(form::show_edit).post(form::submit_edit),
        )
        .route("/projects/{id}/status", post(form::submit_status))
        .route("/projects/{id}/funding", post(detail::submit_entry))
        .route(
            "/projects/{id}/funding/{entry}/reverse",
            get(detail::show_reverse).post(detail::submit_reverse),
        )
        .route("/projects/{id}/ledger.csv", get(exports::project_csv))
        .route("/projects/{id}/ledger.xlsx", get(exports::project_xlsx))
        .route("/funding", get(exports::show_overview))
        .route("/funding/export.csv", get(exports::overview_csv))
        .route("/funding/export.xlsx", get(exports::overview_xlsx))
}

const PER_PAGE: u64 = 20;

fn status_label(lang: Lang, status: Status) -> String {
    lang.t(&format!("project-status-{}", status.as_str()))
}

fn source_label(lang: Lang, source: Source) -> String {
    lang.t(&format!("source-{}", source.as_str().replace('_', "-")))
}

/// Organizations whose projects this person may create: staff all, leaders theirs.
async fn manageable_orgs(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<member::Organization>, AppError> {
    let all = member::orgs::all_by_name(&state.db).await?;
    Ok(all
        .into_iter()
        .filter(|o| actor.can_manage_org(o.id))
        .collect())
}

// ---- list -----------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    theme: String,
    status: String,
    organization: String,
    page: Option<u64>,
}

#[derive(Serialize)]
struct ProjectCard {
    id: Uuid,
    title: String,
    organization: String,
    theme: String,
    status: &'static str,
    status_label: String,
    when: String,
}

#[derive(Serialize)]
struct ListPage {
    rows: Vec<ProjectCard>,
    total: u64,
    themes: Vec<Choice>,
    statuses: Vec<Choice>,
    organizations: Vec<Choice>,
    pager: Pager,
    can_create: bool,
    is_staff: bool,
    filtered: bool,
}

fn period(lang: Lang, starts_on: NaiveDate, ends_on: Option<NaiveDate>) -> String {
    match ends_on {
        Some(end) => format!(
            "{} – {}",
            views::format_day(lang, starts_on),
            views::format_day(lang, end)
        ),
        None => views::t_text(
            lang,
            "project-since",
            "date",
            &views::format_day(lang, starts_on),
        ),
    }
}

impl ProjectCard {
    fn of(lang: Lang, row: projects::ProjectRow) -> ProjectCard {
        ProjectCard {
            id: row.project.id,
            title: row.project.title,
            organization: row.organization_name,
            theme: theme_label(lang, row.project.theme),
            status: row.project.status.as_str(),
            status_label: status_label(lang, row.project.status),
            when: period(lang, row.project.starts_on, row.project.ends_on),
        }
    }
}

async fn show_list(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let filter = ProjectFilter {
        theme: Theme::parse(&query.theme),
        status: Status::parse(&query.status),
        organization_id: query.organization.parse().ok(),
    };
    let page = crate::views::page_number(query.page);
    let listing = projects::list(&state.db, &filter, page, PER_PAGE).await?;
    let orgs = member::orgs::all_by_name(&state.db).await?;
    let actor = viewer.as_ref().map(|s| &s.actor);
    let page_data = ListPage {
        total: listing.total,
        rows: listing
            .rows
            .into_iter()
            .map(|row| ProjectCard::of(lang, row))
            .collect(),
        themes: Choice::all(
            Theme::ALL,
            Theme::as_str,
            |t| theme_label(lang, t),
            filter.theme,
        ),
        statuses: Choice::all(
            Status::ALL,
            Status::as_str,
            |s| status_label(lang, s),
            filter.status,
        ),
        organizations: orgs
            .iter()
            .filter(|o| o.stage.is_public() || actor.is_some_and(Actor::is_staff))
            .map(|o| Choice {
                value: o.id.to_string(),
                label: o.name.clone(),
                selected: filter.organization_id == Some(o.id),
            })
            .collect(),
        pager: Pager::new(
            page,
            listing.total,
            PER_PAGE,
            "/projects",
            &[
                ("theme", query.theme.clone()),
                ("status", query.status.clone()),
                ("organization", query.organization.clone()),
            ],
        ),
        can_create: actor.is_some_and(|a| a.is_staff() || !a.leads.is_empty()),
        is_staff: actor.is_some_and(Actor::is_staff),
        filtered: filter.theme.is_some()
            || filter.status.is_some()
            || filter.organization_id.is_some(),
    };
    Ok(super::render(&state, &context, "pages/projects", &page_data)?.into_response())
}
