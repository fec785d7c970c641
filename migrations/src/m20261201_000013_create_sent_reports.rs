//! Monthly reports as they went upward (报送): each sending of a month is a revision that
//! keeps the workbook sent, its content as text (to compare with later figures), a hash,
//! and what changed since the revision before.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SentReports::Table)
                    .col(
                        ColumnDef::new(SentReports::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    // `YYYY-MM`, Shanghai.
                    .col(ColumnDef::new(SentReports::Month).string_len(7).not_null())
                    .col(ColumnDef::new(SentReports::Revision).integer().not_null())
                    .col(
                        ColumnDef::new(SentReports::SentAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SentReports::SentBy).uuid().not_null())
                    // The report's tables as CSV text, without the generation time.
                    .col(ColumnDef::new(SentReports::Content).text().not_null())
                    .col(
                        ColumnDef::new(SentReports::ContentHash)
                            .string_len(64)
                            .not_null(),
                    )
                    // JSON: the lines removed and added since the revision before.
                    .col(ColumnDef::new(SentReports::Changes).text().not_null())
                    .col(ColumnDef::new(SentReports::Workbook).blob().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(SentReports::Table, SentReports::SentBy)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One revision number per month, even when two coordinators send at once.
        manager
            .create_index(
                Index::create()
                    .name("idx_sent_reports_month_revision")
                    .table(SentReports::Table)
                    .col(SentReports::Month)
                    .col(SentReports::Revision)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SentReports::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SentReports {
    Table,
    Id,
    Month,
    Revision,
    SentAt,
    SentBy,
    Content,
    ContentHash,
    Changes,
    Workbook,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}
