//! Opening the database named by `DATABASE_URL` and bringing its schema up to date.

use std::str::FromStr;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::settings::Settings;

/// Opens a pool on SQLite or PostgreSQL, whichever the URL names.
///
/// SQLite gets the settings an embedded database needs to keep volunteers' hours safe:
/// WAL (readers never block the writer), `synchronous=FULL` (a committed write survives
/// a power cut), foreign keys enforced, and a busy timeout instead of instant
/// "database is locked" errors. Its page caches together are held to
/// [`SQLITE_HEAP_LIMIT`]. The folder of the database file is created if missing.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    let url = settings.database_url.as_str();
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.db_max_connections.max(2))
        .sqlx_logging(false)
        // A pooled connection is pinged before it is handed out only when it has been idle
        // a while (a server restarted, a firewall dropped it). By default each one is, and
        // sea-orm takes a connection from the pool for every statement outside a
        // transaction: each would cost a round trip (on SQLite, a hand-off to the
        // connection's thread) before its own.
        .test_before_acquire_if_idle_for(PING_AFTER_IDLE);

    if url.starts_with("sqlite:") {
        create_sqlite_folder(url)?;
        let busy_timeout = settings.sqlite_busy_timeout();
        options.map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(busy_timeout)
                .pragma("soft_heap_limit", SQLITE_HEAP_LIMIT.to_string())
        });
    }
    if url.starts_with("postgres") {
        options.map_sqlx_postgres_opts(|opts| {
            opts.options([("random_page_cost", POSTGRES_RANDOM_PAGE_COST)])
        });
    }
    Database::connect(options).await
}

/// What PostgreSQL's planner is told a page read out of order costs, against 1 for the
/// next page of a scan, on this platform's connections only. Its default, 4, is a spinning
/// disk's: with it the month's report read every hour entry of ten years (a parallel scan
/// of a million rows, 183 ms) rather than look up the month's 8,320 by index (50 ms). 1.1
/// is PostgreSQL's own advice for solid-state storage, or data that fits in memory.
const POSTGRES_RANDOM_PAGE_COST: &str = "1.1";

/// How long a pooled connection may have been idle before it is checked.
const PING_AFTER_IDLE: Duration = Duration::from_secs(30);

/// What SQLite may hold in memory, all connections together (bytes), before it reuses its
/// cached pages instead of growing. Each pooled connection keeps its own page cache of up
/// to 2 MB: reports fill every connection's at once (21 MB with 8, measured), and what they
/// read is in the system's file cache anyway. 12 MB keeps the peak as low as 10 MB did
/// and leaves the signed-in pages their speed (10 MB made the volunteer's market-day page
/// 8 % slower). The limit is the process's, set again by every connection alike.
const SQLITE_HEAP_LIMIT: u64 = 12 * 1024 * 1024;

fn create_sqlite_folder(url: &str) -> Result<(), DbErr> {
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| DbErr::Custom(format!("invalid SQLite URL: {e}")))?;
    if let Some(folder) = opts.get_filename().parent()
        && !folder.as_os_str().is_empty()
    {
        std::fs::create_dir_all(folder).map_err(|e| {
            DbErr::Custom(format!(
                "cannot create the database folder {}: {e}",
                folder.display()
            ))
        })?;
    }
    Ok(())
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
