//! The day itself: a shift's QR poster, check-in and check-out by scanning it, and the
//! leader's attendance page (attendance, hours, residents served).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use event::EventError;
use event::records::{self, BeneficiaryInput, Scan, format_hours};
use member::FieldError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::invalid;
use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/shifts/{id}/qr", get(show_qr))
        .route("/checkin/{token}", get(show_checkin).post(submit_checkin))
        .route("/stalls/{id}/attendance", get(show_attendance))
        .route("/signups/{id}/attendance", post(mark_attendance))
        .route("/records/{id}/hours", post(enter_hours))
        .route("/stalls/{id}/beneficiaries", post(report_beneficiaries))
}

#[derive(Serialize)]
struct QrPage {
    title: String,
    service: String,
    when: String,
    place: String,
    svg: String,
    url: String,
    stall_id: Uuid,
}

/// The shift's check-in code, big enough to print on A4 for the stall.
async fn show_qr(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(shift_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let token = records::checkin_token(&state.db, &actor, shift_id).await?;
    let (shift, stall, event) = records::shift_for_token(&state.db, &token).await?;
    let (url, svg) = super::qr_for(&state, &format!("/checkin/{token}"))?;
    let lang = context.lang();
    let page = QrPage {
        title: event.title,
        service: lang.t(&format!(
            "service-{}",
            stall.service.as_str().replace('_', "-")
        )),
        when: views::format_time_range(lang, shift.starts_at, shift.ends_at),
        place: event.place,
        svg,
        url,
        stall_id: stall.id,
    };
    Ok(super::render(&state, &context, "pages/shift-qr", &page)?.into_response())
}

#[derive(Serialize)]
struct CheckinPage {
    token: String,
    title: String,
    when: String,
    place: String,
    problem: Option<String>,
    /// Confirmed on this shift (else the page says so and offers no button).
    confirmed: bool,
    checked_in: Option<String>,
    checked_out: Option<String>,
    /// Checking out now would be before the shift ends: ask first.
    confirm_early: bool,
    ends: String,
    /// While she is on the shift: the stall's tally page (现场计数).
    tally: Option<String>,
}

async fn checkin_page(
    state: &AppState,
    context: &PageContext,
    actor: &member::Actor,
    token: &str,
    problem: Option<String>,
) -> Result<CheckinPage, AppError> {
    let (shift, _, event) = records::shift_for_token(&state.db, token).await?;
    let (confirmed, record) = records::scan_standing(&state.db, actor, token).await?;
    let lang = context.lang();
    let on_shift = record
        .as_ref()
        .is_some_and(|r| r.checked_in_at.is_some() && r.checked_out_at.is_none());
    Ok(CheckinPage {
        tally: (confirmed && on_shift).then(|| format!("/stalls/{}/tally", shift.stall_id)),
        token: token.to_owned(),
        title: event.title,
        when: views::format_time_range(lang, shift.starts_at, shift.ends_at),
        place: event.place,
        problem,
        confirmed,
        checked_in: clock(record.as_ref().and_then(|r| r.checked_in_at)),
        checked_out: clock(record.as_ref().and_then(|r| r.checked_out_at)),
        confirm_early: false,
        ends: views::clock(shift.ends_at),
    })
}

/// What a volunteer's phone opens after scanning: where she stands, and one big button
/// for the next step (签到, then 签退).
async fn show_checkin(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let page = checkin_page(&state, &context, &actor, &token, None).await?;
    Ok(super::render(&state, &context, "pages/checkin", &page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CheckinForm {
    /// `in` or `out` from the page; empty from a bare scan (the next step).
    step: String,
    /// `yes` once the volunteer confirmed leaving before the shift ends.
    early: String,
}

async fn submit_checkin(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    // A scanner app may post nothing at all (no form, no content type): the next step.
    let input: CheckinForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let step = match input.step.as_str() {
        "in" => records::ScanStep::In,
        "out" => records::ScanStep::Out,
        _ => records::ScanStep::Next,
    };
    let now = Utc::now();
    if step == records::ScanStep::Out && input.early != "yes" {
        let (shift, _, _) = records::shift_for_token(&state.db, &token).await?;
        if now < shift.ends_at {
            let mut page = checkin_page(&state, &context, &actor, &token, None).await?;
            page.confirm_early = true;
            return Ok(super::render(&state, &context, "pages/checkin", &page)?.into_response());
        }
    }
    match records::scan_step(&state.db, &actor, &token, step, now).await {
        Ok(scan) => {
            let (key, kind) = match scan {
                Scan::CheckedIn(_) => ("notice-checked-in", "in"),
                Scan::CheckedOut(_) => ("notice-checked-out", "out"),
            };
            state.metrics.checkin(kind);
            Ok((jar.add(auth::flash_cookie(key)), Redirect::to("/me/shifts")).into_response())
        }
        Err(EventError::Invalid(errors)) => {
            let problem = errors.first().map(|e| context.lang().t(e.reason));
            let page = checkin_page(&state, &context, &actor, &token, problem).await?;
            invalid(&state, &context, "pages/checkin", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct HourLine {
    hours: String,
    reason: String,
    at: String,
}

#[derive(Serialize)]
struct VolunteerLine {
    signup_id: Uuid,
    record_id: Option<Uuid>,
    name: String,
    checked_in: Option<String>,
    checked_out: Option<String>,
    attendance: Option<String>,
    served: Option<String>,
    current: Option<String>,
    history: Vec<HourLine>,
    confirmed: bool,
    /// The forms' values: what was typed if refused, else what is recorded.
    in_value: String,
    out_value: String,
    no_show: bool,
    hours_value: String,
    reason_value: String,
    /// Each refusal beside its field.
    attendance_error: Option<String>,
    in_error: Option<String>,
    out_error: Option<String>,
    hours_error: Option<String>,
    reason_error: Option<String>,
}

#[derive(Serialize)]
struct ShiftBlock {
    id: Uuid,
    clock: String,
    volunteers: Vec<VolunteerLine>,
}

#[derive(Serialize)]
struct ReportLine {
    total: i32,
    breakdown: String,
    reason: String,
    at: String,
}

#[derive(Serialize)]
struct AttendancePage {
    stall_id: Uuid,
    market_id: Uuid,
    service: String,
    shifts: Vec<ShiftBlock>,
    reports: Vec<ReportLine>,
    reported: bool,
    /// What the stall's phones counted (现场计数), when they did.
    tallied: Option<String>,
    /// A reason field: a correction needs one, and so does a figure unlike the tally.
    ask_reason: bool,
    problem: Option<String>,
    beneficiaries: BeneficiaryFields,
}

/// The residents-served form: values kept and each refusal beside its field.
#[derive(Default, Serialize)]
struct BeneficiaryFields {
    total: String,
    elderly: String,
    children: String,
    disabled: String,
    other: String,
    reason: String,
    total_error: Option<String>,
    elderly_error: Option<String>,
    children_error: Option<String>,
    disabled_error: Option<String>,
    other_error: Option<String>,
    reason_error: Option<String>,
}

/// A form of the page that was sent and refused: which one (a sign-up, a record or the
/// stall), its reasons and what was typed, so nothing typed is lost.
#[derive(Default)]
struct Sent {
    target: Option<Uuid>,
    errors: Vec<FieldError>,
    values: std::collections::HashMap<&'static str, String>,
}

impl Sent {
    fn error(&self, lang: crate::i18n::Lang, target: Uuid, field: &str) -> Option<String> {
        (self.target == Some(target))
            .then(|| self.errors.iter().find(|e| e.field == field))
            .flatten()
            .map(|e| lang.t(e.reason))
    }

    fn value(&self, target: Uuid, field: &str) -> Option<String> {
        (self.target == Some(target))
            .then(|| self.values.get(field).cloned())
            .flatten()
    }
}

fn clock(at: Option<chrono::DateTime<Utc>>) -> Option<String> {
    at.map(views::clock)
}

async fn attendance_page(
    state: &AppState,
    context: &PageContext,
    actor: &member::Actor,
    stall_id: Uuid,
    sent: &Sent,
) -> Result<AttendancePage, AppError> {
    let lang = context.lang();
    let (stall, shifts) = records::attendance(&state.db, actor, stall_id).await?;
    let reports = records::beneficiary_history(&state.db, stall.id).await?;
    let tally = records::tally::totals(&state.db, stall.id).await?;
    let counted = (tally.taps > 0).then_some(&tally);
    Ok(AttendancePage {
        tallied: counted
            .map(|t| views::t_count(lang, "beneficiaries-tallied", t.total.unsigned_abs())),
        ask_reason: !reports.is_empty() || counted.is_some(),
        stall_id: stall.id,
        market_id: stall.event_id,
        service: lang.t(&format!(
            "service-{}",
            stall.service.as_str().replace('_', "-")
        )),
        shifts: shifts
            .into_iter()
            .map(|block| ShiftBlock {
                id: block.shift.id,
                clock: views::format_clock_range(lang, block.shift.starts_at, block.shift.ends_at),
                volunteers: (block.lines.into_iter())
                    .map(|line| VolunteerLine::of(lang, sent, line))
                    .collect(),
            })
            .collect(),
        beneficiaries: BeneficiaryFields::of(
            lang,
            sent,
            stall.id,
            counted.filter(|_| reports.is_empty()),
        ),
        reported: !reports.is_empty(),
        reports: reports.iter().map(|r| ReportLine::of(lang, r)).collect(),
        // A refusal that belongs to no field (e.g. the day is not open) goes on top.
        problem: sent
            .errors
            .iter()
            .find(|e| !KNOWN_FIELDS.contains(&e.field))
            .map(|e| lang.t(e.reason)),
    })
}

impl VolunteerLine {
    /// One volunteer's line: as recorded, or as typed when the form came back refused.
    fn of(lang: Lang, sent: &Sent, line: records::AttendanceLine) -> VolunteerLine {
        let signup = line.signup.id;
        let record = line.record.as_ref();
        let record_id = record.map(|r| r.id);
        let on_record = |field: &str| record_id.and_then(|r| sent.error(lang, r, field));
        let checked_in = clock(record.and_then(|r| r.checked_in_at));
        let checked_out = clock(record.and_then(|r| r.checked_out_at));
        let attendance = record.and_then(|r| r.attendance.as_deref());
        let current = line.hours.first().map(|h| h.tenths);
        VolunteerLine {
            in_value: (sent.value(signup, "checked_in"))
                .unwrap_or_else(|| checked_in.clone().unwrap_or_default()),
            out_value: (sent.value(signup, "checked_out"))
                .unwrap_or_else(|| checked_out.clone().unwrap_or_default()),
            no_show: (sent.value(signup, "attended"))
                .map_or_else(|| attendance == Some("no_show"), |v| v == "no"),
            hours_value: (record_id.and_then(|r| sent.value(r, "hours"))).unwrap_or_else(|| {
                current
                    .or(line.served)
                    .map(format_hours)
                    .unwrap_or_default()
            }),
            reason_value: (record_id.and_then(|r| sent.value(r, "reason"))).unwrap_or_default(),
            attendance_error: sent.error(lang, signup, "attendance"),
            in_error: sent.error(lang, signup, "checked_in"),
            out_error: sent.error(lang, signup, "checked_out"),
            hours_error: on_record("hours"),
            reason_error: on_record("reason"),
            signup_id: signup,
            record_id,
            name: line.name,
            checked_in,
            checked_out,
            attendance: attendance.map(|a| lang.t(&format!("attendance-{}", a.replace('_', "-")))),
            served: line.served.map(format_hours),
            current: current.map(format_hours),
            confirmed: !line.hours.is_empty(),
            history: (line.hours.iter())
                .map(|h| HourLine {
                    hours: format_hours(h.tenths),
                    reason: h.reason.clone(),
                    at: views::format_date_time(lang, h.entered_at),
                })
                .collect(),
        }
    }
}

impl BeneficiaryFields {
    /// As typed with the reasons when it came back refused; else, before the first report,
    /// what the stall's phones counted; else empty.
    fn of(
        lang: Lang,
        sent: &Sent,
        stall_id: Uuid,
        tally: Option<&records::tally::Tally>,
    ) -> BeneficiaryFields {
        let counted = |f: &str| match (tally, f) {
            (Some(t), "total") => t.total.to_string(),
            (Some(t), category) if records::tally::CATEGORIES.contains(&category) => {
                t.count(category).to_string()
            }
            _ => String::new(),
        };
        let typed = sent.target == Some(stall_id);
        let value = |f: &str| {
            if typed {
                sent.value(stall_id, f).unwrap_or_default()
            } else {
                counted(f)
            }
        };
        let error = |f: &str| sent.error(lang, stall_id, f);
        BeneficiaryFields {
            total: value("total"),
            elderly: value("elderly"),
            children: value("children"),
            disabled: value("disabled"),
            other: value("other"),
            reason: value("reason"),
            total_error: error("total"),
            elderly_error: error("elderly"),
            children_error: error("children"),
            disabled_error: error("disabled"),
            other_error: error("other"),
            reason_error: error("reason"),
        }
    }
}

impl ReportLine {
    fn of(lang: Lang, r: &event::BeneficiaryReport) -> ReportLine {
        let parts = [
            ("beneficiary-elderly", r.elderly),
            ("beneficiary-children", r.children),
            ("beneficiary-disabled", r.disabled),
            ("beneficiary-other", r.other),
        ];
        let breakdown: Vec<String> = (parts.iter())
            .filter_map(|(key, n)| n.map(|n| format!("{} {n}", lang.t(key))))
            .collect();
        ReportLine {
            total: r.total,
            breakdown: breakdown.join("，"),
            reason: r.reason.clone(),
            at: views::format_date_time(lang, r.entered_at),
        }
    }
}

/// The fields the attendance page draws, each with its own place for a refusal.
const KNOWN_FIELDS: &[&str] = &[
    "attendance",
    "checked_in",
    "checked_out",
    "hours",
    "reason",
    "total",
    "elderly",
    "children",
    "disabled",
    "other",
];

async fn show_attendance(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(stall_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let page = attendance_page(&state, &context, &actor, stall_id, &Sent::default()).await?;
    Ok(super::render(&state, &context, "pages/attendance", &page)?.into_response())
}

async fn refused(
    state: &AppState,
    context: &PageContext,
    actor: &member::Actor,
    stall_id: Uuid,
    sent: Sent,
) -> Result<Response, AppError> {
    let page = attendance_page(state, context, actor, stall_id, &sent).await?;
    invalid(state, context, "pages/attendance", &page)
}

async fn stall_of_signup(state: &AppState, signup_id: Uuid) -> Result<Uuid, AppError> {
    Ok(records::stall_of_signup(&state.db, signup_id).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AttendanceForm {
    attended: String,
    checked_in: String,
    checked_out: String,
}

async fn mark_attendance(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(signup_id): Path<Uuid>,
    Form(input): Form<AttendanceForm>,
) -> Result<Response, AppError> {
    let stall = stall_of_signup(&state, signup_id).await?;
    let attended = input.attended != "no";
    match records::mark_attendance(
        &state.db,
        &actor,
        signup_id,
        attended,
        &input.checked_in,
        &input.checked_out,
        Utc::now(),
    )
    .await
    {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-attendance-saved"));
            Ok((
                jar,
                Redirect::to(&format!("/stalls/{stall}/attendance#signup-{signup_id}")),
            )
                .into_response())
        }
        Err(EventError::Invalid(errors)) => {
            let sent = Sent {
                target: Some(signup_id),
                errors,
                values: [
                    ("attended", input.attended),
                    ("checked_in", input.checked_in),
                    ("checked_out", input.checked_out),
                ]
                .into(),
            };
            refused(&state, &context, &actor, stall, sent).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct HoursForm {
    hours: String,
    reason: String,
}

async fn enter_hours(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(record_id): Path<Uuid>,
    Form(input): Form<HoursForm>,
) -> Result<Response, AppError> {
    let (stall, signup_id) = records::stall_of_record(&state.db, record_id).await?;
    match records::enter_hours(
        &state.db,
        &actor,
        record_id,
        (&input.hours, &input.reason),
        &state.settings.publicity(),
        Utc::now(),
    )
    .await
    {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-hours-saved"));
            let to = format!("/stalls/{stall}/attendance#signup-{signup_id}");
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(EventError::Invalid(errors)) => {
            let sent = Sent {
                target: Some(record_id),
                errors,
                values: [("hours", input.hours), ("reason", input.reason)].into(),
            };
            refused(&state, &context, &actor, stall, sent).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BeneficiaryForm {
    total: String,
    elderly: String,
    children: String,
    disabled: String,
    other: String,
    reason: String,
}

async fn report_beneficiaries(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(stall_id): Path<Uuid>,
    Form(input): Form<BeneficiaryForm>,
) -> Result<Response, AppError> {
    let report = BeneficiaryInput {
        total: input.total.clone(),
        elderly: input.elderly.clone(),
        children: input.children.clone(),
        disabled: input.disabled.clone(),
        other: input.other.clone(),
        reason: input.reason.clone(),
    };
    match records::report_beneficiaries(&state.db, &actor, stall_id, &report).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-beneficiaries-saved"));
            Ok((jar, Redirect::to(&format!("/stalls/{stall_id}/attendance"))).into_response())
        }
        Err(EventError::Invalid(errors)) => {
            let sent = Sent {
                target: Some(stall_id),
                errors,
                values: [
                    ("total", input.total),
                    ("elderly", input.elderly),
                    ("children", input.children),
                    ("disabled", input.disabled),
                    ("other", input.other),
                    ("reason", input.reason),
                ]
                .into(),
            };
            refused(&state, &context, &actor, stall_id, sent).await
        }
        Err(other) => Err(other.into()),
    }
}
