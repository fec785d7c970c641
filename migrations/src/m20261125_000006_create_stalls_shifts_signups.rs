//! What a market day needs for volunteers: its organizer, sign-up cut-off and
//! cancellation reason; stalls run by organizations; shifts with a capacity the database
//! itself enforces; sign-ups (confirmed, waitlisted in arrival order, or cancelled); and the
//! secret of each person's private calendar feed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            ColumnDef::new(Events::Description)
                .text()
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(Events::OrganizerId).uuid().null().to_owned(),
            ColumnDef::new(Events::ProjectId).uuid().null().to_owned(),
            ColumnDef::new(Events::SignupClosesAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Events::CancelReason)
                .text()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Events::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Stalls::Table)
                    .col(ColumnDef::new(Stalls::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Stalls::EventId).uuid().not_null())
                    .col(ColumnDef::new(Stalls::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(Stalls::Service).string_len(20).not_null())
                    .col(ColumnDef::new(Stalls::Description).text().not_null())
                    .col(
                        ColumnDef::new(Stalls::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Stalls::Table, Stalls::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Stalls::Table, Stalls::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stalls_event")
                    .table(Stalls::Table)
                    .col(Stalls::EventId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Shifts::Table)
                    .col(ColumnDef::new(Shifts::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Shifts::StallId).uuid().not_null())
                    .col(
                        ColumnDef::new(Shifts::StartsAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Shifts::EndsAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Shifts::Capacity).integer().not_null())
                    // Kept by the sign-up statements themselves: a conditional increment
                    // that only succeeds while a place is free.
                    .col(
                        ColumnDef::new(Shifts::ConfirmedCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Shifts::RequiredSkill).string_len(20).null())
                    .col(
                        ColumnDef::new(Shifts::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Shifts::Table, Shifts::StallId)
                            .to(Stalls::Table, Stalls::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(Expr::col(Shifts::EndsAt).gt(Expr::col(Shifts::StartsAt)))
                    .check(Expr::col(Shifts::Capacity).between(1, 500))
                    // The promise, in the database: never more confirmed than places.
                    .check(
                        Expr::col(Shifts::ConfirmedCount).gte(0).and(
                            Expr::col(Shifts::ConfirmedCount).lte(Expr::col(Shifts::Capacity)),
                        ),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_shifts_stall")
                    .table(Shifts::Table)
                    .col(Shifts::StallId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Signups::Table)
                    .col(ColumnDef::new(Signups::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Signups::ShiftId).uuid().not_null())
                    .col(ColumnDef::new(Signups::PersonId).uuid().not_null())
                    .col(ColumnDef::new(Signups::Status).string_len(16).not_null())
                    // Arrival order, for the waitlist (a sequence would be per-database;
                    // UUIDv7 ids are ordered by time already, this is for clarity).
                    .col(
                        ColumnDef::new(Signups::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Signups::ConfirmedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Signups::CancelledAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Signups::AddedBy).uuid().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Signups::Table, Signups::ShiftId)
                            .to(Shifts::Table, Shifts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Signups::Table, Signups::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .check(Expr::col(Signups::Status).is_in([
                        "confirmed",
                        "waitlisted",
                        "cancelled",
                    ]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_signups_person")
                    .table(Signups::Table)
                    .col(Signups::PersonId)
                    .to_owned(),
            )
            .await?;
        // One live sign-up per person and shift, however fast they tap.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_signups_live ON signups (shift_id, person_id) \
                 WHERE status <> 'cancelled'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CalendarFeeds::Table)
                    .col(
                        ColumnDef::new(CalendarFeeds::PersonId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(CalendarFeeds::Secret)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(CalendarFeeds::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CalendarFeeds::Table, CalendarFeeds::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CalendarFeeds::Table.into_iden(),
            Signups::Table.into_iden(),
            Shifts::Table.into_iden(),
            Stalls::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [
            Events::Description,
            Events::OrganizerId,
            Events::ProjectId,
            Events::SignupClosesAt,
            Events::CancelReason,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Events::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Description,
    OrganizerId,
    ProjectId,
    SignupClosesAt,
    CancelReason,
}

#[derive(DeriveIden)]
enum Organizations {
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
    EventId,
    OrganizationId,
    Service,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Shifts {
    Table,
    Id,
    StallId,
    StartsAt,
    EndsAt,
    Capacity,
    ConfirmedCount,
    RequiredSkill,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Signups {
    Table,
    Id,
    ShiftId,
    PersonId,
    Status,
    CreatedAt,
    ConfirmedAt,
    CancelledAt,
    AddedBy,
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    PersonId,
    Secret,
    CreatedAt,
}
