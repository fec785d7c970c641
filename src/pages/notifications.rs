//! "My messages": the in-app inbox with the unread count in the navigation, how each person
//! wants to be told, and for staff the messages that could not be sent.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use member::notices::{self, Choices, outbox};
use member::{FieldError, MemberError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::invalid;
use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::notices::texts;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/notifications", get(show_inbox).post(save_choices))
        .route("/admin/notifications", get(show_failures))
        .route(
            "/markets/{id}/message",
            get(show_message).post(send_message),
        )
}

#[derive(Serialize)]
struct InboxLine {
    title: String,
    text: String,
    at: String,
    link: String,
    new: bool,
}

impl InboxLine {
    fn of(lang: Lang, item: &notices::InboxItem) -> InboxLine {
        InboxLine {
            title: lang.t(&format!("inbox-title-{}", item.kind.as_str())),
            text: texts::sentence(lang, item.kind, &item.args),
            at: views::format_date_time(lang, item.created_at),
            link: item.link.clone(),
            new: !item.read,
        }
    }
}

#[derive(Serialize)]
struct InboxPage {
    lines: Vec<InboxLine>,
    choices: ChoicesForm,
    quiet: String,
    /// Channels this server sends by: the others are not offered.
    sms_offered: bool,
    email_offered: bool,
    email_error: Option<String>,
    error_count: usize,
}

/// The choices as the form sends them: checkboxes are absent when unticked.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct ChoicesForm {
    by_sms: Option<String>,
    by_email: Option<String>,
    reminders: Option<String>,
    email: String,
}

impl ChoicesForm {
    fn of(choices: &Choices) -> ChoicesForm {
        let ticked = |on: bool| on.then(|| "yes".to_owned());
        ChoicesForm {
            by_sms: ticked(choices.by_sms),
            by_email: ticked(choices.by_email && choices.email.is_some()),
            reminders: ticked(choices.reminders),
            email: choices.email.clone().unwrap_or_default(),
        }
    }

    fn choices(&self, lang: Lang) -> Choices {
        Choices {
            email: Some(self.email.clone()),
            by_sms: self.by_sms.is_some(),
            by_email: self.by_email.is_some(),
            reminders: self.reminders.is_some(),
            lang: lang.tag().to_owned(),
        }
    }
}

async fn inbox_page(
    state: &AppState,
    context: &PageContext,
    signed_in: &SignedIn,
    choices: ChoicesForm,
    errors: &[FieldError],
) -> Result<InboxPage, AppError> {
    let lang = context.lang();
    let items = notices::inbox(&state.db, &signed_in.actor, 100).await?;
    Ok(InboxPage {
        lines: items.iter().map(|item| InboxLine::of(lang, item)).collect(),
        choices,
        quiet: state.settings.notices.quiet_hours.clone(),
        sms_offered: state.settings.notices.sms_provider.trim() != "off",
        email_offered: !state.settings.notices.smtp_url.trim().is_empty(),
        email_error: errors.first().map(|e| lang.t(e.reason)),
        error_count: errors.len(),
    })
}

/// The inbox, newest first; opening it marks everything read (what was new is marked so
/// this once).
async fn show_inbox(
    State(state): State<AppState>,
    context: PageContext,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let choices = notices::choices_of(&state.db, signed_in.actor.person_id).await?;
    let page = inbox_page(&state, &context, &signed_in, ChoicesForm::of(&choices), &[]).await?;
    notices::mark_all_read(&state.db, &signed_in.actor, chrono::Utc::now()).await?;
    // The count in the navigation was taken before the page was read.
    let context = PageContext {
        viewer: context
            .viewer
            .clone()
            .map(|v| crate::templates::Viewer { unread: 0, ..v }),
        ..context
    };
    Ok(super::render(&state, &context, "pages/notifications", &page)?.into_response())
}

async fn save_choices(
    State(state): State<AppState>,
    context: PageContext,
    signed_in: SignedIn,
    jar: CookieJar,
    Form(input): Form<ChoicesForm>,
) -> Result<Response, AppError> {
    let choices = input.choices(context.lang());
    match notices::save_choices(&state.db, &signed_in.actor, &choices, chrono::Utc::now()).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-choices-saved"));
            Ok((jar, Redirect::to("/me/notifications")).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = inbox_page(&state, &context, &signed_in, input, &errors).await?;
            invalid(&state, &context, "pages/notifications", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct FailureLine {
    person: String,
    kind: String,
    channel: String,
    attempts: i32,
    reason: String,
    at: String,
}

#[derive(Serialize)]
struct FailuresPage {
    lines: Vec<FailureLine>,
}

async fn show_failures(
    State(state): State<AppState>,
    context: PageContext,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let lines = outbox::failures(&state.db, &signed_in.actor, 200)
        .await?
        .into_iter()
        .map(|f| FailureLine {
            person: f.person.unwrap_or_else(|| lang.t("failures-resident")),
            kind: lang.t(&format!("inbox-title-{}", f.kind.as_str())),
            channel: lang.t(&format!("channel-{}", f.channel.as_str())),
            attempts: f.attempts,
            reason: f.reason,
            at: views::format_date_time(lang, f.created_at),
        })
        .collect();
    let page = FailuresPage { lines };
    Ok(super::render(&state, &context, "pages/notification-failures", &page)?.into_response())
}

/// Staff tell everyone on a day, or a leader everyone on their stall.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MessageForm {
    /// Empty: the whole day.
    stall: String,
    message: String,
}

#[derive(Serialize)]
struct MessagePage {
    market_id: Uuid,
    targets: Vec<super::forms::Choice>,
    message: String,
    max: usize,
    error: Option<String>,
}

async fn message_page(
    state: &AppState,
    context: &PageContext,
    signed_in: &SignedIn,
    market_id: Uuid,
    input: &MessageForm,
    errors: &[FieldError],
) -> Result<MessagePage, AppError> {
    let lang = context.lang();
    let (whole_day, stalls) =
        event::notify::message_targets(&state.db, &signed_in.actor, market_id).await?;
    let chosen = input.stall.trim();
    let day = whole_day.then(|| super::forms::Choice {
        value: String::new(),
        label: lang.t("message-to-day"),
        selected: chosen.is_empty(),
    });
    let stalls = stalls
        .into_iter()
        .map(|(id, service, organization)| super::forms::Choice {
            value: id.to_string(),
            label: format!(
                "{} · {organization}",
                lang.t(&format!("service-{}", service.as_str().replace('_', "-")))
            ),
            selected: chosen == id.to_string(),
        });
    Ok(MessagePage {
        market_id,
        targets: day.into_iter().chain(stalls).collect(),
        message: input.message.clone(),
        max: event::notify::MESSAGE_MAX_CHARS,
        error: errors.first().map(|e| lang.t(e.reason)),
    })
}

async fn show_message(
    State(state): State<AppState>,
    context: PageContext,
    signed_in: SignedIn,
    Path(id): Path<Uuid>,
    Query(input): Query<MessageForm>,
) -> Result<Response, AppError> {
    let page = message_page(&state, &context, &signed_in, id, &input, &[]).await?;
    Ok(super::render(&state, &context, "pages/market-message", &page)?.into_response())
}

async fn send_message(
    State(state): State<AppState>,
    context: PageContext,
    signed_in: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(input): Form<MessageForm>,
) -> Result<Response, AppError> {
    // An unknown stall reads as "not found", like any other id.
    let stall = match input.stall.trim() {
        "" => None,
        typed => Some(typed.parse::<Uuid>().map_err(|_| AppError::NotFound)?),
    };
    let sent = event::notify::message_day(
        &state.db,
        &signed_in.actor,
        id,
        stall,
        &input.message,
        chrono::Utc::now(),
    )
    .await;
    match sent {
        Ok(count) => {
            let jar = jar.add(auth::flash_cookie_count(
                "notice-message-sent",
                count as u64,
            ));
            Ok((jar, Redirect::to(&format!("/markets/{id}"))).into_response())
        }
        Err(event::EventError::Invalid(errors)) => {
            let page = message_page(&state, &context, &signed_in, id, &input, &errors).await?;
            invalid(&state, &context, "pages/market-message", &page)
        }
        Err(other) => Err(other.into()),
    }
}
