//! Background work, in one place: what the server does by itself while it runs. `serve`
//! starts every job here. Each must be safe when several servers run against one database:
//! marking days held is one idempotent UPDATE; reminders are written once each (a unique
//! key); the outbox is claimed row by row (`FOR UPDATE SKIP LOCKED` on PostgreSQL); backups
//! are for SQLite, which one server alone uses.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::Settings;
use crate::notices::Outbound;

/// Starts every background job for the server's lifetime.
pub fn start(db: &DatabaseConnection, settings: &Settings, outbound: Outbound) {
    if !settings.backup_dir.trim().is_empty() {
        tokio::spawn(crate::backup::schedule(
            db.clone(),
            settings.backup_dir.trim().into(),
            settings.backup_hour,
            settings.backup_keep,
        ));
    }
    tokio::spawn(mark_days_held(db.clone()));
    if settings.notices.notice_jobs {
        tokio::spawn(enqueue_reminders(db.clone()));
        tokio::spawn(deliver(db.clone(), outbound, settings.notices.policy()));
    }
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

/// Every minute, the reminders now due go into the outbox.
async fn enqueue_reminders(db: DatabaseConnection) {
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        match event::notify::enqueue_reminders(&db, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "reminders written"),
            Err(e) => {
                tracing::warn!(error = %e, "writing reminders failed; tried again in a minute")
            }
        }
    }
}

/// Every five seconds, what is due in the outbox is sent.
async fn deliver(
    db: DatabaseConnection,
    outbound: Outbound,
    policy: member::notices::outbox::Policy,
) {
    let mut every_few_seconds = tokio::time::interval(Duration::from_secs(5));
    loop {
        every_few_seconds.tick().await;
        if let Err(e) =
            crate::notices::deliver_due(&db, &outbound, &policy, chrono::Utc::now()).await
        {
            tracing::warn!(error = %e, "sending notifications failed; tried again shortly");
        }
    }
}
