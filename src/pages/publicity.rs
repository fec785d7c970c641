//! 公示: the public posting of confirmed hours (`/publicity`), the form anyone uses to
//! object to a posted record, and the staff page where objections are resolved.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use event::publicity::{self, ObjectionInput, PostedEvent, PostedLine, Resolution};
use event::records::format_hours;
use member::FieldError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::Form as FormView;
use crate::auth::{self, ClientAddress, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/publicity", get(show))
        .route(
            "/publicity/records/{id}/objection",
            get(objection_form).post(object),
        )
        .route("/publicity/objections", get(objections))
        .route("/publicity/objections/{id}", axum::routing::post(resolve))
}

fn service_label(lang: Lang, service: event::stalls::Service) -> String {
    lang.t(&format!("service-{}", service.as_str().replace('_', "-")))
}

#[derive(Serialize)]
struct LineView {
    record_id: Uuid,
    name: String,
    organization: String,
    service: String,
    hours: String,
    until: String,
    objected: bool,
}

impl LineView {
    fn of(lang: Lang, line: &PostedLine) -> LineView {
        LineView {
            record_id: line.record_id,
            name: line.name.clone(),
            organization: line.organization.clone(),
            service: service_label(lang, line.service),
            hours: format_hours(line.tenths),
            until: views::format_day(lang, line.until),
            objected: line.objected,
        }
    }
}

#[derive(Serialize)]
struct EventView {
    title: String,
    date: String,
    place: String,
    lines: Vec<LineView>,
}

impl EventView {
    fn of(lang: Lang, posted: &PostedEvent) -> EventView {
        EventView {
            title: posted.event.title.clone(),
            date: views::format_date(lang, posted.event.starts_at),
            place: posted.event.place.clone(),
            lines: posted.lines.iter().map(|l| LineView::of(lang, l)).collect(),
        }
    }
}

#[derive(Serialize)]
struct PublicityPage {
    days: u16,
    events: Vec<EventView>,
    is_staff: bool,
}

/// Public: every record posted now, by market day.
async fn show(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let posted = publicity::posted(&state.db, Utc::now()).await?;
    let page = PublicityPage {
        days: state.settings.publicity_days,
        events: posted.iter().map(|e| EventView::of(lang, e)).collect(),
        is_staff: viewer.is_some_and(|v| v.actor.is_staff()),
    };
    Ok(super::render(&state, &context, "pages/publicity", &page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ObjectionForm {
    reason: String,
    contact: String,
}

#[derive(Serialize)]
struct ObjectionPage {
    event: String,
    line: LineView,
    reason: String,
    reason_error: Option<String>,
    form: FormView,
}

/// The record objected to, as posted; 404 when it is not posted now.
async fn posted_line(
    state: &AppState,
    lang: Lang,
    record_id: Uuid,
) -> Result<(String, LineView), AppError> {
    let posted = publicity::posted(&state.db, Utc::now()).await?;
    posted
        .iter()
        .find_map(|e| {
            let line = e.lines.iter().find(|l| l.record_id == record_id)?;
            Some((
                format!(
                    "{} · {}",
                    e.event.title,
                    views::format_date(lang, e.event.starts_at)
                ),
                LineView::of(lang, line),
            ))
        })
        .ok_or(AppError::NotFound)
}

async fn objection_page(
    state: &AppState,
    context: &PageContext,
    record_id: Uuid,
    typed: &ObjectionForm,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let lang = context.lang();
    let (event, line) = posted_line(state, lang, record_id).await?;
    let form = FormView::new(lang, errors)
        .field("contact", "text", &typed.contact, "tel")
        .label("field-objection-contact")
        .hint("field-objection-contact-hint")
        .optional();
    let page = ObjectionPage {
        event,
        line,
        reason: typed.reason.clone(),
        reason_error: form.error_for("reason"),
        form,
    };
    let html = super::render(state, context, "pages/publicity-objection", &page)?;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

async fn objection_form(
    State(state): State<AppState>,
    context: PageContext,
    Path(record_id): Path<Uuid>,
) -> Result<Response, AppError> {
    objection_page(&state, &context, record_id, &ObjectionForm::default(), &[]).await
}

async fn object(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Path(record_id): Path<Uuid>,
    Form(typed): Form<ObjectionForm>,
) -> Result<Response, AppError> {
    let input = ObjectionInput {
        reason: typed.reason.clone(),
        contact: typed.contact.clone(),
    };
    let actor = viewer.as_ref().map(|v| &v.actor);
    match publicity::raise(&state.db, actor, record_id, &input, &address, Utc::now()).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-objection-raised"));
            Ok((jar, Redirect::to("/publicity")).into_response())
        }
        // The posting ended while the form was open: the public page says so.
        Err(event::EventError::Invalid(errors))
            if errors
                .iter()
                .any(|e| e.reason == "error-objection-not-posted") =>
        {
            let jar = jar.add(auth::flash_cookie("notice-objection-not-posted"));
            Ok((jar, Redirect::to("/publicity")).into_response())
        }
        Err(event::EventError::Invalid(errors)) => {
            objection_page(&state, &context, record_id, &typed, &errors).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct ObjectionView {
    id: Uuid,
    open: bool,
    outcome: String,
    resolution: String,
    name: String,
    event: String,
    organization: String,
    service: String,
    shift: String,
    hours: String,
    reason: String,
    contact: String,
    raised: String,
    /// What was typed when this objection's resolution needs correcting.
    typed_hours: String,
    typed_reason: String,
    typed_outcome: String,
    errors: Vec<String>,
}

#[derive(Serialize)]
struct ObjectionsPage {
    open: usize,
    objections: Vec<ObjectionView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ResolveForm {
    /// `dismiss` or `correct`.
    outcome: String,
    hours: String,
    reason: String,
}

async fn objections_page(
    state: &AppState,
    context: &PageContext,
    actor: &member::Actor,
    failed: Option<(Uuid, &ResolveForm, &[FieldError])>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let all = publicity::objections(&state.db, actor).await?;
    let objections: Vec<ObjectionView> = all
        .iter()
        .map(|v| {
            let open = v.objection.status == "open";
            let hours = format_hours(v.tenths);
            let typed = failed.filter(|(id, ..)| *id == v.objection.id);
            ObjectionView {
                id: v.objection.id,
                open,
                outcome: lang.t(&format!("objection-status-{}", v.objection.status)),
                resolution: v.objection.resolution.clone(),
                name: v.name.clone(),
                event: v.event.title.clone(),
                organization: v.organization.clone(),
                service: service_label(lang, v.service),
                shift: views::format_time_range(lang, v.shift.starts_at, v.shift.ends_at),
                hours: hours.clone(),
                reason: v.objection.reason.clone(),
                contact: v.objection.contact.clone(),
                raised: views::format_date_time(lang, v.objection.raised_at),
                typed_hours: typed.map_or(hours, |(_, t, _)| t.hours.clone()),
                typed_reason: typed.map(|(_, t, _)| t.reason.clone()).unwrap_or_default(),
                typed_outcome: typed
                    .map_or_else(|| "dismiss".to_owned(), |(_, t, _)| t.outcome.clone()),
                errors: typed
                    .map(|(_, _, errors)| errors.iter().map(|e| lang.t(e.reason)).collect())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let page = ObjectionsPage {
        open: objections.iter().filter(|o| o.open).count(),
        objections,
    };
    let html = super::render(state, context, "pages/publicity-objections", &page)?;
    let status = if failed.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, html).into_response())
}

async fn objections(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Response, AppError> {
    objections_page(&state, &context, &actor, None).await
}

async fn resolve(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(objection_id): Path<Uuid>,
    Form(typed): Form<ResolveForm>,
) -> Result<Response, AppError> {
    let resolution = match typed.outcome.as_str() {
        "correct" => Resolution::Correct {
            hours: typed.hours.clone(),
            reason: typed.reason.clone(),
        },
        _ => Resolution::Dismiss {
            reason: typed.reason.clone(),
        },
    };
    match publicity::resolve(&state.db, &actor, objection_id, &resolution, Utc::now()).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-objection-resolved"));
            Ok((jar, Redirect::to("/publicity/objections")).into_response())
        }
        Err(event::EventError::Invalid(errors)) => {
            objections_page(
                &state,
                &context,
                &actor,
                Some((objection_id, &typed, &errors)),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
