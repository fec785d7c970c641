//! Browser sessions and API bearer tokens, kept in the database so that several app
//! servers behind a load balancer share them. Only SHA-256 digests are stored: a copy of
//! these tables opens nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, CaseStatement, Condition, Expr, ExprTrait, JoinType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryResult, QuerySelect, QueryTrait, Related, Select, Set,
};
use uuid::Uuid;

use crate::accounts::actor_of;
use crate::entities::{account, api_token, helped_person, membership, person, session};
use crate::memberships::MemberRole;
use crate::secrets::{digest, new_token};
use crate::{Actor, MemberError, audit};

/// How long a browser session lives.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    /// Ends after this long without a request.
    pub idle: Duration,
    /// Ends this long after login, however busy.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::hours(2),
            absolute: Duration::hours(12),
        }
    }
}

/// `last_seen_at` is written at most this often, so that reading pages does not turn
/// every request into a write.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A new session for a person who just proved who they are. Returns the cookie value;
/// every login gets a fresh one, so a session id planted before login is worthless.
pub async fn start_session(
    db: &impl ConnectionTrait,
    actor: &Actor,
    policy: &SessionPolicy,
    now: DateTime<Utc>,
) -> Result<String, MemberError> {
    let token = new_token();
    session::ActiveModel {
        token_hash: Set(digest(&token)),
        account_id: Set(actor.account_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + policy.absolute),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The person behind a session cookie, or `None` when the session is unknown, idle for
/// too long, past its absolute end, or its account is disabled or erased.
pub async fn actor_for_session(
    db: &DatabaseConnection,
    token: &str,
    policy: &SessionPolicy,
    now: DateTime<Utc>,
) -> Result<Option<Actor>, MemberError> {
    let hash = digest(token);
    let Some((found, actor)) =
        find_with_actor(db, session::Entity::find_by_id(hash.clone())).await?
    else {
        return Ok(None);
    };
    if found.expires_at <= now || found.last_seen_at + policy.idle <= now {
        session::Entity::delete_by_id(hash).exec(db).await?;
        return Ok(None);
    }
    let Some(actor) = actor else {
        return Ok(None);
    };
    if now - found.last_seen_at >= TOUCH_EVERY {
        // Through the writers' queue on SQLite, like every other write (see `tx`).
        let touch = session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::TokenHash.eq(hash))
            .into_query();
        crate::tx::write_one(db, &touch).await?;
    }
    Ok(Some(actor))
}

/// A credential's row (a session or an API token) as found with the actor behind it: one
/// row per organization the person leads (a single row with none when they lead none),
/// and whether they still act for anyone they registered (`helping`).
struct Found<M> {
    row: M,
    leads: Option<Uuid>,
    helps: bool,
}

const LEADS: &str = "actor_leads";
const HELPS: &str = "actor_helps";

impl<M: FromQueryResult> FromQueryResult for Found<M> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Found {
            row: M::from_query_result(res, pre)?,
            leads: res.try_get("", LEADS)?,
            helps: res.try_get("", HELPS)?,
        })
    }
}

/// The credential row `select` finds, with the actor behind it when its account is usable
/// (not disabled, the person not erased). Every signed-in request asks this, so the row,
/// its account and person, what they lead and whether they help anyone come in one query.
async fn find_with_actor<E>(
    db: &impl ConnectionTrait,
    select: Select<E>,
) -> Result<Option<(E::Model, Option<Actor>)>, MemberError>
where
    E: EntityTrait + Related<account::Entity>,
    E::Model: FromQueryResult,
{
    let helped = Alias::new("helped");
    let helps = Query::select()
        .expr(Expr::val(1))
        .from(helped_person::Entity)
        .join_as(
            JoinType::InnerJoin,
            person::Entity,
            helped.clone(),
            Expr::col((helped.clone(), person::Column::Id))
                .equals((helped_person::Entity, helped_person::Column::PersonId)),
        )
        .and_where(
            Expr::col((helped_person::Entity, helped_person::Column::HelperId))
                .equals((person::Entity, person::Column::Id)),
        )
        .and_where(helped_person::Column::ClaimedAt.is_null())
        .and_where(Expr::col((helped, person::Column::ErasedAt)).is_null())
        .to_owned();
    let mut select = select
        .find_also_related(account::Entity)
        .and_also_related(person::Entity);
    QueryTrait::query(&mut select).join(
        JoinType::LeftJoin,
        membership::Entity,
        Condition::all()
            .add(
                Expr::col((membership::Entity, membership::Column::PersonId))
                    .equals((person::Entity, person::Column::Id)),
            )
            .add(membership::Column::LeftOn.is_null())
            .add(membership::Column::Role.eq(MemberRole::Leader.as_str())),
    );
    let rows = select
        .column_as(membership::Column::OrganizationId, LEADS)
        .column_as(Expr::exists(helps), HELPS)
        .into_model::<Found<E::Model>, account::Model, person::Model>()
        .all(db)
        .await?;
    let mut rows = rows.into_iter();
    let Some((first, account, person)) = rows.next() else {
        return Ok(None);
    };
    let actor = match (account, person) {
        (Some(account), Some(person))
            if account.disabled_at.is_none() && person.erased_at.is_none() =>
        {
            let mut actor = actor_of(&person, &account);
            actor.helps = first.helps;
            actor.leads = first
                .leads
                .into_iter()
                .chain(rows.filter_map(|(r, ..)| r.leads))
                .collect();
            Some(actor)
        }
        _ => None,
    };
    Ok(Some((first.row, actor)))
}

/// Logout: the session is gone from the database, so the old cookie opens nothing.
pub async fn end_session(
    db: &impl ConnectionTrait,
    actor: &Actor,
    token: &str,
) -> Result<(), MemberError> {
    session::Entity::delete_by_id(digest(token))
        .exec(db)
        .await?;
    audit::record(
        db,
        Some(actor.person_id),
        "account.logout",
        "person",
        Some(actor.person_id),
        "",
    )
    .await
}

/// The credential a request came with: the one to keep when the others end.
#[derive(Clone, Copy, Debug)]
pub enum Credential<'a> {
    /// A browser session's cookie value.
    Session(&'a str),
    /// An API bearer token.
    ApiToken(&'a str),
}

/// Ends every browser session and revokes every API token of an account, except `keep`
/// (the credential of the request that changed the password, which stays signed in).
pub async fn end_all_for_account(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    keep: Option<Credential<'_>>,
) -> Result<(), MemberError> {
    let mut sessions =
        session::Entity::delete_many().filter(session::Column::AccountId.eq(account_id));
    if let Some(Credential::Session(token)) = keep {
        sessions = sessions.filter(session::Column::TokenHash.ne(digest(token)));
    }
    sessions.exec(db).await?;
    let mut tokens = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_token::Column::AccountId.eq(account_id))
        .filter(api_token::Column::RevokedAt.is_null());
    if let Some(Credential::ApiToken(token)) = keep {
        tokens = tokens.filter(api_token::Column::TokenHash.ne(digest(token)));
    }
    tokens.exec(db).await?;
    Ok(())
}

/// How long an API token lives.
pub const API_TOKEN_VALID_FOR: Duration = Duration::days(30);

/// A bearer token for the JSON API, for a person who just proved who they are.
pub async fn issue_api_token(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), MemberError> {
    let token = new_token();
    api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(actor.account_id),
        token_hash: Set(digest(&token)),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        Some(actor.person_id),
        "api_token.issue",
        "person",
        Some(actor.person_id),
        "",
    )
    .await?;
    Ok((token, now + API_TOKEN_VALID_FOR))
}

/// The person behind a bearer token, or `None` when it is unknown, revoked, expired, or
/// its account is disabled or erased. Its use is noted in `uses`, to be written shortly.
pub async fn actor_for_api_token(
    db: &DatabaseConnection,
    uses: &TokenUses,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Actor>, MemberError> {
    let token = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(digest(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(api_token::Column::CreatedAt.gt(now - API_TOKEN_VALID_FOR));
    let Some((found, actor)) = find_with_actor(db, token).await? else {
        return Ok(None);
    };
    if actor.is_some() && found.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY) {
        uses.note(db, found.id, now);
    }
    Ok(actor)
}

/// When API tokens were last used, written a moment later, many tokens in one statement.
///
/// The stamp only tells the token's owner when it was last used (their data export), and
/// decides nothing, so the request does not wait for it: written at once, a client that
/// signs in and signs up would make two writes, each waiting its turn. A request notes the
/// use here; the first note after a quiet spell starts a writer that waits
/// [`TOKEN_USES_WRITTEN_AFTER`] and writes everything noted by then (uses noted in the
/// last moment before the server stops are not written). A session's
/// `last_seen_at`, by contrast, decides when it ends, and is written at once.
#[derive(Clone, Default)]
pub struct TokenUses(Arc<Mutex<PendingUses>>);

#[derive(Default)]
struct PendingUses {
    /// Each token's latest use not yet written.
    uses: HashMap<Uuid, DateTime<Utc>>,
    /// A writer is waiting to write them.
    writer_waiting: bool,
}

/// How long noted uses wait to be written together.
pub const TOKEN_USES_WRITTEN_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Tokens stamped per statement: well under either database's limit on bound values.
const STAMPS_PER_STATEMENT: usize = 500;

impl TokenUses {
    fn note(&self, db: &DatabaseConnection, token_id: Uuid, at: DateTime<Utc>) {
        let Ok(mut pending) = self.0.lock() else {
            return;
        };
        pending.uses.insert(token_id, at);
        if !pending.writer_waiting {
            pending.writer_waiting = true;
            tokio::spawn(self.clone().write_after(db.clone()));
        }
    }

    async fn write_after(self, db: DatabaseConnection) {
        tokio::time::sleep(TOKEN_USES_WRITTEN_AFTER).await;
        let uses: Vec<(Uuid, DateTime<Utc>)> = match self.0.lock() {
            Ok(mut pending) => {
                pending.writer_waiting = false;
                pending.uses.drain().collect()
            }
            Err(_) => return,
        };
        if let Err(err) = write_uses(&db, &uses).await {
            tracing::warn!(error = %err, tokens = uses.len(), "cannot write when API tokens were used");
        }
    }
}

/// One UPDATE per few hundred tokens, each given its own time, in one write.
async fn write_uses(db: &DatabaseConnection, uses: &[(Uuid, DateTime<Utc>)]) -> Result<(), DbErr> {
    let txn = crate::tx::begin_write(db).await?;
    for chunk in uses.chunks(STAMPS_PER_STATEMENT) {
        let mut when = CaseStatement::new();
        for (id, at) in chunk {
            when = when.case(api_token::Column::Id.eq(*id), Expr::value(*at));
        }
        let stamp = api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, when.into())
            .filter(api_token::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)));
        stamp.exec(&txn).await?;
    }
    txn.commit().await
}

/// Revokes the token the request came with.
pub async fn revoke_api_token(
    db: &impl ConnectionTrait,
    actor: &Actor,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(), MemberError> {
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::TokenHash.eq(digest(token)))
        .filter(api_token::Column::AccountId.eq(actor.account_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    audit::record(
        db,
        Some(actor.person_id),
        "api_token.revoke",
        "person",
        Some(actor.person_id),
        "",
    )
    .await
}
