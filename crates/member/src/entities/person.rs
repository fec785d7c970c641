use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;

/// Someone the platform knows: a volunteer, a member, a leader, a coordinator.
/// Erasing a person blanks their personal fields and keeps the row, so the totals that
/// count their hours stay right.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "people")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub phone: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub consent_version: Option<String>,
    pub consent_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_one = "super::account::Entity")]
    Account,
    #[sea_orm(has_one = "super::notice_setting::Entity")]
    NoticeSetting,
    #[sea_orm(has_one = "super::helped_person::Entity")]
    HelpedPerson,
}

impl Related<super::notice_setting::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::NoticeSetting.def()
    }
}

impl Related<super::helped_person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::HelpedPerson.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
