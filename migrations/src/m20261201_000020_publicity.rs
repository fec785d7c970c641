//! 公示: confirmed hours are posted publicly for a few working days before they stand. Each
//! hour entry keeps the moment it stands (computed from the working days when it is
//! entered, so the notice's "公示期至" never moves); anyone may object to a posted record
//! while it is posted, and an open objection holds it back until staff resolve it.
//! Volunteers get a platform number (志愿者编号), given by the database in order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Hours entered before 公示 existed stand as they did: from their entry.
        manager
            .alter_table(
                Table::alter()
                    .table(HourEntries::Table)
                    .add_column(
                        ColumnDef::new(HourEntries::StandsAt)
                            .timestamp_with_time_zone()
                            .not_null()
                            .default("1970-01-01 00:00:00+00:00"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(HourEntries::Table)
                    .value(HourEntries::StandsAt, Expr::col(HourEntries::EnteredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_hour_entries_stands_at")
                    .table(HourEntries::Table)
                    .col(HourEntries::StandsAt)
                    .to_owned(),
            )
            .await?;
        create_objections(manager).await?;
        manager
            .create_table(
                Table::create()
                    .table(VolunteerNumbers::Table)
                    .col(
                        ColumnDef::new(VolunteerNumbers::Number)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(VolunteerNumbers::PersonId)
                            .uuid()
                            .not_null()
                            .unique_key(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(VolunteerNumbers::Table, VolunteerNumbers::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(VolunteerNumbers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Objections::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_hour_entries_stands_at")
                    .table(HourEntries::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(HourEntries::Table)
                    .drop_column(HourEntries::StandsAt)
                    .to_owned(),
            )
            .await
    }
}

async fn create_objections(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Objections::Table)
                .col(
                    ColumnDef::new(Objections::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Objections::RecordId).uuid().not_null())
                .col(ColumnDef::new(Objections::Reason).text().not_null())
                // How to reach whoever objected, as they typed it; shown to staff only.
                .col(
                    ColumnDef::new(Objections::Contact)
                        .string_len(100)
                        .not_null(),
                )
                // Signed in when they objected; none for a resident without an account.
                .col(ColumnDef::new(Objections::RaisedBy).uuid())
                // A digest of the client address: limits objections per address per hour.
                .col(
                    ColumnDef::new(Objections::RaisedFrom)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Objections::RaisedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                // `open`, `corrected` or `dismissed`.
                .col(ColumnDef::new(Objections::Status).string_len(10).not_null())
                .col(
                    ColumnDef::new(Objections::Resolution)
                        .text()
                        .not_null()
                        .default(""),
                )
                .col(ColumnDef::new(Objections::ResolvedBy).uuid())
                .col(ColumnDef::new(Objections::ResolvedAt).timestamp_with_time_zone())
                .foreign_key(
                    ForeignKey::create()
                        .from(Objections::Table, Objections::RecordId)
                        .to(ServiceRecords::Table, ServiceRecords::Id),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_objections_record")
                .table(Objections::Table)
                .col(Objections::RecordId)
                .col(Objections::Status)
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden)]
enum HourEntries {
    Table,
    EnteredAt,
    StandsAt,
}

#[derive(DeriveIden)]
enum Objections {
    Table,
    Id,
    RecordId,
    Reason,
    Contact,
    RaisedBy,
    RaisedFrom,
    RaisedAt,
    Status,
    Resolution,
    ResolvedBy,
    ResolvedAt,
}

#[derive(DeriveIden)]
enum VolunteerNumbers {
    Table,
    Number,
    PersonId,
}

#[derive(DeriveIden)]
enum ServiceRecords {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}
