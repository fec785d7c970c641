//! Notifications: what a person is told (`notices`, their in-app inbox) and how each notice
//! leaves the platform (`deliveries`, the outbox: one row a channel). Both are written in the
//! same transaction as the change that causes them, so a change rolled back tells nobody and
//! a committed one always reaches its outbox. `notice_settings` holds each person's choices.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notices::Table)
                    .col(ColumnDef::new(Notices::Id).uuid().not_null().primary_key())
                    // Empty for a resident who is not on the platform: no inbox, an SMS only.
                    .col(ColumnDef::new(Notices::PersonId).uuid())
                    .col(ColumnDef::new(Notices::Kind).string_len(32).not_null())
                    // JSON object of the message's arguments (names, times), all text.
                    .col(ColumnDef::new(Notices::Args).text().not_null())
                    .col(ColumnDef::new(Notices::Link).string_len(200).not_null())
                    // Changes, cancellations and staff messages: not held for quiet hours.
                    .col(ColumnDef::new(Notices::Urgent).boolean().not_null())
                    // Reminders are enqueued by a job that may run on several servers at
                    // once: one notice a key.
                    .col(
                        ColumnDef::new(Notices::DedupeKey)
                            .string_len(120)
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Notices::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Notices::ReadAt).timestamp_with_time_zone())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notices::Table, Notices::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notices_person_created")
                    .table(Notices::Table)
                    .col(Notices::PersonId)
                    .col(Notices::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    // Also the idempotency key the provider call carries.
                    .col(
                        ColumnDef::new(Deliveries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Deliveries::NoticeId).uuid().not_null())
                    .col(ColumnDef::new(Deliveries::PersonId).uuid())
                    // A resident's number (a request's contact), kept only until the message
                    // has gone or been given up; a person's is looked up when sending.
                    .col(ColumnDef::new(Deliveries::ToPhone).string_len(20))
                    .col(ColumnDef::new(Deliveries::Channel).string_len(8).not_null())
                    .col(ColumnDef::new(Deliveries::Urgent).boolean().not_null())
                    .col(ColumnDef::new(Deliveries::Status).string_len(12).not_null())
                    .col(
                        ColumnDef::new(Deliveries::DueAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Deliveries::Attempts).integer().not_null())
                    // The worker holding it, until when: a worker that dies loses its
                    // claim when the lease ends and another sends (at least once).
                    .col(ColumnDef::new(Deliveries::ClaimId).uuid())
                    .col(ColumnDef::new(Deliveries::ClaimedUntil).timestamp_with_time_zone())
                    .col(ColumnDef::new(Deliveries::SentAt).timestamp_with_time_zone())
                    // A reminder is worth nothing once its shift has started.
                    .col(ColumnDef::new(Deliveries::ExpiresAt).timestamp_with_time_zone())
                    // Never an address or a phone number.
                    .col(ColumnDef::new(Deliveries::LastError).string_len(200))
                    .col(
                        ColumnDef::new(Deliveries::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::NoticeId)
                            .to(Notices::Table, Notices::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_status_due")
                    .table(Deliveries::Table)
                    .col(Deliveries::Status)
                    .col(Deliveries::DueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_person_sent")
                    .table(Deliveries::Table)
                    .col(Deliveries::PersonId)
                    .col(Deliveries::SentAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NoticeSettings::Table)
                    .col(
                        ColumnDef::new(NoticeSettings::PersonId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(NoticeSettings::Email).string_len(254))
                    .col(ColumnDef::new(NoticeSettings::BySms).boolean().not_null())
                    .col(ColumnDef::new(NoticeSettings::ByEmail).boolean().not_null())
                    .col(
                        ColumnDef::new(NoticeSettings::Reminders)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NoticeSettings::Lang)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NoticeSettings::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(NoticeSettings::Table, NoticeSettings::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NoticeSettings::Table.into_iden(),
            Deliveries::Table.into_iden(),
            Notices::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    Id,
    PersonId,
    Kind,
    Args,
    Link,
    Urgent,
    DedupeKey,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    NoticeId,
    PersonId,
    ToPhone,
    Channel,
    Urgent,
    Status,
    DueAt,
    Attempts,
    ClaimId,
    ClaimedUntil,
    SentAt,
    ExpiresAt,
    LastError,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NoticeSettings {
    Table,
    PersonId,
    Email,
    BySms,
    ByEmail,
    Reminders,
    Lang,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}
