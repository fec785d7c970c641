use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// An organization's application to a round, and its award.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venture_applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub organization_id: Uuid,
    pub title: String,
    pub plan: String,
    pub goals: String,
    pub beneficiaries: Option<i32>,
    pub timeline: String,
    /// JSON list of `{item, fen}`, adding up to the request.
    pub budget: String,
    pub request_fen: i64,
    /// `draft`, `submitted` or `withdrawn`.
    pub status: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub award_fen: Option<i64>,
    pub awarded_by: Option<Uuid>,
    /// Tranches paid, kept by the database at or below the award.
    pub paid_fen: i64,
    /// The project the award became.
    pub project_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
