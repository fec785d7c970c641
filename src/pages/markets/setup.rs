//! Setting up the day: stalls, shifts, their capacity and the sign-up cut-off; publishing and cancelling it.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use event::schedule;
use event::stalls::{self, ShiftInput};
use event::{EventError, EventKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::pages::invalid;
use crate::state::AppState;
use crate::templates::PageContext;

use super::{MarketSummary, after_market_change, summary};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct StallForm {
    organization_id: String,
    service: String,
    description: String,
}

pub(super) async fn add_stall(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(input): Form<StallForm>,
) -> Result<Response, AppError> {
    let result = stalls::add_stall(
        &state.db,
        &actor,
        id,
        &input.organization_id,
        &input.service,
        &input.description,
    )
    .await;
    after_market_change(
        &state,
        &context,
        &actor,
        jar,
        id,
        "",
        "notice-stall-added",
        result,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ShiftForm {
    starts: String,
    ends: String,
    capacity: String,
    required_skill: String,
}

pub(super) async fn add_shift(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(stall_id): Path<Uuid>,
    Form(input): Form<ShiftForm>,
) -> Result<Response, AppError> {
    let market = stalls::find_stall(&state.db, stall_id).await?.event_id;
    let shift = ShiftInput {
        starts: input.starts,
        ends: input.ends,
        capacity: input.capacity,
        required_skill: input.required_skill,
    };
    let result = stalls::add_shift(&state.db, &actor, stall_id, &shift).await;
    after_market_change(
        &state,
        &context,
        &actor,
        jar,
        market,
        "",
        "notice-shift-added",
        result,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ShiftEditForm {
    starts: String,
    ends: String,
    required_skill: String,
}

pub(super) async fn edit_shift(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(shift_id): Path<Uuid>,
    Form(input): Form<ShiftEditForm>,
) -> Result<Response, AppError> {
    let market = stalls::event_of_shift(&state.db, shift_id).await?;
    let result = stalls::edit_shift(
        &state.db,
        &actor,
        shift_id,
        &input.starts,
        &input.ends,
        &input.required_skill,
    )
    .await;
    after_market_change(
        &state,
        &context,
        &actor,
        jar,
        market,
        &format!("#shift-{shift_id}"),
        "notice-shift-saved",
        result,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct StallEditForm {
    service: String,
    description: String,
}

pub(super) async fn edit_stall(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(stall_id): Path<Uuid>,
    Form(input): Form<StallEditForm>,
) -> Result<Response, AppError> {
    let market = stalls::find_stall(&state.db, stall_id).await?.event_id;
    let result = stalls::edit_stall(
        &state.db,
        &actor,
        stall_id,
        &input.service,
        &input.description,
    )
    .await;
    after_market_change(
        &state,
        &context,
        &actor,
        jar,
        market,
        &format!("#stall-{stall_id}"),
        "notice-stall-saved",
        result,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CapacityForm {
    capacity: String,
}

pub(super) async fn set_capacity(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(shift_id): Path<Uuid>,
    Form(input): Form<CapacityForm>,
) -> Result<Response, AppError> {
    let market = stalls::event_of_shift(&state.db, shift_id).await?;
    let result = stalls::set_capacity(&state.db, &actor, shift_id, &input.capacity).await;
    after_market_change(
        &state,
        &context,
        &actor,
        jar,
        market,
        &format!("#shift-{shift_id}"),
        "notice-capacity-changed",
        result,
    )
    .await
}

pub(super) async fn publish(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let result = schedule::publish(&state.db, &actor, id).await;
    after_market_change(
        &state,
        &context,
        &actor,
        jar,
        id,
        "",
        "notice-market-published",
        result,
    )
    .await
}

#[derive(Serialize)]
pub(super) struct CancelPage {
    market: MarketSummary,
    reason: String,
    reason_error: Option<String>,
}

pub(super) async fn show_cancel(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let market = schedule::find(&state.db, id).await?;
    let organizes = market.kind == EventKind::Activity
        && market.organizer_id.is_some_and(|o| actor.can_manage_org(o));
    if !actor.is_staff() && !organizes {
        return Err(AppError::Forbidden);
    }
    let page = CancelPage {
        market: summary(context.lang(), &market),
        reason: String::new(),
        reason_error: None,
    };
    Ok(crate::pages::render(&state, &context, "pages/market-cancel", &page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CancelForm {
    reason: String,
}

pub(super) async fn submit_cancel(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(input): Form<CancelForm>,
) -> Result<Response, AppError> {
    match schedule::cancel(&state.db, &actor, id, &input.reason).await {
        Ok(()) => {
            let jar = jar.add(auth::flash_cookie("notice-market-cancelled"));
            Ok((jar, Redirect::to(&format!("/markets/{id}"))).into_response())
        }
        Err(EventError::Invalid(errors)) => {
            let market = schedule::find(&state.db, id).await?;
            let page = CancelPage {
                market: summary(context.lang(), &market),
                reason: input.reason,
                reason_error: errors.first().map(|e| context.lang().t(e.reason)),
            };
            invalid(&state, &context, "pages/market-cancel", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CutoffForm {
    /// `YYYY-MM-DDTHH:MM` in Shanghai, as a datetime-local field sends it; empty for the
    /// default (the day before).
    closes_at: String,
}

pub(super) async fn set_cutoff(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(input): Form<CutoffForm>,
) -> Result<Response, AppError> {
    let result = schedule::set_signup_cutoff(&state.db, &actor, id, &input.closes_at).await;
    after_market_change(
        &state,
        &context,
        &actor,
        jar,
        id,
        "",
        "notice-cutoff-saved",
        result,
    )
    .await
}
