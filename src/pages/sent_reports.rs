//! 报送: sending a month's report upward freezes it (the workbook, kept as sent); a month
//! whose figures were corrected afterwards says so and is sent again as a revision that
//! lists what changed.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use event::sent_reports::{self, Changes};
use serde::{Deserialize, Serialize};

use super::dashboard::since_sent;
use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/sent", get(show_sent))
        .route("/reports/monthly/send", post(send))
        .route("/reports/sent/{id}/workbook", get(download))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SendForm {
    /// `YYYY-MM`.
    month: String,
}

/// Sends the month as it stands now.
async fn send(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Form(input): Form<SendForm>,
) -> Result<Response, AppError> {
    match crate::reporting::send_month(&state, &actor, &input.month).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-report-sent"));
            Ok((jar, Redirect::to("/reports/sent")).into_response())
        }
        Err(AppError::InvalidFields(errors)) => {
            let problem = errors.first().map(|e| context.lang().t(e.reason));
            let page = sent_page(&state, &context, &actor, problem).await?;
            let html = super::render(&state, &context, "pages/sent-reports", &page)?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Serialize)]
struct Sending {
    id: String,
    revision: i32,
    sent_at: String,
    sent_by: String,
    hash: String,
    removed: Vec<String>,
    added: Vec<String>,
}

#[derive(Serialize)]
struct SentMonth {
    month: String,
    /// The figures changed since the latest sending: it should be sent again.
    changed: bool,
    /// Only the report's format changed (the platform was updated).
    format_changed: bool,
    next_revision: i32,
    sendings: Vec<Sending>,
}

#[derive(Serialize)]
struct SentPage {
    months: Vec<SentMonth>,
    problem: Option<String>,
}

async fn sent_page(
    state: &AppState,
    context: &PageContext,
    actor: &member::Actor,
    problem: Option<String>,
) -> Result<SentPage, AppError> {
    let lang = context.lang();
    let mut by_month: BTreeMap<String, Vec<event::SentReport>> = BTreeMap::new();
    for sent in sent_reports::all(&state.db, actor).await? {
        by_month.entry(sent.month.clone()).or_default().push(sent);
    }
    let mut months = Vec::new();
    // Newest month first; within it, newest revision first (as `all` gives them).
    for (month, sendings) in by_month.into_iter().rev() {
        let latest = &sendings[0];
        let since = since_sent(state, actor, latest).await?;
        let mut rows = Vec::new();
        for sent in &sendings {
            let changes = Changes::of(sent);
            let (by, _) = member::privacy::name_and_phone(&state.db, sent.sent_by).await?;
            rows.push(Sending {
                id: sent.id.to_string(),
                revision: sent.revision,
                sent_at: views::format_date_time(lang, sent.sent_at),
                sent_by: by,
                hash: sent.content_hash.chars().take(12).collect(),
                removed: changes.removed,
                added: changes.added,
            });
        }
        months.push(SentMonth {
            changed: since != report::SinceSent::Unchanged,
            format_changed: since == report::SinceSent::FormatChanged,
            next_revision: latest.revision + 1,
            month,
            sendings: rows,
        });
    }
    Ok(SentPage { months, problem })
}

async fn show_sent(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Response, AppError> {
    let page = sent_page(&state, &context, &actor, None).await?;
    Ok(super::render(&state, &context, "pages/sent-reports", &page)?.into_response())
}

/// The workbook exactly as it was sent.
async fn download(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<uuid::Uuid>,
) -> Result<Response, AppError> {
    let sent = sent_reports::find(&state.db, &actor, id).await?;
    Ok(crate::files::download(
        &format!("微益坊月报-{}-报送第{}版.xlsx", sent.month, sent.revision),
        &format!(
            "weiyifang-report-{}-sent-{}.xlsx",
            sent.month, sent.revision
        ),
        crate::files::XLSX,
        sent.workbook,
    ))
}
