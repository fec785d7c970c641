//! Public-welfare projects, their partner organizations, and the funding ledger (integer
//! fen; mistakes are fixed by reversal entries, never by editing or deleting).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(ColumnDef::new(Projects::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Projects::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(Projects::Title).string_len(100).not_null())
                    .col(ColumnDef::new(Projects::Theme).string_len(20).not_null())
                    .col(ColumnDef::new(Projects::Description).text().not_null())
                    .col(ColumnDef::new(Projects::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Projects::StartsOn).date().not_null())
                    .col(ColumnDef::new(Projects::EndsOn).date().null())
                    .col(ColumnDef::new(Projects::GoalBeneficiaries).integer().null())
                    .col(
                        ColumnDef::new(Projects::GoalText)
                            .string_len(500)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Projects::Community)
                            .string_len(50)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Projects::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Projects::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Projects::Table, Projects::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .check(Expr::col(Projects::Status).is_in(["planned", "active", "closed"]))
                    .check(
                        Expr::col(Projects::EndsOn)
                            .is_null()
                            .or(Expr::col(Projects::EndsOn).gte(Expr::col(Projects::StartsOn))),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_projects_organization")
                    .table(Projects::Table)
                    .col(Projects::OrganizationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectPartners::Table)
                    .col(ColumnDef::new(ProjectPartners::ProjectId).uuid().not_null())
                    .col(
                        ColumnDef::new(ProjectPartners::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ProjectPartners::ProjectId)
                            .col(ProjectPartners::OrganizationId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectPartners::Table, ProjectPartners::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectPartners::Table, ProjectPartners::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FundingEntries::Table)
                    .col(
                        ColumnDef::new(FundingEntries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(FundingEntries::ProjectId).uuid().not_null())
                    .col(
                        ColumnDef::new(FundingEntries::Source)
                            .string_len(20)
                            .not_null(),
                    )
                    // Fen. Positive for money received, the negative of the original for a
                    // reversal.
                    .col(
                        ColumnDef::new(FundingEntries::AmountFen)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(FundingEntries::ReceivedOn).date().not_null())
                    .col(
                        ColumnDef::new(FundingEntries::Contributor)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FundingEntries::ContributorCount)
                            .integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(FundingEntries::Note)
                            .string_len(500)
                            .not_null(),
                    )
                    // Set on a reversal: the entry it cancels (each at most once).
                    .col(
                        ColumnDef::new(FundingEntries::ReversesId)
                            .uuid()
                            .null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(FundingEntries::RecordedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(FundingEntries::RecordedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(FundingEntries::Table, FundingEntries::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(FundingEntries::Table, FundingEntries::ReversesId)
                            .to(FundingEntries::Table, FundingEntries::Id),
                    )
                    .check(Expr::col(FundingEntries::AmountFen).ne(0))
                    .check(Expr::col(FundingEntries::Source).is_in([
                        "fund_grant",
                        "crowdfunding",
                        "unit_support",
                        "donation",
                        "community_income",
                    ]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_funding_project_date")
                    .table(FundingEntries::Table)
                    .col(FundingEntries::ProjectId)
                    .col(FundingEntries::ReceivedOn)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FundingEntries::Table.into_iden(),
            ProjectPartners::Table.into_iden(),
            Projects::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
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
    OrganizationId,
    Title,
    Theme,
    Description,
    Status,
    StartsOn,
    EndsOn,
    GoalBeneficiaries,
    GoalText,
    Community,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProjectPartners {
    Table,
    ProjectId,
    OrganizationId,
}

#[derive(DeriveIden)]
enum FundingEntries {
    Table,
    Id,
    ProjectId,
    Source,
    AmountFen,
    ReceivedOn,
    Contributor,
    ContributorCount,
    Note,
    ReversesId,
    RecordedBy,
    RecordedAt,
}
