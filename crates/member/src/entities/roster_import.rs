use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// An uploaded roster, parsed and waiting for the leader to confirm it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub created_by: Uuid,
    pub file_name: String,
    /// The file's rows as JSON (`Vec<RosterRow>`).
    pub rows: String,
    pub created_at: DateTime<Utc>,
    pub committed_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
