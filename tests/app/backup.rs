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
