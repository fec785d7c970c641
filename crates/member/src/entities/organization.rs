use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

use crate::orgs::{Registration, Stage, Theme};

/// A community social organization the sub-district incubates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
    pub short_name: String,
    pub theme: Theme,
    pub community: String,
    pub description: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub registration: Registration,
    pub founded_on: Option<NaiveDate>,
    pub stage: Stage,
    /// Who applied for incubation (None when staff registered it directly).
    pub applicant_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
