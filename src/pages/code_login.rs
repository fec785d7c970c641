//! Logging in with a code sent by SMS: the phone first, then the 6-digit code. The page
//! says the same whether or not the phone is known.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use member::accounts;
use member::{FieldError, MemberError, ThrottlePolicy, fields::mask_phone};
use serde::{Deserialize, Serialize};

use super::account::{logged_in, throttled, with_next};
use super::forms::Form as FormView;
use crate::auth::{self, ClientAddress, SignedIn};
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login/code", get(show).post(send))
        .route("/login/code/verify", axum::routing::post(verify))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CodeForm {
    phone: String,
    code: String,
    next: Option<String>,
}

#[derive(Serialize)]
struct CodeLoginPage {
    form: FormView,
    next: String,
    phone: String,
    /// The code step: the number it went to, masked.
    sent_to: Option<String>,
    /// Asking for the code again (the phone step, filled in).
    again_href: String,
    password_href: String,
    /// This server sends no SMS: the page says so and offers the password.
    unavailable: bool,
    failure: Option<String>,
}

fn page(
    state: &AppState,
    context: &PageContext,
    input: &CodeForm,
    code_step: bool,
    errors: &[FieldError],
) -> CodeLoginPage {
    let lang = context.lang();
    let next = auth::safe_next(input.next.as_deref()).unwrap_or_default();
    let form = if code_step {
        FormView::new(lang, errors)
            .field("code", "text", "", "one-time-code")
            .label("field-login-code")
            .hint("login-code-hint")
            .focus_first()
    } else {
        FormView::new(lang, errors)
            .field("phone", "tel", &input.phone, "username")
            .focus_first()
    };
    let again = serde_urlencoded::to_string([("phone", input.phone.as_str()), ("next", next)])
        .unwrap_or_default();
    CodeLoginPage {
        form,
        next: next.to_owned(),
        phone: input.phone.clone(),
        sent_to: code_step.then(|| mask_phone(&phone_digits(&input.phone))),
        again_href: format!("/login/code?{again}"),
        password_href: with_next("/login", next),
        unavailable: !state.settings.notices.sends_sms(),
        failure: None,
    }
}

/// The number as typed, normalised when it is one.
fn phone_digits(typed: &str) -> String {
    member::Phone::parse("phone", typed)
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default()
}

async fn show(
    State(state): State<AppState>,
    context: PageContext,
    Query(query): Query<CodeForm>,
) -> Result<Response, AppError> {
    let page = page(&state, &context, &query, false, &[]);
    Ok(super::render(&state, &context, "pages/login-code", &page)?.into_response())
}

fn throttled_page(
    state: &AppState,
    context: &PageContext,
    mut page: CodeLoginPage,
    retry_after_secs: u64,
) -> Result<Response, AppError> {
    let minutes = retry_after_secs.div_ceil(60);
    page.failure = Some(views::t_count(
        context.lang(),
        "error-login-throttled",
        minutes,
    ));
    throttled(state, context, "pages/login-code", &page, retry_after_secs)
}

/// The phone step: a code goes out if the phone may log in, and the code step follows
/// either way.
async fn send(
    State(state): State<AppState>,
    context: PageContext,
    ClientAddress(address): ClientAddress,
    Form(input): Form<CodeForm>,
) -> Result<Response, AppError> {
    if !state.settings.notices.sends_sms() {
        return Err(AppError::NotFound);
    }
    let policy = ThrottlePolicy::default();
    match accounts::send_login_code(&state.db, &policy, &input.phone, &address, Utc::now()).await {
        Ok(()) => {
            let page = page(&state, &context, &input, true, &[]);
            Ok(super::render(&state, &context, "pages/login-code", &page)?.into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = page(&state, &context, &input, false, &errors);
            super::invalid(&state, &context, "pages/login-code", &page)
        }
        Err(MemberError::Throttled { retry_after_secs }) => {
            let page = page(&state, &context, &input, false, &[]);
            throttled_page(&state, &context, page, retry_after_secs)
        }
        Err(other) => Err(other.into()),
    }
}

/// The code step: right, and she is logged in; wrong, and the code step again.
async fn verify(
    State(state): State<AppState>,
    context: PageContext,
    ClientAddress(address): ClientAddress,
    previous: Option<SignedIn>,
    jar: CookieJar,
    Form(input): Form<CodeForm>,
) -> Result<Response, AppError> {
    let policy = ThrottlePolicy::default();
    let now = Utc::now();
    let result =
        accounts::log_in_with_code(&state.db, &policy, &input.phone, &input.code, &address, now)
            .await;
    match result {
        Ok(actor) => logged_in(&state, previous, jar, &actor, input.next.as_deref()).await,
        Err(MemberError::Invalid(errors)) => {
            let page = page(&state, &context, &input, true, &errors);
            let html = super::render(&state, &context, "pages/login-code", &page)?;
            Ok((StatusCode::UNAUTHORIZED, html).into_response())
        }
        Err(MemberError::Throttled { retry_after_secs }) => {
            let page = page(&state, &context, &input, true, &[]);
            throttled_page(&state, &context, page, retry_after_secs)
        }
        Err(other) => Err(other.into()),
    }
}
