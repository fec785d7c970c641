//! The public board, the coordinators' board and a leader's assigned requests.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use triage::requests::{self, RequestFilter};
use triage::{Category, Class, Status};

use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::pages::forms::Choice;
use crate::pages::pager::Pager;
use crate::state::AppState;
use crate::templates::PageContext;

use super::{PER_PAGE, RequestRow, category_choices, choices, org_names, row};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PageQuery {
    page: Option<u64>,
}

#[derive(Serialize)]
pub(super) struct BoardPage {
    /// Staff and leaders: a way to the board they work on.
    can_handle: bool,
    rows: Vec<RequestRow>,
    total: u64,
    pager: Pager,
}

pub(super) async fn show_board(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let page = crate::views::page_number(query.page);
    let (rows, total) = requests::public_board(&state.db, page, PER_PAGE).await?;
    let names = org_names(&state, &rows).await?;
    let known = member::orgs::communities(&state.db).await?;
    let now = Utc::now();
    let page_data = BoardPage {
        can_handle: viewer.is_some_and(|s| s.actor.is_staff() || !s.actor.leads.is_empty()),
        rows: rows
            .iter()
            .map(|r| {
                let org = r
                    .organization_id
                    .and_then(|id| names.get(&id))
                    .map(String::as_str);
                let mut line = row(lang, r, org, now);
                // Nothing a resident typed reaches the public board as typed: a community
                // only when it is a known one, and no contact details in any text.
                if !known.contains(&line.community) {
                    line.community = lang.t("request-community-unlisted");
                }
                line.summary = member::fields::mask_contacts(&line.summary);
                line.responsible = member::fields::mask_contacts(&line.responsible);
                line
            })
            .collect(),
        total,
        pager: Pager::new(page, total, PER_PAGE, "/requests/board", &[]),
    };
    Ok(crate::pages::render(&state, &context, "pages/requests-board", &page_data)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ManageQuery {
    class: String,
    status: String,
    community: String,
    category: String,
    overdue: Option<String>,
    page: Option<u64>,
}

#[derive(Serialize)]
pub(super) struct ManagePage {
    rows: Vec<RequestRow>,
    total: u64,
    overdue: u64,
    classes: Vec<Choice>,
    statuses: Vec<Choice>,
    communities: Vec<Choice>,
    categories: Vec<Choice>,
    overdue_only: bool,
    is_staff: bool,
    filtered: bool,
    pager: Pager,
}

impl ManageQuery {
    fn filter(&self) -> RequestFilter {
        RequestFilter {
            class: Class::parse(&self.class),
            unclassified: self.class == "none",
            status: Status::parse(&self.status),
            community: Some(self.community.trim().to_owned()).filter(|c| !c.is_empty()),
            category: Category::parse(&self.category),
            overdue: self.overdue.is_some(),
        }
    }

    /// The filters as the pager's links keep them.
    fn params(&self) -> [(&'static str, String); 5] {
        [
            ("class", self.class.clone()),
            ("status", self.status.clone()),
            ("community", self.community.clone()),
            ("category", self.category.clone()),
            ("overdue", self.overdue.clone().unwrap_or_default()),
        ]
    }
}

pub(super) async fn show_manage(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<ManageQuery>,
) -> Result<Response, AppError> {
    if !actor.is_staff() && actor.leads.is_empty() {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang();
    let filter = query.filter();
    let page = crate::views::page_number(query.page);
    let now = Utc::now();
    let listing = requests::list(&state.db, &actor, &filter, now, page, PER_PAGE).await?;
    let names = org_names(&state, &listing.rows).await?;
    let mut class_values: Vec<&'static str> = Class::ALL.iter().map(|c| c.as_str()).collect();
    class_values.push("none");
    let status_values: Vec<&'static str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    let communities = requests::communities(&state.db).await?;
    let page_data = ManagePage {
        rows: listing
            .rows
            .iter()
            .map(|r| {
                let org = r.organization_id.and_then(|id| names.get(&id));
                row(lang, r, org.map(String::as_str), now)
            })
            .collect(),
        total: listing.total,
        overdue: listing.overdue,
        classes: choices(lang, "request-class", &class_values, &query.class),
        statuses: choices(lang, "request-status", &status_values, &query.status),
        communities: communities
            .into_iter()
            .map(|c| Choice {
                selected: c == query.community,
                label: c.clone(),
                value: c,
            })
            .collect(),
        categories: category_choices(lang, &query.category),
        overdue_only: filter.overdue,
        is_staff: actor.is_staff(),
        filtered: filter.overdue || query.params().iter().any(|(_, v)| !v.is_empty()),
        pager: Pager::new(page, listing.total, PER_PAGE, "/requests", &query.params()),
    };
    Ok(crate::pages::render(&state, &context, "pages/requests", &page_data)?.into_response())
}
