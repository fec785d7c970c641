//! Transactions that write.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, SqliteTransactionMode, Statement, StatementBuilder, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::OwnedMutexGuard;

/// How long a writer waits for its turn before giving up (as SQLite's busy timeout would).
const TURN_TIMEOUT: Duration = Duration::from_secs(30);

/// One queue of writers per SQLite database file in this process (in-memory databases,
/// all named `:memory:`, would share one; the platform and its tests use files).
static WRITERS: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Mutex::default);

/// A transaction that will write, and on SQLite this process's turn to write.
///
/// SQLite has one write lock. Writers that all ask it at once wait in its busy handler,
/// which sleeps and retries in growing steps, so under a crowd some wait far longer than
/// others. Here they queue in order for a turn first (one writer per file at a time, the
/// others waiting without a connection held busy) and then take the lock at
/// `BEGIN IMMEDIATE`, so a transaction that reads, checks a rule and then writes cannot be
/// overtaken between its read and its write. Other processes on the same file still meet
/// at SQLite's lock. On PostgreSQL there is no queue; rules that span rows lock a parent
/// row first (see the callers).
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<OwnedMutexGuard<()>>,
}

pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    let turn = match db.get_database_backend() {
        DbBackend::Sqlite => Some(turn(db).await?),
        _ => None,
    };
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    Ok(WriteTxn { txn, _turn: turn })
}

async fn turn(db: &DatabaseConnection) -> Result<OwnedMutexGuard<()>, DbErr> {
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    let queue = {
        let mut writers = WRITERS
            .lock()
            .map_err(|_| DbErr::Custom("the writers' queue is poisoned".into()))?;
        writers.entry(file).or_default().clone()
    };
    tokio::time::timeout(TURN_TIMEOUT, queue.lock_owned())
        .await
        .map_err(|_| DbErr::Custom("database is busy: no turn to write in time".into()))
}

/// One statement written on its own: on SQLite it takes its turn like any writer; on
/// PostgreSQL it runs by itself, in its own implicit transaction.
pub async fn write_one(
    db: &DatabaseConnection,
    statement: &impl StatementBuilder,
) -> Result<ExecResult, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return db.execute(statement).await;
    }
    let txn = begin_write(db).await?;
    let written = txn.execute(statement).await?;
    txn.commit().await?;
    Ok(written)
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}
