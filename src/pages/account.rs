//! Signing in and out, registering, and passwords: the pages anyone may reach.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use member::accounts::{self, Registration};
use member::{FieldError, MemberError, PRIVACY_NOTICE_VERSION, ThrottlePolicy, sessions};
use serde::{Deserialize, Serialize};

use super::forms::Form as FormView;
use super::invalid;
use crate::auth::{self, ClientAddress, SESSION_COOKIE, SignedIn};
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(show_login).post(submit_login))
        .route("/logout", axum::routing::post(logout))
        .route("/register", get(show_register).post(submit_register))
        .route("/reset", get(show_reset).post(submit_reset))
        .route(
            "/account/password",
            get(show_password).post(submit_password),
        )
}

// ---- login ---------------------------------------------------------------------------

/// `/register?next=…` (encoded), or the bare path when there is nowhere to go back to.
pub(super) fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() {
        path.to_owned()
    } else {
        format!(
            "{path}?{}",
            serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
        )
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    phone: String,
    password: String,
    next: Option<String>,
}

#[derive(Serialize)]
struct LoginPage {
    form: FormView,
    next: String,
    /// The registration link, carrying `next` along.
    register_href: String,
    /// Logging in with an SMS code instead, when this server sends SMS.
    code_login_href: Option<String>,
    /// One message for every failure, so nobody learns which phones have accounts.
    failure: Option<String>,
}

/// `/login?phone=…&next=…`: the phone she just typed, and where she was going.
fn login_query(input: &LoginForm) -> Vec<(&'static str, &str)> {
    let mut query = vec![("phone", input.phone.as_str())];
    if let Some(next) = auth::safe_next(input.next.as_deref()) {
        query.push(("next", next));
    }
    query
}

fn login_page(
    state: &AppState,
    context: &PageContext,
    input: &LoginForm,
    failure: Option<String>,
) -> LoginPage {
    let form = FormView::new(context.lang(), &[])
        .field("phone", "tel", &input.phone, "username")
        .field("password", "password", "", "current-password")
        .focus_first();
    let next = auth::safe_next(input.next.as_deref()).unwrap_or_default();
    LoginPage {
        form,
        register_href: with_next("/register", next),
        code_login_href: state
            .settings
            .notices
            .sends_sms()
            .then(|| with_next("/login/code", next)),
        next: next.to_owned(),
        failure,
    }
}

async fn show_login(
    State(state): State<AppState>,
    context: PageContext,
    Query(query): Query<LoginForm>,
) -> Result<Response, AppError> {
    let page = login_page(&state, &context, &query, None);
    Ok(super::render(&state, &context, "pages/login", &page)?.into_response())
}

async fn submit_login(
    State(state): State<AppState>,
    context: PageContext,
    ClientAddress(address): ClientAddress,
    previous: Option<SignedIn>,
    jar: CookieJar,
    Form(input): Form<LoginForm>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let policy = ThrottlePolicy::default();
    match accounts::authenticate(
        &state.db,
        &policy,
        &input.phone,
        &input.password,
        &address,
        now,
    )
    .await
    {
        Ok(actor) => logged_in(&state, previous, jar, &actor, input.next.as_deref()).await,
        Err(MemberError::InvalidCredentials) => {
            let failure = context.lang().t("error-login-failed");
            let page = login_page(&state, &context, &input, Some(failure));
            let html = super::render(&state, &context, "pages/login", &page)?;
            Ok((StatusCode::UNAUTHORIZED, html).into_response())
        }
        Err(MemberError::Throttled { retry_after_secs }) => {
            let minutes = retry_after_secs.div_ceil(60);
            let failure = views::t_count(context.lang(), "error-login-throttled", minutes);
            let page = login_page(&state, &context, &input, Some(failure));
            throttled(&state, &context, "pages/login", &page, retry_after_secs)
        }
        Err(other) => Err(other.into()),
    }
}

/// A new session for the person who just proved who they are, and on to where they were
/// going. A session id from before the login is never reused.
pub(super) async fn logged_in(
    state: &AppState,
    previous: Option<SignedIn>,
    jar: CookieJar,
    actor: &member::Actor,
    next: Option<&str>,
) -> Result<Response, AppError> {
    if let Some(SignedIn {
        actor: old,
        credential: auth::OwnedCredential::Session(token),
    }) = previous
    {
        sessions::end_session(&state.db, &old, &token).await?;
    }
    let token = sessions::start_session(
        &state.db,
        actor,
        &state.settings.session_policy(),
        Utc::now(),
    )
    .await?;
    let jar = jar.add(auth::session_cookie(state, token));
    let to = auth::safe_next(next).unwrap_or(auth::landing(actor));
    Ok((jar, Redirect::to(to)).into_response())
}

/// 429 with `Retry-After` and the page saying in how many minutes.
pub(super) fn throttled(
    state: &AppState,
    context: &PageContext,
    template: &str,
    page: &impl Serialize,
    retry_after_secs: u64,
) -> Result<Response, AppError> {
    let html = super::render(state, context, template, page)?;
    Ok((
        StatusCode::TOO_MANY_REQUESTS,
        [(RETRY_AFTER, retry_after_secs.to_string())],
        html,
    )
        .into_response())
}

async fn logout(
    State(state): State<AppState>,
    signed_in: SignedIn,
    jar: CookieJar,
) -> Result<Response, AppError> {
    if let auth::OwnedCredential::Session(token) = &signed_in.credential {
        sessions::end_session(&state.db, &signed_in.actor, token).await?;
    }
    let jar = jar
        .add(auth::removal(SESSION_COOKIE))
        .add(auth::flash_cookie("notice-logged-out"));
    Ok((jar, Redirect::to("/")).into_response())
}

// ---- registration ---------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RegisterForm {
    name: String,
    phone: String,
    birth_date: String,
    password: String,
    password_confirm: String,
    consent: Option<String>,
    /// Where to continue afterwards (the sign-up she started), a path on this site.
    next: Option<String>,
}

#[derive(Serialize)]
struct RegisterPage {
    form: FormView,
    next: String,
    /// The log-in link, carrying `next` along.
    login_href: String,
    /// A refusal of the whole form (too many registrations from here).
    problem: Option<String>,
    consent_checked: bool,
    consent_error: Option<String>,
    notice_version: &'static str,
}

fn register_page(
    context: &PageContext,
    input: &RegisterForm,
    errors: &[FieldError],
) -> RegisterPage {
    let form = FormView::new(context.lang(), errors)
        .field("name", "text", &input.name, "name")
        .field("phone", "tel", &input.phone, "tel")
        .hint("field-phone-hint")
        .field("birth_date", "date", &input.birth_date, "bday")
        .hint("field-birth-date-hint")
        .field("password", "password", "", "new-password")
        .hint("field-password-hint")
        .field("password_confirm", "password", "", "new-password");
    let consent_error = form.error_for("consent");
    let next = auth::safe_next(input.next.as_deref()).unwrap_or_default();
    RegisterPage {
        login_href: with_next("/login", next),
        problem: None,
        next: next.to_owned(),
        form,
        consent_checked: input.consent.is_some(),
        consent_error,
        notice_version: PRIVACY_NOTICE_VERSION,
    }
}

async fn show_register(
    State(state): State<AppState>,
    context: PageContext,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    let input = RegisterForm {
        next: query.next,
        ..RegisterForm::default()
    };
    let page = register_page(&context, &input, &[]);
    Ok(super::render(&state, &context, "pages/register", &page)?.into_response())
}

async fn submit_register(
    State(state): State<AppState>,
    context: PageContext,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Form(input): Form<RegisterForm>,
) -> Result<Response, AppError> {
    let registration = Registration {
        name: input.name.clone(),
        phone: input.phone.clone(),
        birth_date: input.birth_date.clone(),
        password: input.password.clone(),
        password_confirm: input.password_confirm.clone(),
        consent: input.consent.is_some(),
    };
    match accounts::register_volunteer(
        &state.db,
        &ThrottlePolicy::default(),
        &registration,
        &address,
        views::today(),
    )
    .await
    {
        // The same answer whether or not the phone already had an account: log in next.
        Ok(()) => {
            let login = LoginForm {
                phone: input.phone.trim().to_owned(),
                password: String::new(),
                next: input.next.clone(),
            };
            let to = format!(
                "/login?{}",
                serde_urlencoded::to_string(login_query(&login)).unwrap_or_default()
            );
            let jar = jar.add(auth::flash_cookie("notice-registered"));
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(MemberError::Throttled { retry_after_secs }) => {
            let minutes = retry_after_secs.div_ceil(60);
            let problem = views::t_count(context.lang(), "error-register-throttled", minutes);
            let mut page = register_page(&context, &input, &[]);
            page.problem = Some(problem);
            let html = super::render(&state, &context, "pages/register", &page)?;
            Ok((
                StatusCode::TOO_MANY_REQUESTS,
                [(RETRY_AFTER, retry_after_secs.to_string())],
                html,
            )
                .into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = register_page(&context, &input, &errors);
            invalid(&state, &context, "pages/register", &page)
        }
        Err(other) => Err(other.into()),
    }
}

// ---- password reset with a one-time code --------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ResetForm {
    phone: String,
    code: String,
    password: String,
    password_confirm: String,
}

#[derive(Serialize)]
struct FormPage {
    form: FormView,
}

fn reset_page(context: &PageContext, input: &ResetForm, errors: &[FieldError]) -> FormPage {
    FormPage {
        form: FormView::new(context.lang(), errors)
            .field("phone", "tel", &input.phone, "username")
            .field("code", "text", &input.code, "one-time-code")
            .hint("field-code-hint")
            .field("password", "password", "", "new-password")
            .hint("field-password-hint")
            .field("password_confirm", "password", "", "new-password")
            .focus_first(),
    }
}

async fn show_reset(
    State(state): State<AppState>,
    context: PageContext,
) -> Result<Response, AppError> {
    let page = reset_page(&context, &ResetForm::default(), &[]);
    Ok(super::render(&state, &context, "pages/reset", &page)?.into_response())
}

async fn submit_reset(
    State(state): State<AppState>,
    context: PageContext,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Form(input): Form<ResetForm>,
) -> Result<Response, AppError> {
    let result = accounts::reset_password(
        &state.db,
        &ThrottlePolicy::default(),
        &input.phone,
        &input.code,
        &input.password,
        &input.password_confirm,
        &address,
        Utc::now(),
    )
    .await;
    match result {
        Ok(()) => {
            let jar = jar.add(auth::flash_cookie("notice-password-reset"));
            Ok((jar, Redirect::to("/login")).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = reset_page(&context, &input, &errors);
            invalid(&state, &context, "pages/reset", &page)
        }
        Err(other) => Err(other.into()),
    }
}

// ---- changing one's own password -----------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    password: String,
    password_confirm: String,
}

fn password_page(context: &PageContext, errors: &[FieldError]) -> FormPage {
    FormPage {
        form: FormView::new(context.lang(), errors)
            .field("current_password", "password", "", "current-password")
            .field("password", "password", "", "new-password")
            .hint("field-password-hint")
            .field("password_confirm", "password", "", "new-password")
            .focus_first(),
    }
}

async fn show_password(
    State(state): State<AppState>,
    context: PageContext,
    _signed_in: SignedIn,
) -> Result<Response, AppError> {
    let page = password_page(&context, &[]);
    Ok(super::render(&state, &context, "pages/password", &page)?.into_response())
}

async fn submit_password(
    State(state): State<AppState>,
    context: PageContext,
    signed_in: SignedIn,
    jar: CookieJar,
    Form(input): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let result = accounts::change_password(
        &state.db,
        &signed_in.actor,
        &input.current_password,
        &input.password,
        &input.password_confirm,
        Some(signed_in.credential.as_credential()),
    )
    .await;
    match result {
        Ok(()) => {
            let jar = jar.add(auth::flash_cookie("notice-password-changed"));
            Ok((jar, Redirect::to("/me")).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = password_page(&context, &errors);
            invalid(&state, &context, "pages/password", &page)
        }
        Err(other) => Err(other.into()),
    }
}
