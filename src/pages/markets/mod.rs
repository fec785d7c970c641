//! Market days as volunteers and residents see them (phone first), one-tap sign-up and
//! cancel, "my shifts", and the coordinators' scheduling, stalls and shifts.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use event::EventError;
use event::EventStatus;
use event::page_stamp;
use event::schedule;
use event::signups::{self, SignupStatus, Standing};
use event::stalls::Service;
use member::orgs::Stage;
use member::{Actor, FieldError};
use serde::Serialize;
use uuid::Uuid;

use super::invalid;
use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::page_cache::PageKey;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

mod kept_body;
mod my_shifts;
mod on_behalf;
mod setup;
mod signup;

pub use kept_body::MarketBody;
use my_shifts::show_my_shifts;
use setup::{
    add_shift, add_stall, edit_shift, edit_stall, publish, set_capacity, set_cutoff, show_cancel,
    submit_cancel,
};
use signup::{assign, cancel, show_sign_up, sign_up};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/markets", get(show_markets))
        .route("/markets/{id}", get(show_market))
        .route("/markets/{id}/stalls", post(add_stall))
        .route("/markets/{id}/publish", post(publish))
        .route("/markets/{id}/cancel", get(show_cancel).post(submit_cancel))
        .route("/stalls/{id}/shifts", post(add_shift))
        .route("/shifts/{id}/signup", get(show_sign_up).post(sign_up))
        .route("/shifts/{id}/edit", post(edit_shift))
        .route("/stalls/{id}/edit", post(edit_stall))
        .route("/shifts/{id}/cancel", post(cancel))
        .route("/shifts/{id}/capacity", post(set_capacity))
        .route("/shifts/{id}/assign", post(assign))
        .route("/markets/{id}/cutoff", post(set_cutoff))
        .route("/me/shifts", get(show_my_shifts))
        .route("/shifts/{id}/signup-for", post(on_behalf::sign_up_helped))
        .route("/shifts/{id}/cancel-for", post(on_behalf::cancel_helped))
        .route(
            "/shifts/{id}/desk",
            get(on_behalf::show_desk).post(on_behalf::desk_sign_up),
        )
}

pub(super) fn service_label(lang: Lang, service: Service) -> String {
    lang.t(&format!("service-{}", service.as_str().replace('_', "-")))
}

pub(super) fn status_label(lang: Lang, status: EventStatus) -> String {
    let key = match status {
        EventStatus::Draft => "event-status-draft",
        EventStatus::Published => "event-status-published",
        EventStatus::Held => "event-status-held",
        EventStatus::Reported => "event-status-reported",
        EventStatus::Cancelled => "event-status-cancelled",
    };
    lang.t(key)
}

/// "已报名" or "候补第 3 位": the volunteer's standing in words (and a class for colour).
fn standing_words(lang: Lang, standing: &Standing) -> (String, &'static str) {
    match (standing.status, standing.position) {
        (SignupStatus::Confirmed, _) => (lang.t("signup-confirmed"), "confirmed"),
        (SignupStatus::Waitlisted, Some(n)) => {
            (views::t_count(lang, "signup-waitlisted", n), "waitlisted")
        }
        _ => (lang.t("signup-cancelled"), "cancelled"),
    }
}

#[derive(Serialize)]
pub(super) struct MarketSummary {
    id: Uuid,
    title: String,
    place: String,
    date: String,
    clock: String,
    cancelled: Option<String>,
}

pub(super) fn summary(lang: Lang, market: &event::Event) -> MarketSummary {
    MarketSummary {
        id: market.id,
        title: market.title.clone(),
        place: market.place.clone(),
        date: views::format_date(lang, market.starts_at),
        clock: views::format_clock_range(lang, market.starts_at, market.ends_at),
        cancelled: (market.status == EventStatus::Cancelled)
            .then(|| market.cancel_reason.clone().unwrap_or_default()),
    }
}

#[derive(Serialize)]
struct MarketsPage {
    markets: Vec<MarketSummary>,
    is_staff: bool,
}

/// The next market days, for everyone.
async fn show_markets(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
) -> Result<Response, AppError> {
    let markets = event::upcoming_markets(&state.db, Utc::now(), 24).await?;
    let page = MarketsPage {
        markets: markets.iter().map(|m| summary(context.lang(), m)).collect(),
        is_staff: viewer.is_some_and(|s| s.actor.is_staff()),
    };
    Ok(super::render(&state, &context, "pages/markets", &page)?.into_response())
}

/// One shift as the page shows it. It carries the page's own switches too, so that a
/// shift can be rendered alone (`partials/market-shift`, see `kept_body`).
#[derive(Clone, Serialize)]
struct ShiftLine {
    id: Uuid,
    clock: String,
    capacity: i32,
    free: i32,
    waiting: u64,
    skill: Option<String>,
    mine: Option<String>,
    mine_class: &'static str,
    signed_up: bool,
    closed: Option<String>,
    can_manage: bool,
    lacks_skill: bool,
    /// The times as the edit form shows them.
    starts: String,
    ends: String,
    required_skill: String,
    #[serde(flatten)]
    page: ShiftSwitches,
}

/// What the page as a whole switches on for every shift.
#[derive(Clone, Copy, Serialize)]
struct ShiftSwitches {
    signed_in: bool,
    /// Links to signing up the people the viewer helps.
    helps: bool,
    /// Links to the desk sign-up (platform staff on a day that is on).
    desk: bool,
    open_for_changes: bool,
}

impl ShiftSwitches {
    fn of(actor: Option<&Actor>, market: &event::Event) -> Self {
        ShiftSwitches {
            signed_in: actor.is_some(),
            helps: actor.is_some_and(|a| a.helps),
            desk: actor.is_some_and(Actor::is_staff) && market.status == EventStatus::Published,
            open_for_changes: matches!(market.status, EventStatus::Draft | EventStatus::Published),
        }
    }
}

#[derive(Serialize)]
struct StallLine {
    id: Uuid,
    service: String,
    service_code: &'static str,
    organization: String,
    description: String,
    shifts: Vec<ShiftLine>,
    can_manage: bool,
}

#[derive(Serialize)]
pub(super) struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Serialize)]
struct MarketPage {
    market: MarketSummary,
    description: String,
    status: String,
    draft: bool,
    signed_in: bool,
    stalls: Vec<StallLine>,
    is_staff: bool,
    /// Organizations the viewer may add a stall for (active ones they manage).
    stall_orgs: Vec<Choice>,
    services: Vec<Choice>,
    problem: Option<String>,
    open_for_changes: bool,
    /// When sign-up closes, in words and as the form field's value.
    cutoff: String,
    cutoff_value: String,
    organizer: Option<String>,
    /// Names of volunteers whose shifts overlap, for those who steer the day.
    clashes: String,
    /// The day's own times: where a new shift's fields start.
    starts_value: String,
    ends_value: String,
    /// When the clock alone changes this page (a shift starts, sign-up closes).
    #[serde(skip)]
    fresh_until: chrono::DateTime<Utc>,
}

async fn market_page(
    state: &AppState,
    context: &PageContext,
    actor: Option<&Actor>,
    id: Uuid,
    problem: Option<String>,
) -> Result<MarketPage, AppError> {
    let lang = context.lang();
    let now = Utc::now();
    let (market, stalls) =
        signups::market_day(&state.db, id, actor.map(|a| a.person_id), now).await?;
    if !schedule::may_see(actor, &market) {
        return Err(AppError::NotFound);
    }
    let shift_starts = stalls
        .iter()
        .flat_map(|s| s.shifts.iter())
        .map(|v| v.shift.starts_at);
    let fresh_until = page_stamp::fresh_until(&market, shift_starts, now);
    let organizer = match market.organizer_id {
        Some(org) => Some(member::orgs::find(&state.db, org).await?.name),
        None => None,
    };
    // Publishing, editing and cancelling: staff, and an activity's own organizers.
    let is_staff = actor.is_some_and(|a| schedule::may_steer(a, &market));
    let switches = ShiftSwitches::of(actor, &market);
    let open_for_changes = switches.open_for_changes;
    let clashes = if is_staff && open_for_changes {
        clashes(state, market.id).await?
    } else {
        String::new()
    };
    let services = Service::ALL.iter().map(|s| Choice {
        value: s.as_str().to_owned(),
        label: service_label(lang, *s),
    });
    Ok(MarketPage {
        fresh_until,
        clashes,
        starts_value: views::clock(market.starts_at),
        ends_value: views::clock(market.ends_at),
        description: market.description.clone(),
        status: status_label(lang, market.status),
        draft: market.status == EventStatus::Draft,
        signed_in: actor.is_some(),
        stalls: stalls
            .into_iter()
            .map(|v| StallLine::of(lang, actor, switches, v))
            .collect(),
        is_staff,
        stall_orgs: stall_orgs(state, actor).await?,
        services: services.collect(),
        problem,
        open_for_changes,
        organizer,
        cutoff: views::format_deadline(lang, schedule::signup_closes_at(&market)),
        cutoff_value: cutoff_value(&market),
        market: summary(lang, &market),
    })
}

/// The cut-off as the form's `datetime-local` field holds it; empty for the default.
fn cutoff_value(market: &event::Event) -> String {
    market
        .signup_closes_at
        .map(|at| {
            let local = at.with_timezone(&schedule::shanghai());
            local.format("%Y-%m-%dT%H:%M").to_string()
        })
        .unwrap_or_default()
}

/// Names of volunteers whose shifts on the day now overlap (after the day or a shift was
/// moved), for those who steer it.
async fn clashes(state: &AppState, market: Uuid) -> Result<String, AppError> {
    let clashes = signups::clashes_in_event(&state.db, market).await?;
    let names: Vec<String> = clashes.into_iter().map(|c| c.name).collect();
    Ok(names.join("、"))
}

/// Organizations the viewer may add a stall for: active ones they manage.
async fn stall_orgs(state: &AppState, actor: Option<&Actor>) -> Result<Vec<Choice>, AppError> {
    // Most volunteers manage no organization: nothing to look up for them.
    let Some(actor) = actor.filter(|a| a.is_staff() || !a.leads.is_empty()) else {
        return Ok(Vec::new());
    };
    Ok(member::orgs::all_by_name(&state.db)
        .await?
        .into_iter()
        .filter(|o| {
            actor.can_manage_org(o.id) && matches!(o.stage, Stage::Incubating | Stage::Graduated)
        })
        .map(|o| Choice {
            value: o.id.to_string(),
            label: o.name,
        })
        .collect())
}

impl StallLine {
    fn of(
        lang: Lang,
        actor: Option<&Actor>,
        switches: ShiftSwitches,
        view: signups::StallView,
    ) -> StallLine {
        let can_manage = actor.is_some_and(|a| a.can_manage_org(view.stall.organization_id));
        StallLine {
            id: view.stall.id,
            service: service_label(lang, view.stall.service),
            service_code: view.stall.service.as_str(),
            organization: view.organization,
            description: view.stall.description,
            shifts: view
                .shifts
                .into_iter()
                .map(|shift| ShiftLine::of(lang, can_manage, switches, shift))
                .collect(),
            can_manage,
        }
    }
}

impl ShiftLine {
    fn of(
        lang: Lang,
        can_manage: bool,
        page: ShiftSwitches,
        view: signups::ShiftView,
    ) -> ShiftLine {
        let (mine, mine_class) = match &view.mine {
            Some(standing) => {
                let (words, class) = standing_words(lang, standing);
                (Some(words), class)
            }
            None => (None, ""),
        };
        let shift = view.shift;
        ShiftLine {
            id: shift.id,
            clock: views::format_clock_range(lang, shift.starts_at, shift.ends_at),
            capacity: shift.capacity,
            free: view.free,
            waiting: view.waiting,
            skill: shift
                .required_skill
                .as_deref()
                .map(|s| skill_label(lang, s)),
            signed_up: view.mine.is_some(),
            mine,
            mine_class,
            closed: view.closed.map(|key| lang.t(key)),
            can_manage,
            lacks_skill: view.lacks_skill,
            starts: views::clock(shift.starts_at),
            ends: views::clock(shift.ends_at),
            required_skill: shift.required_skill.unwrap_or_default(),
            page,
        }
    }
}

/// The catalogue's word for a skill: `skill-first-aid`, …
pub(super) fn skill_label(lang: Lang, skill: &str) -> String {
    lang.t(&format!("skill-{}", skill.replace('_', "-")))
}

async fn show_market(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    match &viewer {
        None if context.flash.is_none() => return show_public_market(&state, &context, id).await,
        Some(viewer) if kept_body::sees_plain_day(&viewer.actor) => {
            let page = kept_body::show_plain_day(&state, &context, &viewer.actor, id).await?;
            return Ok(page.into_response());
        }
        _ => {}
    }
    let page = market_page(
        &state,
        &context,
        viewer.as_ref().map(|s| &s.actor),
        id,
        None,
    )
    .await?;
    Ok(super::render(&state, &context, "pages/market", &page)?.into_response())
}

/// The day's version stamp (not found: no such day) and the key it is kept under in this
/// language and text size.
async fn kept_day(
    state: &AppState,
    context: &PageContext,
    id: Uuid,
) -> Result<(page_stamp::PageStamp, PageKey), AppError> {
    let stamp = page_stamp::page_stamp(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = PageKey {
        page: id,
        lang: context.lang(),
        elder: context.locale.elder,
    };
    Ok((stamp, key))
}

/// The day as anyone not signed in sees it: the same for all of them, so it is rendered
/// once and served from memory until its stamp moves or the clock changes it.
async fn show_public_market(
    state: &AppState,
    context: &PageContext,
    id: Uuid,
) -> Result<Response, AppError> {
    let (stamp, key) = kept_day(state, context, id).await?;
    let body = state
        .pages
        .get_or_render(key, stamp, async || {
            let page = market_page(state, context, None, id, None).await?;
            let html = super::render(state, context, "pages/market", &page)?;
            Ok::<_, AppError>((Bytes::from(html.0), page.fresh_until))
        })
        .await?;
    Ok(Html(body).into_response())
}

/// A refusal on the market page: the page again with the reason on top.
async fn refused_on_market(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    market_id: Uuid,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let problem = errors.first().map(|e| context.lang().t(e.reason));
    let page = market_page(state, context, Some(actor), market_id, problem).await?;
    invalid(state, context, "pages/market", &page)
}

/// After a change on a market day: back to the day (at `anchor`) with a notice, or the
/// day's page again with the reason.
#[allow(clippy::too_many_arguments)]
async fn after_market_change<T>(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    jar: CookieJar,
    market: Uuid,
    anchor: &str,
    notice: &'static str,
    result: Result<T, EventError>,
) -> Result<Response, AppError> {
    match result {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie(notice));
            Ok((jar, Redirect::to(&format!("/markets/{market}{anchor}"))).into_response())
        }
        Err(EventError::Invalid(errors)) => {
            refused_on_market(state, context, actor, market, &errors).await
        }
        Err(other) => Err(other.into()),
    }
}
