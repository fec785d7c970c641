//! One organization's page.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use member::fields::mask_phone;
use member::orgs::{self};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

use super::{registration_label, stage_label, theme_label};

#[derive(Serialize)]
pub(super) struct HistoryLine {
    date: String,
    from: Option<String>,
    to: String,
    by: String,
    reason: String,
}

#[derive(Serialize)]
pub(super) struct LeaderLine {
    name: String,
    phone: String,
}

#[derive(Serialize)]
pub(super) struct DetailPage {
    id: Uuid,
    name: String,
    short_name: String,
    theme: String,
    stage: &'static str,
    stage_label: String,
    community: String,
    description: String,
    contact_name: String,
    contact_phone: String,
    registration: String,
    founded_on: Option<String>,
    member_count: u64,
    leaders: Vec<LeaderLine>,
    history: Vec<HistoryLine>,
    can_manage: bool,
    can_steer: bool,
    has_logo: bool,
    projects: Vec<ProjectLink>,
    activities: Vec<ProjectLink>,
    /// Activities that have begun, newest first: their records are on their pages.
    past_activities: Vec<ProjectLink>,
}

#[derive(Serialize)]
pub(super) struct ProjectLink {
    id: Uuid,
    title: String,
    status: String,
}

impl HistoryLine {
    fn of(lang: Lang, step: orgs::StageStep) -> HistoryLine {
        HistoryLine {
            date: views::format_day(lang, step.change.on_date),
            from: step.change.from_stage.map(|s| stage_label(lang, s)),
            to: stage_label(lang, step.change.to_stage),
            by: step.by_name.unwrap_or_default(),
            reason: step.change.reason,
        }
    }
}

/// The organization's activities, each with its day and time.
fn activity_links(lang: Lang, list: &[event::Event]) -> Vec<ProjectLink> {
    list.iter()
        .map(|e| ProjectLink {
            id: e.id,
            status: format!(
                "{} {}",
                views::format_date(lang, e.starts_at),
                views::format_clock_range(lang, e.starts_at, e.ends_at)
            ),
            title: e.title.clone(),
        })
        .collect()
}

/// The organization's projects (the first 50), each with its status.
async fn project_links(
    state: &AppState,
    lang: Lang,
    org_id: Uuid,
) -> Result<Vec<ProjectLink>, AppError> {
    let filter = project::projects::ProjectFilter {
        organization_id: Some(org_id),
        ..Default::default()
    };
    let listing = project::projects::list(&state.db, &filter, 1, 50).await?;
    Ok((listing.rows.into_iter())
        .map(|row| ProjectLink {
            id: row.project.id,
            title: row.project.title,
            status: lang.t(&format!("project-status-{}", row.project.status.as_str())),
        })
        .collect())
}

pub(super) async fn show_detail(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let actor = viewer.as_ref().map(|s| &s.actor);
    let detail = orgs::detail(&state.db, actor, id).await?;
    let org = detail.org;
    let now = chrono::Utc::now();
    let (coming, begun) = event::schedule::organized_by(&state.db, actor, org.id, now, 20).await?;
    let page = DetailPage {
        id: org.id,
        short_name: org.short_name,
        theme: theme_label(lang, org.theme),
        stage: org.stage.as_str(),
        stage_label: stage_label(lang, org.stage),
        community: org.community,
        description: org.description,
        contact_name: org.contact_name,
        contact_phone: mask_phone(&org.contact_phone),
        registration: registration_label(lang, org.registration),
        founded_on: org.founded_on.map(|d| views::format_day(lang, d)),
        member_count: detail.member_count,
        leaders: detail
            .leaders
            .into_iter()
            .map(|p| LeaderLine {
                phone: p.phone.as_deref().map(mask_phone).unwrap_or_default(),
                name: p.name,
            })
            .collect(),
        history: (detail.history.into_iter().rev())
            .map(|step| HistoryLine::of(lang, step))
            .collect(),
        can_manage: actor.is_some_and(|a| a.can_manage_org(org.id)),
        can_steer: actor.is_some_and(|a| a.can_steer_incubation()),
        has_logo: detail.has_logo,
        projects: project_links(&state, lang, org.id).await?,
        activities: activity_links(lang, &coming),
        past_activities: activity_links(lang, &begun),
        name: org.name,
    };
    Ok(crate::pages::render(&state, &context, "pages/org", &page)?.into_response())
}
