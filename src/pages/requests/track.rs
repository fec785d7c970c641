//! Following a request with its tracking code, and rating it once resolved.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use member::FieldError;
use member::fields::mask_phone;
use serde::{Deserialize, Serialize};
use triage::ratings::{self, RatingInput};
use triage::requests::{self};
use triage::{Status, TriageError};
use uuid::Uuid;

use crate::auth::{self, ClientAddress};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::pages::forms::{Choice, Form as FormView};
use crate::pages::invalid;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

use super::{RatingForm, RequestRow, label, level_choices, org_names, row};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct TrackQuery {
    code: String,
}

#[derive(Serialize)]
pub(super) struct TimelineLine {
    date: String,
    what: String,
    note: String,
    by: Option<String>,
}

#[derive(Serialize)]
pub(super) struct TrackedRequest {
    code: String,
    /// The code in two groups of five, easier to read out and copy.
    code_groups: Vec<String>,
    row: RequestRow,
    description: String,
    place: String,
    contact: String,
    resolution: String,
    timeline: Vec<TimelineLine>,
    can_rate: bool,
    can_reopen: bool,
    rated: Option<String>,
}

#[derive(Serialize)]
pub(super) struct TrackPage {
    code: String,
    problem: Option<String>,
    request: Option<TrackedRequest>,
    levels: Vec<Choice>,
    comment: String,
    reopen: bool,
    reopen_reason: String,
    level_error: Option<String>,
    reopen_error: Option<String>,
    reopen_reason_error: Option<String>,
}

/// The lines of a timeline; names only for those allowed to see who did what.
pub(super) async fn timeline_lines(
    state: &AppState,
    lang: Lang,
    request_id: Uuid,
    with_names: bool,
) -> Result<Vec<TimelineLine>, AppError> {
    let updates = requests::timeline(&state.db, request_id).await?;
    let people: std::collections::HashMap<Uuid, String> = if with_names {
        member::privacy::names(&state.db, updates.iter().filter_map(|u| u.person_id)).await?
    } else {
        Default::default()
    };
    Ok(updates
        .into_iter()
        .map(|u| {
            let what = match u.class {
                Some(class) => views::t_text(
                    lang,
                    &format!("request-update-{}", u.kind.as_str().replace('_', "-")),
                    "class",
                    &label(lang, "request-class", class.as_str()),
                ),
                None => label(lang, "request-update", u.kind.as_str()),
            };
            let note = match u.kind {
                triage::UpdateKind::Submitted => label(lang, "request-channel", &u.note),
                triage::UpdateKind::Rated => label(lang, "rating-level", &u.note),
                // The resident's tracking page leaves the handlers' notes out.
                kind if kind.note_is_internal() && !with_names => String::new(),
                _ => u.note,
            };
            TimelineLine {
                date: views::format_date_time(lang, u.at),
                what,
                note,
                by: u.person_id.and_then(|id| people.get(&id).cloned()),
            }
        })
        .collect())
}

pub(super) async fn track_page(
    state: &AppState,
    context: &PageContext,
    code: &str,
    typed: &RatingForm,
    errors: &[FieldError],
) -> Result<(StatusCode, TrackPage), AppError> {
    let lang = context.lang();
    let form = FormView::new(lang, errors);
    let mut page = TrackPage {
        code: requests::normalize_code(code),
        problem: None,
        request: None,
        levels: level_choices(lang, &typed.level),
        comment: typed.comment.clone(),
        reopen: typed.reopen.is_some(),
        reopen_reason: typed.reopen_reason.clone(),
        level_error: form.error_for("level"),
        reopen_error: form.error_for("reopen"),
        reopen_reason_error: form.error_for("reopen_reason"),
    };
    if code.trim().is_empty() {
        return Ok((StatusCode::OK, page));
    }
    let found = match requests::find_by_code(&state.db, code).await {
        Ok(found) => found,
        Err(TriageError::NotFound) => {
            page.problem = Some(lang.t("error-tracking-code-unknown"));
            return Ok((StatusCode::NOT_FOUND, page));
        }
        Err(other) => return Err(other.into()),
    };
    let names = org_names(state, std::slice::from_ref(&found)).await?;
    let org_name = found.organization_id.and_then(|id| names.get(&id).cloned());
    let rating = ratings::rating_of(&state.db, &found).await?;
    let resolved = matches!(found.status, Status::Resolved | Status::Closed);
    let code = found.tracking_code.clone();
    page.request = Some(TrackedRequest {
        code_groups: {
            let (first, second) = code.split_at_checked(5).unwrap_or((&code, ""));
            vec![first.to_owned(), second.to_owned()]
        },
        code,
        row: row(lang, &found, org_name.as_deref(), Utc::now()),
        description: found.description.clone(),
        place: found.place.clone(),
        contact: match (&found.contact_phone, found.may_contact) {
            (Some(phone), true) => mask_phone(phone),
            (Some(phone), false) => {
                format!("{} ({})", mask_phone(phone), lang.t("request-no-contact"))
            }
            (None, _) => lang.t("request-no-contact"),
        },
        resolution: found.resolution.clone(),
        timeline: timeline_lines(state, lang, found.id, false).await?,
        can_rate: resolved && rating.is_none(),
        can_reopen: found.round == 0,
        rated: rating.map(|r| label(lang, "rating-level", r.level.as_str())),
    });
    Ok((StatusCode::OK, page))
}

pub(super) async fn show_track(
    State(state): State<AppState>,
    context: PageContext,
    Query(query): Query<TrackQuery>,
) -> Result<Response, AppError> {
    let (status, page) =
        track_page(&state, &context, &query.code, &RatingForm::default(), &[]).await?;
    let html = crate::pages::render(&state, &context, "pages/request-track", &page)?;
    Ok((status, html).into_response())
}

pub(super) async fn submit_rating(
    State(state): State<AppState>,
    context: PageContext,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Form(typed): Form<RatingForm>,
) -> Result<Response, AppError> {
    let input = RatingInput {
        level: typed.level.clone(),
        comment: typed.comment.clone(),
        reopen: typed.reopen.is_some(),
        reopen_reason: typed.reopen_reason.clone(),
        phone: String::new(),
    };
    let policy = state.settings.triage_policy();
    match ratings::rate_request(
        &state.db,
        &policy,
        &typed.code,
        &input,
        &address,
        Utc::now(),
    )
    .await
    {
        Ok(rated) => {
            let notice = if rated.status == Status::Reopened {
                "notice-request-reopened"
            } else {
                "notice-rating-thanks"
            };
            let jar = jar.add(auth::flash_cookie(notice));
            let to = format!("/requests/track?code={}", rated.tracking_code);
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(TriageError::Invalid(errors)) => {
            let (_, page) = track_page(&state, &context, &typed.code, &typed, &errors).await?;
            invalid(&state, &context, "pages/request-track", &page)
        }
        Err(TriageError::NotFound) => {
            let (status, page) = track_page(&state, &context, &typed.code, &typed, &[]).await?;
            let html = crate::pages::render(&state, &context, "pages/request-track", &page)?;
            Ok((status, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
