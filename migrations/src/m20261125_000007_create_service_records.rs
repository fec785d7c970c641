//! What happened on the day: check-in and check-out per sign-up, hours (every value an
//! entry of its own: confirmations and corrections are added, never edited), and the
//! residents each stall served (reported and corrected the same way).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Shifts::Table)
                    .add_column(ColumnDef::new(Shifts::CheckinToken).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_shifts_checkin_token ON shifts (checkin_token)",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ServiceRecords::Table)
                    .col(
                        ColumnDef::new(ServiceRecords::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ServiceRecords::SignupId)
                            .uuid()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(ServiceRecords::ShiftId).uuid().not_null())
                    .col(ColumnDef::new(ServiceRecords::PersonId).uuid().not_null())
                    .col(
                        ColumnDef::new(ServiceRecords::CheckedInAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ServiceRecords::CheckedOutAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    // `attended` or `no_show`; None until someone says.
                    .col(
                        ColumnDef::new(ServiceRecords::Attendance)
                            .string_len(16)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ServiceRecords::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceRecords::Table, ServiceRecords::SignupId)
                            .to(Signups::Table, Signups::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceRecords::Table, ServiceRecords::ShiftId)
                            .to(Shifts::Table, Shifts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceRecords::Table, ServiceRecords::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_service_records_person")
                    .table(ServiceRecords::Table)
                    .col(ServiceRecords::PersonId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HourEntries::Table)
                    .col(
                        ColumnDef::new(HourEntries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(HourEntries::RecordId).uuid().not_null())
                    // Tenths of an hour: one decimal, as integers.
                    .col(ColumnDef::new(HourEntries::Tenths).integer().not_null())
                    .col(
                        ColumnDef::new(HourEntries::Reason)
                            .string_len(500)
                            .not_null(),
                    )
                    .col(ColumnDef::new(HourEntries::EnteredBy).uuid().not_null())
                    .col(
                        ColumnDef::new(HourEntries::EnteredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(HourEntries::Table, HourEntries::RecordId)
                            .to(ServiceRecords::Table, ServiceRecords::Id),
                    )
                    .check(Expr::col(HourEntries::Tenths).gte(0))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BeneficiaryReports::Table)
                    .col(
                        ColumnDef::new(BeneficiaryReports::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(BeneficiaryReports::StallId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BeneficiaryReports::Total)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(BeneficiaryReports::Elderly).integer().null())
                    .col(
                        ColumnDef::new(BeneficiaryReports::Children)
                            .integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(BeneficiaryReports::Disabled)
                            .integer()
                            .null(),
                    )
                    .col(ColumnDef::new(BeneficiaryReports::Other).integer().null())
                    .col(
                        ColumnDef::new(BeneficiaryReports::Reason)
                            .string_len(500)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BeneficiaryReports::EnteredBy)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BeneficiaryReports::EnteredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(BeneficiaryReports::Table, BeneficiaryReports::StallId)
                            .to(Stalls::Table, Stalls::Id),
                    )
                    .check(Expr::col(BeneficiaryReports::Total).gte(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BeneficiaryReports::Table.into_iden(),
            HourEntries::Table.into_iden(),
            ServiceRecords::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        // SQLite refuses to drop a column an index still names.
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_shifts_checkin_token")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Shifts::Table)
                    .drop_column(Shifts::CheckinToken)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Shifts {
    Table,
    Id,
    CheckinToken,
}

#[derive(DeriveIden)]
enum Signups {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Stalls {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ServiceRecords {
    Table,
    Id,
    SignupId,
    ShiftId,
    PersonId,
    CheckedInAt,
    CheckedOutAt,
    Attendance,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HourEntries {
    Table,
    Id,
    RecordId,
    Tenths,
    Reason,
    EnteredBy,
    EnteredAt,
}

#[derive(DeriveIden)]
enum BeneficiaryReports {
    Table,
    Id,
    StallId,
    Total,
    Elderly,
    Children,
    Disabled,
    Other,
    Reason,
    EnteredBy,
    EnteredAt,
}
