//! The reports as the web serves them, to pages and API alike: a month's or any period's
//! tables (made one report at a time per core, see `AppState::report_turn`), with the
//! heading that says when, and as a file to save.

use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};

use crate::errors::AppError;
use crate::state::AppState;
use crate::views;

/// The month's report upward (staff), as a workbook (`xlsx`) or the same tables in one CSV
/// (`csv`); `month` is `YYYY-MM`, or empty for this month.
pub async fn monthly_download(
    state: &AppState,
    actor: &member::Actor,
    month: &str,
    format: &str,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let (first, tables, heading) = month_report(state, actor, month).await?;
    let name = format!("微益坊月报-{}.{format}", first.format("%Y-%m"));
    let fallback = format!("weiyifang-report-{}.{format}", first.format("%Y-%m"));
    report_file(&name, &fallback, format, &heading, &tables)
}

/// A month's report as it stands now: its first day, its tables, and the heading that
/// says when it was made. `typed` is `YYYY-MM`, or empty for this month.
pub async fn month_report(
    state: &AppState,
    actor: &member::Actor,
    typed: &str,
) -> Result<(NaiveDate, Vec<report::Table>, report::Heading), AppError> {
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
pub async fn report_for(
    state: &AppState,
    actor: &member::Actor,
    title: &'static str,
    first: NaiveDate,
    next: NaiveDate,
) -> Result<(Vec<report::Table>, report::Heading), AppError> {
    let start = |d: NaiveDate| event::schedule::at(d, chrono::NaiveTime::MIN);
    let _turn = state.report_turn().await;
    let now = Utc::now();
    let tables =
        report::monthly_tables(&state.db, actor, (start(first), start(next)), now, &|key| {
            crate::i18n::Lang::ZhCn.t(key)
        })
        .await?;
    let heading = report::Heading {
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
pub fn report_file(
    name: &str,
    fallback: &str,
    format: &str,
    heading: &report::Heading,
    tables: &[report::Table],
) -> Result<Response, AppError> {
    let file = match format {
        "csv" => crate::files::download(
            name,
            fallback,
            crate::files::CSV,
            report::to_csv(heading, tables)?,
        ),
        _ => crate::files::download(
            name,
            fallback,
            crate::files::XLSX,
            report::to_xlsx(heading, tables)?,
        ),
    };
    // Built after the report's turn ended: its working memory is handed back here.
    crate::memory::give_back_freed();
    Ok(file)
}

/// The official service records of `[first, last]` (whole days, Shanghai) for import into
/// the national volunteer service system, as `xlsx` or `csv` (staff).
pub async fn official_download(
    state: &AppState,
    actor: &member::Actor,
    (from, until): (&str, &str),
    format: &str,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let (first, last) = whole_days(from, until)?;
    let start = |d: NaiveDate| event::schedule::at(d, chrono::NaiveTime::MIN);
    let next = last.succ_opt().unwrap_or(last);
    let _turn = state.report_turn().await;
    let records = event::records::official::official_records(
        &state.db,
        actor,
        (start(first), start(next)),
        Utc::now(),
    )
    .await?;
    let table = report::official_table(&records, &|key| crate::i18n::Lang::ZhCn.t(key));
    let name = format!("志愿服务记录-{first}至{last}.{format}");
    let fallback = format!("weiyifang-service-records-{first}-{last}.{format}");
    Ok(match format {
        "csv" => crate::files::download(
            &name,
            &fallback,
            crate::files::CSV,
            report::to_plain_csv(&table)?,
        ),
        _ => crate::files::download(
            &name,
            &fallback,
            crate::files::XLSX,
            report::to_plain_xlsx(&table)?,
        ),
    })
}

/// Sends the month's report upward as it stands now (staff): its content, compared later
/// with the figures of the day, and the workbook as it went.
pub async fn send_month(
    state: &AppState,
    actor: &member::Actor,
    month: &str,
) -> Result<event::SentReport, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let (first, tables, heading) = month_report(state, actor, month).await?;
    let content = report::content(&tables)?;
    let workbook = report::to_xlsx(&heading, &tables)?;
    let now = Utc::now();
    Ok(event::sent_reports::send(&state.db, actor, first, &content, workbook, now).await?)
}

/// A period of whole days as typed, `YYYY-MM-DD` to `YYYY-MM-DD` (the last included): both
/// plausible dates, the end not before the start; each refusal beside its field.
pub fn whole_days(from: &str, until: &str) -> Result<(NaiveDate, NaiveDate), AppError> {
    let parse = |field: &'static str, s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| member::fields::plausible_date(*d))
            .ok_or(member::FieldError::new(field, "error-date-invalid"))
    };
    match (parse("from", from), parse("until", until)) {
        (Ok(first), Ok(last)) if last >= first => Ok((first, last)),
        (Ok(_), Ok(_)) => Err(AppError::InvalidFields(vec![member::FieldError::new(
            "until",
            "error-end-before-start",
        )])),
        (from, until) => Err(AppError::InvalidFields(
            [from.err(), until.err()].into_iter().flatten().collect(),
        )),
    }
}
