//! Organizations and their incubation history, memberships, volunteers' skills, and
//! roster imports awaiting confirmation.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(
                        ColumnDef::new(Organizations::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Organizations::Name)
                            .string_len(100)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Organizations::ShortName)
                            .string_len(30)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::Theme)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::Community)
                            .string_len(50)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Organizations::Description).text().not_null())
                    .col(
                        ColumnDef::new(Organizations::ContactName)
                            .string_len(50)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::ContactPhone)
                            .string_len(11)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::Registration)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Organizations::FoundedOn).date().null())
                    .col(
                        ColumnDef::new(Organizations::Stage)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Organizations::ApplicantId).uuid().null())
                    .col(
                        ColumnDef::new(Organizations::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Organizations::Table, Organizations::ApplicantId)
                            .to(People::Table, People::Id),
                    )
                    .check(Expr::col(Organizations::Stage).is_in([
                        "applied",
                        "declined",
                        "incubating",
                        "graduated",
                        "suspended",
                        "exited",
                    ]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_organizations_stage")
                    .table(Organizations::Table)
                    .col(Organizations::Stage)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StageChanges::Table)
                    .col(
                        ColumnDef::new(StageChanges::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(StageChanges::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    // None for the first entry: the organization came into being.
                    .col(
                        ColumnDef::new(StageChanges::FromStage)
                            .string_len(20)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(StageChanges::ToStage)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(ColumnDef::new(StageChanges::OnDate).date().not_null())
                    .col(ColumnDef::new(StageChanges::ById).uuid().null())
                    .col(ColumnDef::new(StageChanges::Reason).text().not_null())
                    .col(
                        ColumnDef::new(StageChanges::RecordedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StageChanges::Table, StageChanges::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stage_changes_org")
                    .table(StageChanges::Table)
                    .col(StageChanges::OrganizationId)
                    .col(StageChanges::RecordedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(
                        ColumnDef::new(Memberships::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Memberships::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Memberships::PersonId).uuid().not_null())
                    .col(ColumnDef::new(Memberships::Role).string_len(16).not_null())
                    .col(ColumnDef::new(Memberships::JoinedOn).date().not_null())
                    .col(ColumnDef::new(Memberships::LeftOn).date().null())
                    .col(
                        ColumnDef::new(Memberships::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .check(Expr::col(Memberships::Role).is_in(["leader", "member"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_memberships_person")
                    .table(Memberships::Table)
                    .col(Memberships::PersonId)
                    .to_owned(),
            )
            .await?;
        // One current membership per person and organization, however many requests or
        // imports race: a partial unique index (SQLite and PostgreSQL both have them).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_memberships_current \
                 ON memberships (organization_id, person_id) WHERE left_on IS NULL",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonSkills::Table)
                    .col(ColumnDef::new(PersonSkills::PersonId).uuid().not_null())
                    .col(
                        ColumnDef::new(PersonSkills::Skill)
                            .string_len(20)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(PersonSkills::PersonId)
                            .col(PersonSkills::Skill),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PersonSkills::Table, PersonSkills::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RosterImports::Table)
                    .col(
                        ColumnDef::new(RosterImports::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RosterImports::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RosterImports::CreatedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(RosterImports::FileName)
                            .string_len(200)
                            .not_null(),
                    )
                    // The parsed rows, as JSON, until the import is confirmed.
                    .col(ColumnDef::new(RosterImports::Rows).text().not_null())
                    .col(
                        ColumnDef::new(RosterImports::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RosterImports::CommittedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RosterImports::Table, RosterImports::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RosterImports::Table.into_iden(),
            PersonSkills::Table.into_iden(),
            Memberships::Table.into_iden(),
            StageChanges::Table.into_iden(),
            Organizations::Table.into_iden(),
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
    Name,
    ShortName,
    Theme,
    Community,
    Description,
    ContactName,
    ContactPhone,
    Registration,
    FoundedOn,
    Stage,
    ApplicantId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StageChanges {
    #[sea_orm(iden = "organization_stage_changes")]
    Table,
    Id,
    OrganizationId,
    FromStage,
    ToStage,
    OnDate,
    ById,
    Reason,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    OrganizationId,
    PersonId,
    Role,
    JoinedOn,
    LeftOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PersonSkills {
    Table,
    PersonId,
    Skill,
}

#[derive(DeriveIden)]
enum RosterImports {
    Table,
    Id,
    OrganizationId,
    CreatedBy,
    FileName,
    Rows,
    CreatedAt,
    CommittedAt,
}
