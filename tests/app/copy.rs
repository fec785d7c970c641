//! `weiyifang copy`: a whole platform from one database into another, verified.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::helpers::{TestApp, TestDatabase};

#[tokio::test]
async fn a_demo_platform_moves_from_sqlite_to_the_other_database_with_the_same_figures() {
    let source = TestDatabase::create_sqlite();
    let source_db = source.connect().await;
    weiyifang::db::migrate(&source_db).await.unwrap();
    weiyifang::demo::fill(&source_db, weiyifang::views::today())
        .await
        .unwrap();
    // The copy knows every table of the schema: none is left behind.
    let mut in_schema: Vec<String> = source_db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    in_schema.sort();
    let mut known: Vec<String> = weiyifang::copy::table_names(&source_db)
        .await
        .unwrap()
        .into_iter()
        .map(str::to_owned)
        .collect();
    known.sort();
    assert_eq!(known, in_schema);

    // The target: a fresh, empty platform (PostgreSQL on the PostgreSQL run).
    let app = TestApp::new().await;
    let report = weiyifang::copy::copy(source.url(), app.database_url())
        .await
        .unwrap();
    let people = report
        .tables
        .iter()
        .find(|(t, _)| *t == "people")
        .unwrap()
        .1;
    // 6,000 members, the administrator and coordinator, and the neighbour the volunteer helps.
    assert_eq!(people.rows, 6003);
    assert_eq!(
        weiyifang::copy::table_sums(&source_db).await.unwrap(),
        weiyifang::copy::table_sums(&app.db).await.unwrap()
    );

    // PostgreSQL has statistics of the copied tables at once, for its planner.
    if app.db.get_database_backend() == DatabaseBackend::Postgres {
        let analyzed = app
            .db
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                "SELECT count(*) > 0 FROM pg_stats WHERE tablename = 'hour_entries'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<bool>(0)
            .unwrap();
        assert!(analyzed, "hour_entries analyzed after the copy");
    }

    // The same figures on both sides, and on the target's dashboard.
    let later = Utc::now();
    let before = event::stats::stats(&source_db, None, None, None, later)
        .await
        .unwrap();
    let after = event::stats::stats(&app.db, None, None, None, later)
        .await
        .unwrap();
    assert_eq!(
        (
            before.all.market_days,
            before.all.activities,
            before.all.services,
            before.all.hours_tenths,
            before.all.residents
        ),
        (
            after.all.market_days,
            after.all.activities,
            after.all.services,
            after.all.hours_tenths,
            after.all.residents
        )
    );
    let sat_before = triage::ratings::satisfaction(&source_db, None, None, None)
        .await
        .unwrap();
    let sat_after = triage::ratings::satisfaction(&app.db, None, None, None)
        .await
        .unwrap();
    assert_eq!(sat_before.all, sat_after.all);
    let coordinator = app.browser();
    let (_, phone, password) = weiyifang::demo::DEMO_ACCOUNTS[1];
    assert_eq!(coordinator.login(phone, password).await.status(), 303);
    let page = coordinator.get_text("/dashboard?period=all").await;
    for figure in [">43<", ">6000<", ">17<", ">30000<"] {
        assert!(
            page.contains(figure),
            "{figure} on the copied platform's dashboard"
        );
    }

    // Never into a database that holds data.
    let again = weiyifang::copy::copy(source.url(), app.database_url()).await;
    assert!(matches!(
        again,
        Err(weiyifang::copy::CopyError::TargetNotEmpty(..))
    ));

    // And back again (with the coordinator's session and log-in now), into a new SQLite file.
    let back = TestDatabase::create_sqlite();
    weiyifang::copy::copy(app.database_url(), back.url())
        .await
        .unwrap();
    assert_eq!(
        weiyifang::copy::table_sums(&back.connect().await)
            .await
            .unwrap(),
        weiyifang::copy::table_sums(&app.db).await.unwrap()
    );
}
