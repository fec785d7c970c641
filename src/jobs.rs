//! Background work, in one place: what the server does by itself while it runs. `serve`
//! starts every job here. Each must be safe when several servers run against one database:
//! marking days held is one idempotent UPDATE; backups are for SQLite, which one server
//! alone uses.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::Settings;

/// Starts every background job for the server's lifetime.
pub fn start(db: &DatabaseConnection, settings: &Settings) {
    if !settings.backup_dir.trim().is_empty() {
        tokio::spawn(crate::backup::schedule(
            db.clone(),
            settings.backup_dir.trim().into(),
            settings.backup_hour,
            settings.backup_keep,
        ));
    }
    tokio::spawn(mark_days_held(db.clone()));
}

/// Every minute, days that are over become `held` (see `event::schedule::mark_held`).
async fn mark_days_held(db: DatabaseConnection) {
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        match event::schedule::mark_held(&db, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(days = n, "market days and activities now held"),
            Err(e) => {
                tracing::warn!(error = %e, "marking days held failed; tried again in a minute");
            }
        }
    }
}
