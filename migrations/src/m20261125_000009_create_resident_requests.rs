//! 三事分流: residents' requests, sorted into big, small and private matters, each with its
//! timeline of updates; and residents' satisfaction ratings, of a resolved request or of a
//! market-day stall.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ResidentRequests::Table)
                    .col(
                        ColumnDef::new(ResidentRequests::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::TrackingCode)
                            .string_len(16)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::Category)
                            .string_len(24)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::Description)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::Community)
                            .string_len(50)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::Place)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::ContactName)
                            .string_len(50)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::ContactPhone)
                            .string_len(11)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::MayContact)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::Channel)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ResidentRequests::EnteredBy).uuid().null())
                    .col(
                        ColumnDef::new(ResidentRequests::SubmittedFrom)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::Class)
                            .string_len(16)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::ClassReason)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::OrganizationId)
                            .uuid()
                            .null(),
                    )
                    .col(ColumnDef::new(ResidentRequests::ProjectId).uuid().null())
                    .col(
                        ColumnDef::new(ResidentRequests::Department)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ResidentRequests::ReferredOn).date().null())
                    .col(
                        ColumnDef::new(ResidentRequests::ReferenceNo)
                            .string_len(50)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ResidentRequests::Guidance).text().not_null())
                    .col(
                        ColumnDef::new(ResidentRequests::Resolution)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::PublicSummary)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::ClockFrom)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::DueAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(ResidentRequests::Round).integer().not_null())
                    .col(
                        ColumnDef::new(ResidentRequests::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResidentRequests::ResolvedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResidentRequests::Table, ResidentRequests::EnteredBy)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResidentRequests::Table, ResidentRequests::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResidentRequests::Table, ResidentRequests::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_requests_status", ResidentRequests::Status),
            (
                "idx_requests_organization",
                ResidentRequests::OrganizationId,
            ),
            (
                "idx_requests_submitted_from",
                ResidentRequests::SubmittedFrom,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ResidentRequests::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(RequestUpdates::Table)
                    .col(
                        ColumnDef::new(RequestUpdates::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(RequestUpdates::RequestId).uuid().not_null())
                    .col(
                        ColumnDef::new(RequestUpdates::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RequestUpdates::PersonId).uuid().null())
                    .col(
                        ColumnDef::new(RequestUpdates::Kind)
                            .string_len(24)
                            .not_null(),
                    )
                    .col(ColumnDef::new(RequestUpdates::Note).text().not_null())
                    // The class a (re)classification set.
                    .col(ColumnDef::new(RequestUpdates::Class).string_len(16).null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestUpdates::Table, RequestUpdates::RequestId)
                            .to(ResidentRequests::Table, ResidentRequests::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestUpdates::Table, RequestUpdates::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_request_updates_request")
                    .table(RequestUpdates::Table)
                    .col(RequestUpdates::RequestId)
                    .col(RequestUpdates::At)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SatisfactionRatings::Table)
                    .col(
                        ColumnDef::new(SatisfactionRatings::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SatisfactionRatings::RequestId).uuid().null())
                    .col(
                        ColumnDef::new(SatisfactionRatings::Round)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SatisfactionRatings::StallId).uuid().null())
                    .col(
                        ColumnDef::new(SatisfactionRatings::Level)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SatisfactionRatings::Comment)
                            .text()
                            .not_null(),
                    )
                    // What the rating is counted under, fixed when it is given.
                    .col(
                        ColumnDef::new(SatisfactionRatings::Class)
                            .string_len(16)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(SatisfactionRatings::OrganizationId)
                            .uuid()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(SatisfactionRatings::Service)
                            .string_len(20)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(SatisfactionRatings::RaterKey)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(SatisfactionRatings::SubmittedFrom)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SatisfactionRatings::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SatisfactionRatings::Table, SatisfactionRatings::RequestId)
                            .to(ResidentRequests::Table, ResidentRequests::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SatisfactionRatings::Table, SatisfactionRatings::StallId)
                            .to(Stalls::Table, Stalls::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                SatisfactionRatings::Table,
                                SatisfactionRatings::OrganizationId,
                            )
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One rating per request and round (a reopened request can be rated again), one
        // per stall and phone. NULLs are distinct on both databases, so each index only
        // binds the kind of rating it is about.
        manager
            .create_index(
                Index::create()
                    .name("idx_ratings_one_per_request_round")
                    .table(SatisfactionRatings::Table)
                    .col(SatisfactionRatings::RequestId)
                    .col(SatisfactionRatings::Round)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ratings_one_per_stall_rater")
                    .table(SatisfactionRatings::Table)
                    .col(SatisfactionRatings::StallId)
                    .col(SatisfactionRatings::RaterKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ratings_created")
                    .table(SatisfactionRatings::Table)
                    .col(SatisfactionRatings::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SatisfactionRatings::Table.into_iden(),
            RequestUpdates::Table.into_iden(),
            ResidentRequests::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Stalls {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ResidentRequests {
    Table,
    Id,
    TrackingCode,
    Category,
    Description,
    Community,
    Place,
    ContactName,
    ContactPhone,
    MayContact,
    Channel,
    EnteredBy,
    SubmittedFrom,
    Class,
    ClassReason,
    Status,
    OrganizationId,
    ProjectId,
    Department,
    ReferredOn,
    ReferenceNo,
    Guidance,
    Resolution,
    PublicSummary,
    ClockFrom,
    DueAt,
    Round,
    CreatedAt,
    UpdatedAt,
    ResolvedAt,
}

#[derive(DeriveIden)]
enum RequestUpdates {
    Table,
    Id,
    RequestId,
    At,
    PersonId,
    Kind,
    Note,
    Class,
}

#[derive(DeriveIden)]
enum SatisfactionRatings {
    Table,
    Id,
    RequestId,
    Round,
    StallId,
    Level,
    Comment,
    Class,
    OrganizationId,
    Service,
    RaterKey,
    SubmittedFrom,
    CreatedAt,
}
