use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

/// A training a volunteer took, an award they received, or an organizer's evaluation of their
/// service: part of their whole record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    /// `training`, `award` or `evaluation`.
    pub kind: String,
    pub name: String,
    pub on_date: NaiveDate,
    pub place: String,
    pub content: String,
    pub tenths: Option<i32>,
    /// An evaluation's result: `excellent`, `good`, `pass` or `fail`.
    pub result: Option<String>,
    /// The trainer, the body that granted the award, or the organizer who evaluated.
    pub given_by: String,
    pub entered_by: Uuid,
    pub entered_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
