//! Counting residents at the stall as they are served: each tap of a volunteer's phone is a
//! row, its id made on the phone, so a tap sent twice (the signal came and went) counts once.
//! A stall's report of residents served keeps the tally it was prefilled from.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TallyTaps::Table)
                    // Made on the phone: the idempotency key.
                    .col(
                        ColumnDef::new(TallyTaps::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(TallyTaps::StallId).uuid().not_null())
                    // Who counted (the phone's signed-in volunteer or leader).
                    .col(ColumnDef::new(TallyTaps::PersonId).uuid().not_null())
                    // elderly, children, disabled, other
                    .col(
                        ColumnDef::new(TallyTaps::Category)
                            .string_len(12)
                            .not_null(),
                    )
                    // +1 a resident served, -1 the last tap undone.
                    .col(ColumnDef::new(TallyTaps::Delta).integer().not_null())
                    .col(
                        ColumnDef::new(TallyTaps::TappedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TallyTaps::ReceivedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .check(Expr::col(TallyTaps::Delta).is_in([1, -1]))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TallyTaps::Table, TallyTaps::StallId)
                            .to(Stalls::Table, Stalls::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TallyTaps::Table, TallyTaps::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tally_taps_stall")
                    .table(TallyTaps::Table)
                    .col(TallyTaps::StallId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(BeneficiaryReports::Table)
                    // The stall's tally when the report was entered; a report that differs
                    // from it carries a reason.
                    .add_column(ColumnDef::new(BeneficiaryReports::Tallied).integer())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(BeneficiaryReports::Table)
                    .drop_column(BeneficiaryReports::Tallied)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(TallyTaps::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TallyTaps {
    Table,
    Id,
    StallId,
    PersonId,
    Category,
    Delta,
    TappedAt,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum BeneficiaryReports {
    Table,
    Tallied,
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
