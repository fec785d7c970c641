use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

use crate::kinds::{Class, UpdateKind};

/// One line of a request's timeline: what happened, when, by whom (none: the resident).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "request_updates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub request_id: Uuid,
    pub at: DateTime<Utc>,
    pub person_id: Option<Uuid>,
    pub kind: UpdateKind,
    pub note: String,
    /// The class a (re)classification set.
    pub class: Option<Class>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
