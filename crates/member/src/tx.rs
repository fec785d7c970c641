//! Transactions that write.

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// A transaction that will write. On SQLite it takes the write lock at `BEGIN IMMEDIATE`,
/// so a transaction that reads, checks a rule and then writes cannot be overtaken between
/// its read and its write (a deferred one would fail with "database is locked" instead of
/// waiting). On PostgreSQL, rules that span rows also lock a parent row first (see the
/// callers).
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}
