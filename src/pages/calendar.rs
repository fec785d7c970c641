//! Calendar feeds (iCal, RFC 5545): published market days for everyone, and each
//! volunteer's confirmed shifts at a secret address they can reset.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use chrono::{Duration, Utc};
use event::signups::{self, SignupStatus};
use icalendar::{Calendar, Component, EventLike};
use serde::Serialize;

use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/markets.ics", get(markets_feed))
        .route("/calendar/{file}", get(personal_feed))
        .route("/me/calendar", get(show_calendar))
        .route("/me/calendar/reset", post(reset))
}

fn ics(calendar: Calendar) -> Response {
    (
        [
            (CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (CACHE_CONTROL, "private, max-age=300"),
        ],
        calendar.to_string(),
    )
        .into_response()
}

/// Text for a calendar property: every kind of line break (CR LF, a bare CR, LF) as one
/// LF, which the calendar writer escapes as `\n` (RFC 5545); a bare CR would otherwise end
/// the line and let typed text become lines of its own.
fn one_line_breaks(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Published market days from three months back on.
async fn markets_feed(State(state): State<AppState>) -> Result<Response, AppError> {
    let markets = event::markets::feed(&state.db, Utc::now() - Duration::days(92)).await?;
    let mut calendar = Calendar::new();
    calendar.name("微益坊 公益集市");
    for market in markets {
        calendar.push(
            icalendar::Event::new()
                .uid(&format!("{}@weiyifang", market.id))
                .summary(&one_line_breaks(&market.title))
                .location(&one_line_breaks(&market.place))
                .description(&one_line_breaks(&market.description))
                .starts(market.starts_at)
                .ends(market.ends_at)
                .done(),
        );
    }
    Ok(ics(calendar.done()))
}

/// A volunteer's confirmed shifts; the address is the only key.
async fn personal_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let secret = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let person = event::calendar::person_for(&state.db, secret)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut calendar = Calendar::new();
    calendar.name("微益坊 我的值班");
    for item in signups::my_shifts(&state.db, person).await? {
        if item.standing.status != SignupStatus::Confirmed
            || item.event.status == event::EventStatus::Cancelled
        {
            continue;
        }
        calendar.push(
            icalendar::Event::new()
                .uid(&format!("{}@weiyifang", item.shift.id))
                .summary(&one_line_breaks(&format!("志愿值班：{}", item.event.title)))
                .location(&one_line_breaks(&item.event.place))
                .starts(item.shift.starts_at)
                .ends(item.shift.ends_at)
                .done(),
        );
    }
    Ok(ics(calendar.done()))
}

#[derive(Serialize)]
struct CalendarPage {
    personal: String,
    public: String,
}

async fn show_calendar(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Response, AppError> {
    let secret = event::calendar::secret_of(&state.db, actor.person_id).await?;
    let origin = state.settings.origin();
    let page = CalendarPage {
        personal: format!("{origin}/calendar/{secret}.ics"),
        public: format!("{origin}/markets.ics"),
    };
    Ok(super::render(&state, &context, "pages/calendar", &page)?.into_response())
}

async fn reset(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
) -> Result<Response, AppError> {
    event::calendar::reset(&state.db, actor.person_id).await?;
    let jar = jar.add(auth::flash_cookie("notice-calendar-reset"));
    Ok((jar, Redirect::to("/me/calendar")).into_response())
}
