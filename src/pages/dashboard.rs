//! The coordinators' dashboard: the figures the sub-district reports, for a period, with
//! per-month, per-organization and per-service tables and a bar chart drawn as SVG on the
//! server (no script), whose numbers are also in the table below it.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate, Utc};
use event::stats::{self, Figures};
use member::orgs::Stage;
use project::ledger::{self, Source};
use project::money::format_yuan;
use serde::{Deserialize, Serialize};
use triage::ratings::{self, Tally};

use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(show_dashboard))
        .route("/reports/monthly.xlsx", get(monthly_xlsx))
        .route("/reports/monthly.csv", get(monthly_csv))
        .route("/reports/period.xlsx", get(period_xlsx))
        .route("/reports/period.csv", get(period_csv))
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

/// One line of a satisfaction table.
#[derive(Serialize)]
struct SatisfactionRow {
    label: String,
    satisfied: u64,
    basic: u64,
    unsatisfied: u64,
    total: u64,
    rate: String,
}

/// Residents' satisfaction for the period, against the 80 % target, with the counts.
#[derive(Serialize)]
struct SatisfactionView {
    total: u64,
    rate: String,
    meets: bool,
    counts: String,
    /// Residents' requests (三事分流) and stall ratings: two rates, each with its counts.
    sources: Vec<SatisfactionRow>,
    months: Vec<SatisfactionRow>,
    classes: Vec<SatisfactionRow>,
    organizations: Vec<SatisfactionRow>,
    services: Vec<SatisfactionRow>,
}

fn satisfaction_row(label: String, tally: &Tally) -> SatisfactionRow {
    SatisfactionRow {
        label,
        satisfied: tally.satisfied,
        basic: tally.basic,
        unsatisfied: tally.unsatisfied,
        total: tally.total(),
        rate: views::percent(tally),
    }
}

async fn satisfaction_view(
    state: &AppState,
    lang: Lang,
    organization: Option<uuid::Uuid>,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    names: &std::collections::HashMap<uuid::Uuid, String>,
) -> Result<SatisfactionView, AppError> {
    let start = |d: NaiveDate| event::schedule::at(d, chrono::NaiveTime::MIN);
    let found =
        ratings::satisfaction(&state.db, organization, from.map(start), until.map(start)).await?;
    let all = &found.all;
    Ok(SatisfactionView {
        total: all.total(),
        rate: views::percent(all),
        meets: all.meets_target().unwrap_or(false),
        counts: views::t_with(
            lang,
            "satisfaction-counts",
            &[
                ("satisfied", all.satisfied.to_string()),
                ("basic", all.basic.to_string()),
                ("unsatisfied", all.unsatisfied.to_string()),
                ("total", all.total().to_string()),
            ],
        ),
        sources: vec![
            satisfaction_row(lang.t("satisfaction-requests"), &found.requests),
            satisfaction_row(lang.t("satisfaction-stalls"), &found.stalls),
        ],
        months: found
            .by_month
            .iter()
            .map(|((y, m), t)| satisfaction_row(format!("{y}-{m:02}"), t))
            .collect(),
        // 大事, 小事 and 私事 each have a row, a class nobody rated with its zeros.
        classes: if found.requests.total() == 0 {
            Vec::new()
        } else {
            triage::kinds::Class::ALL
                .iter()
                .map(|class| {
                    let tally = found
                        .by_class
                        .get(class.as_str())
                        .map(|(_, t)| *t)
                        .unwrap_or_default();
                    satisfaction_row(lang.t(&format!("request-class-{}", class.as_str())), &tally)
                })
                .collect()
        },
        organizations: found
            .by_organization
            .iter()
            .map(|(id, t)| satisfaction_row(names.get(id).cloned().unwrap_or_default(), t))
            .collect(),
        services: found
            .by_service
            .values()
            .map(|(service, t)| {
                satisfaction_row(
                    lang.t(&format!("service-{}", service.as_str().replace('_', "-"))),
                    t,
                )
            })
            .collect(),
    })
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

/// Bars of hours per month, scaled to the tallest, drawn about one unit a pixel on a
/// phone: a title, both axes labelled, labels of 12 px at least (every month's up to a
/// year, fewer beyond), and the numbers in the table below.
fn hours_chart(lang: Lang, months: &[((i32, u32), Figures)]) -> String {
    if months.is_empty() {
        return String::new();
    }
    let max = months
        .iter()
        .map(|(_, f)| f.hours_tenths)
        .max()
        .unwrap_or(0)
        .max(1);
    let (width, left, right, top, plot) = (360_i64, 40_i64, 8_i64, 44_i64, 140_i64);
    let slot = (width - left - right) / months.len() as i64;
    let bar = (slot * 3 / 5).max(2);
    // Labels only every `step`th month when there are more months than fit.
    let step = months.len().div_ceil(12).max(1);
    let title = lang.t("dashboard-chart-title");
    let base = top + plot;
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {width} {}" role="img" aria-labelledby="chart-title"><title id="chart-title">{title}</title><text x="0" y="16" font-size="14" font-weight="bold">{title}</text><text x="0" y="36" font-size="12">{hours}</text><line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#555"/><line x1="{left}" y1="{base}" x2="{}" y2="{base}" stroke="#555"/><text x="{}" y="{}" font-size="12" text-anchor="middle">{month}</text>"##,
        base + 46,
        width - right,
        left + (width - left - right) / 2,
        base + 42,
        hours = lang.t("dashboard-chart-y"),
        month = lang.t("dashboard-chart-x"),
    );
    for (i, ((year, month), f)) in months.iter().enumerate() {
        let x = left + i as i64 * slot + (slot - bar) / 2;
        let h = f.hours_tenths * plot / max;
        let y = base - h;
        let hours = event::records::format_hours(f.hours_tenths);
        svg.push_str(&format!(
            r##"<rect x="{x}" y="{y}" width="{bar}" height="{h}" fill="#b3261e"><title>{year}-{month:02}: {hours}</title></rect>"##
        ));
        if i % step == 0 {
            let middle = x + bar / 2;
            svg.push_str(&format!(
                r##"<text x="{middle}" y="{}" font-size="12" text-anchor="middle">{month}</text>"##,
                base + 18
            ));
            if step == 1 && months.len() <= 8 {
                svg.push_str(&format!(
                    r##"<text x="{middle}" y="{}" font-size="12" text-anchor="middle">{hours}</text>"##,
                    (y - 4).max(top - 2)
                ));
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Each service type's share of the services delivered, as one stacked bar with a
/// legend (the exact numbers are in the table below).
fn shares_chart(
    lang: Lang,
    by_service: &std::collections::BTreeMap<&'static str, Figures>,
) -> String {
    let total: u64 = by_service.values().map(|f| f.services).sum();
    if total == 0 {
        return String::new();
    }
    const COLOURS: [&str; 7] = [
        "#b3261e", "#1a5fb4", "#1b6e34", "#8a5300", "#6b3fa0", "#00727a", "#555555",
    ];
    let title = lang.t("dashboard-shares-title");
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 360 {}" role="img" aria-labelledby="shares-title"><title id="shares-title">{title}</title><text x="0" y="16" font-size="14" font-weight="bold">{title}</text>"#,
        64 + 22 * by_service.len()
    );
    let mut x = 0u64;
    for (i, (key, f)) in by_service.iter().enumerate() {
        let width = f.services * 360 / total;
        let colour = COLOURS[i % COLOURS.len()];
        let label = lang.t(&format!("service-{}", key.replace('_', "-")));
        let percent = f.services * 100 / total;
        svg.push_str(&format!(
            r#"<rect x="{x}" y="28" width="{width}" height="24" fill="{colour}"><title>{label}: {percent}%</title></rect><rect x="0" y="{}" width="14" height="14" fill="{colour}"/><text x="20" y="{}" font-size="13">{label} {percent}%</text>"#,
            62 + 22 * i,
            74 + 22 * i,
        ));
        x += width;
    }
    svg.push_str("</svg>");
    svg
}

async fn show_dashboard(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang();
    // The default view is this month; when nothing has happened in it yet, the newest
    // month that has figures, and the page says so.
    let today = views::today();
    let mut shown_instead = None;
    let mut default_day = today;
    if query.period.is_empty()
        && query.from.is_empty()
        && query.until.is_empty()
        && let Some(latest) = stats::latest_begun(&state.db, Utc::now()).await?
    {
        let latest = latest.with_timezone(&views::shanghai()).date_naive();
        if (latest.year(), latest.month()) != (today.year(), today.month()) {
            default_day = latest;
            shown_instead = Some(views::t_with(
                lang,
                "dashboard-shown-instead",
                &[
                    ("year", latest.year().to_string()),
                    ("month", latest.month().to_string()),
                ],
            ));
        }
    }
    let (from, until, period, period_error) = period_of(&query, default_day);
    let start = |d: NaiveDate| event::schedule::at(d, chrono::NaiveTime::MIN);
    // Before this page's turn: it builds the month's report, which waits for a turn of its
    // own, and a request holding two turns at once could wait for itself.
    let sent = sent_status(&state, &actor, lang, default_day).await?;
    let _turn = state.report_turn().await;
    let stats = stats::stats(
        &state.db,
        from.map(start),
        until.map(start),
        None,
        Utc::now(),
    )
    .await?;
    let overview =
        ledger::overview(&state.db, &actor, from, until.and_then(|u| u.pred_opt())).await?;

    let names = member::orgs::names(&state.db, stats.by_organization.keys().copied()).await?;
    let census = member::orgs::census(&state.db, as_of(until), None).await?;
    let f = &stats.all;
    let page = DashboardPage {
        heading: match (from, until) {
            (None, None) => lang.t("dashboard-all-time"),
            (f, u) => format!(
                "{} – {}",
                f.map(|d| views::format_day(lang, d)).unwrap_or_default(),
                u.and_then(|d| d.pred_opt())
                    .map(|d| views::format_day(lang, d))
                    .unwrap_or_default()
            ),
        },
        figures: vec![
            Count {
                label: lang.t("dashboard-organizations"),
                value: census.incubated.to_string(),
            },
            Count {
                label: lang.t("dashboard-members"),
                value: census.members.to_string(),
            },
            Count {
                label: lang.t("dashboard-volunteers"),
                value: f.volunteers.to_string(),
            },
            Count {
                label: lang.t("dashboard-market-days"),
                value: f.market_days.to_string(),
            },
            Count {
                label: lang.t("dashboard-activities"),
                value: f.activities.to_string(),
            },
            Count {
                label: lang.t("dashboard-services"),
                value: f.services.to_string(),
            },
            Count {
                label: lang.t("dashboard-hours"),
                value: event::records::format_hours(f.hours_tenths),
            },
            Count {
                label: lang.t("dashboard-residents"),
                value: f.residents.to_string(),
            },
            Count {
                label: lang.t("dashboard-funding"),
                value: format_yuan(overview.all.total),
            },
        ],
        stages: Stage::ALL
            .iter()
            .map(|stage| Count {
                label: lang.t(&format!("stage-{}", stage.as_str())),
                value: census
                    .by_stage
                    .get(stage.as_str())
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            })
            .collect(),
        funding: Source::ALL
            .iter()
            .map(|s| Count {
                label: lang.t(&format!("source-{}", s.as_str().replace('_', "-"))),
                value: format_yuan(overview.all.by_source.get(s).copied().unwrap_or(0)),
            })
            .collect(),
        chart: hours_chart(
            lang,
            &stats
                .by_month
                .iter()
                .map(|(k, v)| (*k, v.clone()))
                .collect::<Vec<_>>(),
        ),
        months: {
            // Months sent upward say so, with their latest revision.
            let sent = event::sent_reports::latest_revisions(&state.db, &actor).await?;
            stats
                .by_month
                .iter()
                .map(|((y, m), f)| {
                    let month = format!("{y}-{m:02}");
                    let label = match sent.get(&month) {
                        Some(revision) => format!(
                            "{month} · {}",
                            views::t_with(
                                lang,
                                "sent-month-mark",
                                &[("revision", revision.to_string())]
                            )
                        ),
                        None => month,
                    };
                    row(label, f)
                })
                .collect()
        },
        organizations: stats
            .by_organization
            .iter()
            .map(|(id, f)| row(names.get(id).cloned().unwrap_or_default(), f))
            .collect(),
        services: stats
            .by_service
            .iter()
            .map(|(key, f)| row(lang.t(&format!("service-{}", key.replace('_', "-"))), f))
            .collect(),
        projects: {
            let titles: std::collections::HashMap<uuid::Uuid, String> =
                project::projects::all_by_title(&state.db)
                    .await?
                    .into_iter()
                    .map(|p| (p.id, p.title))
                    .collect();
            stats
                .by_project
                .iter()
                .map(|(id, f)| row(titles.get(id).cloned().unwrap_or_default(), f))
                .collect()
        },
        shares: shares_chart(lang, &stats.by_service),
        this_month: default_day.format("%Y-%m").to_string(),
        sent,
        period_export: match (from, until.and_then(|u| u.pred_opt())) {
            (Some(f), Some(l)) => Some(format!("from={f}&until={l}")),
            _ => None,
        },
        org_name: None,
        shown_instead,
        period_error: period_error.map(|key| lang.t(key)),
        base: "/dashboard".to_owned(),
        satisfaction: satisfaction_view(&state, lang, None, from, until, &names).await?,
        period,
        from: query.from,
        until: query.until,
    };
    Ok(super::render(&state, &context, "pages/dashboard", &page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MonthQuery {
    /// `YYYY-MM`; this month when empty.
    month: String,
}

async fn monthly_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<MonthQuery>,
) -> Result<Response, AppError> {
    monthly_report(&state, &actor, &query, "xlsx").await
}

async fn monthly_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<MonthQuery>,
) -> Result<Response, AppError> {
    monthly_report(&state, &actor, &query, "csv").await
}

/// A month's report as it stands now: its first day, its tables, and the heading that
/// says when it was made. `typed` is `YYYY-MM`, or empty for this month.
pub(super) async fn month_report(
    state: &AppState,
    actor: &member::Actor,
    typed: &str,
) -> Result<
    (
        NaiveDate,
        Vec<crate::reports::Table>,
        crate::reports::Heading,
    ),
    AppError,
> {
    let today = views::today();
    let first = match typed.trim() {
        "" => today.with_day(1).unwrap_or(today),
        typed => NaiveDate::parse_from_str(&format!("{typed}-01"), "%Y-%m-%d").map_err(|_| {
            AppError::InvalidFields(vec![member::FieldError::new("month", "error-date-invalid")])
        })?,
    };
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    let (tables, heading) = report_for(state, actor, "微益坊月报", first, next).await?;
    Ok((first, tables, heading))
}

/// The report's tables for the days `[first, next)`, and its heading.
async fn report_for(
    state: &AppState,
    actor: &member::Actor,
    title: &'static str,
    first: NaiveDate,
    next: NaiveDate,
) -> Result<(Vec<crate::reports::Table>, crate::reports::Heading), AppError> {
    let start = |d: NaiveDate| event::schedule::at(d, chrono::NaiveTime::MIN);
    let _turn = state.report_turn().await;
    let now = Utc::now();
    let tables =
        crate::reports::monthly_tables(&state.db, actor, start(first), start(next), now).await?;
    let heading = crate::reports::Heading {
        title,
        period: format!(
            "{} 至 {}",
            first.format("%Y-%m-%d"),
            next.pred_opt().unwrap_or(next).format("%Y-%m-%d")
        ),
        made_at: views::format_date_time(crate::i18n::Lang::ZhCn, now),
    };
    Ok((tables, heading))
}

/// A report as a file to save: the workbook, or the same tables in one CSV.
fn report_file(
    name: &str,
    fallback: &str,
    format: &str,
    heading: &crate::reports::Heading,
    tables: &[crate::reports::Table],
) -> Result<Response, AppError> {
    Ok(match format {
        "csv" => crate::files::download(
            name,
            fallback,
            crate::files::CSV,
            crate::reports::to_csv(heading, tables)?,
        ),
        _ => crate::files::download(
            name,
            fallback,
            crate::files::XLSX,
            crate::reports::to_xlsx(heading, tables)?,
        ),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RangeQuery {
    from: String,
    until: String,
}

/// The same report for any period of whole days (several months, a year).
async fn period_report(
    state: &AppState,
    actor: &member::Actor,
    query: &RangeQuery,
    format: &str,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let parse = |field: &'static str, s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| member::fields::plausible_date(*d))
            .ok_or(member::FieldError::new(field, "error-date-invalid"))
    };
    let (first, last) = match (parse("from", &query.from), parse("until", &query.until)) {
        (Ok(first), Ok(last)) if last >= first => (first, last),
        (Ok(_), Ok(_)) => {
            return Err(AppError::InvalidFields(vec![member::FieldError::new(
                "until",
                "error-end-before-start",
            )]));
        }
        (from, until) => {
            return Err(AppError::InvalidFields(
                [from.err(), until.err()].into_iter().flatten().collect(),
            ));
        }
    };
    let next = last.succ_opt().unwrap_or(last);
    let (tables, heading) = report_for(state, actor, "微益坊报表", first, next).await?;
    let name = format!("微益坊报表-{first}至{last}.{format}");
    let fallback = format!("weiyifang-report-{first}-{last}.{format}");
    report_file(&name, &fallback, format, &heading, &tables)
}

async fn period_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<RangeQuery>,
) -> Result<Response, AppError> {
    period_report(&state, &actor, &query, "xlsx").await
}

async fn period_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<RangeQuery>,
) -> Result<Response, AppError> {
    period_report(&state, &actor, &query, "csv").await
}

/// "已报送第 2 版", and whether the month's figures changed since it was sent.
async fn sent_status(
    state: &AppState,
    actor: &member::Actor,
    lang: Lang,
    day: NaiveDate,
) -> Result<Option<SentStatus>, AppError> {
    let first = day.with_day(1).unwrap_or(day);
    let Some(latest) = event::sent_reports::latest_of(&state.db, actor, first).await? else {
        return Ok(None);
    };
    let (_, tables, _) = month_report(state, actor, &latest.month).await?;
    let now = crate::reports::content(&tables)?;
    Ok(Some(SentStatus {
        text: views::t_with(
            lang,
            "sent-status",
            &[
                ("revision", latest.revision.to_string()),
                ("at", views::format_date_time(lang, latest.sent_at)),
            ],
        ),
        changed: latest.content != now,
        format_changed: crate::reports::SinceSent::of(&latest.content, &now)
            == crate::reports::SinceSent::FormatChanged,
    }))
}

/// The month's report upward, as a workbook or the same tables in one CSV.
async fn monthly_report(
    state: &AppState,
    actor: &member::Actor,
    query: &MonthQuery,
    format: &str,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let (first, tables, heading) = month_report(state, actor, &query.month).await?;
    let name = format!("微益坊月报-{}.{format}", first.format("%Y-%m"));
    let fallback = format!("weiyifang-report-{}.{format}", first.format("%Y-%m"));
    report_file(&name, &fallback, format, &heading, &tables)
}

/// A leader's figures for their own organization.
async fn show_org_dashboard(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    axum::extract::Path(org_id): axum::extract::Path<uuid::Uuid>,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let org = member::orgs::find(&state.db, org_id).await?;
    if !actor.can_manage_org(org.id) {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang();
    let (from, until, period, period_error) = period_of(&query, views::today());
    let start = |d: NaiveDate| event::schedule::at(d, chrono::NaiveTime::MIN);
    let _turn = state.report_turn().await;
    let stats = stats::stats(
        &state.db,
        from.map(start),
        until.map(start),
        Some(org.id),
        Utc::now(),
    )
    .await?;
    let members = member::orgs::census(&state.db, as_of(until), Some(org.id))
        .await?
        .members;
    let f = &stats.all;
    let page = DashboardPage {
        heading: match (from, until) {
            (None, None) => lang.t("dashboard-all-time"),
            (f, u) => format!(
                "{} – {}",
                f.map(|d| views::format_day(lang, d)).unwrap_or_default(),
                u.and_then(|d| d.pred_opt())
                    .map(|d| views::format_day(lang, d))
                    .unwrap_or_default()
            ),
        },
        figures: vec![
            Count {
                label: lang.t("dashboard-members"),
                value: members.to_string(),
            },
            Count {
                label: lang.t("dashboard-volunteers"),
                value: f.volunteers.to_string(),
            },
            Count {
                label: lang.t("dashboard-market-days"),
                value: f.market_days.to_string(),
            },
            Count {
                label: lang.t("dashboard-activities"),
                value: f.activities.to_string(),
            },
            Count {
                label: lang.t("dashboard-services"),
                value: f.services.to_string(),
            },
            Count {
                label: lang.t("dashboard-hours"),
                value: event::records::format_hours(f.hours_tenths),
            },
            Count {
                label: lang.t("dashboard-residents"),
                value: f.residents.to_string(),
            },
        ],
        stages: Vec::new(),
        funding: Vec::new(),
        chart: hours_chart(
            lang,
            &stats
                .by_month
                .iter()
                .map(|(k, v)| (*k, v.clone()))
                .collect::<Vec<_>>(),
        ),
        months: stats
            .by_month
            .iter()
            .map(|((y, m), f)| row(format!("{y}-{m:02}"), f))
            .collect(),
        organizations: Vec::new(),
        services: stats
            .by_service
            .iter()
            .map(|(key, f)| row(lang.t(&format!("service-{}", key.replace('_', "-"))), f))
            .collect(),
        projects: Vec::new(),
        shares: shares_chart(lang, &stats.by_service),
        this_month: String::new(),
        shown_instead: None,
        period_error: period_error.map(|key| lang.t(key)),
        satisfaction: satisfaction_view(
            &state,
            lang,
            Some(org.id),
            from,
            until,
            &std::collections::HashMap::from([(org.id, org.name.clone())]),
        )
        .await?,
        org_name: Some(org.name),
        sent: None,
        period_export: None,
        base: format!("/orgs/{}/dashboard", org.id),
        period,
        from: query.from,
        until: query.until,
    };
    Ok(super::render(&state, &context, "pages/dashboard", &page)?.into_response())
}
