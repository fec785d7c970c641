//! Volunteer service certificates (志愿服务证明): what was certified, frozen at issue, so
//! a printed certificate can be checked against it at `/verify/{number}`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Certificates::Table)
                    .col(
                        ColumnDef::new(Certificates::Number)
                            .string_len(20)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Certificates::PersonId).uuid().not_null())
                    .col(ColumnDef::new(Certificates::PeriodFrom).date().not_null())
                    .col(ColumnDef::new(Certificates::PeriodUntil).date().not_null())
                    .col(ColumnDef::new(Certificates::Services).integer().not_null())
                    .col(
                        ColumnDef::new(Certificates::HoursTenths)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certificates::Issuer)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certificates::IssuedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Certificates::Table, Certificates::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Certificates::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Number,
    PersonId,
    PeriodFrom,
    PeriodUntil,
    Services,
    HoursTenths,
    Issuer,
    IssuedAt,
}
