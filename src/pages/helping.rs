//! "People I help": a volunteer or staff member registers a neighbour without a smartphone
//! and signs them up (`member::helping`); the shifts are under "my shifts".

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use member::helping::{self, HelpedInput};
use member::{FieldError, MemberError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::Form as FormView;
use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/helped", get(show).post(submit))
        .route("/me/helped/{id}/edit", get(show_edit).post(submit_edit))
        .route(
            "/me/helped/{id}/delete",
            get(show_delete).post(submit_delete),
        )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct HelpedForm {
    name: String,
    phone: String,
    birth_year: String,
    agreed: Option<String>,
    note: String,
}

#[derive(Serialize)]
struct HelpedLine {
    person_id: Uuid,
    name: String,
    phone: Option<String>,
    birth_year: Option<i32>,
    since: String,
    claimed: bool,
}

#[derive(Serialize)]
struct HelpedPage {
    people: Vec<HelpedLine>,
    form: FormView,
    agreed_checked: bool,
    agreed_error: Option<String>,
}

async fn helped_page(
    state: &AppState,
    context: &PageContext,
    actor: &member::Actor,
    input: &HelpedForm,
    errors: &[FieldError],
) -> Result<HelpedPage, AppError> {
    let lang = context.lang();
    let people = helping::helped_by(&state.db, actor)
        .await?
        .into_iter()
        .map(|h| HelpedLine {
            person_id: h.person_id,
            name: h.name,
            phone: h.phone,
            birth_year: h.birth_year,
            since: views::format_date(lang, h.since),
            claimed: h.claimed,
        })
        .collect();
    let form = helped_form(lang, input, errors);
    Ok(HelpedPage {
        people,
        agreed_error: form.error_for("agreed"),
        form,
        agreed_checked: input.agreed.is_some(),
    })
}

/// The fields of a person one helps, as typed (the consent box is the page's own).
fn helped_form(lang: crate::i18n::Lang, input: &HelpedForm, errors: &[FieldError]) -> FormView {
    FormView::new(lang, errors)
        .field("name", "text", &input.name, "off")
        .field("birth_year", "tel", &input.birth_year, "off")
        .hint("field-birth-year-hint")
        .field("phone", "tel", &input.phone, "off")
        .optional()
        .hint("field-helped-phone-hint")
        .field("note", "text", &input.note, "off")
        .label("field-helped-note")
        .optional()
}

async fn show(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Response, AppError> {
    let page = helped_page(&state, &context, &actor, &HelpedForm::default(), &[]).await?;
    Ok(super::render(&state, &context, "pages/helped", &page)?.into_response())
}

async fn submit(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Form(input): Form<HelpedForm>,
) -> Result<Response, AppError> {
    let typed = HelpedInput {
        name: input.name.clone(),
        phone: input.phone.clone(),
        birth_year: input.birth_year.clone(),
        agreed: input.agreed.is_some(),
        note: input.note.clone(),
    };
    match helping::register(&state.db, &actor, &typed, Utc::now()).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-helped-registered"));
            Ok((jar, Redirect::to("/markets")).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = helped_page(&state, &context, &actor, &input, &errors).await?;
            super::invalid(&state, &context, "pages/helped", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct EditPage {
    person_id: Uuid,
    name: String,
    form: FormView,
}

async fn show_edit(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(person_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (person, helped) = helping::helped_one(&state.db, &actor, person_id).await?;
    let typed = HelpedForm {
        name: person.name.clone(),
        phone: person.phone.unwrap_or_default(),
        birth_year: helped.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        ..HelpedForm::default()
    };
    let page = EditPage {
        person_id,
        name: person.name,
        form: helped_form(context.lang(), &typed, &[]).without("note"),
    };
    Ok(super::render(&state, &context, "pages/helped-edit", &page)?.into_response())
}

async fn submit_edit(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(person_id): Path<Uuid>,
    Form(input): Form<HelpedForm>,
) -> Result<Response, AppError> {
    let typed = HelpedInput {
        name: input.name.clone(),
        phone: input.phone.clone(),
        birth_year: input.birth_year.clone(),
        ..HelpedInput::default()
    };
    match helping::update(&state.db, &actor, person_id, &typed, Utc::now()).await {
        Ok(()) => {
            let jar = jar.add(auth::flash_cookie("notice-helped-updated"));
            Ok((jar, Redirect::to("/me/helped")).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let (person, _) = helping::helped_one(&state.db, &actor, person_id).await?;
            let page = EditPage {
                person_id,
                name: person.name,
                form: helped_form(context.lang(), &input, &errors).without("note"),
            };
            super::invalid(&state, &context, "pages/helped-edit", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct DeletePage {
    person_id: Uuid,
    name: String,
}

/// Asks first: deleting someone's data cannot be undone.
async fn show_delete(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(person_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (person, _) = helping::helped_one(&state.db, &actor, person_id).await?;
    let page = DeletePage {
        person_id,
        name: person.name,
    };
    Ok(super::render(&state, &context, "pages/helped-delete", &page)?.into_response())
}

async fn submit_delete(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(person_id): Path<Uuid>,
) -> Result<Response, AppError> {
    event::leaving::erase_helped(&state.db, &actor, person_id, Utc::now()).await?;
    let jar = jar.add(auth::flash_cookie("notice-helped-deleted"));
    Ok((jar, Redirect::to("/me/helped")).into_response())
}
