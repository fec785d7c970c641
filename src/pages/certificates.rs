//! Volunteer service certificates: asked for by the volunteer, printed, and checked by
//! anyone at `/verify/{number}` through the QR code on the paper.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::{Datelike, Utc};
use event::EventError;
use event::certificates::{self, Standing, Verdict};
use member::fields::mask_phone;
use serde::{Deserialize, Serialize};

use super::invalid;
use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;
use event::records::format_hours as hours;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/certificates", get(show_mine).post(issue))
        .route("/certificates/{number}", get(show_certificate))
        .route("/verify/{number}", get(verify))
}

fn period(lang: crate::i18n::Lang, found: &event::Certificate) -> String {
    format!(
        "{} – {}",
        views::format_day(lang, found.period_from),
        views::format_day(lang, found.period_until)
    )
}

/// What a reader of the certificate must know about it now: nothing, or that it was
/// replaced (by which number) or that the records changed since.
fn standing_note(lang: crate::i18n::Lang, standing: &Standing) -> Option<String> {
    match standing {
        Standing::Current => None,
        Standing::Superseded(by) => Some(views::t_with(
            lang,
            "certificate-superseded",
            &[("number", by.clone())],
        )),
        Standing::Corrected => Some(lang.t("certificate-corrected")),
    }
}

#[derive(Serialize)]
struct MineLine {
    number: String,
    period: String,
    hours: String,
    note: Option<String>,
    /// The period, to ask for a new certificate after a correction.
    reissue: Option<(String, String)>,
}

#[derive(Serialize)]
struct MinePage {
    certificates: Vec<MineLine>,
    from: String,
    until: String,
    problem: Option<String>,
    /// The optional identity document, as typed (kept when the form is refused).
    id_kind: String,
    id_number: String,
    id_consent: bool,
}

async fn mine_page(
    state: &AppState,
    context: &PageContext,
    person_id: uuid::Uuid,
    from: String,
    until: String,
    problem: Option<String>,
) -> Result<MinePage, AppError> {
    let lang = context.lang();
    let now = Utc::now();
    let mut lines = Vec::new();
    for c in certificates::of_person(&state.db, person_id).await? {
        let standing = certificates::standing(&state.db, &c, now).await?;
        lines.push(MineLine {
            period: period(lang, &c),
            hours: hours(c.hours_tenths),
            note: standing_note(lang, &standing),
            reissue: (standing == Standing::Corrected)
                .then(|| (c.period_from.to_string(), c.period_until.to_string())),
            number: c.number,
        });
    }
    Ok(MinePage {
        certificates: lines,
        from,
        until,
        problem,
        id_kind: String::new(),
        id_number: String::new(),
        id_consent: false,
    })
}

async fn show_mine(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Response, AppError> {
    let today = views::today();
    let from = format!("{}-01-01", today.year());
    let page = mine_page(
        &state,
        &context,
        actor.person_id,
        from,
        today.to_string(),
        None,
    )
    .await?;
    Ok(super::render(&state, &context, "pages/my-certificates", &page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct IssueForm {
    from: String,
    until: String,
    id_kind: String,
    id_number: String,
    id_consent: Option<String>,
}

async fn issue(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Form(input): Form<IssueForm>,
) -> Result<Response, AppError> {
    match certificates::issue(
        &state.db,
        &actor,
        &input.from,
        &input.until,
        &certificates::IdentityInput {
            kind: input.id_kind.clone(),
            number: input.id_number.clone(),
            consent: input.id_consent.is_some(),
        },
        &state.settings.issuer(),
        Utc::now(),
    )
    .await
    {
        Ok(issued) => Ok(Redirect::to(&format!("/certificates/{}", issued.number)).into_response()),
        Err(EventError::Invalid(errors)) => {
            let problem = errors.first().map(|e| context.lang().t(e.reason));
            let mut page = mine_page(
                &state,
                &context,
                actor.person_id,
                input.from,
                input.until,
                problem,
            )
            .await?;
            page.id_kind = input.id_kind;
            page.id_number = input.id_number;
            page.id_consent = input.id_consent.is_some();
            invalid(&state, &context, "pages/my-certificates", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct ServiceRow {
    date: String,
    event: String,
    service: String,
    organization: String,
    hours: String,
}

/// What both the printed certificate and the public check show of it.
#[derive(Serialize)]
struct Certified {
    number: String,
    holder_masked: String,
    organizations: String,
    period: String,
    services: i32,
    hours: String,
    rows: Vec<ServiceRow>,
    issuer: certificates::Issuer,
    issued: String,
    note: Option<String>,
    /// "居民身份证 3301**********1234", when the volunteer asked for it.
    identity: Option<String>,
    /// 志愿者编号 (certificates issued before numbers have none).
    volunteer_number: Option<String>,
}

/// The certificate as it was issued: from its snapshot, or, for one issued before
/// snapshots were stored, from the records as of the day of issue.
async fn certified(
    state: &AppState,
    lang: crate::i18n::Lang,
    found: &event::Certificate,
) -> Result<Certified, AppError> {
    let snapshot = certificates::Snapshot::or_recorded(&state.db, found).await?;
    let standing = certificates::standing(&state.db, found, Utc::now()).await?;
    Ok(Certified {
        number: found.number.clone(),
        holder_masked: snapshot.holder,
        organizations: snapshot.organizations.join("、"),
        period: period(lang, found),
        services: found.services,
        hours: hours(found.hours_tenths),
        rows: snapshot
            .services
            .iter()
            .map(|s| ServiceRow {
                date: views::format_day(lang, s.date),
                event: s.event.clone(),
                service: lang.t(&format!("service-{}", s.service.replace('_', "-"))),
                organization: s.organization.clone(),
                hours: hours(i64::from(s.tenths)),
            })
            .collect(),
        issuer: snapshot.issuer,
        issued: views::format_day(
            lang,
            found
                .issued_at
                .with_timezone(&views::shanghai())
                .date_naive(),
        ),
        note: standing_note(lang, &standing),
        identity: snapshot.identity,
        volunteer_number: snapshot.volunteer_number,
    })
}

#[derive(Serialize)]
struct CertificatePage {
    #[serde(flatten)]
    certified: Certified,
    /// The holder's name in full (the holder and staff see the printed certificate).
    name: String,
    id_masked: String,
    qr: String,
    verify_url: String,
}

/// The certificate to print: for its holder and for staff.
async fn show_certificate(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let Verdict::Genuine(found) = certificates::verify(&state.db, &number).await? else {
        return Err(AppError::NotFound);
    };
    if !actor.can_view_person(found.person_id) {
        return Err(AppError::NotFound);
    }
    let lang = context.lang();
    let certified = certified(&state, lang, &found).await?;
    let holder = member::privacy::name_and_phone(&state.db, found.person_id).await?;
    // The address on the paper is the configured public one, never the request's Host.
    let verify_url = format!("{}/verify/{}", state.settings.origin(), found.number);
    let qr = qrcode::QrCode::new(verify_url.as_bytes())
        .map_err(|e| AppError::Internal(format!("qr: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(140, 140)
        .build();
    let page = CertificatePage {
        name: if holder.0.is_empty() {
            certified.holder_masked.clone()
        } else {
            holder.0
        },
        id_masked: holder.1.as_deref().map(mask_phone).unwrap_or_default(),
        certified,
        qr,
        verify_url,
    };
    Ok(super::render(&state, &context, "pages/certificate", &page)?.into_response())
}

#[derive(Serialize)]
struct VerifyPage {
    number: String,
    genuine: bool,
    malformed: bool,
    certified: Option<Certified>,
}

/// Public: is this certificate genuine, and does it still stand? It shows what was
/// certified, the name masked as issued (also after the holder deleted the account).
async fn verify(
    State(state): State<AppState>,
    context: PageContext,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let mut page = VerifyPage {
        number: number.clone(),
        genuine: false,
        malformed: false,
        certified: None,
    };
    match certificates::verify(&state.db, &number).await? {
        Verdict::Genuine(found) => {
            page.genuine = true;
            page.certified = Some(certified(&state, lang, &found).await?);
        }
        Verdict::Unknown => {}
        Verdict::Malformed => page.malformed = true,
    }
    let html = super::render(&state, &context, "pages/verify", &page)?;
    let status = if page.genuine {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::NOT_FOUND
    };
    Ok((status, html).into_response())
}
