//! The monthly report as it went upward (报送). Sending a month freezes it: the workbook,
//! its content as text and a hash are stored. Figures of a month can still be corrected
//! record by record afterwards; the month then shows as changed since it was sent, and
//! sending it again stores a revision that lists what changed since the one before.

use chrono::{DateTime, NaiveDate, Utc};
use member::{Actor, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, QueryOrder, Set, SqlErr};

use crate::EventError;
use crate::entities::sent_report;

/// What changed between two revisions: the report's lines that went and those that came
/// (a corrected figure is one of each).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Changes {
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

impl Changes {
    fn between(before: &str, after: &str) -> Changes {
        let before_lines: Vec<&str> = before.lines().collect();
        let after_lines: Vec<&str> = after.lines().collect();
        Changes {
            removed: before_lines
                .iter()
                .filter(|l| !after_lines.contains(l))
                .map(|l| (*l).to_owned())
                .collect(),
            added: after_lines
                .iter()
                .filter(|l| !before_lines.contains(l))
                .map(|l| (*l).to_owned())
                .collect(),
        }
    }

    pub fn of(sent: &sent_report::Model) -> Changes {
        serde_json::from_str(&sent.changes).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }
}

/// `2026-11` for any day of November 2026.
pub fn month_key(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

/// Sends a month upward: the report as it stands now (`content`, the tables as text, and
/// `workbook`, the file) becomes the month's next revision. Staff only; a month whose
/// figures have not changed since its last sending is not sent twice.
pub async fn send(
    db: &DatabaseConnection,
    actor: &Actor,
    month: NaiveDate,
    content: &str,
    workbook: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<sent_report::Model, EventError> {
    if !actor.is_staff() {
        return Err(EventError::Forbidden);
    }
    let key = month_key(month);
    let txn = tx::begin_write(db).await?;
    let previous = latest(&txn, &key).await?;
    if previous.as_ref().is_some_and(|p| p.content == content) {
        return Err(EventError::field("month", "error-report-unchanged"));
    }
    let changes = match &previous {
        Some(p) => Changes::between(&p.content, content),
        None => Changes::default(),
    };
    let sent = sent_report::ActiveModel {
        id: Set(Uuid::now_v7()),
        month: Set(key.clone()),
        revision: Set(previous.as_ref().map_or(1, |p| p.revision + 1)),
        sent_at: Set(now),
        sent_by: Set(actor.person_id),
        content: Set(content.to_owned()),
        content_hash: Set(member::secrets::digest(content)),
        changes: Set(serde_json::to_string(&changes).unwrap_or_default()),
        workbook: Set(workbook),
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        // Someone sent the same month at the same moment: theirs stands.
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            EventError::field("month", "error-report-sent-meanwhile")
        }
        _ => EventError::Database(e),
    })?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "report.send",
        "report",
        None,
        format!("{key} revision {}", sent.revision),
    )
    .await?;
    txn.commit().await?;
    Ok(sent)
}

async fn latest(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<sent_report::Model>, EventError> {
    Ok(sent_report::Entity::find()
        .filter(sent_report::Column::Month.eq(key))
        .order_by_desc(sent_report::Column::Revision)
        .one(db)
        .await?)
}

/// Every sending of every month, newest month and revision first.
pub async fn all(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<sent_report::Model>, EventError> {
    if !actor.is_staff() {
        return Err(EventError::Forbidden);
    }
    Ok(sent_report::Entity::find()
        .order_by_desc(sent_report::Column::Month)
        .order_by_desc(sent_report::Column::Revision)
        .all(db)
        .await?)
}

/// The latest revision of every month sent, without the workbooks: what the dashboard marks.
pub async fn latest_revisions(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<std::collections::HashMap<String, i32>, EventError> {
    use sea_orm::QuerySelect;
    if !actor.is_staff() {
        return Err(EventError::Forbidden);
    }
    let mut latest = std::collections::HashMap::new();
    for (month, revision) in sent_report::Entity::find()
        .select_only()
        .column(sent_report::Column::Month)
        .column(sent_report::Column::Revision)
        .into_tuple::<(String, i32)>()
        .all(db)
        .await?
    {
        let highest: &mut i32 = latest.entry(month).or_default();
        *highest = (*highest).max(revision);
    }
    Ok(latest)
}

/// The latest sending of a month, if it was sent.
pub async fn latest_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    month: NaiveDate,
) -> Result<Option<sent_report::Model>, EventError> {
    if !actor.is_staff() {
        return Err(EventError::Forbidden);
    }
    latest(db, &month_key(month)).await
}

/// One sending, with its workbook.
pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<sent_report::Model, EventError> {
    if !actor.is_staff() {
        return Err(EventError::Forbidden);
    }
    sent_report::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(EventError::NotFound)
}
