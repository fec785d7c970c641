use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// What a confirmed volunteer did on their shift: when they checked in and out, and
/// whether they came. Hours live in `hour_entry` rows, never here.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub signup_id: Uuid,
    pub shift_id: Uuid,
    pub person_id: Uuid,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_out_at: Option<DateTime<Utc>>,
    /// `attended` or `no_show`, once someone says.
    pub attendance: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
