//! Signing up for a shift and cancelling: a volunteer's own, or a leader putting a member on one.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use event::EventError;
use event::schedule;
use event::signups::{self, Placed};
use event::stalls::{self};
use member::Actor;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

use super::{
    MarketSummary, after_market_change, refused_on_market, service_label, skill_label,
    standing_words, summary,
};

#[derive(Serialize)]
pub(super) struct SignUpPage {
    market: MarketSummary,
    shift_id: Uuid,
    service: String,
    clock: String,
    free: i32,
    skill: Option<String>,
    lacks_skill: bool,
    mine: Option<String>,
    mine_class: &'static str,
    closed: Option<String>,
    /// The people the viewer helps: where each stands on this shift, or a button.
    helped: Vec<HelpedChoice>,
}

#[derive(Serialize)]
pub(super) struct HelpedChoice {
    person_id: Uuid,
    name: String,
    standing: Option<String>,
    standing_class: &'static str,
}

/// Each person the viewer acts for, and their place on this shift if they have one.
async fn helped_choices(
    state: &AppState,
    lang: crate::i18n::Lang,
    actor: &Actor,
    shift_id: Uuid,
) -> Result<Vec<HelpedChoice>, AppError> {
    Ok(signups::helped_shifts(&state.db, actor)
        .await?
        .into_iter()
        .map(|(helped, shifts)| {
            let on_this = shifts.iter().find(|s| s.shift.id == shift_id);
            let (standing, standing_class) = match on_this {
                Some(item) => {
                    let (words, class) = standing_words(lang, &item.standing);
                    (Some(words), class)
                }
                None => (None, ""),
            };
            HelpedChoice {
                person_id: helped.person_id,
                name: helped.name,
                standing,
                standing_class,
            }
        })
        .collect())
}

/// One shift and one button: where a visitor who tapped 报名 before logging in or
/// registering comes back to, to finish what she started.
pub(super) async fn show_sign_up(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(shift_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let market_id = stalls::event_of_shift(&state.db, shift_id).await?;
    let (market, stalls) =
        signups::market_day(&state.db, market_id, Some(actor.person_id), Utc::now()).await?;
    if !schedule::may_see(Some(&actor), &market) {
        return Err(AppError::NotFound);
    }
    let (stall, shift) = stalls
        .iter()
        .find_map(|stall| {
            stall
                .shifts
                .iter()
                .find(|s| s.shift.id == shift_id)
                .map(|shift| (stall, shift))
        })
        .ok_or(AppError::NotFound)?;
    let (mine, mine_class) = match &shift.mine {
        Some(standing) => {
            let (words, class) = standing_words(lang, standing);
            (Some(words), class)
        }
        None => (None, ""),
    };
    let page = SignUpPage {
        market: summary(lang, &market),
        shift_id,
        service: service_label(lang, stall.stall.service),
        clock: views::format_clock_range(lang, shift.shift.starts_at, shift.shift.ends_at),
        free: shift.free,
        skill: shift
            .shift
            .required_skill
            .as_deref()
            .map(|s| skill_label(lang, s)),
        lacks_skill: shift.lacks_skill,
        mine,
        mine_class,
        closed: shift.closed.map(|key| lang.t(key)),
        helped: helped_choices(&state, lang, &actor, shift_id).await?,
    };
    Ok(crate::pages::render(&state, &context, "pages/shift-signup", &page)?.into_response())
}

pub(super) async fn sign_up(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(shift_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let result = signups::sign_up(&state.db, &actor, shift_id, Utc::now()).await;
    let told = Told {
        confirmed: "notice-signup-confirmed",
        waitlisted: "notice-signup-waitlisted",
        to: None,
    };
    after_placing(&state, &context, &actor, jar, shift_id, result, told).await
}

/// What to say after putting someone on a shift, and where to go then.
pub(super) struct Told {
    pub confirmed: &'static str,
    pub waitlisted: &'static str,
    /// None: back to the shift on its day.
    pub to: Option<String>,
}

/// After a sign-up: on to the page `told` names (by default the shift on its day), saying
/// whether the place is taken or where in line, or the day's page again with the reason it
/// was refused.
pub(super) async fn after_placing(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    jar: CookieJar,
    shift_id: Uuid,
    result: Result<Placed, EventError>,
    told: Told,
) -> Result<Response, AppError> {
    match result {
        Ok(Placed { standing, event_id }) => {
            state.metrics.signup(standing.status.as_str());
            let cookie = match standing.position {
                Some(n) => auth::flash_cookie_count(told.waitlisted, n),
                None => auth::flash_cookie(told.confirmed),
            };
            let to = told
                .to
                .unwrap_or_else(|| format!("/markets/{event_id}#shift-{shift_id}"));
            Ok((jar.add(cookie), Redirect::to(&to)).into_response())
        }
        Err(EventError::Invalid(errors)) => {
            let market = stalls::event_of_shift(&state.db, shift_id).await?;
            refused_on_market(state, context, actor, market, &errors).await
        }
        Err(other) => Err(other.into()),
    }
}

pub(super) async fn cancel(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(shift_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let market = stalls::event_of_shift(&state.db, shift_id).await?;
    let result = signups::cancel(&state.db, &actor, shift_id, Utc::now()).await;
    let anchor = format!("#shift-{shift_id}");
    let notice = "notice-signup-cancelled";
    after_market_change(
        &state, &context, &actor, jar, market, &anchor, notice, result,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AssignForm {
    phone: String,
}

/// A leader puts one of their members (found by phone) on a shift of their stall.
pub(super) async fn assign(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(shift_id): Path<Uuid>,
    Form(input): Form<AssignForm>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let result = signups::assign_by_phone(&state.db, &actor, shift_id, &input.phone, now).await;
    let told = Told {
        confirmed: "notice-assigned",
        waitlisted: "notice-assigned-waitlisted",
        to: None,
    };
    after_placing(&state, &context, &actor, jar, shift_id, result, told).await
}
