//! 公益创投: funding rounds in which organizations apply with a project, assigned reviewers
//! score each application per criterion, staff award amounts within the round's budget
//! (a counter the database keeps at or below the budget, so two awards at once can never
//! exceed it), results are posted publicly, and each award becomes a project paid in
//! tranches (funding entries linked to the award, again kept at or below it).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

fn at(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Rounds::Table)
                    .col(id(Rounds::Id))
                    .col(ColumnDef::new(Rounds::Title).string_len(100).not_null())
                    .col(ColumnDef::new(Rounds::Description).text().not_null())
                    .col(ColumnDef::new(Rounds::BudgetFen).big_integer().not_null())
                    .col(
                        ColumnDef::new(Rounds::AwardedFen)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    // Theme codes and incubation stages, comma-separated.
                    .col(ColumnDef::new(Rounds::Themes).string_len(200).not_null())
                    .col(ColumnDef::new(Rounds::Stages).string_len(100).not_null())
                    .col(ColumnDef::new(Rounds::OpensOn).date().not_null())
                    .col(ColumnDef::new(Rounds::ClosesOn).date().not_null())
                    .col(ColumnDef::new(Rounds::ReviewUntil).date().not_null())
                    // JSON: [{"name": "需求", "weight": 30}, …]
                    .col(ColumnDef::new(Rounds::Criteria).text().not_null())
                    .col(ColumnDef::new(Rounds::PublicityDays).integer().not_null())
                    .col(ColumnDef::new(Rounds::AnnouncedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Rounds::CreatedBy).uuid().not_null())
                    .col(at(Rounds::CreatedAt))
                    .check(Expr::col(Rounds::BudgetFen).gt(0))
                    .check(
                        Expr::col(Rounds::AwardedFen)
                            .gte(0)
                            .and(Expr::col(Rounds::AwardedFen).lte(Expr::col(Rounds::BudgetFen))),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Reviewers::Table)
                    .col(ColumnDef::new(Reviewers::RoundId).uuid().not_null())
                    .col(ColumnDef::new(Reviewers::PersonId).uuid().not_null())
                    .primary_key(
                        Index::create()
                            .col(Reviewers::RoundId)
                            .col(Reviewers::PersonId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviewers::Table, Reviewers::RoundId)
                            .to(Rounds::Table, Rounds::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviewers::Table, Reviewers::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        create_applications(manager).await?;
        create_scores_tranches_reports(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            VentureReports::Table.into_iden(),
            Tranches::Table.into_iden(),
            Scores::Table.into_iden(),
            Applications::Table.into_iden(),
            Reviewers::Table.into_iden(),
            Rounds::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn create_applications(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Applications::Table)
                .col(id(Applications::Id))
                .col(ColumnDef::new(Applications::RoundId).uuid().not_null())
                .col(
                    ColumnDef::new(Applications::OrganizationId)
                        .uuid()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Applications::Title)
                        .string_len(100)
                        .not_null(),
                )
                .col(ColumnDef::new(Applications::Plan).text().not_null())
                .col(ColumnDef::new(Applications::Goals).text().not_null())
                .col(ColumnDef::new(Applications::Beneficiaries).integer())
                .col(ColumnDef::new(Applications::Timeline).text().not_null())
                // JSON: [{"item": "理发工具", "fen": 120000}, …]
                .col(ColumnDef::new(Applications::Budget).text().not_null())
                .col(
                    ColumnDef::new(Applications::RequestFen)
                        .big_integer()
                        .not_null(),
                )
                // `draft`, `submitted` or `withdrawn`.
                .col(
                    ColumnDef::new(Applications::Status)
                        .string_len(10)
                        .not_null(),
                )
                .col(ColumnDef::new(Applications::SubmittedAt).timestamp_with_time_zone())
                .col(ColumnDef::new(Applications::AwardFen).big_integer())
                .col(ColumnDef::new(Applications::AwardedBy).uuid())
                .col(
                    ColumnDef::new(Applications::PaidFen)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(ColumnDef::new(Applications::ProjectId).uuid())
                .col(ColumnDef::new(Applications::CreatedBy).uuid().not_null())
                .col(at(Applications::CreatedAt))
                .col(at(Applications::UpdatedAt))
                .index(
                    Index::create()
                        .name("idx_applications_round_org")
                        .col(Applications::RoundId)
                        .col(Applications::OrganizationId)
                        .unique(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Applications::Table, Applications::RoundId)
                        .to(Rounds::Table, Rounds::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Applications::Table, Applications::OrganizationId)
                        .to(Organizations::Table, Organizations::Id),
                )
                .check(Expr::col(Applications::Status).is_in(["draft", "submitted", "withdrawn"]))
                .check(Expr::col(Applications::AwardFen).is_null().or(
                    Expr::col(Applications::AwardFen).gt(0).and(
                        Expr::col(Applications::AwardFen).lte(Expr::col(Applications::RequestFen)),
                    ),
                ))
                .check(
                    Expr::col(Applications::PaidFen).gte(0).and(
                        Expr::col(Applications::PaidFen)
                            .lte(Expr::col(Applications::AwardFen).if_null(0)),
                    ),
                )
                .to_owned(),
        )
        .await
}

async fn create_scores_tranches_reports(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Scores::Table)
                .col(ColumnDef::new(Scores::ApplicationId).uuid().not_null())
                .col(ColumnDef::new(Scores::ReviewerId).uuid().not_null())
                .col(ColumnDef::new(Scores::Criterion).integer().not_null())
                .col(ColumnDef::new(Scores::Score).integer().not_null())
                .col(ColumnDef::new(Scores::Comment).text().not_null())
                .col(at(Scores::ScoredAt))
                .primary_key(
                    Index::create()
                        .col(Scores::ApplicationId)
                        .col(Scores::ReviewerId)
                        .col(Scores::Criterion),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Scores::Table, Scores::ApplicationId)
                        .to(Applications::Table, Applications::Id),
                )
                .check(Expr::col(Scores::Score).between(0, 100))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(Tranches::Table)
                .col(
                    ColumnDef::new(Tranches::FundingEntryId)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Tranches::ApplicationId).uuid().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(Tranches::Table, Tranches::ApplicationId)
                        .to(Applications::Table, Applications::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Tranches::Table, Tranches::FundingEntryId)
                        .to(FundingEntries::Table, FundingEntries::Id),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(VentureReports::Table)
                .col(id(VentureReports::Id))
                .col(
                    ColumnDef::new(VentureReports::ApplicationId)
                        .uuid()
                        .not_null(),
                )
                // `midterm` or `final`.
                .col(
                    ColumnDef::new(VentureReports::Kind)
                        .string_len(10)
                        .not_null(),
                )
                .col(ColumnDef::new(VentureReports::Text).text().not_null())
                .col(ColumnDef::new(VentureReports::Reached).integer())
                .col(
                    ColumnDef::new(VentureReports::SubmittedBy)
                        .uuid()
                        .not_null(),
                )
                .col(at(VentureReports::SubmittedAt))
                // `submitted`, `accepted` or `returned`.
                .col(
                    ColumnDef::new(VentureReports::Status)
                        .string_len(10)
                        .not_null(),
                )
                .col(ColumnDef::new(VentureReports::StaffNote).text().not_null())
                .col(ColumnDef::new(VentureReports::DecidedBy).uuid())
                .col(ColumnDef::new(VentureReports::DecidedAt).timestamp_with_time_zone())
                .foreign_key(
                    ForeignKey::create()
                        .from(VentureReports::Table, VentureReports::ApplicationId)
                        .to(Applications::Table, Applications::Id),
                )
                .check(Expr::col(VentureReports::Kind).is_in(["midterm", "final"]))
                .check(Expr::col(VentureReports::Status).is_in([
                    "submitted",
                    "accepted",
                    "returned",
                ]))
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden)]
enum Rounds {
    #[sea_orm(iden = "venture_rounds")]
    Table,
    Id,
    Title,
    Description,
    BudgetFen,
    AwardedFen,
    Themes,
    Stages,
    OpensOn,
    ClosesOn,
    ReviewUntil,
    Criteria,
    PublicityDays,
    AnnouncedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Reviewers {
    #[sea_orm(iden = "venture_reviewers")]
    Table,
    RoundId,
    PersonId,
}

#[derive(DeriveIden)]
enum Applications {
    #[sea_orm(iden = "venture_applications")]
    Table,
    Id,
    RoundId,
    OrganizationId,
    Title,
    Plan,
    Goals,
    Beneficiaries,
    Timeline,
    Budget,
    RequestFen,
    Status,
    SubmittedAt,
    AwardFen,
    AwardedBy,
    PaidFen,
    ProjectId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Scores {
    #[sea_orm(iden = "venture_scores")]
    Table,
    ApplicationId,
    ReviewerId,
    Criterion,
    Score,
    Comment,
    ScoredAt,
}

#[derive(DeriveIden)]
enum Tranches {
    #[sea_orm(iden = "venture_tranches")]
    Table,
    FundingEntryId,
    ApplicationId,
}

#[derive(DeriveIden)]
enum VentureReports {
    Table,
    Id,
    ApplicationId,
    Kind,
    Text,
    Reached,
    SubmittedBy,
    SubmittedAt,
    Status,
    StaffNote,
    DecidedBy,
    DecidedAt,
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
enum FundingEntries {
    Table,
    Id,
}
