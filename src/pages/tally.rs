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
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new().route("/stalls/{id}/tally", get(show).post(count))
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
    total: i64,
    categories: Vec<CategoryButton>,
    counters: Vec<CounterLine>,
    /// The totals as JSON, where the script starts from.
    totals_json: String,
    /// When they were read (the script keeps the newer of this and its own).
    read_at: i64,
    cancelled: bool,
}

async fn show(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(stall_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let found = tally::tally(&state.db, &actor, stall_id).await?;
    let counts: serde_json::Map<String, serde_json::Value> = CATEGORIES
        .iter()
        .map(|c| ((*c).to_owned(), found.tally.count(c).into()))
        .collect();
    let page = TallyPage {
        stall_id,
        market_id: found.day.id,
        service: lang.t(&format!(
            "service-{}",
            found.stall.service.as_str().replace('_', "-")
        )),
        title: found.day.title.clone(),
        date: views::format_date(lang, found.day.starts_at),
        counter: actor.name.clone(),
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
    };
    Ok(super::render(&state, &context, "pages/tally", &page)?.into_response())
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
