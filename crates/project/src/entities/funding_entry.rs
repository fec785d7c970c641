use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

use crate::ledger::Source;

/// Money a project received, in fen; or, with `reverses_id`, the cancellation of an
/// earlier entry (its amount negated). Only ever inserted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funding_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub source: Source,
    pub amount_fen: i64,
    pub received_on: NaiveDate,
    /// Who gave it: a name, or a description such as "11,000户居民".
    pub contributor: String,
    /// How many contributed, when it was many (households, units).
    pub contributor_count: Option<i32>,
    /// For a reversal: why.
    pub note: String,
    #[sea_orm(unique)]
    pub reverses_id: Option<Uuid>,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
