//! "People I help": a volunteer or staff member registers a neighbour without a smartphone
//! and signs them up (`member::helping`); the shifts are under "my shifts".

use axum::extract::State;
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
    Router::new().route("/me/helped", get(show).post(submit))
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
    let form = FormView::new(lang, errors)
        .field("name", "text", &input.name, "off")
        .field("birth_year", "tel", &input.birth_year, "off")
        .hint("field-birth-year-hint")
        .field("phone", "tel", &input.phone, "off")
        .optional()
        .hint("field-helped-phone-hint")
        .field("note", "text", &input.note, "off")
        .label("field-helped-note")
        .optional();
    Ok(HelpedPage {
        people,
        agreed_error: form.error_for("agreed"),
        form,
        agreed_checked: input.agreed.is_some(),
    })
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
