//! An organization's logo: a small image, kept in the database so that every app server
//! and every backup has it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrganizationLogos::Table)
                    .col(
                        ColumnDef::new(OrganizationLogos::OrganizationId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OrganizationLogos::ContentType)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(ColumnDef::new(OrganizationLogos::Bytes).blob().not_null())
                    .col(
                        ColumnDef::new(OrganizationLogos::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganizationLogos::Table, OrganizationLogos::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OrganizationLogos::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OrganizationLogos {
    Table,
    OrganizationId,
    ContentType,
    Bytes,
    UpdatedAt,
}
