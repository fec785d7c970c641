//! The directory of organizations.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use member::orgs::{self, DirectoryFilter, Stage, Theme};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::pages::forms::Choice;
use crate::pages::pager::Pager;
use crate::state::AppState;
use crate::templates::PageContext;

use super::{PER_PAGE, stage_label, theme_label};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DirectoryQuery {
    stage: String,
    theme: String,
    community: String,
    q: String,
    page: Option<u64>,
}

#[derive(Serialize)]
pub(super) struct StageCount {
    stage: &'static str,
    label: String,
    count: u64,
    href: String,
    current: bool,
}

#[derive(Serialize)]
pub(super) struct OrgCard {
    id: Uuid,
    name: String,
    theme: String,
    stage: &'static str,
    stage_label: String,
    community: String,
    member_count: u64,
}

#[derive(Serialize)]
pub(super) struct DirectoryPage {
    q: String,
    stage_counts: Vec<StageCount>,
    themes: Vec<Choice>,
    communities: Vec<Choice>,
    stages: Vec<Choice>,
    total: u64,
    rows: Vec<OrgCard>,
    pager: Pager,
    can_register: bool,
    filtered: bool,
}

#[expect(clippy::too_many_lines, reason = "not yet split (issue 16)")]
pub(super) async fn show_directory(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Query(query): Query<DirectoryQuery>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let actor = viewer.as_ref().map(|s| &s.actor);
    let filter = DirectoryFilter {
        stage: Stage::parse(&query.stage),
        theme: Theme::parse(&query.theme),
        community: Some(query.community.clone()).filter(|c| !c.is_empty()),
        search: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
    };
    let page = crate::views::page_number(query.page);
    let directory = orgs::directory(&state.db, actor, &filter, page, PER_PAGE).await?;
    let filters = [
        ("theme", query.theme.clone()),
        ("community", query.community.clone()),
        ("q", query.q.clone()),
    ];
    let stage_counts = directory
        .stage_counts
        .iter()
        .map(|(stage, count)| StageCount {
            stage: stage.as_str(),
            label: stage_label(lang, *stage),
            count: *count,
            href: Pager::href("/orgs", &[("stage", stage.as_str().to_owned())]),
            current: filter.stage == Some(*stage),
        })
        .collect();
    let page_data = DirectoryPage {
        stage_counts,
        themes: Theme::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().to_owned(),
                label: theme_label(lang, *t),
                selected: filter.theme == Some(*t),
            })
            .collect(),
        stages: directory
            .stage_counts
            .iter()
            .map(|(s, _)| Choice {
                value: s.as_str().to_owned(),
                label: stage_label(lang, *s),
                selected: filter.stage == Some(*s),
            })
            .collect(),
        communities: directory
            .communities
            .iter()
            .map(|c| Choice {
                value: c.clone(),
                label: c.clone(),
                selected: *c == query.community,
            })
            .collect(),
        total: directory.total,
        rows: directory
            .rows
            .into_iter()
            .map(|row| OrgCard {
                id: row.org.id,
                name: row.org.name,
                theme: theme_label(lang, row.org.theme),
                stage: row.org.stage.as_str(),
                stage_label: stage_label(lang, row.org.stage),
                community: row.org.community,
                member_count: row.member_count,
            })
            .collect(),
        pager: Pager::new(
            page,
            directory.total,
            PER_PAGE,
            "/orgs",
            &[
                ("stage", query.stage.clone()),
                ("theme", query.theme.clone()),
                ("community", query.community.clone()),
                ("q", query.q.clone()),
            ],
        ),
        can_register: actor.is_some_and(|a| a.can_steer_incubation()),
        filtered: filter.stage.is_some() || filters.iter().any(|(_, v)| !v.is_empty()),
        q: query.q,
    };
    Ok(crate::pages::render(&state, &context, "pages/orgs", &page_data)?.into_response())
}
