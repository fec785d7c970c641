//! Exports of projects and the funding overview.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use member::{Actor, FieldError};
use project::ledger::{self, Source, Totals};
use project::money::format_yuan;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::pages::pager::Pager;
use crate::state::AppState;
use crate::templates::PageContext;

use super::source_label;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PeriodQuery {
    from: String,
    until: String,
}

impl PeriodQuery {
    /// Both ends as dates; a malformed one is a field error.
    fn dates(&self) -> Result<(Option<NaiveDate>, Option<NaiveDate>), FieldError> {
        let parse = |field: &'static str, s: &str| match s.trim() {
            "" => Ok(None),
            typed => NaiveDate::parse_from_str(typed, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| FieldError::new(field, "error-date-invalid")),
        };
        Ok((parse("from", &self.from)?, parse("until", &self.until)?))
    }
}

pub(super) async fn export(
    state: &AppState,
    actor: &Actor,
    project_id: Option<Uuid>,
    period: &PeriodQuery,
    format: &'static str,
) -> Result<Response, AppError> {
    let (from, until) = period
        .dates()
        .map_err(|e| AppError::InvalidFields(vec![e]))?;
    let rows = ledger::export_rows(&state.db, actor, project_id, from, until, format).await?;
    let (name, fallback) = match (from, until) {
        (Some(f), Some(u)) => (
            format!("资金台账-{f}-{u}.{format}"),
            format!("ledger-{f}-{u}.{format}"),
        ),
        _ => (format!("资金台账.{format}"), format!("ledger.{format}")),
    };
    Ok(match format {
        "csv" => {
            crate::files::download(&name, &fallback, crate::files::CSV, ledger::to_csv(&rows)?)
        }
        _ => crate::files::download(
            &name,
            &fallback,
            crate::files::XLSX,
            ledger::to_xlsx(&rows)?,
        ),
    })
}

pub(super) async fn project_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    Query(period): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    export(&state, &actor, Some(id), &period, "csv").await
}

pub(super) async fn project_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    Query(period): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    export(&state, &actor, Some(id), &period, "xlsx").await
}

pub(super) async fn overview_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(period): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    export(&state, &actor, None, &period, "csv").await
}

pub(super) async fn overview_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(period): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    export(&state, &actor, None, &period, "xlsx").await
}

#[derive(Serialize)]
pub(super) struct GroupTotal {
    label: String,
    href: Option<String>,
    total: String,
    by_source: Vec<String>,
}

#[derive(Serialize)]
pub(super) struct OverviewPage {
    from: String,
    until: String,
    filter_error: Option<String>,
    total: String,
    sources: Vec<String>,
    source_totals: Vec<String>,
    by_organization: Vec<GroupTotal>,
    by_project: Vec<GroupTotal>,
    by_year: Vec<GroupTotal>,
    export_query: String,
}

/// One row of an overview table: the total and the amount from each source, in the
/// order of `Source::ALL` (the table's columns).
pub(super) fn group(label: String, href: Option<String>, totals: &Totals) -> GroupTotal {
    GroupTotal {
        label,
        href,
        total: format_yuan(totals.total),
        by_source: Source::ALL
            .iter()
            .map(|s| format_yuan(totals.by_source.get(s).copied().unwrap_or(0)))
            .collect(),
    }
}

pub(super) async fn show_overview(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Query(period): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang();
    let (dates, filter_error) = match period.dates() {
        Ok(dates) => (dates, None),
        Err(e) => ((None, None), Some(lang.t(e.reason))),
    };
    let overview = ledger::overview(&state.db, &actor, dates.0, dates.1).await?;
    let page = OverviewPage {
        filter_error,
        total: format_yuan(overview.all.total),
        sources: Source::ALL.iter().map(|s| source_label(lang, *s)).collect(),
        source_totals: Source::ALL
            .iter()
            .map(|s| format_yuan(overview.all.by_source.get(s).copied().unwrap_or(0)))
            .collect(),
        by_organization: overview
            .by_organization
            .iter()
            .map(|(name, t)| group(name.clone(), None, t))
            .collect(),
        by_project: overview
            .by_project
            .iter()
            .map(|(id, title, t)| group(title.clone(), Some(format!("/projects/{id}")), t))
            .collect(),
        by_year: overview
            .by_year
            .iter()
            .map(|(year, t)| group(year.to_string(), None, t))
            .collect(),
        export_query: Pager::href(
            "",
            &[
                ("from", period.from.clone()),
                ("until", period.until.clone()),
            ],
        ),
        from: period.from,
        until: period.until,
    };
    Ok(crate::pages::render(&state, &context, "pages/funding", &page)?.into_response())
}
