use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One tap on a stall's tally: a resident served (+1) or the last tap undone (-1). Its id
/// is made on the phone, so a tap sent twice is stored once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tally_taps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub stall_id: Uuid,
    pub person_id: Uuid,
    pub category: String,
    pub delta: i32,
    pub tapped_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
