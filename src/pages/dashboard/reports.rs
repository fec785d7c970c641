//! The reports upward: the month's and any period's, as a workbook or CSV, and whether the month shown was sent.

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::reporting::{month_report, report_file, report_for};
use crate::state::AppState;
use crate::views;

use super::SentStatus;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct MonthQuery {
    /// `YYYY-MM`; this month when empty.
    month: String,
}

pub(super) async fn monthly_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<MonthQuery>,
) -> Result<Response, AppError> {
    crate::reporting::monthly_download(&state, &actor, &query.month, "xlsx").await
}

pub(super) async fn monthly_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<MonthQuery>,
) -> Result<Response, AppError> {
    crate::reporting::monthly_download(&state, &actor, &query.month, "csv").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RangeQuery {
    from: String,
    until: String,
}

/// The same report for any period of whole days (several months, a year).
pub(super) async fn period_report(
    state: &AppState,
    actor: &member::Actor,
    query: &RangeQuery,
    format: &str,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let (first, last) = crate::reporting::whole_days(&query.from, &query.until)?;
    let next = last.succ_opt().unwrap_or(last);
    let (tables, heading) = report_for(state, actor, "微益坊报表", first, next).await?;
    let name = format!("微益坊报表-{first}至{last}.{format}");
    let fallback = format!("weiyifang-report-{first}-{last}.{format}");
    report_file(&name, &fallback, format, &heading, &tables)
}

pub(super) async fn period_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<RangeQuery>,
) -> Result<Response, AppError> {
    period_report(&state, &actor, &query, "xlsx").await
}

pub(super) async fn period_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<RangeQuery>,
) -> Result<Response, AppError> {
    period_report(&state, &actor, &query, "csv").await
}

/// The official service records of a period, for the national system.
pub(super) async fn records_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<RangeQuery>,
) -> Result<Response, AppError> {
    crate::reporting::official_download(&state, &actor, (&query.from, &query.until), "xlsx").await
}

pub(super) async fn records_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<RangeQuery>,
) -> Result<Response, AppError> {
    crate::reporting::official_download(&state, &actor, (&query.from, &query.until), "csv").await
}

/// "已报送第 2 版", and whether the month's figures changed since it was sent.
pub(super) async fn sent_status(
    state: &AppState,
    actor: &member::Actor,
    lang: Lang,
    day: NaiveDate,
) -> Result<Option<SentStatus>, AppError> {
    let first = day.with_day(1).unwrap_or(day);
    let Some(latest) = event::sent_reports::latest_of(&state.db, actor, first).await? else {
        return Ok(None);
    };
    let since = since_sent(state, actor, &latest).await?;
    Ok(Some(SentStatus {
        text: views::t_with(
            lang,
            "sent-status",
            &[
                ("revision", latest.revision.to_string()),
                ("at", views::format_date_time(lang, latest.sent_at)),
            ],
        ),
        changed: since != report::SinceSent::Unchanged,
        format_changed: since == report::SinceSent::FormatChanged,
    }))
}

/// How the month's report now compares with what was sent upward.
pub(in crate::pages) async fn since_sent(
    state: &AppState,
    actor: &member::Actor,
    sent: &event::SentReport,
) -> Result<report::SinceSent, AppError> {
    let (_, tables, _) = month_report(state, actor, &sent.month).await?;
    let now = report::content(&tables)?;
    Ok(report::SinceSent::of(&sent.content, &now))
}
