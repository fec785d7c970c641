//! Indexes for the lookups that grow with years of use: a shift's service records, a
//! record's hour entries, a stall's beneficiary reports, a shift's sign-ups by status.
//! Without them the dashboard and the market-day page scan whole tables (the load
//! benchmark in `crates/bench` shows the difference).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (name, table, columns)
const INDEXES: [(&str, &str, &[&str]); 4] = [
    (
        "idx_service_records_shift",
        "service_records",
        &["shift_id"],
    ),
    (
        "idx_hour_entries_record",
        "hour_entries",
        &["record_id", "entered_at"],
    ),
    (
        "idx_beneficiary_reports_stall",
        "beneficiary_reports",
        &["stall_id", "entered_at"],
    ),
    (
        "idx_signups_shift_status",
        "signups",
        &["shift_id", "status", "created_at"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(Alias::new(table));
            for column in columns {
                index.col(Alias::new(*column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
