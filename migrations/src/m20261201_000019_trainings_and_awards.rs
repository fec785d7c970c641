//! The whole volunteer record as 《志愿服务记录与证明出具办法》 lists it: besides services,
//! the trainings a volunteer took, the awards they received and the organizers' evaluations
//! of their service, entered by staff or by the leaders of an organization they belong to.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RecordEntries::Table)
                    .col(
                        ColumnDef::new(RecordEntries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(RecordEntries::PersonId).uuid().not_null())
                    // `training`, `award` or `evaluation`.
                    .col(
                        ColumnDef::new(RecordEntries::Kind)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RecordEntries::Name)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(RecordEntries::OnDate).date().not_null())
                    // A training's place, content and hours (tenths); empty for an award.
                    .col(
                        ColumnDef::new(RecordEntries::Place)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(RecordEntries::Content).text().not_null())
                    .col(ColumnDef::new(RecordEntries::Tenths).integer())
                    // An evaluation's result: excellent, good, pass or fail.
                    .col(ColumnDef::new(RecordEntries::Result).string_len(10))
                    // The trainer, the body that granted the award, or the organizer.
                    .col(
                        ColumnDef::new(RecordEntries::GivenBy)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(RecordEntries::EnteredBy).uuid().not_null())
                    .col(
                        ColumnDef::new(RecordEntries::EnteredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RecordEntries::Table, RecordEntries::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_record_entries_person")
                    .table(RecordEntries::Table)
                    .col(RecordEntries::PersonId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RecordEntries::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RecordEntries {
    Table,
    Id,
    PersonId,
    Kind,
    Name,
    OnDate,
    Place,
    Content,
    Tenths,
    Result,
    GivenBy,
    EnteredBy,
    EnteredAt,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}
