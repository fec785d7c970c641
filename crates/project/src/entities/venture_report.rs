use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// An awarded project's mid-term or final report, and staff's decision on it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venture_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    /// `midterm` or `final`.
    pub kind: String,
    pub text: String,
    /// Residents reached so far.
    pub reached: Option<i32>,
    pub submitted_by: Uuid,
    pub submitted_at: DateTime<Utc>,
    /// `submitted`, `accepted` or `returned`.
    pub status: String,
    pub staff_note: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
