//! Certificates become snapshots: what was certified (holder as shown, organizations,
//! every service with its hours, the issuer's people) is stored with its hash when issued,
//! and a certificate replaced after a correction names the number that replaces it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        let columns = [
            // JSON of what was certified; empty for certificates issued before snapshots.
            ColumnDef::new(Certificates::Content)
                .text()
                .not_null()
                .default("")
                .to_owned(),
            // SHA-256 (hex) of `content`.
            ColumnDef::new(Certificates::ContentHash)
                .string_len(64)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(Certificates::SupersededBy)
                .string_len(20)
                .null()
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Certificates::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Certificates::SupersededBy,
            Certificates::ContentHash,
            Certificates::Content,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Certificates::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Content,
    ContentHash,
    SupersededBy,
}
