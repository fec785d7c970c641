//! A resident reports a problem.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use member::FieldError;
use serde::{Deserialize, Serialize};
use triage::requests::{self, RequestInput};
use triage::{Channel, TriageError};

use crate::auth::{self, ClientAddress, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::pages::forms::{Choice, Form as FormView};
use crate::pages::invalid;
use crate::state::AppState;
use crate::templates::PageContext;

use super::{category_choices, choices};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RequestForm {
    category: String,
    description: String,
    community: String,
    place: String,
    contact_name: String,
    contact_phone: String,
    may_contact: Option<String>,
    channel: String,
}

impl RequestForm {
    fn input(&self) -> RequestInput {
        RequestInput {
            category: self.category.clone(),
            description: self.description.clone(),
            community: self.community.clone(),
            place: self.place.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            may_contact: self.may_contact.is_some(),
            channel: self.channel.clone(),
        }
    }
}

#[derive(Serialize)]
pub(super) struct NewPage {
    on_behalf: bool,
    categories: Vec<Choice>,
    channels: Vec<Choice>,
    description: String,
    may_contact: bool,
    category_error: Option<String>,
    channel_error: Option<String>,
    description_error: Option<String>,
    problem: Option<String>,
    description_max: usize,
    form: FormView,
    /// The known communities, offered as choices for the community field.
    communities: Vec<String>,
}

pub(super) fn new_page(
    lang: Lang,
    on_behalf: bool,
    input: &RequestForm,
    errors: &[FieldError],
    problem: Option<String>,
) -> NewPage {
    let form = FormView::new(lang, errors)
        .field("community", "text", &input.community, "off")
        .label("request-community")
        .hint("request-community-hint")
        .suggestions("communities")
        .field("place", "text", &input.place, "off")
        .optional()
        .hint("request-place-hint")
        .field("contact_name", "text", &input.contact_name, "name")
        .label(if on_behalf {
            "field-contact-name"
        } else {
            "request-contact-name"
        })
        .optional()
        .field("contact_phone", "tel", &input.contact_phone, "tel")
        .optional()
        .hint("request-phone-hint");
    let channels: Vec<&'static str> = Channel::ALL
        .iter()
        .filter(|c| **c != Channel::Web)
        .map(|c| c.as_str())
        .collect();
    NewPage {
        on_behalf,
        categories: category_choices(lang, &input.category),
        channels: choices(lang, "request-channel", &channels, &input.channel),
        description: input.description.clone(),
        may_contact: input.may_contact.is_some(),
        category_error: form.error_for("category"),
        channel_error: form.error_for("channel"),
        description_error: form.error_for("description"),
        problem,
        description_max: requests::DESCRIPTION_MAX,
        form,
        communities: Vec::new(),
    }
}

pub(super) async fn show_new(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
) -> Result<Response, AppError> {
    let on_behalf = viewer.is_some_and(|s| s.actor.is_staff());
    let mut page = new_page(
        context.lang(),
        on_behalf,
        &RequestForm::default(),
        &[],
        None,
    );
    page.communities = member::orgs::communities(&state.db).await?;
    Ok(crate::pages::render(&state, &context, "pages/request-new", &page)?.into_response())
}

pub(super) async fn submit_new(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Form(input): Form<RequestForm>,
) -> Result<Response, AppError> {
    let on_behalf = viewer.as_ref().is_some_and(|s| s.actor.is_staff());
    let now = Utc::now();
    let submitted = match &viewer {
        Some(signed_in) if on_behalf => {
            requests::submit_on_behalf(&state.db, &signed_in.actor, &input.input(), now).await
        }
        _ => {
            let policy = state.settings.triage_policy();
            requests::submit_public(&state.db, &policy, &input.input(), &address, now).await
        }
    };
    match submitted {
        Ok(created) => {
            let jar = jar.add(auth::flash_cookie("notice-request-submitted"));
            let to = if on_behalf {
                format!("/requests/{}", created.id)
            } else {
                format!("/requests/track?code={}", created.tracking_code)
            };
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(TriageError::Invalid(errors)) => {
            let mut page = new_page(context.lang(), on_behalf, &input, &errors, None);
            page.communities = member::orgs::communities(&state.db).await?;
            invalid(&state, &context, "pages/request-new", &page)
        }
        // What was typed stays on the page, with the reason it was not taken.
        Err(TriageError::Throttled(_)) => {
            let problem = Some(context.lang().t("error-request-throttled"));
            let mut page = new_page(context.lang(), on_behalf, &input, &[], problem);
            page.communities = member::orgs::communities(&state.db).await?;
            let html = crate::pages::render(&state, &context, "pages/request-new", &page)?;
            Ok((StatusCode::TOO_MANY_REQUESTS, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
