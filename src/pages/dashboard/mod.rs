//! The coordinators' dashboard: the figures the sub-district reports, for a period, with
//! per-month, per-organization and per-service tables and a bar chart drawn as SVG on the
//! server (no script), whose numbers are also in the table below it.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Utc};
use event::stats::{self, Figures, Overview};
use member::orgs::Stage;
use project::ledger::{self, Source};
use project::money::format_yuan;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

mod charts;
mod reports;
mod satisfaction;

use charts::{hours_chart, shares_chart};
pub(super) use reports::since_sent;
use reports::{
    monthly_csv, monthly_xlsx, period_csv, period_xlsx, records_csv, records_xlsx, sent_status,
};
use satisfaction::{SatisfactionView, satisfaction_view};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(show_dashboard))
        .route("/reports/monthly.xlsx", get(monthly_xlsx))
        .route("/reports/monthly.csv", get(monthly_csv))
        .route("/reports/period.xlsx", get(period_xlsx))
        .route("/reports/period.csv", get(period_csv))
        .route("/reports/service-records.xlsx", get(records_xlsx))
        .route("/reports/service-records.csv", get(records_csv))
        .route("/orgs/{id}/dashboard", get(show_org_dashboard))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PeriodQuery {
    /// `month` (the default), `year`, `all`, or empty with from/until.
    period: String,
    from: String,
    until: String,
}

#[derive(Serialize)]
struct Row {
    label: String,
    markets: u64,
    activities: u64,
    services: u64,
    volunteers: u64,
    hours: String,
    residents: i64,
}

fn row(label: String, f: &Figures) -> Row {
    Row {
        label,
        markets: f.market_days,
        activities: f.activities,
        services: f.services,
        volunteers: f.volunteers,
        hours: event::records::format_hours(f.hours_tenths),
        residents: f.residents,
    }
}

#[derive(Serialize)]
struct Count {
    label: String,
    value: String,
}

#[derive(Serialize)]
struct DashboardPage {
    period: String,
    from: String,
    until: String,
    heading: String,
    figures: Vec<Count>,
    stages: Vec<Count>,
    funding: Vec<Count>,
    months: Vec<Row>,
    organizations: Vec<Row>,
    services: Vec<Row>,
    projects: Vec<Row>,
    chart: String,
    shares: String,
    /// `YYYY-MM` of this month, for the report link.
    this_month: String,
    /// For a leader's view of their organization: its name (and no street-wide parts).
    org_name: Option<String>,
    /// Why another month than this one is shown, when this one has nothing yet.
    shown_instead: Option<String>,
    /// A period typed wrong: the reason, beside the date fields.
    period_error: Option<String>,
    base: String,
    satisfaction: SatisfactionView,
    /// Whether the report month was sent upward, and whether it changed since.
    sent: Option<SentStatus>,
    /// `from=…&until=…` of the period shown, for its report (none for all time).
    period_export: Option<String>,
}

#[derive(Serialize)]
struct SentStatus {
    text: String,
    changed: bool,
    format_changed: bool,
}

/// `[from, until)` as dates, from the query: this month by default. A date typed wrong (or
/// an end before the start) is a field error and the month is shown, never a silently
/// open period.
fn period_of(
    query: &PeriodQuery,
    today: NaiveDate,
) -> (
    Option<NaiveDate>,
    Option<NaiveDate>,
    String,
    Option<&'static str>,
) {
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    if query.period.is_empty() && (!query.from.is_empty() || !query.until.is_empty()) {
        let from = parse(&query.from);
        let until = parse(&query.until);
        let typed_wrong = (!query.from.trim().is_empty() && from.is_none())
            || (!query.until.trim().is_empty() && until.is_none());
        let reversed = matches!((from, until), (Some(f), Some(u)) if u < f);
        if typed_wrong || reversed {
            let (from, until, period) = month_of(today);
            let key = if reversed {
                "error-end-before-start"
            } else {
                "error-date-invalid"
            };
            return (from, until, period, Some(key));
        }
    }
    let (from, until, period) = period_choice(query, today);
    (from, until, period, None)
}

/// The day a period's counts of organizations and members stand at: its last day, or today
/// while the period is still running.
fn as_of(until: Option<NaiveDate>) -> NaiveDate {
    let today = views::today();
    until
        .and_then(|u| u.pred_opt())
        .map_or(today, |last| last.min(today))
}

/// The month `today` falls in, as `[first, next first)`.
fn month_of(today: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>, String) {
    let first_of_month = today.with_day(1).unwrap_or(today);
    let next = first_of_month.checked_add_months(chrono::Months::new(1));
    (Some(first_of_month), next, "month".into())
}

fn period_choice(
    query: &PeriodQuery,
    today: NaiveDate,
) -> (Option<NaiveDate>, Option<NaiveDate>, String) {
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    match query.period.as_str() {
        "all" => (None, None, "all".into()),
        "year" => (
            NaiveDate::from_ymd_opt(today.year(), 1, 1),
            NaiveDate::from_ymd_opt(today.year() + 1, 1, 1),
            "year".into(),
        ),
        "" if !query.from.is_empty() || !query.until.is_empty() => (
            parse(&query.from),
            parse(&query.until).and_then(|d| d.succ_opt()),
            "custom".into(),
        ),
        _ => month_of(today),
    }
}

/// A period's figures as both dashboards show them: within `scope` (an organization) or
/// street-wide. The platform's dashboard adds its street-wide parts to this.
struct Shown {
    page: DashboardPage,
    stats: Arc<Overview>,
    names: HashMap<Uuid, String>,
    census: member::orgs::Census,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
}

/// What both dashboards show for the period the query asks (or the month of `default_day`):
/// figures, per-month and per-service tables, charts and satisfaction. `sent_marks` are the
/// months sent upward, marked in the month table with their revision.
async fn shown(
    state: &AppState,
    actor: &member::Actor,
    lang: Lang,
    query: PeriodQuery,
    default_day: NaiveDate,
    scope: Option<&member::Organization>,
    sent_marks: &HashMap<String, i32>,
) -> Result<Shown, AppError> {
    let (from, until, period, period_error) = period_of(&query, default_day);
    let start = |d: NaiveDate| event::schedule::at(d, chrono::NaiveTime::MIN);
    let org_id = scope.map(|o| o.id);
    let stats = (state.overviews)
        .overview_for(
            &state.db,
            actor,
            (from.map(start), until.map(start)),
            org_id,
            Utc::now(),
            state.report_turn(),
        )
        .await?;
    let names = match scope {
        Some(org) => HashMap::from([(org.id, org.name.clone())]),
        None => member::orgs::names(&state.db, stats.by_organization.keys().copied()).await?,
    };
    let census = member::orgs::census(&state.db, as_of(until), org_id).await?;
    let page = DashboardPage {
        heading: heading(lang, from, until),
        figures: std::iter::once(count(lang, "dashboard-members", census.members))
            .chain(activity_counts(lang, &stats.all))
            .collect(),
        stages: Vec::new(),
        funding: Vec::new(),
        chart: hours_chart(lang, &stats.by_month),
        months: (stats.by_month.iter())
            .map(|((y, m), f)| row(month_label(lang, *y, *m, sent_marks), f))
            .collect(),
        organizations: Vec::new(),
        services: (stats.by_service.iter())
            .map(|(key, f)| row(lang.t(&format!("service-{}", key.replace('_', "-"))), f))
            .collect(),
        projects: Vec::new(),
        shares: shares_chart(lang, &stats.by_service),
        this_month: String::new(),
        org_name: scope.map(|o| o.name.clone()),
        shown_instead: None,
        period_error: period_error.map(|key| lang.t(key)),
        base: scope.map_or("/dashboard".to_owned(), |o| {
            format!("/orgs/{}/dashboard", o.id)
        }),
        satisfaction: satisfaction_view(state, lang, org_id, from, until, &names).await?,
        sent: None,
        period_export: None,
        period,
        from: query.from,
        until: query.until,
    };
    Ok(Shown {
        page,
        stats,
        names,
        census,
        from,
        until,
    })
}

fn count(lang: Lang, key: &str, value: impl ToString) -> Count {
    Count {
        label: lang.t(key),
        value: value.to_string(),
    }
}

/// The period's work, in the order both dashboards show it. The parts of residents served
/// that come from tallies and from numbers given show only when there are any: a 0 there
/// would read as "nobody was served".
fn activity_counts(lang: Lang, f: &Figures) -> Vec<Count> {
    let mut counts = vec![
        count(lang, "dashboard-volunteers", f.volunteers),
        count(lang, "dashboard-market-days", f.market_days),
        count(lang, "dashboard-activities", f.activities),
        count(lang, "dashboard-services", f.services),
        count(
            lang,
            "dashboard-hours",
            event::records::format_hours(f.hours_tenths),
        ),
        // Apart, as 公示 asks: what stands and what is still posted.
        count(
            lang,
            "dashboard-hours-standing",
            event::records::format_hours(f.hours_standing_tenths),
        ),
        count(
            lang,
            "dashboard-hours-posted",
            event::records::format_hours(f.hours_tenths - f.hours_standing_tenths),
        ),
        count(lang, "dashboard-residents", f.residents),
    ];
    if f.residents_tallied > 0 {
        counts.push(count(
            lang,
            "dashboard-residents-tallied",
            f.residents_tallied,
        ));
    }
    if f.identified_visits > 0 {
        counts.push(count(lang, "dashboard-people", f.people));
        counts.push(count(
            lang,
            "dashboard-identified-visits",
            f.identified_visits,
        ));
    }
    counts
}

fn heading(lang: Lang, from: Option<NaiveDate>, until: Option<NaiveDate>) -> String {
    match (from, until) {
        (None, None) => lang.t("dashboard-all-time"),
        (f, u) => format!(
            "{} – {}",
            f.map(|d| views::format_day(lang, d)).unwrap_or_default(),
            u.and_then(|d| d.pred_opt())
                .map(|d| views::format_day(lang, d))
                .unwrap_or_default()
        ),
    }
}

/// `2026-11`, and for a month sent upward its latest revision beside it.
fn month_label(lang: Lang, year: i32, month: u32, sent_marks: &HashMap<String, i32>) -> String {
    let month = format!("{year}-{month:02}");
    match sent_marks.get(&month) {
        Some(revision) => {
            let revision = [("revision", revision.to_string())];
            format!(
                "{month} · {}",
                views::t_with(lang, "sent-month-mark", &revision)
            )
        }
        None => month,
    }
}

/// The default view is this month; when nothing has happened in it yet, the newest month
/// that has figures, and the page says so.
async fn default_day(
    state: &AppState,
    lang: Lang,
    query: &PeriodQuery,
) -> Result<(NaiveDate, Option<String>), AppError> {
    let today = views::today();
    let asks_nothing = query.period.is_empty() && query.from.is_empty() && query.until.is_empty();
    if !asks_nothing {
        return Ok((today, None));
    }
    let Some(latest) = stats::latest_begun(&state.db, Utc::now()).await? else {
        return Ok((today, None));
    };
    let latest = latest.with_timezone(&views::shanghai()).date_naive();
    if (latest.year(), latest.month()) == (today.year(), today.month()) {
        return Ok((today, None));
    }
    let month = [
        ("year", latest.year().to_string()),
        ("month", latest.month().to_string()),
    ];
    Ok((
        latest,
        Some(views::t_with(lang, "dashboard-shown-instead", &month)),
    ))
}

/// What only the street-wide dashboard shows: organizations (by stage, and a table of
/// each), funding (by source), and a table of each project.
async fn street_wide(
    state: &AppState,
    actor: &member::Actor,
    lang: Lang,
    shown: Shown,
) -> Result<DashboardPage, AppError> {
    let Shown {
        mut page,
        stats,
        names,
        census,
        from,
        until,
    } = shown;
    let last_day = until.and_then(|u| u.pred_opt());
    let overview = ledger::overview(&state.db, actor, from, last_day).await?;
    page.figures
        .insert(0, count(lang, "dashboard-organizations", census.incubated));
    let funding = format_yuan(overview.all.total);
    page.figures.push(count(lang, "dashboard-funding", funding));
    page.stages = Stage::ALL
        .iter()
        .map(|stage| {
            let n = census.by_stage.get(stage.as_str()).copied().unwrap_or(0);
            count(lang, &format!("stage-{}", stage.as_str()), n)
        })
        .collect();
    page.funding = Source::ALL
        .iter()
        .map(|s| {
            let fen = overview.all.by_source.get(s).copied().unwrap_or(0);
            let key = format!("source-{}", s.as_str().replace('_', "-"));
            count(lang, &key, format_yuan(fen))
        })
        .collect();
    page.organizations = (stats.by_organization.iter())
        .map(|(id, f)| row(names.get(id).cloned().unwrap_or_default(), f))
        .collect();
    let titles: HashMap<Uuid, String> = project::projects::all_by_title(&state.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    page.projects = (stats.by_project.iter())
        .map(|(id, f)| row(titles.get(id).cloned().unwrap_or_default(), f))
        .collect();
    Ok(page)
}

/// The coordinators' dashboard: street-wide, with organizations, funding and the report.
/// Its figures are kept between requests (`event::stats::KeptOverviews`): a crowd asking
/// at once shares one working of them.
async fn show_dashboard(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let page = street_dashboard(&state, &actor, context.lang(), query).await?;
    Ok(super::render(&state, &context, "pages/dashboard", &page)?.into_response())
}

/// The street-wide dashboard for the period asked, as every coordinator sees it.
async fn street_dashboard(
    state: &AppState,
    actor: &member::Actor,
    lang: Lang,
    query: PeriodQuery,
) -> Result<DashboardPage, AppError> {
    let (default_day, shown_instead) = default_day(state, lang, &query).await?;
    // Before the figures' turn: it builds the month's report, which waits for a turn of its
    // own, and a request holding two turns at once could wait for itself.
    let sent = sent_status(state, actor, lang, default_day).await?;
    let sent_marks = event::sent_reports::latest_revisions(&state.db, actor).await?;
    let shown = shown(state, actor, lang, query, default_day, None, &sent_marks).await?;
    let (from, last_day) = (shown.from, shown.until.and_then(|u| u.pred_opt()));
    let mut page = street_wide(state, actor, lang, shown).await?;
    page.this_month = default_day.format("%Y-%m").to_string();
    page.shown_instead = shown_instead;
    page.sent = sent;
    page.period_export = match (from, last_day) {
        (Some(f), Some(l)) => Some(format!("from={f}&until={l}")),
        _ => None,
    };
    Ok(page)
}

/// A leader's figures for their own organization.
async fn show_org_dashboard(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    axum::extract::Path(org_id): axum::extract::Path<Uuid>,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let org = member::orgs::find(&state.db, org_id).await?;
    if !actor.can_manage_org(org.id) {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang();
    let today = views::today();
    let shown = shown(
        &state,
        &actor,
        lang,
        query,
        today,
        Some(&org),
        &HashMap::new(),
    )
    .await?;
    Ok(super::render(&state, &context, "pages/dashboard", &shown.page)?.into_response())
}
