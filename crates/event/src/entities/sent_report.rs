use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One sending of a month's report upward (报送), as it went.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sent_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `YYYY-MM`, Shanghai.
    pub month: String,
    /// 1 for the first sending, then one more for each revision.
    pub revision: i32,
    pub sent_at: DateTime<Utc>,
    pub sent_by: Uuid,
    /// The report's tables as CSV text, without the generation time.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub content_hash: String,
    /// JSON `sent_reports::Changes`: what changed since the revision before.
    #[sea_orm(column_type = "Text")]
    pub changes: String,
    /// The workbook as sent.
    pub workbook: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
