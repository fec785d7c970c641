use std::net::SocketAddr;

use chrono::{DateTime, Utc};
use event::entities::event as event_entity;
use event::{EventKind, EventStatus};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, DatabaseConnection, Set};
use tempfile::TempDir;
use tokio::net::TcpListener;
use uuid::Uuid;
use weiyifang::{App, Settings};

/// A database of its own for one test: a SQLite file in a temporary folder, or a new
/// `test_<uuid>` database on the PostgreSQL server named by `WEIYIFANG_TEST_DATABASE_URL`,
/// dropped when the test ends.
pub enum TestDatabase {
    Sqlite {
        url: String,
        _dir: TempDir,
    },
    Postgres {
        url: String,
        server_url: String,
        name: String,
    },
}

impl TestDatabase {
    pub async fn create() -> Self {
        match std::env::var("WEIYIFANG_TEST_DATABASE_URL") {
            Ok(server_url) if !server_url.trim().is_empty() => {
                Self::create_postgres(server_url).await
            }
            _ => Self::create_sqlite(),
        }
    }

    /// A SQLite database whatever the test run's backend is.
    pub fn create_sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("weiyifang.db").display()
        );
        TestDatabase::Sqlite { url, _dir: dir }
    }

    async fn create_postgres(server_url: String) -> Self {
        let name = format!("test_{}", Uuid::now_v7().simple());
        let server = Database::connect(&server_url)
            .await
            .expect("WEIYIFANG_TEST_DATABASE_URL must name a reachable PostgreSQL server");
        server
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create the test database");
        server.close().await.ok();
        let base = match server_url.split_once('?') {
            Some((base, _)) => base,
            None => &server_url,
        };
        let (server_part, _) = base.rsplit_once('/').expect("the URL names a database");
        let url = format!("{server_part}/{name}");
        TestDatabase::Postgres {
            url,
            server_url,
            name,
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDatabase::Sqlite { url, .. } | TestDatabase::Postgres { url, .. } => url,
        }
    }

    pub async fn connect(&self) -> DatabaseConnection {
        weiyifang::db::connect(&Settings::with_database(self.url()))
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let TestDatabase::Postgres {
            server_url, name, ..
        } = self
        else {
            return;
        };
        let drop_sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        let server_url = server_url.clone();
        // Drop cannot await; a thread with a runtime of its own does the clean-up.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let server = Database::connect(&server_url).await?;
                server.execute_unprepared(&drop_sql).await?;
                server.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {name}: {dropped:?}");
        }
    }
}

/// The real application, served on a free port of its own.
pub struct TestApp {
    pub address: SocketAddr,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    // Last: the database goes after everything that uses it.
    _database: TestDatabase,
}

impl TestApp {
    pub async fn new() -> Self {
        let database = TestDatabase::create().await;
        let app = App::build(Settings::with_database(database.url()))
            .await
            .expect("the application starts");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let db = app.db.clone();
        tokio::spawn(app.serve(listener, std::future::pending()));
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            address,
            db,
            client,
            _database: database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// Stores a market day directly, as the scheduling pages of a later issue will.
    pub async fn add_market(
        &self,
        title: &str,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        status: EventStatus,
    ) -> event::Event {
        self.add_event(EventKind::Market, title, starts_at, ends_at, status)
            .await
    }

    pub async fn add_event(
        &self,
        kind: EventKind,
        title: &str,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        status: EventStatus,
    ) -> event::Event {
        event_entity::ActiveModel {
            id: Set(Uuid::now_v7()),
            kind: Set(kind),
            title: Set(title.to_owned()),
            place: Set("南湖社区广场".to_owned()),
            starts_at: Set(starts_at),
            ends_at: Set(ends_at),
            status: Set(status),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("insert event")
    }
}
