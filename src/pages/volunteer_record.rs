//! A volunteer's trainings, awards and evaluations (the whole record): read by the volunteer, staff and
//! their leaders; staff and leaders add to it.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use member::volunteer_record::{self, Entry, EntryInput, EntryKind};
use member::{FieldError, MemberError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::{Choice, Form as FormView};
use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/record", get(show).post(add))
        .route("/me/record", get(mine))
}

/// One's own record, from "my shifts".
async fn mine(SignedIn { actor, .. }: SignedIn) -> Redirect {
    Redirect::to(&format!("/people/{}/record", actor.person_id))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EntryForm {
    kind: String,
    name: String,
    date: String,
    place: String,
    content: String,
    hours: String,
    result: String,
    given_by: String,
}

#[derive(Serialize)]
struct EntryLine {
    name: String,
    date: String,
    details: String,
}

#[derive(Serialize)]
struct RecordPage {
    person_id: Uuid,
    name: String,
    /// 志愿者编号, once their first service was recorded.
    volunteer_number: Option<String>,
    trainings: Vec<EntryLine>,
    awards: Vec<EntryLine>,
    evaluations: Vec<EntryLine>,
    may_enter: bool,
    kinds: Vec<Choice>,
    kind_error: Option<String>,
    results: Vec<Choice>,
    result_error: Option<String>,
    form: FormView,
}

impl EntryLine {
    fn of(lang: Lang, entry: &Entry) -> EntryLine {
        let details = match entry.kind {
            EntryKind::Training => {
                let hours = event::records::format_hours(entry.tenths.unwrap_or(0));
                let mut parts = vec![
                    entry.place.clone(),
                    views::t_text(lang, "record-hours", "hours", &hours),
                    views::t_text(lang, "record-trainer", "name", &entry.given_by),
                ];
                if !entry.content.is_empty() {
                    parts.push(entry.content.clone());
                }
                parts.join(" · ")
            }
            EntryKind::Award => views::t_text(lang, "record-granted-by", "name", &entry.given_by),
            EntryKind::Evaluation => {
                let result = lang.t(&format!(
                    "record-result-{}",
                    entry.result.as_deref().unwrap_or("pass")
                ));
                let by = views::t_text(lang, "record-evaluated-by", "name", &entry.given_by);
                [result, by, entry.content.clone()]
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · ")
            }
        };
        EntryLine {
            name: entry.name.clone(),
            date: views::format_day(lang, entry.date),
            details,
        }
    }
}

async fn record_page(
    state: &AppState,
    context: &PageContext,
    actor: &member::Actor,
    person_id: Uuid,
    typed: &EntryForm,
    errors: &[FieldError],
) -> Result<RecordPage, AppError> {
    let lang = context.lang();
    let (name, entries, may_enter) =
        volunteer_record::record_of(&state.db, actor, person_id).await?;
    let lines = |kind: EntryKind| {
        (entries.iter())
            .filter(|e| e.kind == kind)
            .map(|e| EntryLine::of(lang, e))
            .collect()
    };
    let form = FormView::new(lang, errors)
        .field("name", "text", &typed.name, "off")
        .label("field-record-name")
        .field("date", "date", &typed.date, "off")
        .field("given_by", "text", &typed.given_by, "off")
        .label("field-record-given-by")
        .field("place", "text", &typed.place, "off")
        .label("field-record-place")
        .optional()
        .field("hours", "text", &typed.hours, "off")
        .label("field-record-hours")
        .optional()
        .field("content", "text", &typed.content, "off")
        .label("field-record-content")
        .optional();
    let chosen = EntryKind::parse(&typed.kind).or(Some(EntryKind::Training));
    let volunteer_number = volunteer_record::numbers_of(&state.db, [person_id])
        .await?
        .remove(&person_id);
    Ok(RecordPage {
        person_id,
        name,
        volunteer_number,
        trainings: lines(EntryKind::Training),
        awards: lines(EntryKind::Award),
        evaluations: lines(EntryKind::Evaluation),
        may_enter,
        results: Choice::all(
            &volunteer_record::RESULTS,
            |r| r,
            |r| lang.t(&format!("record-result-{r}")),
            volunteer_record::RESULTS
                .into_iter()
                .find(|r| *r == typed.result),
        ),
        result_error: form.error_for("result"),
        kinds: Choice::all(
            &[EntryKind::Training, EntryKind::Award, EntryKind::Evaluation],
            EntryKind::as_str,
            |k| lang.t(&format!("record-kind-{}", k.as_str())),
            chosen,
        ),
        kind_error: form.error_for("kind"),
        form,
    })
}

async fn show(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(person_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let page = record_page(
        &state,
        &context,
        &actor,
        person_id,
        &EntryForm::default(),
        &[],
    )
    .await?;
    Ok(super::render(&state, &context, "pages/volunteer-record", &page)?.into_response())
}

async fn add(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(person_id): Path<Uuid>,
    Form(typed): Form<EntryForm>,
) -> Result<Response, AppError> {
    let input = EntryInput {
        kind: typed.kind.clone(),
        name: typed.name.clone(),
        date: typed.date.clone(),
        place: typed.place.clone(),
        content: typed.content.clone(),
        hours: typed.hours.clone(),
        result: typed.result.clone(),
        given_by: typed.given_by.clone(),
    };
    match volunteer_record::add_entry(&state.db, &actor, person_id, &input, Utc::now()).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-record-added"));
            Ok((jar, Redirect::to(&format!("/people/{person_id}/record"))).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = record_page(&state, &context, &actor, person_id, &typed, &errors).await?;
            super::invalid(&state, &context, "pages/volunteer-record", &page)
        }
        Err(other) => Err(other.into()),
    }
}
