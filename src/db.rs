//! Opening the database named by `DATABASE_URL` and bringing its schema up to date.

use std::str::FromStr;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::settings::Settings;

/// Opens a pool on SQLite or PostgreSQL, whichever the URL names.
///
/// SQLite gets the settings an embedded database needs to keep volunteers' hours safe:
/// WAL (readers never block the writer), `synchronous=FULL` (a committed write survives
/// a power cut), foreign keys enforced, and a busy timeout instead of instant
/// "database is locked" errors. The folder of the database file is created if missing.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    let url = settings.database_url.as_str();
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.db_max_connections.max(2))
        .sqlx_logging(false);

    if url.starts_with("sqlite:") {
        create_sqlite_folder(url)?;
        let busy_timeout = settings.sqlite_busy_timeout();
        options.map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(busy_timeout)
        });
    }
    Database::connect(options).await
}

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
