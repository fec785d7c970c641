use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

use crate::kinds::{Category, Channel, Class, Status};

/// A resident's request or problem, and how it is being handled.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resident_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What the resident follows the request with, without an account.
    pub tracking_code: String,
    pub category: Category,
    pub description: String,
    pub community: String,
    /// Building, unit: free text.
    pub place: String,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub may_contact: bool,
    pub channel: Channel,
    /// The staff member who entered it for a resident (none for a public submission).
    pub entered_by: Option<Uuid>,
    /// SHA-256 of the client address of a public submission, for rate limiting.
    pub submitted_from: Option<String>,
    pub class: Option<Class>,
    pub class_reason: String,
    pub status: Status,
    /// The organization a small matter is assigned to.
    pub organization_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// The government department a big matter is referred to.
    pub department: String,
    pub referred_on: Option<NaiveDate>,
    pub reference_no: String,
    /// The guidance given for a private matter.
    pub guidance: String,
    /// The department's answer or the work done.
    pub resolution: String,
    /// A cleaned summary the coordinator publishes on the public board (empty: none).
    pub public_summary: String,
    /// When the deadline clock started (submission, or reopening).
    pub clock_from: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// 0, or 1 once reopened: a rating is one per round.
    pub round: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl Model {
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.is_open() && self.due_at.is_some_and(|due| due < now)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
