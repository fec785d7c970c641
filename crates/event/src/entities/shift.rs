use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// A stretch of time at a stall that needs `capacity` volunteers. `confirmed_count` is kept
/// by the sign-up statements and checked by the database never to exceed `capacity`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shifts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub stall_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub confirmed_count: i32,
    pub required_skill: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The secret in the shift's check-in QR code; made when first shown.
    #[sea_orm(unique)]
    pub checkin_token: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::stall::Entity",
        from = "Column::StallId",
        to = "super::stall::Column::Id"
    )]
    Stall,
}

impl Related<super::stall::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Stall.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
