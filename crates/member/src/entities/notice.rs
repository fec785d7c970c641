use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// Something a person is told, in their in-app inbox (`/me/notifications`); its deliveries
/// by SMS and e-mail are [`super::delivery`] rows written with it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// None for a resident who is not on the platform (an SMS, no inbox).
    pub person_id: Option<Uuid>,
    /// A [`crate::notices::Kind`], e.g. `promoted`.
    pub kind: String,
    /// JSON object of text arguments for the message catalogue.
    pub args: String,
    /// Where the notice leads, a path on this site.
    pub link: String,
    pub urgent: bool,
    pub dedupe_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
