//! The one source of the schema. Every change is a new file `mYYYYMMDD_NNNNNN_what.rs`,
//! written with sea-query builders so the same migration runs on SQLite and PostgreSQL,
//! and every migration can be rolled back with `down`.

#![allow(
    clippy::too_many_lines,
    reason = "a migration is its tables' schema, read as one statement"
)]

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_events;
mod m20261125_000002_create_people_and_accounts;
mod m20261125_000003_create_organizations;
mod m20261125_000004_create_organization_logos;
mod m20261125_000005_create_projects;
mod m20261125_000006_create_stalls_shifts_signups;
mod m20261125_000007_create_service_records;
mod m20261125_000008_create_certificates;
mod m20261125_000009_create_resident_requests;
mod m20261129_000010_add_lookup_indexes;
mod m20261130_000011_create_invitations;
mod m20261201_000012_certificate_snapshots;
mod m20261201_000013_create_sent_reports;
mod m20261201_000014_create_notices;
mod m20261201_000015_account_elder_mode;
mod m20261201_000016_login_codes_and_helped_people;
mod m20261201_000017_tally_taps;
mod m20261201_000018_resident_visits;
mod m20261201_000019_trainings_and_awards;
mod m20261201_000020_publicity;
mod m20261201_000021_venture_rounds;
mod m20261201_000022_page_versions;
mod m20261201_000023_figures_versions;
mod m20261205_000024_shifts_versions;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_events::Migration),
            Box::new(m20261125_000002_create_people_and_accounts::Migration),
            Box::new(m20261125_000003_create_organizations::Migration),
            Box::new(m20261125_000004_create_organization_logos::Migration),
            Box::new(m20261125_000005_create_projects::Migration),
            Box::new(m20261125_000006_create_stalls_shifts_signups::Migration),
            Box::new(m20261125_000007_create_service_records::Migration),
            Box::new(m20261125_000008_create_certificates::Migration),
            Box::new(m20261125_000009_create_resident_requests::Migration),
            Box::new(m20261129_000010_add_lookup_indexes::Migration),
            Box::new(m20261130_000011_create_invitations::Migration),
            Box::new(m20261201_000012_certificate_snapshots::Migration),
            Box::new(m20261201_000013_create_sent_reports::Migration),
            Box::new(m20261201_000014_create_notices::Migration),
            Box::new(m20261201_000015_account_elder_mode::Migration),
            Box::new(m20261201_000016_login_codes_and_helped_people::Migration),
            Box::new(m20261201_000017_tally_taps::Migration),
            Box::new(m20261201_000018_resident_visits::Migration),
            Box::new(m20261201_000019_trainings_and_awards::Migration),
            Box::new(m20261201_000020_publicity::Migration),
            Box::new(m20261201_000021_venture_rounds::Migration),
            Box::new(m20261201_000022_page_versions::Migration),
            Box::new(m20261201_000023_figures_versions::Migration),
            Box::new(m20261205_000024_shifts_versions::Migration),
        ]
    }
}
