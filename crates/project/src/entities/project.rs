use chrono::{DateTime, NaiveDate, Utc};
use member::orgs::Theme;
use sea_orm::entity::prelude::*;

use crate::projects::Status;

/// A public-welfare project run by an organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub title: String,
    pub theme: Theme,
    pub description: String,
    pub status: Status,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    /// How many residents the project means to reach.
    pub goal_beneficiaries: Option<i32>,
    pub goal_text: String,
    pub community: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
