use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

/// A 公益创投 round: its budget, who may apply, its dates and scoring criteria.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venture_rounds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub budget_fen: i64,
    /// The sum of the awards, kept by the database at or below the budget.
    pub awarded_fen: i64,
    /// Theme codes, comma-separated; empty: any theme.
    pub themes: String,
    /// Incubation stages that may apply, comma-separated.
    pub stages: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub review_until: NaiveDate,
    /// JSON list of `{name, weight}`.
    pub criteria: String,
    pub publicity_days: i32,
    pub announced_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
