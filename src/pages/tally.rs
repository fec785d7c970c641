//! 现场计数: a stall's tally page, for the volunteers on its shifts and its leader. Taps
//! go through `/static/js/tally.js`, which keeps them on the phone until the server has
//! them (offline too, with the service worker at `/sw.js`); without JavaScript each
//! button is a form that counts one tap.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use event::records::tally::{self, CATEGORIES, Tap};
use event::records::visits;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stalls/{id}/tally", get(show).post(count))
        .route("/stalls/{id}/visits", axum::routing::post(record_visit))
}

#[derive(Serialize)]
struct CategoryButton {
    code: &'static str,
    label: String,
    count: i64,
    /// A fresh id for the form's tap (without JavaScript).
    tap_id: Uuid,
}

#[derive(Serialize)]
struct CounterLine {
    name: String,
    taps: u64,
}

#[derive(Serialize)]
struct TallyPage {
    stall_id: Uuid,
    market_id: Uuid,
    service: String,
    title: String,
    date: String,
    counter: String,
    /// Whose taps this phone keeps (the queue is per person).
    counter_id: Uuid,
    total: i64,
    categories: Vec<CategoryButton>,
    counters: Vec<CounterLine>,
    /// The totals as JSON, where the script starts from.
    totals_json: String,
    /// When they were read (the script keeps the newer of this and its own).
    read_at: i64,
    cancelled: bool,
    /// The server takes residents' numbers for 人数 (it has a key for their digests).
    takes_phones: bool,
    /// A number refused, as typed, with the reason.
    phone: String,
    phone_error: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(stall_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let page = tally_page(&state, &context, &actor, stall_id, ("", None)).await?;
    Ok(super::render(&state, &context, "pages/tally", &page)?.into_response())
}

async fn tally_page(
    state: &AppState,
    context: &PageContext,
    actor: &member::Actor,
    stall_id: Uuid,
    (phone, phone_error): (&str, Option<String>),
) -> Result<TallyPage, AppError> {
    let lang = context.lang();
    let found = tally::tally(&state.db, actor, stall_id).await?;
    let counts: serde_json::Map<String, serde_json::Value> = CATEGORIES
        .iter()
        .map(|c| ((*c).to_owned(), found.tally.count(c).into()))
        .collect();
    Ok(TallyPage {
        stall_id,
        market_id: found.day.id,
        service: lang.t(&format!(
            "service-{}",
            found.stall.service.as_str().replace('_', "-")
        )),
        title: found.day.title.clone(),
        date: views::format_date(lang, found.day.starts_at),
        counter: actor.name.clone(),
        counter_id: actor.person_id,
        total: found.tally.total,
        categories: CATEGORIES
            .iter()
            .map(|code| CategoryButton {
                code,
                label: lang.t(&format!("beneficiary-{code}")),
                count: found.tally.count(code),
                tap_id: Uuid::now_v7(),
            })
            .collect(),
        counters: found
            .tally
            .counters
            .iter()
            .map(|c| CounterLine {
                name: c.name.clone(),
                taps: c.taps,
            })
            .collect(),
        totals_json: serde_json::Value::Object(counts).to_string(),
        read_at: Utc::now().timestamp_millis(),
        cancelled: found.day.status == event::EventStatus::Cancelled,
        takes_phones: !state.settings.resident_secret.is_empty(),
        phone: phone.to_owned(),
        phone_error,
    })
}

#[derive(Debug, Deserialize)]
struct TapForm {
    tap_id: Uuid,
    category: String,
    delta: i32,
}

/// One tap without JavaScript: counted once (the form's id), then the page again.
async fn count(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(stall_id): Path<Uuid>,
    Form(input): Form<TapForm>,
) -> Result<Response, AppError> {
    let tap = Tap {
        id: input.tap_id,
        category: input.category,
        delta: input.delta,
        tapped_at: None,
    };
    tally::record_taps(&state.db, &actor, stall_id, &[tap], Utc::now()).await?;
    let jar = jar.add(auth::flash_cookie("notice-tally-counted"));
    Ok((jar, Redirect::to(&format!("/stalls/{stall_id}/tally"))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VisitForm {
    phone: String,
}

/// A resident served who gave their number (for 人数): only its keyed digest is kept.
async fn record_visit(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(stall_id): Path<Uuid>,
    Form(input): Form<VisitForm>,
) -> Result<Response, AppError> {
    let secret = &state.settings.resident_secret;
    let now = Utc::now();
    match visits::record_visit(&state.db, &actor, stall_id, &input.phone, secret, now).await {
        Ok(()) => {
            let jar = jar.add(auth::flash_cookie("notice-visit-recorded"));
            Ok((jar, Redirect::to(&format!("/stalls/{stall_id}/tally"))).into_response())
        }
        Err(event::EventError::Invalid(errors)) => {
            let reason = errors.first().map(|e| context.lang().t(e.reason));
            let typed = (input.phone.as_str(), reason);
            let page = tally_page(&state, &context, &actor, stall_id, typed).await?;
            super::invalid(&state, &context, "pages/tally", &page)
        }
        Err(other) => Err(other.into()),
    }
}
