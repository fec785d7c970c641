//! Rating a market-day stall, and the QR poster that leads there.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Utc;
use member::FieldError;
use serde::Serialize;
use triage::TriageError;
use triage::ratings::{self, RatingInput};
use uuid::Uuid;

use crate::auth::{self, ClientAddress, SignedIn};
use crate::errors::AppError;
use crate::pages::forms::{Choice, Form as FormView};
use crate::pages::invalid;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

use super::{RatingForm, label, level_choices};

/// The phone's own random key, so one phone rates a stall once (residents have no account).
pub(super) const RATER_COOKIE: &str = "wyf_rater";

pub(super) fn rater_of(jar: &CookieJar) -> Option<String> {
    jar.get(RATER_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(super) fn rater_cookie(value: String) -> Cookie<'static> {
    Cookie::build((RATER_COOKIE, value))
        .path("/stalls")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(365))
        .build()
}

#[derive(Serialize)]
pub(super) struct StallRatingPage {
    stall_id: Uuid,
    service: String,
    organization: String,
    title: String,
    date: String,
    open: bool,
    rated: bool,
    levels: Vec<Choice>,
    comment: String,
    level_error: Option<String>,
    /// The server counts distinct residents: the form asks for a phone, optionally.
    takes_phones: bool,
    phone: String,
    phone_error: Option<String>,
}

pub(super) async fn stall_rating_page(
    state: &AppState,
    context: &PageContext,
    stall_id: Uuid,
    rater: &str,
    typed: &RatingForm,
    errors: &[FieldError],
) -> Result<StallRatingPage, AppError> {
    let lang = context.lang();
    let stall = event::stalls::find_stall(&state.db, stall_id).await?;
    let market = event::schedule::find(&state.db, stall.event_id).await?;
    let organization = member::orgs::find(&state.db, stall.organization_id)
        .await?
        .name;
    Ok(StallRatingPage {
        stall_id,
        service: label(lang, "service", stall.service.as_str()),
        organization,
        title: market.title,
        date: views::format_date(lang, market.starts_at),
        open: ratings::stall_open_for_rating(&state.db, stall_id, Utc::now()).await?,
        rated: ratings::has_rated_stall(&state.db, stall_id, rater).await?,
        levels: level_choices(lang, &typed.level),
        comment: typed.comment.clone(),
        level_error: FormView::new(lang, errors).error_for("level"),
        takes_phones: !state.settings.resident_secret.is_empty(),
        phone: typed.phone.clone(),
        phone_error: FormView::new(lang, errors).error_for("phone"),
    })
}

pub(super) async fn show_stall_rating(
    State(state): State<AppState>,
    context: PageContext,
    jar: CookieJar,
    Path(stall_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (jar, rater) = match rater_of(&jar) {
        Some(rater) => (jar, rater),
        None => {
            let rater = member::secrets::new_token();
            (jar.add(rater_cookie(rater.clone())), rater)
        }
    };
    let page = stall_rating_page(
        &state,
        &context,
        stall_id,
        &rater,
        &RatingForm::default(),
        &[],
    )
    .await?;
    let html = crate::pages::render(&state, &context, "pages/stall-rate", &page)?;
    Ok((jar, html).into_response())
}

pub(super) async fn submit_stall_rating(
    State(state): State<AppState>,
    context: PageContext,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Path(stall_id): Path<Uuid>,
    Form(typed): Form<RatingForm>,
) -> Result<Response, AppError> {
    // A phone that refuses cookies gets one now and rates on the next try.
    let Some(rater) = rater_of(&jar) else {
        let jar = jar.add(rater_cookie(member::secrets::new_token()));
        return Ok((jar, Redirect::to(&format!("/stalls/{stall_id}/rate"))).into_response());
    };
    let input = RatingInput {
        level: typed.level.clone(),
        comment: typed.comment.clone(),
        phone: typed.phone.clone(),
        ..RatingInput::default()
    };
    let policy = state.settings.triage_policy();
    match ratings::rate_stall(
        &state.db,
        &policy,
        stall_id,
        &input,
        &rater,
        &address,
        Utc::now(),
    )
    .await
    {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-rating-thanks"));
            Ok((jar, Redirect::to(&format!("/stalls/{stall_id}/rate"))).into_response())
        }
        Err(TriageError::Invalid(errors)) => {
            let page =
                stall_rating_page(&state, &context, stall_id, &rater, &typed, &errors).await?;
            invalid(&state, &context, "pages/stall-rate", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
pub(super) struct RatingQrPage {
    stall_id: Uuid,
    service: String,
    organization: String,
    title: String,
    date: String,
    svg: String,
    url: String,
}

/// The stall's rating code, to print and put on the table. Its organization's leaders and
/// staff.
pub(super) async fn show_stall_rating_qr(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(stall_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let stall = event::stalls::find_stall(&state.db, stall_id).await?;
    if !actor.can_manage_org(stall.organization_id) {
        return Err(AppError::Forbidden);
    }
    let page =
        stall_rating_page(&state, &context, stall_id, "", &RatingForm::default(), &[]).await?;
    let (url, svg) = crate::pages::qr_for(&state, &format!("/stalls/{stall_id}/rate"))?;
    let page = RatingQrPage {
        stall_id,
        service: page.service,
        organization: page.organization,
        title: page.title,
        date: page.date,
        svg,
        url,
    };
    Ok(crate::pages::render(&state, &context, "pages/stall-rating-qr", &page)?.into_response())
}
