use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// A market day or a project activity. Times are stored in UTC.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: EventKind,
    pub title: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: EventStatus,
    pub created_at: DateTime<Utc>,
    pub description: String,
    /// The organization that organizes it; None for the community (the street office).
    pub organizer_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// When sign-up closes; None means the default, the start of the event's day in
    /// Shanghai (sign-up closes the day before).
    pub signup_closes_at: Option<DateTime<Utc>>,
    /// Why it was cancelled; shown to those who signed up.
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EventKind {
    /// 公益集市: the monthly community public-welfare market.
    #[sea_orm(string_value = "market")]
    Market,
    /// A project activity, such as a safety patrol.
    #[sea_orm(string_value = "activity")]
    Activity,
}

/// draft → published → held → reported, or cancelled.
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EventStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "held")]
    Held,
    #[sea_orm(string_value = "reported")]
    Reported,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl EventStatus {
    pub const ALL: [EventStatus; 5] = [
        EventStatus::Draft,
        EventStatus::Published,
        EventStatus::Held,
        EventStatus::Reported,
        EventStatus::Cancelled,
    ];

    /// The code a filter or a client sends: `draft`, `published`, ….
    pub fn parse(input: &str) -> Option<EventStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == input.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Draft => "draft",
            EventStatus::Published => "published",
            EventStatus::Held => "held",
            EventStatus::Reported => "reported",
            EventStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
