use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

/// A training a volunteer took or an award they received: part of their whole record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    /// `training` or `award`.
    pub kind: String,
    pub name: String,
    pub on_date: NaiveDate,
    pub place: String,
    pub content: String,
    pub tenths: Option<i32>,
    /// The trainer, or the body that granted the award.
    pub given_by: String,
    pub entered_by: Uuid,
    pub entered_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
