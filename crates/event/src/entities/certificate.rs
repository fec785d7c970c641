use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

/// A volunteer service certificate, as issued: the figures are frozen at issue.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub number: String,
    pub person_id: Uuid,
    pub period_from: NaiveDate,
    pub period_until: NaiveDate,
    pub services: i32,
    pub hours_tenths: i64,
    pub issuer: String,
    pub issued_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
