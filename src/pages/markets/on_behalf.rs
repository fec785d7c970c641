//! Signing up someone else: a helper for a person they help, and staff at the market desk
//! for a walk-in volunteer (found by name or the last four digits of their phone).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use event::signups;
use event::stalls;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

use super::signup::{Told, after_placing};
use super::{MarketSummary, after_market_change, service_label, summary};

#[derive(Debug, Deserialize)]
pub(super) struct PersonForm {
    person_id: Uuid,
}

/// A helper signs up a person they help; back to the shift's page, where each person's
/// place shows.
pub(super) async fn sign_up_helped(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(shift_id): Path<Uuid>,
    Form(input): Form<PersonForm>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let result = signups::sign_up_helped(&state.db, &actor, shift_id, input.person_id, now).await;
    let told = Told {
        confirmed: "notice-helped-confirmed",
        waitlisted: "notice-helped-waitlisted",
        to: Some(format!("/shifts/{shift_id}/signup")),
    };
    after_placing(&state, &context, &actor, jar, shift_id, result, told).await
}

/// A helper gives up the place of a person they help (from "my shifts").
pub(super) async fn cancel_helped(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(shift_id): Path<Uuid>,
    Form(input): Form<PersonForm>,
) -> Result<Response, AppError> {
    let market = stalls::event_of_shift(&state.db, shift_id).await?;
    let now = Utc::now();
    let result = signups::cancel_helped(&state.db, &actor, shift_id, input.person_id, now).await;
    let anchor = format!("#shift-{shift_id}");
    let notice = "notice-signup-cancelled";
    after_market_change(
        &state, &context, &actor, jar, market, &anchor, notice, result,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DeskQuery {
    q: String,
}

#[derive(Serialize)]
struct DeskLine {
    person_id: Uuid,
    name: String,
    phone: Option<String>,
}

#[derive(Serialize)]
struct DeskPage {
    market: MarketSummary,
    shift_id: Uuid,
    service: String,
    clock: String,
    free: i32,
    q: String,
    searched: bool,
    found: Vec<DeskLine>,
}

/// The desk: the shift, a search box, and one button per person found.
pub(super) async fn show_desk(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(shift_id): Path<Uuid>,
    Query(query): Query<DeskQuery>,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang();
    let market_id = stalls::event_of_shift(&state.db, shift_id).await?;
    let (market, stalls) = signups::market_day(&state.db, market_id, None, Utc::now()).await?;
    let (stall, shift) = stalls
        .iter()
        .find_map(|stall| {
            let shift = stall.shifts.iter().find(|s| s.shift.id == shift_id)?;
            Some((stall, shift))
        })
        .ok_or(AppError::NotFound)?;
    let found = member::desk::search(&state.db, &actor, &query.q).await?;
    let page = DeskPage {
        market: summary(lang, &market),
        shift_id,
        service: service_label(lang, stall.stall.service),
        clock: views::format_clock_range(lang, shift.shift.starts_at, shift.shift.ends_at),
        free: shift.free,
        searched: !query.q.trim().is_empty(),
        q: query.q,
        found: found
            .into_iter()
            .map(|p| DeskLine {
                person_id: p.person_id,
                name: p.name,
                phone: p.phone,
            })
            .collect(),
    };
    Ok(crate::pages::render(&state, &context, "pages/shift-desk", &page)?.into_response())
}

/// One tap at the desk: the person is on the shift (or in line), and the desk is ready for
/// the next.
pub(super) async fn desk_sign_up(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(shift_id): Path<Uuid>,
    Form(input): Form<PersonForm>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let result = signups::sign_up_at_desk(&state.db, &actor, shift_id, input.person_id, now).await;
    let told = Told {
        confirmed: "notice-desk-confirmed",
        waitlisted: "notice-desk-waitlisted",
        to: Some(format!("/shifts/{shift_id}/desk")),
    };
    after_placing(&state, &context, &actor, jar, shift_id, result, told).await
}
