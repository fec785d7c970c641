//! Volunteer service certificates: asked for by the volunteer, printed, and checked by
//! anyone at `/verify/{number}` through the QR code on the paper.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::header::HOST;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::{Datelike, Utc};
use event::EventError;
use event::certificates::{self, Verdict};
use member::entities::{membership, organization, person};
use member::fields::mask_phone;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use super::account::invalid;
use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/certificates", get(show_mine).post(issue))
        .route("/certificates/{number}", get(show_certificate))
        .route("/verify/{number}", get(verify))
}

fn hours(tenths: i64) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// `李阿姨` → `李**`: enough to recognise, not enough to copy.
fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

#[derive(Serialize)]
struct MineLine {
    number: String,
    period: String,
    hours: String,
}

#[derive(Serialize)]
struct MinePage {
    certificates: Vec<MineLine>,
    from: String,
    until: String,
    problem: Option<String>,
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
    Ok(MinePage {
        certificates: certificates::of_person(&state.db, person_id)
            .await?
            .into_iter()
            .map(|c| MineLine {
                period: format!(
                    "{} – {}",
                    views::format_day(lang, c.period_from),
                    views::format_day(lang, c.period_until)
                ),
                hours: hours(c.hours_tenths),
                number: c.number,
            })
            .collect(),
        from,
        until,
        problem,
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
        &state.settings.issuer_name,
        Utc::now(),
    )
    .await
    {
        Ok(issued) => Ok(Redirect::to(&format!("/certificates/{}", issued.number)).into_response()),
        Err(EventError::Invalid(errors)) => {
            let problem = errors.first().map(|e| context.lang().t(e.reason));
            let page = mine_page(
                &state,
                &context,
                actor.person_id,
                input.from,
                input.until,
                problem,
            )
            .await?;
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
    hours: String,
}

#[derive(Serialize)]
struct CertificatePage {
    number: String,
    name: String,
    id_masked: String,
    organizations: String,
    period: String,
    services: i32,
    hours: String,
    rows: Vec<ServiceRow>,
    issuer: String,
    issued: String,
    qr: String,
    verify_url: String,
}

/// The certificate to print: for its holder and for staff.
async fn show_certificate(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let Verdict::Genuine(found) = certificates::verify(&state.db, &number).await? else {
        return Err(AppError::NotFound);
    };
    if !actor.can_view_person(found.person_id) {
        return Err(AppError::NotFound);
    }
    let lang = context.lang();
    let holder = person::Entity::find_by_id(found.person_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let org_ids: Vec<uuid::Uuid> = membership::Entity::find()
        .filter(membership::Column::PersonId.eq(holder.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.organization_id)
        .collect();
    let organizations = organization::Entity::find()
        .filter(organization::Column::Id.is_in(org_ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| o.name)
        .collect::<Vec<_>>()
        .join("、");
    // The services as certified: the records of the period, as of the day of issue.
    let lines = certificates::services_of(
        &state.db,
        holder.id,
        found.period_from,
        found.period_until,
        found.issued_at,
    )
    .await?;
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    let verify_url = format!("{scheme}://{host}/verify/{}", found.number);
    let qr = qrcode::QrCode::new(verify_url.as_bytes())
        .map_err(|e| AppError::Internal(format!("qr: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(140, 140)
        .build();
    let page = CertificatePage {
        number: found.number.clone(),
        name: holder.name.clone(),
        id_masked: holder.phone.as_deref().map(mask_phone).unwrap_or_default(),
        organizations,
        period: format!(
            "{} – {}",
            views::format_day(lang, found.period_from),
            views::format_day(lang, found.period_until)
        ),
        services: found.services,
        hours: hours(found.hours_tenths),
        rows: lines
            .iter()
            .map(|l| ServiceRow {
                date: views::format_day(
                    lang,
                    l.event
                        .starts_at
                        .with_timezone(&views::shanghai())
                        .date_naive(),
                ),
                event: l.event.title.clone(),
                service: lang.t(&format!(
                    "service-{}",
                    l.stall.service.as_str().replace('_', "-")
                )),
                hours: hours(i64::from(l.tenths)),
            })
            .collect(),
        issuer: found.issuer.clone(),
        issued: views::format_day(
            lang,
            found
                .issued_at
                .with_timezone(&views::shanghai())
                .date_naive(),
        ),
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
    name: String,
    period: String,
    hours: String,
    issued: String,
    issuer: String,
}

/// Public: is this certificate genuine? The name is masked.
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
        name: String::new(),
        period: String::new(),
        hours: String::new(),
        issued: String::new(),
        issuer: String::new(),
    };
    match certificates::verify(&state.db, &number).await? {
        Verdict::Genuine(found) => {
            let holder = person::Entity::find_by_id(found.person_id)
                .one(&state.db)
                .await?;
            page.genuine = true;
            page.name = holder.map(|p| mask_name(&p.name)).unwrap_or_default();
            page.period = format!(
                "{} – {}",
                views::format_day(lang, found.period_from),
                views::format_day(lang, found.period_until)
            );
            page.hours = hours(found.hours_tenths);
            page.issued = views::format_day(
                lang,
                found
                    .issued_at
                    .with_timezone(&views::shanghai())
                    .date_naive(),
            );
            page.issuer = found.issuer;
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
