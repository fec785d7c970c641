//! One organization's page.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use member::fields::mask_phone;
use member::orgs::{self};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::errors::AppError;
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

#[expect(clippy::too_many_lines, reason = "not yet split (issue 16)")]
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
    let (coming, begun) =
        event::schedule::organized_by(&state.db, org.id, chrono::Utc::now(), 20).await?;
    // Drafts only for those who may see them (the rule lives in the event domain).
    let visible = |list: Vec<event::Event>| -> Vec<event::Event> {
        list.into_iter()
            .filter(|e| event::schedule::may_see(actor, e))
            .collect()
    };
    let activity_links = |list: &[event::Event]| -> Vec<ProjectLink> {
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
    };
    let activities = (visible(coming), visible(begun));
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
        history: detail
            .history
            .into_iter()
            .rev()
            .map(|step| HistoryLine {
                date: views::format_day(lang, step.change.on_date),
                from: step.change.from_stage.map(|s| stage_label(lang, s)),
                to: stage_label(lang, step.change.to_stage),
                by: step.by_name.unwrap_or_default(),
                reason: step.change.reason,
            })
            .collect(),
        can_manage: actor.is_some_and(|a| a.can_manage_org(org.id)),
        can_steer: actor.is_some_and(|a| a.can_steer_incubation()),
        has_logo: detail.has_logo,
        projects: project::projects::list(
            &state.db,
            &project::projects::ProjectFilter {
                organization_id: Some(org.id),
                ..Default::default()
            },
            1,
            50,
        )
        .await?
        .rows
        .into_iter()
        .map(|row| ProjectLink {
            id: row.project.id,
            title: row.project.title,
            status: lang.t(&format!("project-status-{}", row.project.status.as_str())),
        })
        .collect(),
        activities: activity_links(&activities.0),
        past_activities: activity_links(&activities.1),
        name: org.name,
    };
    Ok(crate::pages::render(&state, &context, "pages/org", &page)?.into_response())
}
