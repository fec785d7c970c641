use chrono::{DateTime, Utc};
use event::stalls::Service;
use sea_orm::entity::prelude::*;

use crate::kinds::{Class, Level};

/// A resident's satisfaction with a resolved request or with a market-day stall, with what
/// it counts under (class, organization, stall service) fixed when it was given.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "satisfaction_ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub request_id: Option<Uuid>,
    pub round: i32,
    pub stall_id: Option<Uuid>,
    pub level: Level,
    pub comment: String,
    pub class: Option<Class>,
    pub organization_id: Option<Uuid>,
    pub service: Option<Service>,
    /// For a stall: the rating phone's cookie, hashed (one rating per phone and stall).
    pub rater_key: Option<String>,
    pub submitted_from: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
