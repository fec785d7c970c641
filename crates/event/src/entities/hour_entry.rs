use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One value of a service record's hours, in tenths: the confirmation, then every
/// correction with its reason. The newest is the current value.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hour_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub record_id: Uuid,
    pub tenths: i32,
    pub reason: String,
    pub entered_by: Uuid,
    pub entered_at: DateTime<Utc>,
    /// When its 公示 ends and the value stands (if no objection is open): the start of the day
    /// after the posting's last working day, fixed when the entry is made.
    pub stands_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
