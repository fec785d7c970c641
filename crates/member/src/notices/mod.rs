//! Notifications. A notice is what a person is told; it lands in their in-app inbox and,
//! by their choices, in the outbox as one delivery a channel (SMS, e-mail). [`send`] writes
//! both inside the caller's transaction, so a change that rolls back tells nobody and a
//! committed one always reaches the outbox; a worker ([`outbox`]) sends what is due.
//! Texts are not stored: a notice keeps its kind and arguments, and each reader (page, SMS,
//! e-mail) words it from the message catalogue in their language.

mod choices;
pub mod outbox;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

pub use choices::{Choices, choices_of, save_choices};

use crate::entities::{delivery, helped_person, notice, notice_setting, person};
use crate::{Actor, MemberError};

/// What a notice is about; its catalogue keys are `inbox-{kind}` (in the app and e-mail)
/// and `sms-{kind}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    SignupConfirmed,
    SignupWaitlisted,
    Promoted,
    ReminderEvening,
    ReminderSoon,
    DayChanged,
    DayCancelled,
    HoursConfirmed,
    OrgDecided,
    Invited,
    StaffMessage,
    RequestUpdated,
    /// A code to log in with, for the phone's owner alone: never in an inbox, and its
    /// argument blanked once the SMS has gone or been given up.
    LoginCode,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::SignupConfirmed,
        Kind::SignupWaitlisted,
        Kind::Promoted,
        Kind::ReminderEvening,
        Kind::ReminderSoon,
        Kind::DayChanged,
        Kind::DayCancelled,
        Kind::HoursConfirmed,
        Kind::OrgDecided,
        Kind::Invited,
        Kind::StaffMessage,
        Kind::RequestUpdated,
        Kind::LoginCode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SignupConfirmed => "signup_confirmed",
            Kind::SignupWaitlisted => "signup_waitlisted",
            Kind::Promoted => "promoted",
            Kind::ReminderEvening => "reminder_evening",
            Kind::ReminderSoon => "reminder_soon",
            Kind::DayChanged => "day_changed",
            Kind::DayCancelled => "day_cancelled",
            Kind::HoursConfirmed => "hours_confirmed",
            Kind::OrgDecided => "org_decided",
            Kind::Invited => "invited",
            Kind::StaffMessage => "staff_message",
            Kind::RequestUpdated => "request_updated",
            Kind::LoginCode => "login_code",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Reminders wait out quiet hours, count against the day's cap and may be turned off;
    /// news that changes someone's day (a change, a cancellation, staff's message) goes at
    /// once.
    pub fn is_reminder(self) -> bool {
        matches!(self, Kind::ReminderEvening | Kind::ReminderSoon)
    }

    pub fn is_urgent(self) -> bool {
        matches!(
            self,
            Kind::DayChanged
                | Kind::DayCancelled
                | Kind::StaffMessage
                | Kind::Promoted
                | Kind::LoginCode
        )
    }
}

/// A notice about to be sent: its kind, the catalogue's arguments and where it leads.
#[derive(Clone, Debug)]
pub struct Notice {
    pub kind: Kind,
    pub args: BTreeMap<&'static str, String>,
    pub link: String,
    /// One notice a key, however often or on however many servers it is sent (reminders).
    pub dedupe_key: Option<String>,
    /// When it is worth nothing any more (a reminder once its shift has started).
    pub expires_at: Option<DateTime<Utc>>,
}

impl Notice {
    pub fn new(kind: Kind, link: impl Into<String>) -> Self {
        Notice {
            kind,
            args: BTreeMap::new(),
            link: link.into(),
            dedupe_key: None,
            expires_at: None,
        }
    }

    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.insert(name, value.into());
        self
    }
}

/// Tells a person, inside the caller's transaction: the inbox entry, and one delivery for
/// each channel they chose and can be reached by. Returns false when a notice with the same
/// dedupe key was already sent (nothing is written then). A person a neighbour registered
/// and who has not taken over (`crate::helping`) may have no phone and no inbox they read:
/// their helper is told too, the notice naming them (argument `for`).
pub async fn send(
    txn: &impl ConnectionTrait,
    person_id: Uuid,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let to = recipient(txn, person_id).await?;
    send_to(txn, &to, notice, now).await
}

/// How one person is reached: their choices and whether they have a phone.
struct Reach {
    person_id: Uuid,
    choices: Choices,
    has_phone: bool,
}

/// Everything `send_to` needs to know about a person: how they are reached and, if a
/// neighbour acts for them, how the helper is reached and the name the helper's copy gives.
/// Read it before a turn to write, so that the turn holds only the writes (a choice changed
/// in between applies from the next notice).
pub struct Recipient {
    own: Reach,
    helper: Option<(Reach, String)>,
}

pub async fn recipient(db: &impl ConnectionTrait, person_id: Uuid) -> Result<Recipient, DbErr> {
    let (own, helped_by) = reach_of(db, person_id).await?;
    let helper = match helped_by {
        Some((helper, name)) => Some((reach_of(db, helper).await?.0, name)),
        None => None,
    };
    Ok(Recipient { own, helper })
}

/// How a person is reached and, while a neighbour acts for them (`crate::helping`), who
/// that helper is and the person's name for the helper's copy: one query, as every
/// sign-up asks it.
async fn reach_of(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<(Reach, Option<(Uuid, String)>), DbErr> {
    let found = person::Entity::find_by_id(person_id)
        .find_also_related(notice_setting::Entity)
        .find_also_related(helped_person::Entity)
        .one(db)
        .await?;
    let Some((person, settings, helped)) = found else {
        let nobody = Reach {
            person_id,
            choices: Choices::default(),
            has_phone: false,
        };
        return Ok((nobody, None));
    };
    let helped_by = helped
        .filter(|h| h.claimed_at.is_none() && person.erased_at.is_none())
        .map(|h| (h.helper_id, person.name));
    let reach = Reach {
        person_id,
        choices: settings.map(Choices::from).unwrap_or_default(),
        has_phone: person.phone.is_some(),
    };
    Ok((reach, helped_by))
}

/// `send` to a recipient read beforehand.
pub async fn send_to(
    txn: &impl ConnectionTrait,
    to: &Recipient,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let sent = send_one(txn, &to.own, notice, now).await?;
    if sent && let Some((helper, name)) = &to.helper {
        let mut for_helper = notice.clone().arg("for", name.clone());
        for_helper.dedupe_key = notice.dedupe_key.as_ref().map(|k| format!("{k}:helper"));
        send_one(txn, helper, &for_helper, now).await?;
    }
    Ok(sent)
}

async fn send_one(
    txn: &impl ConnectionTrait,
    to: &Reach,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if notice.kind.is_reminder() && !to.choices.reminders {
        return Ok(false);
    }
    let Some(id) = write_notice(txn, Some(to.person_id), notice, now).await? else {
        return Ok(false);
    };
    let channels = [
        (outbox::Channel::Sms, to.choices.by_sms && to.has_phone),
        (
            outbox::Channel::Email,
            to.choices.by_email && to.choices.email.is_some(),
        ),
    ];
    for (channel, wanted) in channels {
        if wanted {
            let recipient = outbox::Recipient::Person(to.person_id);
            outbox::enqueue(txn, id, recipient, channel, notice, now).await?;
        }
    }
    Ok(true)
}

/// Tells someone who is not on the platform, by SMS alone (a resident who gave a number with
/// a request and agreed to be contacted), inside the caller's transaction.
pub async fn send_sms_to(
    txn: &impl ConnectionTrait,
    phone: &str,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if let Some(id) = write_notice(txn, None, notice, now).await? {
        let to = outbox::Recipient::Phone(phone.to_owned());
        outbox::enqueue(txn, id, to, outbox::Channel::Sms, notice, now).await?;
    }
    Ok(())
}

/// The notice itself; None when its dedupe key was written before.
async fn write_notice(
    txn: &impl ConnectionTrait,
    person_id: Option<Uuid>,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    let id = Uuid::now_v7();
    let args = serde_json::to_string(&notice.args).map_err(|e| DbErr::Custom(e.to_string()))?;
    let written = notice::Entity::insert(notice::ActiveModel {
        id: Set(id),
        person_id: Set(person_id),
        kind: Set(notice.kind.as_str().into()),
        args: Set(args),
        link: Set(notice.link.clone()),
        urgent: Set(notice.kind.is_urgent()),
        dedupe_key: Set(notice.dedupe_key.clone()),
        created_at: Set(now),
        read_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(notice::Column::DedupeKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok((written == 1).then_some(id))
}

/// Tells each of several people the same notice.
pub async fn send_all(
    txn: &impl ConnectionTrait,
    people: impl IntoIterator<Item = Uuid>,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for person_id in people {
        send(txn, person_id, notice, now).await?;
    }
    Ok(())
}

/// One notice in the inbox.
#[derive(Clone, Debug, Serialize)]
pub struct InboxItem {
    pub id: Uuid,
    pub kind: Kind,
    pub args: BTreeMap<String, String>,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// The signed-in person's latest notices, newest first.
pub async fn inbox(
    db: &impl ConnectionTrait,
    actor: &Actor,
    limit: u64,
) -> Result<Vec<InboxItem>, MemberError> {
    let rows = notice::Entity::find()
        .filter(notice::Column::PersonId.eq(actor.person_id))
        .order_by_desc(notice::Column::CreatedAt)
        .order_by_desc(notice::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(InboxItem {
                id: row.id,
                kind: Kind::parse(&row.kind)?,
                args: serde_json::from_str(&row.args).unwrap_or_default(),
                link: row.link,
                created_at: row.created_at,
                read: row.read_at.is_some(),
            })
        })
        .collect())
}

/// How many notices the signed-in person has not seen yet (the count in the navigation).
pub async fn unread(db: &impl ConnectionTrait, actor: &Actor) -> Result<u64, MemberError> {
    Ok(notice::Entity::find()
        .filter(notice::Column::PersonId.eq(actor.person_id))
        .filter(notice::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// Marks every notice of the signed-in person as seen (they opened the inbox).
pub async fn mark_all_read(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<u64, MemberError> {
    Ok(notice::Entity::update_many()
        .col_expr(notice::Column::ReadAt, Expr::value(now))
        .filter(notice::Column::PersonId.eq(actor.person_id))
        .filter(notice::Column::ReadAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// A deleted account's notices, deliveries and choices go with it (inside the erasure).
pub(crate) async fn forget(txn: &impl ConnectionTrait, person_id: Uuid) -> Result<(), DbErr> {
    delivery::Entity::delete_many()
        .filter(delivery::Column::PersonId.eq(person_id))
        .exec(txn)
        .await?;
    notice::Entity::delete_many()
        .filter(notice::Column::PersonId.eq(person_id))
        .exec(txn)
        .await?;
    crate::entities::notice_setting::Entity::delete_by_id(person_id)
        .exec(txn)
        .await?;
    Ok(())
}
