use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// How many residents a stall served, with an optional breakdown; corrections are new
/// rows with a reason, and the newest counts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "beneficiary_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub stall_id: Uuid,
    pub total: i32,
    pub elderly: Option<i32>,
    pub children: Option<i32>,
    pub disabled: Option<i32>,
    pub other: Option<i32>,
    pub reason: String,
    pub entered_by: Uuid,
    pub entered_at: DateTime<Utc>,
    /// The stall's tally (现场计数) when the report was entered, if anyone counted.
    pub tallied: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
