//! Logging in with a code sent by SMS (`login_codes`), and people a volunteer or staff
//! member helps (`helped_people`): someone without a smartphone whom a neighbour registers
//! and signs up, on the helper's recorded word that the person agreed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginCodes::Table)
                    .col(
                        ColumnDef::new(LoginCodes::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(LoginCodes::PersonId).uuid().not_null())
                    // SHA-256 of the code; the code itself lives only in the SMS.
                    .col(
                        ColumnDef::new(LoginCodes::CodeHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LoginCodes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LoginCodes::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(LoginCodes::UsedAt).timestamp_with_time_zone())
                    // Wrong codes typed against it; a few and it is spent.
                    .col(
                        ColumnDef::new(LoginCodes::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LoginCodes::Table, LoginCodes::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_codes_person")
                    .table(LoginCodes::Table)
                    .col(LoginCodes::PersonId)
                    .col(LoginCodes::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HelpedPeople::Table)
                    .col(
                        ColumnDef::new(HelpedPeople::PersonId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(HelpedPeople::HelperId).uuid().not_null())
                    .col(ColumnDef::new(HelpedPeople::BirthYear).integer())
                    // The helper's statement that the person agreed, in the words shown to
                    // the helper when they ticked it, with who and when.
                    .col(ColumnDef::new(HelpedPeople::ConsentNote).text().not_null())
                    .col(
                        ColumnDef::new(HelpedPeople::ConsentedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // Set when the person logs in with their own phone and takes over.
                    .col(ColumnDef::new(HelpedPeople::ClaimedAt).timestamp_with_time_zone())
                    .foreign_key(
                        ForeignKey::create()
                            .from(HelpedPeople::Table, HelpedPeople::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(HelpedPeople::Table, HelpedPeople::HelperId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_helped_people_helper")
                    .table(HelpedPeople::Table)
                    .col(HelpedPeople::HelperId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(HelpedPeople::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LoginCodes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LoginCodes {
    Table,
    Id,
    PersonId,
    CodeHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    Attempts,
}

#[derive(DeriveIden)]
enum HelpedPeople {
    Table,
    PersonId,
    HelperId,
    BirthYear,
    ConsentNote,
    ConsentedAt,
    ClaimedAt,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}
