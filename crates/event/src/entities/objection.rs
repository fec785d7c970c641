use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// An objection to a service record's hours during their 公示, and how staff resolved it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "objections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub record_id: Uuid,
    pub reason: String,
    /// How to reach whoever objected, as typed (may be empty); staff only.
    pub contact: String,
    pub raised_by: Option<Uuid>,
    /// Digest of the client address, for the hourly limit.
    pub raised_from: String,
    pub raised_at: DateTime<Utc>,
    /// `open`, `corrected` or `dismissed`.
    pub status: String,
    pub resolution: String,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
