//! `weiyifang copy`: moves a whole platform from one database to another (SQLite to
//! PostgreSQL when a district consolidates, or back), table by table in dependency order, in
//! batches, inside one transaction on the target, and then proves the copy: every table's
//! row count and checksum are compared on both sides.
//!
//! Rows go through the entities, so each database gets its own types (UUIDs, timestamps,
//! booleans) and nothing is copied as raw text.

use std::io::{IsTerminal, Write};

use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::Value;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, IsolationLevel, Iterable, ModelTrait, PaginatorTrait,
    PrimaryKeyToColumn, QueryOrder, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::db;
use crate::settings::Settings;

const BATCH: u64 = 500;

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "the target database already holds data ({0} rows in {1}); copy only into an empty one"
    )]
    TargetNotEmpty(u64, &'static str),
    #[error(
        "the source database's schema ({found}) is not this program's ({expected}); run `weiyifang migrate` on it first"
    )]
    SchemaMismatch { found: String, expected: String },
    #[error(
        "the copy of {table} does not match: {source_rows} rows / checksum {source_sum:016x} on the source, {target_rows} / {target_sum:016x} on the target"
    )]
    Mismatch {
        table: &'static str,
        source_rows: u64,
        source_sum: u64,
        target_rows: u64,
        target_sum: u64,
    },
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
}

/// One table's row count and checksum, on one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableSum {
    pub rows: u64,
    pub checksum: u64,
}

/// What the copy did, table by table.
pub struct CopyReport {
    pub tables: Vec<(&'static str, TableSum)>,
}

/// A value as text the same on both databases: timestamps to the microsecond (what
/// PostgreSQL keeps), everything else as its debug form (the entity fixes the variant).
fn normalized(value: &Value) -> String {
    match value {
        Value::ChronoDateTimeUtc(Some(at)) => at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        other => format!("{other:?}"),
    }
}

/// Row count and an order-independent checksum (the wrapping sum of each row's SHA-256):
/// the two databases may sort text differently, and the sum does not care.
async fn table_sum<E>(db: &impl ConnectionTrait) -> Result<TableSum, CopyError>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let mut sum = TableSum {
        rows: 0,
        checksum: 0,
    };
    let mut pages = ordered::<E>().paginate(db, BATCH);
    while let Some(models) = pages.fetch_and_next().await? {
        for model in models {
            let mut digest = Sha256::new();
            for column in E::Column::iter() {
                digest.update(normalized(&model.get(column)).as_bytes());
                digest.update([0x1f]);
            }
            let hash = digest.finalize();
            let mut first = [0u8; 8];
            first.copy_from_slice(&hash[..8]);
            sum.checksum = sum.checksum.wrapping_add(u64::from_le_bytes(first));
            sum.rows += 1;
        }
    }
    Ok(sum)
}

/// The table in primary-key order, so batches follow each other without gaps or repeats.
fn ordered<E: EntityTrait>() -> sea_orm::Select<E> {
    let mut query = E::find();
    for key in E::PrimaryKey::iter() {
        query = query.order_by_asc(key.into_column());
    }
    query
}

async fn copy_table<E>(
    source: &DatabaseTransaction,
    target: &member::tx::WriteTxn,
    name: &'static str,
) -> Result<u64, CopyError>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let total = E::find().count(source).await?;
    let mut done = 0;
    let mut pages = ordered::<E>().paginate(source, BATCH);
    while let Some(models) = pages.fetch_and_next().await? {
        done += models.len() as u64;
        E::insert_many(models.into_iter().map(IntoActiveModel::into_active_model))
            .exec_without_returning(target)
            .await?;
        // A live progress line at a terminal; one line per table in a log.
        if std::io::stderr().is_terminal() {
            eprint!("\r  {name}: {done}/{total}");
            std::io::stderr().flush().ok();
        }
    }
    eprintln!("\r  {name}: {done}/{total}");
    Ok(done)
}

/// Something done to every table, whatever its entity.
trait TableAction {
    type Output;

    async fn run<E>(&mut self, table: &'static str) -> Result<Self::Output, CopyError>
    where
        E: EntityTrait,
        E::Model: IntoActiveModel<E::ActiveModel> + Sync,
        E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send;
}

/// `(table, action.run::<Entity>(table))` for each table named, in the order given.
macro_rules! run_on {
    ($action:ident; $($table:literal => $entity:ty,)*) => {
        vec![$(($table, $action.run::<$entity>($table).await?)),*]
    };
}

/// Runs `action` on every table of the platform, parents before children (the order the
/// migrations create them in).
async fn every_table<A: TableAction>(
    action: &mut A,
) -> Result<Vec<(&'static str, A::Output)>, CopyError> {
    use event::entities as ev;
    use member::entities as mb;
    use project::entities as pr;
    use triage::entities as tr;
    Ok(run_on! { action;
        "events" => ev::event::Entity,
        "people" => mb::person::Entity,
        "accounts" => mb::account::Entity,
        "sessions" => mb::session::Entity,
        "api_tokens" => mb::api_token::Entity,
        "reset_codes" => mb::reset_code::Entity,
        "login_failures" => mb::login_failure::Entity,
        "login_codes" => mb::login_code::Entity,
        "helped_people" => mb::helped_person::Entity,
        "audit_log" => mb::audit_entry::Entity,
        "organizations" => mb::organization::Entity,
        "organization_stage_changes" => mb::stage_change::Entity,
        "memberships" => mb::membership::Entity,
        "invitations" => mb::invitation::Entity,
        "person_skills" => mb::person_skill::Entity,
        "record_entries" => mb::record_entry::Entity,
        "volunteer_numbers" => mb::volunteer_number::Entity,
        "roster_imports" => mb::roster_import::Entity,
        "organization_logos" => mb::organization_logo::Entity,
        "notices" => mb::notice::Entity,
        "deliveries" => mb::delivery::Entity,
        "notice_settings" => mb::notice_setting::Entity,
        "projects" => pr::project::Entity,
        "project_partners" => pr::partner::Entity,
        "funding_entries" => pr::funding_entry::Entity,
        "venture_rounds" => pr::venture_round::Entity,
        "venture_reviewers" => pr::venture_reviewer::Entity,
        "venture_applications" => pr::venture_application::Entity,
        "venture_scores" => pr::venture_score::Entity,
        "venture_tranches" => pr::venture_tranche::Entity,
        "venture_reports" => pr::venture_report::Entity,
        "stalls" => ev::stall::Entity,
        "shifts" => ev::shift::Entity,
        "signups" => ev::signup::Entity,
        "calendar_feeds" => ev::calendar_feed::Entity,
        "service_records" => ev::service_record::Entity,
        "hour_entries" => ev::hour_entry::Entity,
        "objections" => ev::objection::Entity,
        "beneficiary_reports" => ev::beneficiary_report::Entity,
        "tally_taps" => ev::tally_tap::Entity,
        "resident_visits" => ev::resident_visit::Entity,
        "certificates" => ev::certificate::Entity,
        "sent_reports" => ev::sent_report::Entity,
        "resident_requests" => tr::request::Entity,
        "request_updates" => tr::request_update::Entity,
        "satisfaction_ratings" => tr::rating::Entity,
    })
}

struct Summing<'a, C>(&'a C);

impl<C: ConnectionTrait> TableAction for Summing<'_, C> {
    type Output = TableSum;

    async fn run<E>(&mut self, _table: &'static str) -> Result<TableSum, CopyError>
    where
        E: EntityTrait,
        E::Model: IntoActiveModel<E::ActiveModel> + Sync,
        E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
    {
        table_sum::<E>(self.0).await
    }
}

struct Copying<'a> {
    source: &'a DatabaseTransaction,
    target: &'a member::tx::WriteTxn,
}

impl TableAction for Copying<'_> {
    type Output = u64;

    async fn run<E>(&mut self, table: &'static str) -> Result<u64, CopyError>
    where
        E: EntityTrait,
        E::Model: IntoActiveModel<E::ActiveModel> + Sync,
        E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
    {
        copy_table::<E>(self.source, self.target, table).await
    }
}

/// Every table's count and checksum: what `copy` compares, and what a test can compare.
pub async fn table_sums(
    db: &impl ConnectionTrait,
) -> Result<Vec<(&'static str, TableSum)>, CopyError> {
    every_table(&mut Summing(db)).await
}

/// The tables the copy knows, for a test that no table of the schema is forgotten.
pub async fn table_names(db: &impl ConnectionTrait) -> Result<Vec<&'static str>, CopyError> {
    Ok(table_sums(db)
        .await?
        .into_iter()
        .map(|(name, _)| name)
        .collect())
}

async fn newest_migration(db: &DatabaseConnection) -> Result<String, CopyError> {
    Ok(Migrator::get_applied_migrations(db)
        .await?
        .last()
        .map(|m| m.name().to_owned())
        .unwrap_or_default())
}

/// A read-only snapshot of the source: what the copy reads and what it verifies against.
async fn snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, CopyError> {
    Ok(match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?
        }
        // A SQLite read transaction sees one snapshot of the WAL until it ends.
        _ => db.begin().await?,
    })
}

/// Copies the platform at `from_url` into the empty database at `to_url` (migrated first),
/// then verifies every table.
/// After a bulk load into PostgreSQL: volunteer numbers were copied as they were, so the
/// sequence that gives the next one must go on after the highest (SQLite's AUTOINCREMENT
/// follows by itself); and the planner's statistics, which autovacuum gathers only a while
/// after a bulk load (without them the first dashboards would scan whole tables).
async fn settle_postgres(target: &sea_orm::DatabaseConnection) -> Result<(), CopyError> {
    target
        .execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('volunteer_numbers', 'number'), \
             COALESCE((SELECT MAX(number) FROM volunteer_numbers), 0) + 1, false)",
        )
        .await?;
    target.execute_unprepared("ANALYZE").await?;
    Ok(())
}

pub async fn copy(from_url: &str, to_url: &str) -> Result<CopyReport, CopyError> {
    let source = db::connect(&Settings::with_database(from_url)).await?;
    let target = db::connect(&Settings::with_database(to_url)).await?;
    let expected = Migrator::migrations()
        .last()
        .map(|m| m.name().to_owned())
        .unwrap_or_default();
    let found = newest_migration(&source).await?;
    if found != expected {
        return Err(CopyError::SchemaMismatch { found, expected });
    }
    db::migrate(&target).await?;
    for (name, sum) in table_sums(&target).await? {
        if sum.rows > 0 {
            return Err(CopyError::TargetNotEmpty(sum.rows, name));
        }
    }

    let reading = snapshot(&source).await?;
    let writing = member::tx::begin_write(&target).await?;
    let copied = async {
        every_table(&mut Copying {
            source: &reading,
            target: &writing,
        })
        .await
    }
    .await;
    match copied {
        Ok(_) => writing.commit().await?,
        Err(err) => {
            writing.rollback().await.ok();
            return Err(err);
        }
    }

    let on_source = table_sums(&reading).await?;
    reading.commit().await.ok();
    let on_target = table_sums(&target).await?;
    for ((table, s), (_, t)) in on_source.iter().zip(&on_target) {
        if s != t {
            return Err(CopyError::Mismatch {
                table,
                source_rows: s.rows,
                source_sum: s.checksum,
                target_rows: t.rows,
                target_sum: t.checksum,
            });
        }
    }
    if target.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        settle_postgres(&target).await?;
    }
    source.close().await.ok();
    target.close().await.ok();
    Ok(CopyReport { tables: on_target })
}
