//! "My shifts": a volunteer's coming and past shifts, with where each stands. A volunteer
//! who helps nobody sees only their own rows, so the body of their page is kept in memory
//! by their `shifts_version` (migration 24) until it moves or the clock changes the page;
//! the layout, with its notice count, is rendered per request.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use event::EventStatus;
use event::signups::{self};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::page_cache::PageKey;
use crate::state::AppState;
use crate::templates::{self, PageContext};
use crate::views;

use super::{service_label, standing_words};

#[derive(Serialize)]
pub(super) struct MyShiftLine {
    market_id: Uuid,
    shift_id: Uuid,
    title: String,
    date: String,
    clock: String,
    place: String,
    service: String,
    standing: String,
    standing_class: &'static str,
    cancelled: Option<String>,
    checked_in: Option<String>,
    checked_out: Option<String>,
    no_show: bool,
    /// The stall's tally page, on the day of the shift.
    tally: Option<String>,
}

/// A person the viewer helps, and their coming shifts.
#[derive(Serialize)]
pub(super) struct HelpedShifts {
    person_id: Uuid,
    name: String,
    upcoming: Vec<MyShiftLine>,
}

#[derive(Serialize)]
pub(super) struct MyShiftsPage {
    /// Signing up people one helps starts here.
    helped: Vec<HelpedShifts>,
    upcoming: Vec<MyShiftLine>,
    past: Vec<MyShiftLine>,
    services: u64,
    hours: String,
    /// Of the hours, those still posted (公示中): not on a certificate yet.
    posted: Option<String>,
}

impl MyShiftLine {
    fn of(lang: crate::i18n::Lang, item: &signups::MyShift, now: DateTime<Utc>) -> MyShiftLine {
        let (standing, standing_class) = standing_words(lang, &item.standing);
        MyShiftLine {
            tally: item
                .offers_tally(now)
                .then(|| format!("/stalls/{}/tally", item.stall.id)),
            market_id: item.event.id,
            shift_id: item.shift.id,
            title: item.event.title.clone(),
            date: views::format_date(lang, item.shift.starts_at),
            clock: views::format_clock_range(lang, item.shift.starts_at, item.shift.ends_at),
            place: item.event.place.clone(),
            service: service_label(lang, item.stall.service),
            standing,
            standing_class,
            cancelled: (item.event.status == EventStatus::Cancelled)
                .then(|| item.event.cancel_reason.clone().unwrap_or_default()),
            checked_in: item
                .record
                .as_ref()
                .and_then(|r| r.checked_in_at)
                .map(views::clock),
            checked_out: item
                .record
                .as_ref()
                .and_then(|r| r.checked_out_at)
                .map(views::clock),
            no_show: item
                .record
                .as_ref()
                .is_some_and(|r| r.attendance.as_deref() == Some("no_show")),
        }
    }
}

pub(super) async fn show_my_shifts(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Response, AppError> {
    let body = if actor.helps {
        // Their page shows the shifts of the people they help too: rendered whole.
        my_shifts_body(&state, &context, &actor, Utc::now())
            .await?
            .0
    } else {
        let stamp = signups::my_shifts_version(&state.db, actor.person_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let key = PageKey {
            page: actor.person_id,
            lang: context.lang(),
            elder: context.locale.elder,
        };
        state
            .my_shifts_bodies
            .get_or_render(key, stamp, async || {
                my_shifts_body(&state, &context, &actor, Utc::now()).await
            })
            .await?
    };
    #[derive(Serialize)]
    struct Frame<'a> {
        body: &'a str,
    }
    let frame = Frame { body: &body };
    Ok(crate::pages::render(&state, &context, "pages/my-shifts", &frame)?.into_response())
}

/// The page inside the layout, and until when the clock alone leaves it as it is.
async fn my_shifts_body(
    state: &AppState,
    context: &PageContext,
    actor: &member::Actor,
    now: DateTime<Utc>,
) -> Result<(Arc<str>, DateTime<Utc>), AppError> {
    let lang = context.lang();
    let mine = signups::my_shifts(&state.db, actor.person_id).await?;
    let served = event::records::hours_of(&state.db, actor.person_id, now).await?;
    let fresh_until = signups::my_shifts_fresh_until(&mine, served.stands_next, now);
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for item in &mine {
        let line = MyShiftLine::of(lang, item, now);
        if item.shift.ends_at > now {
            upcoming.push(line);
        } else {
            past.push(line);
        }
    }
    let helped = signups::helped_shifts(&state.db, actor)
        .await?
        .into_iter()
        .map(|(person, shifts)| HelpedShifts {
            person_id: person.person_id,
            name: person.name,
            upcoming: shifts
                .iter()
                .filter(|item| item.shift.ends_at > now)
                .map(|item| MyShiftLine::of(lang, item, now))
                .collect(),
        })
        .collect();
    past.reverse();
    let still_posted = served.tenths - served.standing_tenths;
    let page = MyShiftsPage {
        helped,
        upcoming,
        past,
        services: served.services,
        hours: event::records::format_hours(served.tenths),
        posted: (still_posted > 0).then(|| event::records::format_hours(still_posted)),
    };
    let html = templates::render(&state.templates, context, "partials/my-shifts-body", &page)
        .map_err(|err| AppError::Internal(format!("my shifts: {err}")))?;
    Ok((html.into(), fresh_until))
}
