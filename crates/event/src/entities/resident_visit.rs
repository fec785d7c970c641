use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// A resident served at a stall, identified by a keyed digest of their phone number (never
/// the number): repeat visits count once in 人数.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resident_visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub stall_id: Uuid,
    pub resident_key: String,
    /// None: the resident gave it with their rating of the stall.
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
