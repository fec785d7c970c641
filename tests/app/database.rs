use migration::{Migrator, MigratorTrait, SchemaManager};
use sea_orm::sqlx;

use crate::helpers::TestDatabase;

#[tokio::test]
async fn migrations_go_all_the_way_up_down_and_up_again() {
    let database = TestDatabase::create().await;
    let db = database.connect().await;
    let schema = SchemaManager::new(&db);

    Migrator::up(&db, None).await.unwrap();
    assert!(schema.has_table("events").await.unwrap());
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );

    Migrator::down(&db, None).await.unwrap();
    assert!(!schema.has_table("events").await.unwrap());
    assert_eq!(
        Migrator::get_pending_migrations(&db).await.unwrap().len(),
        Migrator::migrations().len()
    );

    Migrator::up(&db, None).await.unwrap();
    assert!(schema.has_table("events").await.unwrap());
    db.close().await.unwrap();
}

/// Runs on SQLite in every test run: these settings are what keep an embedded database
/// safe (and its caches small), and each pooled connection must have them.
#[tokio::test]
async fn every_sqlite_connection_uses_wal_full_sync_foreign_keys_a_busy_timeout_and_a_heap_limit() {
    let database = TestDatabase::create_sqlite();
    let db = database.connect().await;
    let pool = db.get_sqlite_connection_pool();
    assert!(
        pool.options().get_max_connections() > 1,
        "a pool, not one connection"
    );
    // Every statement takes a connection from the pool: pinging each first would double
    // the hand-offs to SQLite's threads.
    assert!(
        !pool.options().get_test_before_acquire(),
        "connections in use are not pinged at every statement"
    );

    // Hold three connections at once so each is a different one.
    let mut connections = Vec::new();
    for _ in 0..3 {
        connections.push(pool.acquire().await.unwrap());
    }
    for connection in &mut connections {
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        let busy_timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        assert_eq!(journal, "wal");
        assert_eq!(synchronous, 2, "synchronous=FULL");
        assert_eq!(foreign_keys, 1);
        let heap_limit: i64 = sqlx::query_scalar("PRAGMA soft_heap_limit")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        assert_eq!(busy_timeout, 5000);
        assert_eq!(
            heap_limit,
            12 * 1024 * 1024,
            "SQLite's caches held to 12 MB"
        );
    }
}

#[tokio::test]
async fn the_sqlite_folder_is_created_on_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/data/weiyifang.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let db = weiyifang::db::connect(&weiyifang::Settings::with_database(url))
        .await
        .unwrap();
    weiyifang::db::migrate(&db).await.unwrap();
    db.close().await.unwrap();
    assert!(file.exists());
}

/// On PostgreSQL every pooled connection tells the planner that reading out of order is
/// cheap (`src/db.rs`): the month's report then looks its records up by index. SQLite has
/// no such setting; the test checks which database it got.
#[tokio::test]
async fn postgresql_connections_plan_for_solid_state_storage() {
    let database = TestDatabase::create().await;
    let db = database.connect().await;
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        assert!(database.url().starts_with("sqlite:"), "{}", database.url());
        return;
    }
    let pool = db.get_postgres_connection_pool();
    let mut connections = Vec::new();
    for _ in 0..2 {
        connections.push(pool.acquire().await.unwrap());
    }
    for connection in &mut connections {
        let cost: String = sqlx::query_scalar("SHOW random_page_cost")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        assert_eq!(cost, "1.1");
    }
}
