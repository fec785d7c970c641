//! The day's records over the API, as the pages keep them: checking in and out with the
//! shift's code, hours confirmed or corrected, residents served; then a period's figures
//! and the certificates that follow. The same domain functions as the pages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use event::records::{self, BeneficiaryInput, Scan, ScanStep};
use event::stats::Figures;
use member::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::json::ApiJson;
use crate::auth::SignedIn;
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkin_code))
        .routes(routes!(check_in_or_out))
        .routes(routes!(attendance))
        .routes(routes!(enter_hours))
        .routes(routes!(report_residents))
        .routes(routes!(figures))
        .routes(routes!(monthly_report))
        .routes(routes!(my_certificates, issue_certificate))
        .routes(routes!(verify_certificate))
}

#[derive(Serialize, ToSchema)]
struct CheckinCodeBody {
    /// For `POST /checkin/{code}`.
    #[schema(example = "q3V9xT2mK8rL5wN1bC7dF4hJ6pS0yZ2a")]
    code: String,
    /// The page a volunteer's phone opens from the poster's QR code.
    #[schema(example = "https://wyf.example.cn/checkin/q3V9xT2mK8rL5wN1bC7dF4hJ6pS0yZ2a")]
    url: String,
}

/// A shift's check-in code, for its stall's leaders and staff to print or show (the same
/// code as the page's QR poster).
#[utoipa::path(
    get,
    path = "/shifts/{id}/checkin-code",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Shift id")),
    responses(
        (status = 200, description = "The code", body = CheckinCodeBody),
        (status = 403, description = "Neither staff nor a leader of the stall's organization", body = ErrorBody),
    )
)]
async fn checkin_code(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<CheckinCodeBody>, AppError> {
    let code = records::checkin_token(&state.db, &actor, id).await?;
    let url = format!("{}/checkin/{code}", state.settings.origin());
    Ok(Json(CheckinCodeBody { code, url }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ScanRequest {
    /// `in` or `out`; without it, the next step (in, then out).
    #[schema(example = "in")]
    step: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct ScanBody {
    /// `checked_in` or `checked_out`.
    #[schema(example = "checked_in")]
    done: &'static str,
    /// When, in UTC.
    at: DateTime<Utc>,
}

/// Check in or out with the shift's code (the one its QR poster carries): a volunteer
/// confirmed on that shift, from 30 minutes before it starts.
#[utoipa::path(
    post,
    path = "/checkin/{token}",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("token" = String, Path, description = "The shift's check-in code")),
    request_body = ScanRequest,
    responses(
        (status = 200, description = "Checked in or out", body = ScanBody),
        (status = 422, description = "Not confirmed on the shift, too early, twice, or the day is cancelled", body = ErrorBody),
    )
)]
async fn check_in_or_out(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(token): Path<String>,
    ApiJson(request): ApiJson<ScanRequest>,
) -> Result<Json<ScanBody>, AppError> {
    let step = match request.step.as_deref() {
        None => ScanStep::Next,
        Some("in") => ScanStep::In,
        Some("out") => ScanStep::Out,
        Some(_) => {
            let refused = FieldError::new("step", "error-choose-one");
            return Err(AppError::InvalidFields(vec![refused]));
        }
    };
    let scan = records::scan_step(&state.db, &actor, &token, step, Utc::now()).await?;
    Ok(Json(match scan {
        Scan::CheckedIn(at) => ScanBody {
            done: "checked_in",
            at,
        },
        Scan::CheckedOut(at) => ScanBody {
            done: "checked_out",
            at,
        },
    }))
}

#[derive(Serialize, ToSchema)]
struct HourEntryBody {
    #[schema(example = "2.5")]
    hours: String,
    reason: String,
    entered_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
struct VolunteerBody {
    signup_id: Uuid,
    /// Once checked in or marked by hand: where hours are entered.
    record_id: Option<Uuid>,
    name: String,
    checked_in_at: Option<DateTime<Utc>>,
    checked_out_at: Option<DateTime<Utc>>,
    /// `attended` or `no_show`, once marked.
    attendance: Option<String>,
    /// What check-in and check-out say, as hours.
    served: Option<String>,
    /// The hours that count (the newest entry), once confirmed.
    hours: Option<String>,
    /// Every entry, newest first.
    history: Vec<HourEntryBody>,
}

#[derive(Serialize, ToSchema)]
struct ShiftAttendanceBody {
    shift_id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    volunteers: Vec<VolunteerBody>,
}

#[derive(Serialize, ToSchema)]
struct AttendanceBody {
    #[schema(example = "0193a5c2-7d1e-7c3b-9f00-3a1b2c3d4e5f")]
    stall_id: Uuid,
    shifts: Vec<ShiftAttendanceBody>,
    /// The stall's reports of residents served, newest (the one that counts) first.
    residents: Vec<ResidentsBody>,
}

impl From<records::AttendanceLine> for VolunteerBody {
    fn from(line: records::AttendanceLine) -> Self {
        let record = line.record.as_ref();
        VolunteerBody {
            signup_id: line.signup.id,
            record_id: record.map(|r| r.id),
            name: line.name,
            checked_in_at: record.and_then(|r| r.checked_in_at),
            checked_out_at: record.and_then(|r| r.checked_out_at),
            attendance: record.and_then(|r| r.attendance.clone()),
            served: line.served.map(records::format_hours),
            hours: line.hours.first().map(|h| records::format_hours(h.tenths)),
            history: (line.hours.into_iter())
                .map(|h| HourEntryBody {
                    hours: records::format_hours(h.tenths),
                    reason: h.reason,
                    entered_at: h.entered_at,
                })
                .collect(),
        }
    }
}

/// A stall's confirmed volunteers per shift, with their records and hours: what its
/// leaders and staff confirm on the day.
#[utoipa::path(
    get,
    path = "/stalls/{id}/attendance",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Stall id")),
    responses(
        (status = 200, description = "The stall's attendance", body = AttendanceBody),
        (status = 403, description = "Neither staff nor a leader of the stall's organization", body = ErrorBody),
    )
)]
async fn attendance(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<AttendanceBody>, AppError> {
    let (stall, shifts) = records::attendance(&state.db, &actor, id).await?;
    let shifts = (shifts.into_iter())
        .map(|block| ShiftAttendanceBody {
            shift_id: block.shift.id,
            starts_at: block.shift.starts_at,
            ends_at: block.shift.ends_at,
            volunteers: block.lines.into_iter().map(VolunteerBody::from).collect(),
        })
        .collect();
    let reports = records::beneficiary_history(&state.db, stall.id).await?;
    Ok(Json(AttendanceBody {
        stall_id: stall.id,
        shifts,
        residents: reports.into_iter().map(ResidentsBody::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct HoursRequest {
    /// Hours served, to one decimal, no more than the shift lasted.
    #[schema(example = 2.5)]
    hours: f64,
    /// Why, when correcting hours confirmed before (the history keeps both).
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct HoursBody {
    record_id: Uuid,
    #[schema(example = "2.5")]
    hours: String,
    reason: String,
    entered_at: DateTime<Utc>,
    /// When the hours stand: their public posting (公示) ends then, if no objection is open.
    #[schema(example = "2026-12-04T16:00:00Z")]
    stands_at: DateTime<Utc>,
}

/// Confirm a volunteer's hours on a service record, or correct them with a reason.
#[utoipa::path(
    put,
    path = "/records/{id}/hours",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Service record id")),
    request_body = HoursRequest,
    responses(
        (status = 200, description = "The entry that now counts", body = HoursBody),
        (status = 403, description = "Neither staff nor a leader of the stall's organization", body = ErrorBody),
        (status = 422, description = "Invalid hours, before the shift began, or a correction without a reason", body = ErrorBody),
    )
)]
async fn enter_hours(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<HoursRequest>,
) -> Result<Json<HoursBody>, AppError> {
    // The form's words for the same number: the domain checks range and decimals.
    let hours = request.hours.to_string();
    let reason = request.reason.unwrap_or_default();
    let entry = records::enter_hours(
        &state.db,
        &actor,
        id,
        (&hours, &reason),
        &state.settings.publicity(),
        Utc::now(),
    )
    .await?;
    Ok(Json(HoursBody {
        record_id: entry.record_id,
        hours: records::format_hours(entry.tenths),
        reason: entry.reason,
        entered_at: entry.entered_at,
        stands_at: entry.stands_at,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResidentsRequest {
    #[schema(example = 25)]
    total: u32,
    /// The breakdown, if counted: when any is given, they add up to the total.
    elderly: Option<u32>,
    children: Option<u32>,
    disabled: Option<u32>,
    other: Option<u32>,
    /// Why, when correcting an earlier report.
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct ResidentsBody {
    stall_id: Uuid,
    #[schema(example = 25)]
    total: i32,
    elderly: Option<i32>,
    children: Option<i32>,
    disabled: Option<i32>,
    other: Option<i32>,
    reason: String,
    entered_at: DateTime<Utc>,
}

impl From<event::BeneficiaryReport> for ResidentsBody {
    fn from(report: event::BeneficiaryReport) -> Self {
        ResidentsBody {
            stall_id: report.stall_id,
            total: report.total,
            elderly: report.elderly,
            children: report.children,
            disabled: report.disabled,
            other: report.other,
            reason: report.reason,
            entered_at: report.entered_at,
        }
    }
}

/// Report the residents a stall served (a new report corrects the last, with a reason).
#[utoipa::path(
    post,
    path = "/stalls/{id}/residents",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Stall id")),
    request_body = ResidentsRequest,
    responses(
        (status = 201, description = "The report that now counts", body = ResidentsBody),
        (status = 403, description = "Neither staff nor a leader of the stall's organization", body = ErrorBody),
        (status = 422, description = "Invalid counts, a breakdown that does not add up, or a correction without a reason", body = ErrorBody),
    )
)]
async fn report_residents(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<ResidentsRequest>,
) -> Result<Response, AppError> {
    let typed = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let input = BeneficiaryInput {
        total: request.total.to_string(),
        elderly: typed(request.elderly),
        children: typed(request.children),
        disabled: typed(request.disabled),
        other: typed(request.other),
        reason: request.reason.unwrap_or_default(),
    };
    let report = records::report_beneficiaries(&state.db, &actor, id, &input).await?;
    Ok((StatusCode::CREATED, Json(ResidentsBody::from(report))).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FiguresQuery {
    /// The first day, `YYYY-MM-DD` in Shanghai.
    #[param(example = "2026-11-01")]
    from: String,
    /// The last day, included.
    #[param(example = "2026-11-30")]
    until: String,
    /// One organization's figures (its leaders may ask); street-wide without (staff).
    organization_id: Option<Uuid>,
}

/// A period's figures, counted as the dashboard and the monthly report count them.
#[derive(Serialize, ToSchema)]
struct FiguresBody {
    market_days: u64,
    activities: u64,
    /// Service records with confirmed hours.
    services: u64,
    volunteers: u64,
    /// Confirmed hours, those still posted (公示中) included.
    #[schema(example = "42.5")]
    hours: String,
    /// Of those, the hours that stand (已生效): posting over, no objection open.
    #[schema(example = "40.0")]
    hours_standing: String,
    residents: i64,
    elderly: i64,
    children: i64,
    disabled: i64,
    other: i64,
}

impl From<&Figures> for FiguresBody {
    fn from(f: &Figures) -> Self {
        FiguresBody {
            market_days: f.market_days,
            activities: f.activities,
            services: f.services,
            volunteers: f.volunteers,
            hours: records::format_hours(f.hours_tenths),
            hours_standing: records::format_hours(f.hours_standing_tenths),
            residents: f.residents,
            elderly: f.breakdown.elderly,
            children: f.breakdown.children,
            disabled: f.breakdown.disabled,
            other: f.breakdown.other,
        }
    }
}

/// One group's figures: a service (`haircut`, …), a project, an organization (ids) or a
/// month (`2026-11`).
#[derive(Serialize, ToSchema)]
struct GroupFigures {
    key: String,
    figures: FiguresBody,
}

/// A period's figures, in all and by group, as the dashboard's tables give them.
#[derive(Serialize, ToSchema)]
struct PeriodFigures {
    all: FiguresBody,
    by_month: Vec<GroupFigures>,
    by_service: Vec<GroupFigures>,
    by_organization: Vec<GroupFigures>,
    by_project: Vec<GroupFigures>,
}

fn groups<K: ToString>(map: &std::collections::BTreeMap<K, Figures>) -> Vec<GroupFigures> {
    (map.iter())
        .map(|(key, f)| GroupFigures {
            key: key.to_string(),
            figures: FiguresBody::from(f),
        })
        .collect()
}

impl From<&event::stats::Overview> for PeriodFigures {
    fn from(stats: &event::stats::Overview) -> Self {
        let by_month = (stats.by_month.iter())
            .map(|((y, m), f)| GroupFigures {
                key: format!("{y}-{m:02}"),
                figures: FiguresBody::from(f),
            })
            .collect();
        PeriodFigures {
            all: FiguresBody::from(&stats.all),
            by_month,
            by_service: groups(&stats.by_service),
            by_organization: groups(&stats.by_organization),
            by_project: groups(&stats.by_project),
        }
    }
}

/// The figures of a period: street-wide for staff, or one organization's for its leaders.
#[utoipa::path(
    get,
    path = "/figures",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(FiguresQuery),
    responses(
        (status = 200, description = "The period's figures", body = PeriodFigures),
        (status = 403, description = "Not staff, nor a leader of the organization asked for", body = ErrorBody),
        (status = 422, description = "A date typed wrong, or the end before the start", body = ErrorBody),
    )
)]
async fn figures(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<FiguresQuery>,
) -> Result<Json<PeriodFigures>, AppError> {
    let (from, until) = crate::reporting::whole_days(&query.from, &query.until)?;
    let start = |d: NaiveDate| event::schedule::at(d, NaiveTime::MIN);
    let period = (
        Some(start(from)),
        Some(start(until.succ_opt().unwrap_or(until))),
    );
    let org = query.organization_id;
    let stats = (state.overviews)
        .overview_for(
            &state.db,
            &actor,
            period,
            org,
            Utc::now(),
            state.report_turn(),
        )
        .await?;
    Ok(Json(PeriodFigures::from(&*stats)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// `YYYY-MM`; this month when absent.
    #[param(example = "2026-11")]
    month: Option<String>,
    /// `xlsx` (default) or `csv`.
    format: Option<String>,
}

/// The month's report upward (staff): the workbook the sub-district receives, or the same
/// tables in one CSV, built from the same figures as `/figures`.
#[utoipa::path(
    get,
    path = "/reports/monthly",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "The report file", content_type = crate::files::XLSX),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 422, description = "A month typed wrong, or an unknown format", body = ErrorBody),
    )
)]
async fn monthly_report(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let format = match query.format.as_deref().unwrap_or("xlsx") {
        format @ ("xlsx" | "csv") => format,
        _ => {
            let refused = FieldError::new("format", "error-choose-one");
            return Err(AppError::InvalidFields(vec![refused]));
        }
    };
    let month = query.month.unwrap_or_default();
    crate::reporting::monthly_download(&state, &actor, &month, format).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CertificateRequest {
    /// `YYYY-MM-DD`: the period's first day.
    #[schema(example = "2026-01-01")]
    from: String,
    /// `YYYY-MM-DD`: its last, not in the future.
    #[schema(example = "2026-11-30")]
    until: String,
}

#[derive(Serialize, ToSchema)]
struct CertificateBody {
    /// Anyone can check it at `/certificates/{number}` (page) or through the API.
    #[schema(example = "WYF-2026-ABCD2345")]
    number: String,
    period_from: NaiveDate,
    period_until: NaiveDate,
    services: i32,
    #[schema(example = "12.5")]
    hours: String,
    issuer: String,
    issued_at: DateTime<Utc>,
    /// Set when a correction made a later certificate replace this one.
    superseded_by: Option<String>,
}

impl From<event::Certificate> for CertificateBody {
    fn from(c: event::Certificate) -> Self {
        CertificateBody {
            number: c.number,
            period_from: c.period_from,
            period_until: c.period_until,
            services: c.services,
            hours: records::format_hours(c.hours_tenths),
            issuer: c.issuer,
            issued_at: c.issued_at,
            superseded_by: c.superseded_by,
        }
    }
}

/// A certificate of my service in a period (the same one again while nothing changed).
#[utoipa::path(
    post,
    path = "/me/certificates",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = CertificateRequest,
    responses(
        (status = 201, description = "Issued", body = CertificateBody),
        (status = 422, description = "A date typed wrong, a period in the future, or no service in it", body = ErrorBody),
    )
)]
async fn issue_certificate(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    ApiJson(request): ApiJson<CertificateRequest>,
) -> Result<Response, AppError> {
    let identity = event::certificates::IdentityInput::default();
    let issuer = state.settings.issuer();
    let (from, until) = (&request.from, &request.until);
    let now = Utc::now();
    let issued =
        event::certificates::issue(&state.db, &actor, from, until, &identity, &issuer, now).await?;
    Ok((StatusCode::CREATED, Json(CertificateBody::from(issued))).into_response())
}

#[derive(Serialize, ToSchema)]
struct CertificatesBody {
    certificates: Vec<CertificateBody>,
}

/// My certificates, newest first (replaced ones say by which).
#[utoipa::path(
    get,
    path = "/me/certificates",
    tag = "records",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Mine", body = CertificatesBody),
    )
)]
async fn my_certificates(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Json<CertificatesBody>, AppError> {
    let mine = event::certificates::of_person(&state.db, actor.person_id).await?;
    Ok(Json(CertificatesBody {
        certificates: mine.into_iter().map(CertificateBody::from).collect(),
    }))
}

/// Check a certificate by its number: anyone, without logging in.
#[utoipa::path(
    get,
    path = "/certificates/{number}",
    tag = "records",
    params(("number" = String, Path, description = "The number printed on it")),
    responses(
        (status = 200, description = "Genuine", body = CertificateBody),
        (status = 404, description = "No certificate has this number", body = ErrorBody),
    )
)]
async fn verify_certificate(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<Json<CertificateBody>, AppError> {
    match event::certificates::verify(&state.db, &number).await? {
        event::certificates::Verdict::Genuine(found) => Ok(Json(found.into())),
        _ => Err(AppError::NotFound),
    }
}
