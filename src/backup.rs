//! Backups of the embedded database while the server runs (`VACUUM INTO`, never a copy of
//! a live file), and restoring one into an empty database after checking it.

use std::path::Path;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "backups are for the embedded SQLite database; on PostgreSQL use pg_dump (e.g. `pg_dump -Fc weiyifang > weiyifang.dump`)"
    )]
    NotSqlite,
    #[error("{0} already exists; choose a new file name")]
    Exists(String),
    #[error("the target database is not empty; pass --force to overwrite it")]
    TargetNotEmpty,
    #[error("the backup failed its integrity check: {0}")]
    Corrupt(String),
    #[error("the backup's schema ({found}) does not match this program's ({expected})")]
    SchemaMismatch { found: String, expected: String },
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A consistent copy of the live database into a new file.
pub async fn backup(db: &DatabaseConnection, to: &Path) -> Result<(), BackupError> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return Err(BackupError::NotSqlite);
    }
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    if let Some(folder) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    let target = to.to_string_lossy().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
        .await?;
    Ok(())
}

/// `ok`, or what SQLite found wrong (integrity and foreign keys).
async fn check(db: &DatabaseConnection) -> Result<(), BackupError> {
    let integrity = db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await?
        .and_then(|row| row.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    if integrity != "ok" {
        return Err(BackupError::Corrupt(integrity));
    }
    let violations = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA foreign_key_check",
        ))
        .await?;
    if !violations.is_empty() {
        return Err(BackupError::Corrupt(format!(
            "{} foreign key violations",
            violations.len()
        )));
    }
    Ok(())
}

/// The newest migration a database has applied.
async fn schema_version(db: &DatabaseConnection) -> Result<String, BackupError> {
    Ok(Migrator::get_applied_migrations(db)
        .await?
        .last()
        .map(|m| m.name().to_owned())
        .unwrap_or_default())
}

/// A backup that is whole and of the schema this version migrates to.
async fn check_backup(from: &Path) -> Result<(), BackupError> {
    let source = Database::connect(format!("sqlite://{}?mode=ro", from.display())).await?;
    check(&source).await?;
    let found = schema_version(&source).await?;
    let expected = Migrator::migrations()
        .last()
        .map(|m| m.name().to_owned())
        .unwrap_or_default();
    source.close().await.ok();
    if found != expected {
        return Err(BackupError::SchemaMismatch { found, expected });
    }
    Ok(())
}

/// Whether the target already holds anyone (a restore would overwrite them).
async fn has_people(target: &DatabaseConnection) -> bool {
    target
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT COUNT(*) FROM people",
        ))
        .await
        .ok()
        .flatten()
        .and_then(|row| row.try_get_by_index::<i64>(0).ok())
        .is_some_and(|people| people > 0)
}

/// Restores a backup file into the (SQLite, migrated) database at `target_url`: the backup
/// is checked first, the target must be empty (or `force`), and the result is checked
/// again. Stop the server first.
pub async fn restore(target_url: &str, from: &Path, force: bool) -> Result<(), BackupError> {
    if !target_url.starts_with("sqlite:") {
        return Err(BackupError::NotSqlite);
    }
    // One connection: ATTACH holds for the connection that ran it.
    let mut options = sea_orm::ConnectOptions::new(target_url.to_owned());
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let target = &Database::connect(options).await?;
    check_backup(from).await?;
    if !force && has_people(target).await {
        return Err(BackupError::TargetNotEmpty);
    }
    // Copy every table of the backup over the target's, in one transaction.
    let path = from.to_string_lossy().replace('\'', "''");
    target
        .execute_unprepared(&format!("ATTACH DATABASE '{path}' AS backup"))
        .await?;
    let tables: Vec<String> = target
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT name FROM backup.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ))
        .await?
        .into_iter()
        .filter_map(|row| row.try_get_by_index::<String>(0).ok())
        .collect();
    let mut script = String::from("PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE;");
    for table in &tables {
        let table = table.replace('"', "\"\"");
        script.push_str(&format!("DELETE FROM main.\"{table}\"; INSERT INTO main.\"{table}\" SELECT * FROM backup.\"{table}\";"));
    }
    script.push_str("COMMIT; PRAGMA foreign_keys = ON;");
    let copied = target.execute_unprepared(&script).await;
    target
        .execute_unprepared("DETACH DATABASE backup")
        .await
        .ok();
    copied?;
    check(target).await
}

/// The file name of a scheduled backup: sortable, in Shanghai time.
fn scheduled_name(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&crate::views::shanghai())
        .format("weiyifang-%Y%m%d-%H%M%S.db")
        .to_string()
}

/// When the next scheduled backup is due: the next `hour`:00 in Shanghai after `now`.
pub fn next_run(now: chrono::DateTime<chrono::Utc>, hour: u32) -> chrono::DateTime<chrono::Utc> {
    let local = now.with_timezone(&crate::views::shanghai());
    let time =
        chrono::NaiveTime::from_hms_opt(hour.min(23), 0, 0).unwrap_or(chrono::NaiveTime::MIN);
    let today = local.date_naive().and_time(time);
    let due = if today > local.naive_local() {
        today
    } else {
        today + chrono::Duration::days(1)
    };
    due.and_local_timezone(crate::views::shanghai())
        .single()
        .map_or(now + chrono::Duration::days(1), |d| {
            d.with_timezone(&chrono::Utc)
        })
}

/// One scheduled backup into `folder`, then the oldest scheduled backups beyond `keep` are
/// removed (files of other names are left alone). Returns the new file.
pub async fn scheduled_backup(
    db: &DatabaseConnection,
    folder: &Path,
    keep: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<std::path::PathBuf, BackupError> {
    let file = folder.join(scheduled_name(now));
    backup(db, &file).await?;
    let mut ours: Vec<std::path::PathBuf> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("weiyifang-") && n.ends_with(".db"))
        })
        .collect();
    ours.sort();
    let surplus = ours.len().saturating_sub(keep.max(1));
    for old in &ours[..surplus] {
        std::fs::remove_file(old)?;
    }
    Ok(file)
}

/// Runs inside `serve`: a backup every day at the configured hour, for as long as the
/// server runs. A failed backup is logged and tried again the next day.
pub async fn schedule(db: DatabaseConnection, folder: std::path::PathBuf, hour: u32, keep: usize) {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        tracing::warn!("scheduled backups are for SQLite; on PostgreSQL schedule pg_dump instead");
        return;
    }
    loop {
        let now = chrono::Utc::now();
        let due = next_run(now, hour);
        let wait = (due - now).to_std().unwrap_or_default();
        tracing::info!(due = %due, "next scheduled backup");
        tokio::time::sleep(wait).await;
        match scheduled_backup(&db, &folder, keep, chrono::Utc::now()).await {
            Ok(file) => tracing::info!(file = %file.display(), "scheduled backup written"),
            Err(err) => tracing::error!(error = %err, "scheduled backup failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::next_run;

    #[test]
    fn the_next_backup_is_the_next_such_hour_in_shanghai() {
        // 01:30 in Shanghai (17:30 UTC the day before): 03:00 the same Shanghai day.
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 17, 30, 0).unwrap();
        assert_eq!(
            next_run(now, 3),
            Utc.with_ymd_and_hms(2026, 11, 24, 19, 0, 0).unwrap()
        );
        // 03:00 exactly has just run: the next is tomorrow's.
        let at_three = Utc.with_ymd_and_hms(2026, 11, 24, 19, 0, 0).unwrap();
        assert_eq!(
            next_run(at_three, 3),
            Utc.with_ymd_and_hms(2026, 11, 25, 19, 0, 0).unwrap()
        );
    }
}
