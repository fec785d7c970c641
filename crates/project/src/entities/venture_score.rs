use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// A reviewer's score of an application on one criterion (0–100), with a comment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venture_scores")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub application_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub reviewer_id: Uuid,
    /// The criterion's place in the round's list.
    #[sea_orm(primary_key, auto_increment = false)]
    pub criterion: i32,
    pub score: i32,
    pub comment: String,
    pub scored_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
