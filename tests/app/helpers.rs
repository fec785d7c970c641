use std::net::SocketAddr;

use chrono::{DateTime, Utc};
use event::entities::event as event_entity;
use event::{EventKind, EventStatus};
use member::entities::{account, audit_entry};
use member::orgs::OrgInput;
use member::{Actor, PlatformRole};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
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

/// A volunteer acting in the domain functions directly, by their person id.
pub fn volunteer(person_id: Uuid) -> Actor {
    Actor {
        person_id,
        account_id: Uuid::now_v7(),
        name: String::new(),
        role: PlatformRole::Volunteer,
        leads: Vec::new(),
        helps: false,
    }
}

/// The password every account made by `add_account` has.
pub const PASSWORD: &str = "Nanhu-market-2026";

/// The 公示 rule of the default settings (three working days), as the app under test uses.
pub fn publicity() -> event::publicity::Rule {
    Settings::with_database("sqlite::memory:").publicity()
}

/// A client builder for the tests' plain HTTP on loopback. reqwest's TLS (there for the SMS
/// provider) takes the process's crypto provider, set here, and would load the system's
/// root certificates for every client: none are needed here.
pub fn client_builder() -> reqwest::ClientBuilder {
    weiyifang::notices::install_tls_provider();
    reqwest::Client::builder().tls_certs_only([])
}

/// A plain GET, as `reqwest::get` would, through [`client_builder`].
pub async fn fetch(url: String) -> reqwest::Result<reqwest::Response> {
    client_builder().build()?.get(url).send().await
}

fn new_client() -> reqwest::Client {
    crate::helpers::client_builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// One person's browser: its own cookie jar, no automatic redirects.
#[derive(Clone)]
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_text(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    /// A form post as a browser sends it from one of our own pages.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("origin", self.base.trim_end_matches('/'))
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, phone: &str, password: &str) -> reqwest::Response {
        self.post("/login", &[("phone", phone), ("password", password)])
            .await
    }

    /// The value of the session cookie the server set in this response, if any.
    pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("wyf_session="))
            .map(|v| v.split(';').next().unwrap_or("").to_owned())
    }
}

/// Where a redirect points.
pub fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
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
        Self::with_settings(|_| {}).await
    }

    /// The application with some settings changed from their defaults.
    pub async fn with_settings(change: impl FnOnce(&mut Settings)) -> Self {
        let database = TestDatabase::create().await;
        let mut settings = Settings::with_database(database.url());
        // Tests send what is due themselves, on their own clock (`deliver_due`).
        settings.notices.notice_jobs = false;
        change(&mut settings);
        let app = App::build(settings).await.expect("the application starts");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let db = app.db.clone();
        tokio::spawn(app.serve(listener, std::future::pending()));
        let client = new_client();
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

    /// The URL of this app's own database.
    pub fn database_url(&self) -> &str {
        self._database.url()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// A browser of its own (its own cookies), not signed in.
    pub fn browser(&self) -> Browser {
        Browser {
            client: new_client(),
            base: self.url(""),
        }
    }

    /// Creates an account with a password directly in the domain, as the command line
    /// or a coordinator would, and returns its person id.
    pub async fn add_account(&self, role: PlatformRole, name: &str, phone: &str) -> Uuid {
        let person = member::accounts::create_admin(&self.db, name, phone, PASSWORD)
            .await
            .expect("create the account");
        if role != PlatformRole::Admin {
            let account = account::Entity::find()
                .filter(account::Column::PersonId.eq(person.id))
                .one(&self.db)
                .await
                .unwrap()
                .unwrap();
            let mut active: account::ActiveModel = account.into();
            active.role = Set(role);
            active.update(&self.db).await.unwrap();
        }
        person.id
    }

    /// A browser signed in as a new account of this role.
    pub async fn signed_in(&self, role: PlatformRole, name: &str, phone: &str) -> Browser {
        self.add_account(role, name, phone).await;
        let browser = self.browser();
        let response = browser.login(phone, PASSWORD).await;
        assert_eq!(response.status(), 303, "login of {name}");
        browser
    }

    /// A bearer token for an existing account.
    pub async fn api_token(&self, phone: &str, password: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/v1/auth/token"))
            .json(&serde_json::json!({ "phone": phone, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "token for {phone}");
        let body: serde_json::Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// A coordinator-like actor for setting up data directly in the domain.
    pub fn staff_actor(&self) -> Actor {
        Actor {
            person_id: Uuid::now_v7(),
            account_id: Uuid::now_v7(),
            name: "测试协调员".to_owned(),
            role: PlatformRole::Coordinator,
            leads: Vec::new(),
            helps: false,
        }
    }

    /// An incubating organization, registered directly, with an optional first leader
    /// (someone already on the platform).
    pub async fn add_org(
        &self,
        name: &str,
        theme: &str,
        community: &str,
        leader_phone: &str,
    ) -> Uuid {
        let input = OrgInput {
            name: name.to_owned(),
            theme: theme.to_owned(),
            community: community.to_owned(),
            contact_name: "联系人".to_owned(),
            contact_phone: "13900000000".to_owned(),
            ..OrgInput::default()
        };
        member::orgs::register(
            &self.db,
            &self.staff_actor(),
            &input,
            leader_phone,
            chrono::Utc::now().date_naive(),
        )
        .await
        .expect("register the organization")
        .id
    }

    /// Every public posting (公示) of hours ends now: the clock of a test moving past its
    /// working days (the calendar itself is checked in `event::publicity`'s own tests).
    pub async fn end_postings(&self) {
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, QueryFilter};
        let now = chrono::Utc::now();
        event::entities::hour_entry::Entity::update_many()
            .col_expr(
                event::entities::hour_entry::Column::StandsAt,
                Expr::value(now - chrono::Duration::minutes(1)),
            )
            .filter(event::entities::hour_entry::Column::StandsAt.gt(now))
            .exec(&self.db)
            .await
            .unwrap();
    }

    /// Moves a day and its shifts by whole days (the clock of a test moving on: a day set
    /// ahead, signed up for, then taken place), keeping its times of day.
    pub async fn move_day(&self, event_id: Uuid, days: i64) {
        self.move_day_by(event_id, chrono::Duration::days(days))
            .await;
    }

    /// Moves a day and its shifts by any time (a day set ahead, signed up for, then begun).
    pub async fn move_day_by(&self, event_id: Uuid, by: chrono::Duration) {
        let found = event_entity::Entity::find_by_id(event_id)
            .one(&self.db)
            .await
            .unwrap()
            .unwrap();
        let mut moved: event_entity::ActiveModel = found.clone().into();
        moved.starts_at = Set(found.starts_at + by);
        moved.ends_at = Set(found.ends_at + by);
        moved.signup_closes_at = Set(found.signup_closes_at.map(|at| at + by));
        moved.update(&self.db).await.unwrap();
        for stall in event::stalls::stalls_of(&self.db, event_id).await.unwrap() {
            for shift in stall.shifts {
                let mut moved: event::entities::shift::ActiveModel = shift.clone().into();
                moved.starts_at = Set(shift.starts_at + by);
                moved.ends_at = Set(shift.ends_at + by);
                moved.update(&self.db).await.unwrap();
            }
        }
    }

    /// The person with this phone accepts every invitation waiting for them (as they
    /// would on their own page).
    pub async fn accept_invitations(&self, phone: &str) {
        let phone = member::Phone::parse("phone", phone).expect("a phone number");
        let person = member::memberships::find_person_by_phone(&self.db, &phone)
            .await
            .unwrap()
            .expect("a person with that phone");
        let actor = Actor {
            person_id: person.id,
            account_id: Uuid::now_v7(),
            name: person.name,
            role: PlatformRole::Volunteer,
            leads: Vec::new(),
            helps: false,
        };
        for view in member::memberships::my_invitations(&self.db, &actor)
            .await
            .unwrap()
        {
            member::memberships::answer_invitation(
                &self.db,
                &actor,
                view.invitation.id,
                true,
                chrono::Utc::now().date_naive(),
            )
            .await
            .unwrap();
        }
    }

    /// Audit entries with this action, oldest first.
    pub async fn audit_entries(&self, action: &str) -> Vec<audit_entry::Model> {
        audit_entry::Entity::find()
            .filter(audit_entry::Column::Action.eq(action))
            .order_by_asc(audit_entry::Column::At)
            .all(&self.db)
            .await
            .unwrap()
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
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .expect("insert event")
    }
}
