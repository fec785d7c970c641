//! The outbox: deliveries waiting to leave by SMS or e-mail, and the worker's side of it.
//! A worker [`claim`]s a batch (a lease: several workers never hold one delivery at once,
//! and one that dies loses its claim when the lease ends), sends each, and [`finish`]es it
//! with the outcome: sent, tried again later with a growing pause, given up after the
//! policy's tries (shown to staff by [`failures`]), or skipped. Sending is at least once;
//! the delivery's id travels with every attempt as its idempotency key.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use super::{Kind, Notice, choices_of};
use crate::entities::{delivery, notice, person};
use crate::{Actor, MemberError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    fn parse(text: &str) -> Option<Channel> {
        [Channel::Sms, Channel::Email]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

const PENDING: &str = "pending";
const SENT: &str = "sent";
const FAILED: &str = "failed";
const SKIPPED: &str = "skipped";

/// Who a delivery goes to: a person on the platform (their phone and address are looked up
/// when it is sent), or a number alone (a resident's request).
#[derive(Clone, Debug)]
pub enum Recipient {
    Person(Uuid),
    Phone(String),
}

pub(super) async fn enqueue(
    txn: &impl ConnectionTrait,
    notice_id: Uuid,
    to: Recipient,
    channel: Channel,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    delivery::Entity::insert(delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        notice_id: Set(notice_id),
        person_id: Set(match &to {
            Recipient::Person(id) => Some(*id),
            Recipient::Phone(_) => None,
        }),
        to_phone: Set(match to {
            Recipient::Person(_) => None,
            Recipient::Phone(phone) => Some(phone),
        }),
        channel: Set(channel.as_str().into()),
        urgent: Set(notice.kind.is_urgent()),
        status: Set(PENDING.into()),
        due_at: Set(now),
        attempts: Set(0),
        claim_id: Set(None),
        claimed_until: Set(None),
        sent_at: Set(None),
        expires_at: Set(notice.expires_at),
        last_error: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// How the worker goes about it (from the server's settings).
#[derive(Clone, Debug)]
pub struct Policy {
    /// How long a claim holds before another worker may take the delivery over.
    pub lease: Duration,
    pub batch: u64,
    /// Tries before giving up.
    pub max_attempts: i32,
    /// At most this many non-urgent messages a person a day (Shanghai), SMS and e-mail
    /// together.
    pub daily_cap: u64,
    /// Shanghai wall-clock hours when only urgent news goes out, e.g. 21:00–08:00.
    pub quiet_hours: Option<(NaiveTime, NaiveTime)>,
}

impl Policy {
    pub fn is_quiet(&self, now: DateTime<Utc>) -> bool {
        let Some((from, until)) = self.quiet_hours else {
            return false;
        };
        let time = now.with_timezone(&crate::fields::shanghai()).time();
        if from <= until {
            from <= time && time < until
        } else {
            time >= from || time < until
        }
    }

    /// The pause before try `attempts + 1`: 1, 2, 4 … minutes, at most 64.
    fn backoff(attempts: i32) -> Duration {
        Duration::minutes(1_i64 << attempts.clamp(0, 6))
    }
}

/// A delivery a worker holds: what to say, to whom, and the claim that proves it holds it.
#[derive(Clone, Debug)]
pub struct Claimed {
    /// The idempotency key.
    pub id: Uuid,
    pub notice_id: Uuid,
    pub claim_id: Uuid,
    pub channel: Channel,
    pub kind: Kind,
    pub args: BTreeMap<String, String>,
    pub link: String,
    /// The phone (SMS) or address (e-mail) it goes to; never logged.
    pub to: String,
    pub lang: String,
    pub attempts: i32,
}

/// Takes up to a batch of due deliveries for this worker. On PostgreSQL the rows are picked
/// with `FOR UPDATE SKIP LOCKED`, so two workers claiming at once take different rows; on
/// SQLite the one statement is atomic. Deliveries that can no longer go (expired, over the
/// person's cap, nobody to send to) are skipped here.
pub async fn claim(
    db: &impl ConnectionTrait,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Vec<Claimed>, DbErr> {
    let claim_id = Uuid::now_v7();
    let mut due = Query::select();
    due.column(delivery::Column::Id)
        .from(delivery::Entity)
        .and_where(delivery::Column::Status.eq(PENDING))
        .and_where(delivery::Column::DueAt.lte(now))
        .cond_where(
            Condition::any()
                .add(delivery::Column::ClaimedUntil.is_null())
                .add(delivery::Column::ClaimedUntil.lt(now)),
        )
        .order_by(delivery::Column::DueAt, sea_orm::Order::Asc)
        .limit(policy.batch)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    if policy.is_quiet(now) {
        due.and_where(delivery::Column::Urgent.eq(true));
    }
    let claimed = delivery::Entity::update_many()
        .col_expr(delivery::Column::ClaimId, Expr::value(claim_id))
        .col_expr(
            delivery::Column::ClaimedUntil,
            Expr::value(now + policy.lease),
        )
        .col_expr(
            delivery::Column::Attempts,
            Expr::col(delivery::Column::Attempts).add(1),
        )
        .filter(delivery::Column::Id.in_subquery(due))
        .exec_with_returning(db)
        .await?;
    let mut ready = Vec::new();
    for row in claimed {
        match prepare(db, policy, &row, now).await? {
            Ok(found) => ready.push(found),
            Err(reason) => skip(db, &row, reason).await?,
        }
    }
    Ok(ready)
}

/// What a claimed delivery says and where it goes, or why it cannot go.
async fn prepare(
    db: &impl ConnectionTrait,
    policy: &Policy,
    row: &delivery::Model,
    now: DateTime<Utc>,
) -> Result<Result<Claimed, &'static str>, DbErr> {
    if row.expires_at.is_some_and(|at| at <= now) {
        return Ok(Err("too late"));
    }
    if let (false, Some(person_id)) = (row.urgent, row.person_id)
        && sent_today(db, person_id, now).await? >= policy.daily_cap
    {
        return Ok(Err("over the day's cap"));
    }
    let (Some(channel), Some(found)) = (
        Channel::parse(&row.channel),
        notice::Entity::find_by_id(row.notice_id).one(db).await?,
    ) else {
        return Ok(Err("notice gone"));
    };
    let Some(kind) = Kind::parse(&found.kind) else {
        return Ok(Err("unknown kind"));
    };
    let choices = match row.person_id {
        Some(person_id) => choices_of(db, person_id).await?,
        None => super::Choices::default(),
    };
    let to = match (channel, row.person_id) {
        (_, None) => row.to_phone.clone(),
        (Channel::Sms, Some(person_id)) => person::Entity::find_by_id(person_id)
            .one(db)
            .await?
            .and_then(|p| p.phone),
        (Channel::Email, Some(_)) => choices.email.clone(),
    };
    let Some(to) = to else {
        return Ok(Err("no address"));
    };
    Ok(Ok(Claimed {
        id: row.id,
        notice_id: row.notice_id,
        claim_id: row.claim_id.unwrap_or_default(),
        channel,
        kind,
        args: serde_json::from_str(&found.args).unwrap_or_default(),
        link: found.link,
        to,
        lang: choices.lang,
        attempts: row.attempts,
    }))
}

/// Messages that left for a person since midnight in Shanghai.
async fn sent_today(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let midnight = crate::fields::shanghai_date(now)
        .and_time(NaiveTime::MIN)
        .and_local_timezone(crate::fields::shanghai())
        .single()
        .map_or(now, |t| t.with_timezone(&Utc));
    delivery::Entity::find()
        .filter(delivery::Column::PersonId.eq(person_id))
        .filter(delivery::Column::SentAt.gte(midnight))
        .count(db)
        .await
}

async fn skip(db: &impl ConnectionTrait, row: &delivery::Model, why: &str) -> Result<(), DbErr> {
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(SKIPPED))
        .col_expr(delivery::Column::LastError, Expr::value(why))
        .col_expr(delivery::Column::ClaimId, Expr::value(Option::<Uuid>::None))
        .col_expr(
            delivery::Column::ToPhone,
            Expr::value(Option::<String>::None),
        )
        .filter(delivery::Column::Id.eq(row.id))
        .filter(delivery::Column::ClaimId.eq(row.claim_id))
        .exec(db)
        .await?;
    forget_secret(db, row.notice_id).await
}

/// A login code is kept only until its SMS has gone or been given up.
async fn forget_secret(db: &impl ConnectionTrait, notice_id: Uuid) -> Result<(), DbErr> {
    notice::Entity::update_many()
        .col_expr(notice::Column::Args, Expr::value("{}"))
        .filter(notice::Column::Id.eq(notice_id))
        .filter(notice::Column::Kind.eq(Kind::LoginCode.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// How a try went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Worth trying again (the provider is busy, the network failed).
    Retry(String),
    /// Will never go (the provider refused the number, a template is missing).
    Refused(String),
    /// Not sent, and not a fault: the server sends nothing by this channel.
    Skipped(String),
}

/// Records how a try went. False when this worker's claim had lapsed and another worker
/// took the delivery over: then nothing is written here.
pub async fn finish(
    db: &impl ConnectionTrait,
    policy: &Policy,
    claimed: &Claimed,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let clip = |why: &str| why.chars().take(200).collect::<String>();
    let mut update = delivery::Entity::update_many()
        .col_expr(delivery::Column::ClaimId, Expr::value(Option::<Uuid>::None))
        .col_expr(
            delivery::Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    update = match outcome {
        Outcome::Sent => update
            .col_expr(delivery::Column::Status, Expr::value(SENT))
            .col_expr(delivery::Column::SentAt, Expr::value(now)),
        Outcome::Retry(why) if claimed.attempts < policy.max_attempts => update
            .col_expr(delivery::Column::LastError, Expr::value(clip(why)))
            .col_expr(
                delivery::Column::DueAt,
                Expr::value(now + Policy::backoff(claimed.attempts - 1)),
            ),
        Outcome::Retry(why) | Outcome::Refused(why) => update
            .col_expr(delivery::Column::Status, Expr::value(FAILED))
            .col_expr(delivery::Column::LastError, Expr::value(clip(why))),
        Outcome::Skipped(why) => update
            .col_expr(delivery::Column::Status, Expr::value(SKIPPED))
            .col_expr(delivery::Column::LastError, Expr::value(clip(why))),
    };
    // A resident's number is kept only while the message may still go.
    let waits = matches!(outcome, Outcome::Retry(_)) && claimed.attempts < policy.max_attempts;
    if !waits {
        update = update.col_expr(
            delivery::Column::ToPhone,
            Expr::value(Option::<String>::None),
        );
    }
    let held = update
        .filter(delivery::Column::Id.eq(claimed.id))
        .filter(delivery::Column::ClaimId.eq(claimed.claim_id))
        .filter(delivery::Column::ClaimedUntil.gte(now))
        .exec(db)
        .await?;
    if held.rows_affected == 1 && !waits {
        forget_secret(db, claimed.notice_id).await?;
    }
    Ok(held.rows_affected == 1)
}

/// A delivery given up on, for staff: who, what, why; never the number or the address.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    pub id: Uuid,
    /// None: a resident who is not on the platform.
    pub person: Option<String>,
    pub kind: Kind,
    pub channel: Channel,
    pub attempts: i32,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// The latest deliveries that failed, for platform staff.
pub async fn failures(
    db: &impl ConnectionTrait,
    actor: &Actor,
    limit: u64,
) -> Result<Vec<Failure>, MemberError> {
    if !actor.is_staff() {
        return Err(MemberError::Forbidden);
    }
    let rows = delivery::Entity::find()
        .filter(delivery::Column::Status.eq(FAILED))
        .order_by_desc(delivery::Column::CreatedAt)
        .limit(limit)
        .find_also_related(notice::Entity)
        .all(db)
        .await?;
    let names = crate::privacy::names(db, rows.iter().filter_map(|(d, _)| d.person_id)).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(row, found)| {
            Some(Failure {
                id: row.id,
                person: row
                    .person_id
                    .map(|id| names.get(&id).cloned().unwrap_or_default()),
                kind: Kind::parse(&found?.kind)?,
                channel: Channel::parse(&row.channel)?,
                attempts: row.attempts,
                reason: row.last_error.unwrap_or_default(),
                created_at: row.created_at,
            })
        })
        .collect())
}

/// How many deliveries stand in each state (for the staff page and the tests).
pub async fn counts(db: &impl ConnectionTrait) -> Result<BTreeMap<String, u64>, DbErr> {
    let mut counts = BTreeMap::new();
    for status in [PENDING, SENT, FAILED, SKIPPED] {
        let n = delivery::Entity::find()
            .filter(delivery::Column::Status.eq(status))
            .count(db)
            .await?;
        counts.insert(status.to_string(), n);
    }
    Ok(counts)
}
