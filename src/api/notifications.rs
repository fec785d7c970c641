//! Notifications over the API, as on `/me/notifications`: my notices (worded in the
//! request's language) and how many are unread, marking them read, my choices of channel;
//! staff's message to a day or a stall; for staff, the messages that could not be sent.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use member::notices::{self, Choices, outbox};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::json::ApiJson;
use crate::auth::SignedIn;
use crate::errors::{AppError, ErrorBody};
use crate::i18n::RequestLocale;
use crate::notices::texts;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_notifications))
        .routes(routes!(mark_read))
        .routes(routes!(my_choices, save_choices))
        .routes(routes!(message_day))
        .routes(routes!(failed_deliveries))
}

#[derive(Serialize, ToSchema)]
struct NotificationBody {
    id: Uuid,
    /// What it is about, e.g. `promoted`, `reminder_evening`, `day_cancelled`.
    #[schema(example = "promoted")]
    kind: String,
    #[schema(example = "候补转正")]
    title: String,
    #[schema(
        example = "候补转正：您已获得 南湖社区公益集市 义务理发 的名额，2026-12-06 09:00，地点：南湖社区广场。"
    )]
    text: String,
    /// Where it leads on the site.
    #[schema(example = "/markets/01938f2e-1c7a-7cc3-9a55-0f6a3c1b2d4e")]
    link: String,
    created_at: DateTime<Utc>,
    read: bool,
}

#[derive(Serialize, ToSchema)]
struct InboxBody {
    #[schema(example = 2)]
    unread: u64,
    /// The latest 100, newest first.
    notifications: Vec<NotificationBody>,
}

/// My notifications, newest first, and how many are unread. Reading them here does not
/// mark them read (see `POST /me/notifications/read`).
#[utoipa::path(
    get,
    path = "/me/notifications",
    tag = "notifications",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "My notifications", body = InboxBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn my_notifications(
    State(state): State<AppState>,
    locale: RequestLocale,
    signed_in: SignedIn,
) -> Result<Json<InboxBody>, AppError> {
    let lang = locale.lang;
    let items = notices::inbox(&state.db, &signed_in.actor, 100).await?;
    Ok(Json(InboxBody {
        unread: notices::unread(&state.db, &signed_in.actor).await?,
        notifications: (items.iter())
            .map(|item| NotificationBody {
                id: item.id,
                kind: item.kind.as_str().to_owned(),
                title: lang.t(&format!("inbox-title-{}", item.kind.as_str())),
                text: texts::sentence(lang, item.kind, &item.args),
                link: item.link.clone(),
                created_at: item.created_at,
                read: item.read,
            })
            .collect(),
    }))
}

/// Marks all my notifications read.
#[utoipa::path(
    post,
    path = "/me/notifications/read",
    tag = "notifications",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "All read"),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn mark_read(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<StatusCode, AppError> {
    notices::mark_all_read(&state.db, &signed_in.actor, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How I want to be told. The in-app inbox is always on.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ChoicesBody {
    /// Needed when `by_email`.
    #[schema(example = "wang@example.org")]
    email: Option<String>,
    #[schema(example = true)]
    by_sms: bool,
    #[schema(example = false)]
    by_email: bool,
    /// Reminders the evening before (18:00) and two hours before a shift.
    #[schema(example = true)]
    reminders: bool,
    /// `zh-CN` or `en`: the language of SMS and e-mail.
    #[schema(example = "zh-CN")]
    lang: String,
}

impl From<Choices> for ChoicesBody {
    fn from(c: Choices) -> Self {
        ChoicesBody {
            email: c.email,
            by_sms: c.by_sms,
            by_email: c.by_email,
            reminders: c.reminders,
            lang: c.lang,
        }
    }
}

#[utoipa::path(
    get,
    path = "/me/notification-choices",
    tag = "notifications",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "My choices", body = ChoicesBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn my_choices(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<ChoicesBody>, AppError> {
    let choices = notices::choices_of(&state.db, signed_in.actor.person_id).await?;
    Ok(Json(choices.into()))
}

#[utoipa::path(
    put,
    path = "/me/notification-choices",
    tag = "notifications",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = ChoicesBody,
    responses(
        (status = 200, description = "Saved", body = ChoicesBody),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn save_choices(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ApiJson(input): ApiJson<ChoicesBody>,
) -> Result<Json<ChoicesBody>, AppError> {
    let choices = Choices {
        email: input.email,
        by_sms: input.by_sms,
        by_email: input.by_email,
        reminders: input.reminders,
        lang: input.lang,
    };
    let saved = notices::save_choices(&state.db, &signed_in.actor, &choices, Utc::now()).await?;
    Ok(Json(saved.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MessageRequest {
    /// One stall's volunteers only (its organization's leaders may send this); absent: the
    /// whole day (its organizer).
    stall_id: Option<Uuid>,
    /// At most 40 characters: it must fit one SMS.
    #[schema(example = "下雨，集市改到社区活动室")]
    message: String,
}

#[derive(Serialize, ToSchema)]
struct MessageSent {
    /// How many people it went to (signed up or waiting).
    #[schema(example = 12)]
    reached: usize,
}

/// Tells everyone on a day (or a stall) a short message, in the app and by SMS or e-mail
/// as each chose.
#[utoipa::path(
    post,
    path = "/days/{id}/message",
    tag = "notifications",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The market day or activity")),
    request_body = MessageRequest,
    responses(
        (status = 200, description = "Sent", body = MessageSent),
        (status = 422, description = "Empty or too long, or the day is cancelled", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the day's organizer nor the stall's leader", body = ErrorBody),
        (status = 404, description = "No such day or stall", body = ErrorBody),
    )
)]
async fn message_day(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<MessageRequest>,
) -> Result<Json<MessageSent>, AppError> {
    let reached = event::notify::message_day(
        &state.db,
        &signed_in.actor,
        id,
        input.stall_id,
        &input.message,
        Utc::now(),
    )
    .await?;
    Ok(Json(MessageSent { reached }))
}

#[derive(Serialize, ToSchema)]
struct FailureBody {
    id: Uuid,
    /// The recipient's name, never the number or the address; null for a resident (a
    /// request's contact, not on the platform).
    #[schema(example = "王阿姨")]
    person: Option<String>,
    #[schema(example = "promoted")]
    kind: String,
    /// `sms` or `email`.
    #[schema(example = "sms")]
    channel: String,
    #[schema(example = 6)]
    attempts: i32,
    #[schema(example = "aliyun isv.MOBILE_NUMBER_ILLEGAL")]
    reason: String,
    created_at: DateTime<Utc>,
}

/// Messages given up after every try (staff).
#[utoipa::path(
    get,
    path = "/notifications/failed",
    tag = "notifications",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The latest 200 failures", body = Vec<FailureBody>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Staff only", body = ErrorBody),
    )
)]
async fn failed_deliveries(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Vec<FailureBody>>, AppError> {
    let failures = outbox::failures(&state.db, &signed_in.actor, 200).await?;
    Ok(Json(
        failures
            .into_iter()
            .map(|f| FailureBody {
                id: f.id,
                person: f.person,
                kind: f.kind.as_str().to_owned(),
                channel: f.channel.as_str().to_owned(),
                attempts: f.attempts,
                reason: f.reason,
                created_at: f.created_at,
            })
            .collect(),
    ))
}
