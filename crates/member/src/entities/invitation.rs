use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

use crate::memberships::MemberRole;

/// An invitation to join an organization, which its person accepts or declines. Until
/// then the inviting leader knows only the masked phone number.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub person_id: Uuid,
    pub role: MemberRole,
    /// Skill codes, comma-separated, added when accepted.
    pub skills: String,
    pub invited_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
