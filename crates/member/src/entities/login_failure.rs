use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One failed login, counted per phone (hashed) and per client address for throttling.
/// Kept in the database so every app server behind a load balancer counts the same.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub throttle_key: String,
    pub failed_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
