use sea_orm::entity::prelude::*;

/// A ledger entry that pays part of an award.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venture_tranches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub funding_entry_id: Uuid,
    pub application_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
