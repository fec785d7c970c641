//! 人数 beside 人次: a resident served may be recorded with their phone number, of which only
//! a keyed digest (HMAC-SHA256 with the server's secret) is kept, so that repeat visits across
//! stalls and months are one person while each visit still counts.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ResidentVisits::Table)
                    .col(
                        ColumnDef::new(ResidentVisits::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ResidentVisits::StallId).uuid().not_null())
                    // HMAC-SHA256 of the phone number under WEIYIFANG_RESIDENT_SECRET, hex.
                    .col(
                        ColumnDef::new(ResidentVisits::ResidentKey)
                            .string_len(64)
                            .not_null(),
                    )
                    // The volunteer who typed it; empty when the resident gave it themselves
                    // with their rating of the stall.
                    .col(ColumnDef::new(ResidentVisits::RecordedBy).uuid())
                    .col(
                        ColumnDef::new(ResidentVisits::RecordedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResidentVisits::Table, ResidentVisits::StallId)
                            .to(Stalls::Table, Stalls::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResidentVisits::Table, ResidentVisits::RecordedBy)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_resident_visits_stall")
                    .table(ResidentVisits::Table)
                    .col(ResidentVisits::StallId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ResidentVisits::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ResidentVisits {
    Table,
    Id,
    StallId,
    ResidentKey,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Stalls {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}
