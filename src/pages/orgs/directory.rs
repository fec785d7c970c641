//! The directory of organizations.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use member::orgs::{self, DirectoryFilter, Stage, Theme};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::i18n::Lang;
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

impl DirectoryQuery {
    fn filter(&self) -> DirectoryFilter {
        DirectoryFilter {
            stage: Stage::parse(&self.stage),
            theme: Theme::parse(&self.theme),
            community: Some(self.community.clone()).filter(|c| !c.is_empty()),
            search: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
        }
    }

    /// The filters as the pager's links keep them.
    fn params(&self) -> [(&'static str, String); 4] {
        [
            ("stage", self.stage.clone()),
            ("theme", self.theme.clone()),
            ("community", self.community.clone()),
            ("q", self.q.clone()),
        ]
    }
}

impl OrgCard {
    fn of(lang: Lang, row: orgs::DirectoryRow) -> OrgCard {
        OrgCard {
            id: row.org.id,
            name: row.org.name,
            theme: theme_label(lang, row.org.theme),
            stage: row.org.stage.as_str(),
            stage_label: stage_label(lang, row.org.stage),
            community: row.org.community,
            member_count: row.member_count,
        }
    }
}

impl StageCount {
    /// A stage's tab: its count, and whether it is the one shown.
    fn of(lang: Lang, stage: Stage, count: u64, shown: Option<Stage>) -> StageCount {
        StageCount {
            stage: stage.as_str(),
            label: stage_label(lang, stage),
            count,
            href: Pager::href("/orgs", &[("stage", stage.as_str().to_owned())]),
            current: shown == Some(stage),
        }
    }
}

pub(super) async fn show_directory(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Query(query): Query<DirectoryQuery>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let actor = viewer.as_ref().map(|s| &s.actor);
    let filter = query.filter();
    let page = crate::views::page_number(query.page);
    let directory = orgs::directory(&state.db, actor, &filter, page, PER_PAGE).await?;
    let stage_counts = (directory.stage_counts.iter())
        .map(|(stage, count)| StageCount::of(lang, *stage, *count, filter.stage))
        .collect();
    let page_data = DirectoryPage {
        stage_counts,
        themes: Choice::all(
            Theme::ALL,
            Theme::as_str,
            |t| theme_label(lang, t),
            filter.theme,
        ),
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
            .map(|row| OrgCard::of(lang, row))
            .collect(),
        pager: Pager::new(page, directory.total, PER_PAGE, "/orgs", &query.params()),
        can_register: actor.is_some_and(|a| a.can_steer_incubation()),
        filtered: filter.stage.is_some() || query.params()[1..].iter().any(|(_, v)| !v.is_empty()),
        q: query.q,
    };
    Ok(crate::pages::render(&state, &context, "pages/orgs", &page_data)?.into_response())
}
