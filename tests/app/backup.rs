//! Backing up the embedded database while it runs, and restoring it.

use member::PlatformRole;
use member::entities::person;
use sea_orm::{EntityTrait, PaginatorTrait};
use weiyifang::backup::{self, BackupError};

use crate::helpers::{TestApp, TestDatabase};

#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_an_empty_database() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    app.add_org("甲队", "safety", "南湖社区", "13912345678")
        .await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("backups/weiyifang-1.db");

    let result = backup::backup(&app.db, &file).await;
    if app.db.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        // PostgreSQL: pg_dump is the tool, and the command says so.
        assert!(matches!(result, Err(BackupError::NotSqlite)));
        return;
    }
    result.unwrap();
    assert!(
        matches!(
            backup::backup(&app.db, &file).await,
            Err(BackupError::Exists(_))
        ),
        "never overwrites"
    );

    let target = TestDatabase::create_sqlite();
    let db = target.connect().await;
    weiyifang::db::migrate(&db).await.unwrap();
    db.close().await.unwrap();
    backup::restore(target.url(), &file, false).await.unwrap();
    let db = target.connect().await;
    assert_eq!(person::Entity::find().count(&db).await.unwrap(), 1);
    db.close().await.unwrap();

    // A database in use is not overwritten by accident.
    assert!(matches!(
        backup::restore(target.url(), &file, false).await,
        Err(BackupError::TargetNotEmpty)
    ));
    backup::restore(target.url(), &file, true).await.unwrap();

    // A damaged file is refused before anything is touched.
    let broken = folder.path().join("broken.db");
    std::fs::write(&broken, b"SQLite format 3\0 but not really").unwrap();
    assert!(backup::restore(target.url(), &broken, true).await.is_err());
    let db = target.connect().await;
    assert_eq!(person::Entity::find().count(&db).await.unwrap(), 1);
}

#[tokio::test]
async fn daily_backups_keep_the_newest_few_and_leave_other_files_alone() {
    let database = TestDatabase::create_sqlite();
    let db = database.connect().await;
    weiyifang::db::migrate(&db).await.unwrap();
    member::accounts::create_admin(&db, "王主任", "13800138000", "Sunrise over Nanhu 7")
        .await
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("notes.txt"), "keep me").unwrap();
    let start = chrono::Utc::now();
    let mut written = Vec::new();
    for day in 0..4 {
        let at = start + chrono::Duration::days(day);
        written.push(
            backup::scheduled_backup(&db, folder.path(), 2, at)
                .await
                .unwrap(),
        );
    }
    let mut left: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    left.sort();
    let mut expected = written[2..].to_vec();
    expected.push(folder.path().join("notes.txt"));
    expected.sort();
    assert_eq!(left, expected);
    // Each kept file is a whole database with the data in it.
    let copy = sea_orm::Database::connect(format!("sqlite://{}?mode=ro", written[3].display()))
        .await
        .unwrap();
    assert_eq!(person::Entity::find().count(&copy).await.unwrap(), 1);
}
