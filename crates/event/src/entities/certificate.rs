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
    /// JSON of what was certified (`certificates::Snapshot`); empty for certificates
    /// issued before snapshots were stored.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// SHA-256 (hex) of `content`.
    pub content_hash: String,
    /// The number of the certificate that replaced this one after a correction.
    pub superseded_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
