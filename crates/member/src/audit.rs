//! The append-only audit log: who created, changed, revealed, exported or deleted what,
//! and when (UTC). Details never hold passwords, tokens, session ids or full phone numbers.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::{audit_entry, person};
use crate::{Actor, MemberError};

/// Every action the log knows, so filters can offer them and nobody misspells one.
pub const ACTIONS: &[&str] = &[
    "account.register",
    "account.register_again",
    "account.create",
    "account.login",
    "account.login_code",
    "account.claim",
    "helped.register",
    "helped.update",
    "helped.erase",
    "record.training_add",
    "record.award_add",
    "record.evaluation_add",
    "publicity.object",
    "publicity.resolve",
    "service.records_export",
    "round.create",
    "round.apply",
    "round.withdraw",
    "round.reviewer_assign",
    "round.score",
    "round.award",
    "round.announce",
    "round.report",
    "round.report_decide",
    "account.logout",
    "account.password_change",
    "account.reset_code_issue",
    "account.password_reset",
    "account.disable",
    "account.enable",
    "api_token.issue",
    "api_token.revoke",
    "person.phone_reveal",
    "person.update_self",
    "person.export_self",
    "person.erase_self",
    "organization.apply",
    "organization.register",
    "organization.update",
    "organization.stage_change",
    "membership.add",
    "membership.invite",
    "membership.accept",
    "membership.decline",
    "membership.role_change",
    "membership.end",
    "roster.import",
    "roster.export",
    "project.create",
    "project.update",
    "project.status_change",
    "funding.record",
    "funding.reverse",
    "funding.export",
    "market.schedule",
    "market.create",
    "market.publish",
    "market.cancel",
    "market.cutoff_change",
    "market.edit",
    "stall.edit",
    "shift.edit",
    "stall.create",
    "shift.create",
    "shift.capacity_change",
    "signup.create",
    "signup.cancel",
    "service.attendance",
    "service.hours_confirm",
    "service.hours_correct",
    "service.beneficiaries_report",
    "service.beneficiaries_correct",
    "certificate.issue",
    "certificate.supersede",
    "report.send",
    "request.contact_reveal",
    "notices.choose",
    "market.message",
];

pub async fn record(
    db: &impl ConnectionTrait,
    actor_id: Option<Uuid>,
    action: &'static str,
    subject_type: &'static str,
    subject_id: Option<Uuid>,
    detail: impl Into<String>,
) -> Result<(), MemberError> {
    debug_assert!(ACTIONS.contains(&action), "unknown audit action {action}");
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(Utc::now()),
        actor_id: Set(actor_id),
        action: Set(action.to_owned()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        detail: Set(detail.into()),
    }
    .insert(db)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

pub struct AuditRow {
    pub entry: audit_entry::Model,
    /// `None` for the command line; empty for an erased person.
    pub actor_name: Option<String>,
    pub subject_name: Option<String>,
}

pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: u64,
}

/// The newest entries first, `per_page` at a time, for staff only.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &AuditFilter,
    page: u64,
    per_page: u64,
) -> Result<AuditPage, MemberError> {
    if !actor.can_read_audit_log() {
        return Err(MemberError::Forbidden);
    }
    let mut query = audit_entry::Entity::find();
    if let Some(action) = &filter.action {
        query = query.filter(audit_entry::Column::Action.eq(action.as_str()));
    }
    if let Some(actor_id) = filter.actor_id {
        query = query.filter(audit_entry::Column::ActorId.eq(actor_id));
    }
    if let Some(subject_id) = filter.subject_id {
        query = query.filter(audit_entry::Column::SubjectId.eq(subject_id));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_entry::Column::At.gte(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_entry::Column::At.lt(until));
    }
    let total = query.clone().count(db).await?;
    let entries = query
        .order_by_desc(audit_entry::Column::At)
        .order_by_desc(audit_entry::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;

    let people: Vec<Uuid> = entries
        .iter()
        .flat_map(|e| [e.actor_id, e.subject_id])
        .flatten()
        .collect();
    let names: std::collections::HashMap<Uuid, String> = if people.is_empty() {
        Default::default()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(people))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect()
    };
    let rows = entries
        .into_iter()
        .map(|entry| AuditRow {
            actor_name: entry.actor_id.and_then(|id| names.get(&id).cloned()),
            subject_name: entry.subject_id.and_then(|id| names.get(&id).cloned()),
            entry,
        })
        .collect();
    Ok(AuditPage { rows, total })
}

/// Everything the log says about one person, for their own data export.
pub async fn entries_about(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<Vec<audit_entry::Model>, MemberError> {
    Ok(audit_entry::Entity::find()
        .filter(
            Condition::any()
                .add(audit_entry::Column::SubjectId.eq(person_id))
                .add(audit_entry::Column::ActorId.eq(person_id)),
        )
        .order_by_asc(audit_entry::Column::At)
        .all(db)
        .await?)
}
