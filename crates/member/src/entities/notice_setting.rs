use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// How a person wants to be told. No row: the defaults of [`crate::notices::Choices`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: Uuid,
    pub email: Option<String>,
    pub by_sms: bool,
    pub by_email: bool,
    pub reminders: bool,
    /// `zh-CN` or `en`: the language of SMS and e-mail.
    pub lang: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
