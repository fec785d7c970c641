//! "My shifts": a volunteer's coming and past shifts, with where each stands.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use event::EventStatus;
use event::signups::{self};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
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
    fn of(lang: crate::i18n::Lang, item: signups::MyShift) -> MyShiftLine {
        let (standing, standing_class) = standing_words(lang, &item.standing);
        let now = Utc::now();
        let on_the_day = item.standing.status == event::signups::SignupStatus::Confirmed
            && item.event.status != EventStatus::Cancelled
            && item.shift.starts_at - now < chrono::Duration::hours(12)
            && item.shift.ends_at > now;
        MyShiftLine {
            tally: on_the_day.then(|| format!("/stalls/{}/tally", item.stall.id)),
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
    let lang = context.lang();
    let now = Utc::now();
    let mine = signups::my_shifts(&state.db, actor.person_id).await?;
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for item in mine {
        let ends_at = item.shift.ends_at;
        let line = MyShiftLine::of(lang, item);
        if ends_at > now {
            upcoming.push(line);
        } else {
            past.push(line);
        }
    }
    let helped = signups::helped_shifts(&state.db, &actor)
        .await?
        .into_iter()
        .map(|(person, shifts)| HelpedShifts {
            person_id: person.person_id,
            name: person.name,
            upcoming: shifts
                .into_iter()
                .filter(|item| item.shift.ends_at > now)
                .map(|item| MyShiftLine::of(lang, item))
                .collect(),
        })
        .collect();
    past.reverse();
    let served = event::records::hours_of(&state.db, actor.person_id, now).await?;
    let still_posted = served.tenths - served.standing_tenths;
    let page = MyShiftsPage {
        helped,
        upcoming,
        past,
        services: served.services,
        hours: event::records::format_hours(served.tenths),
        posted: (still_posted > 0).then(|| event::records::format_hours(still_posted)),
    };
    Ok(crate::pages::render(&state, &context, "pages/my-shifts", &page)?.into_response())
}
