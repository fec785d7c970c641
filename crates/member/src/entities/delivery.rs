use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One notice on its way out by one channel: the outbox. Its id is the idempotency key the
/// provider call carries.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub notice_id: Uuid,
    pub person_id: Option<Uuid>,
    /// A resident's number, until the message has gone or been given up.
    pub to_phone: Option<String>,
    /// `sms` or `email`.
    pub channel: String,
    pub urgent: bool,
    /// `pending`, `sent`, `failed` (gave up) or `skipped` (nothing to send it to, over the
    /// day's cap, or too late).
    pub status: String,
    pub due_at: DateTime<Utc>,
    pub attempts: i32,
    pub claim_id: Option<Uuid>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::notice::Entity",
        from = "Column::NoticeId",
        to = "super::notice::Column::Id"
    )]
    Notice,
}

impl Related<super::notice::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Notice.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
