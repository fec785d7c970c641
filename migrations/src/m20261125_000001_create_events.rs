//! Events: market days (公益集市) and project activities. The home page lists the next
//! published market days from here; stalls, shifts and sign-ups arrive in later migrations.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(ColumnDef::new(Events::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Events::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Events::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Events::Place).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Events::StartsAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Events::EndsAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Events::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Events::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .check(Expr::col(Events::EndsAt).gt(Expr::col(Events::StartsAt)))
                    .to_owned(),
            )
            .await?;
        // The home page and the API ask "the next published market days".
        manager
            .create_index(
                Index::create()
                    .name("idx_events_status_starts_at")
                    .table(Events::Table)
                    .col(Events::Status)
                    .col(Events::StartsAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Kind,
    Title,
    Place,
    StartsAt,
    EndsAt,
    Status,
    CreatedAt,
}
