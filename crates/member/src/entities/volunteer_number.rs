use sea_orm::entity::prelude::*;

/// A volunteer's platform number (志愿者编号), given by the database in order the first time
/// their service is recorded; never reused.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteer_numbers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub number: i32,
    #[sea_orm(unique)]
    pub person_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
