//! Invitations to join an organization: a leader who adds someone already on the platform
//! by phone invites them, and they become a member only when they accept.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(
                        ColumnDef::new(Invitations::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Invitations::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Invitations::PersonId).uuid().not_null())
                    .col(ColumnDef::new(Invitations::Role).string_len(16).not_null())
                    // Skill codes the leader gave, comma-separated (added on acceptance).
                    .col(ColumnDef::new(Invitations::Skills).text().not_null())
                    // Who invited (the audit log has it too).
                    .col(ColumnDef::new(Invitations::InvitedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(Invitations::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // pending → accepted or declined.
                    .col(
                        ColumnDef::new(Invitations::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Invitations::DecidedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .check(
                        Expr::col(Invitations::Status).is_in(["pending", "accepted", "declined"]),
                    )
                    .check(Expr::col(Invitations::Role).is_in(["leader", "member"]))
                    .to_owned(),
            )
            .await?;
        // One invitation per person and organization at a time.
        manager
            .create_index(
                Index::create()
                    .name("idx_invitations_org_person")
                    .table(Invitations::Table)
                    .col(Invitations::OrganizationId)
                    .col(Invitations::PersonId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_invitations_person")
                    .table(Invitations::Table)
                    .col(Invitations::PersonId)
                    .col(Invitations::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Invitations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    OrganizationId,
    PersonId,
    Role,
    Skills,
    InvitedBy,
    CreatedAt,
    Status,
    DecidedAt,
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
