//! The real `weiyifang` binary, started the way a user starts it.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::TestDatabase;

const BINARY: &str = env!("CARGO_BIN_EXE_weiyifang");

pub(crate) fn weiyifang(working_dir: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command
        .current_dir(working_dir)
        .env_remove("DATABASE_URL")
        .env("WEIYIFANG_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    command
}

/// Starts `serve` and returns the base URL it printed.
pub(crate) async fn start(mut command: Command) -> (Child, String) {
    let mut child = command.spawn().expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(at) = line.find("http://") {
                let url = line[at..].split_whitespace().next().unwrap();
                return url.trim_end_matches('/').to_owned();
            }
        }
        panic!("the binary exited without printing its address");
    })
    .await
    .expect("the binary prints its address within a minute");
    (child, url)
}

/// SIGTERM, as systemd sends it; the server must stop cleanly.
async fn stop(mut child: Child) {
    let pid = child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the server stops within 20 seconds of SIGTERM")
        .unwrap();
    assert!(status.success(), "exit status {status}");
}

#[tokio::test]
async fn first_run_in_any_folder_creates_the_sqlite_database_and_serves_chinese() {
    let folder = tempfile::tempdir().unwrap();
    let (child, url) = start(weiyifang(folder.path())).await;

    let response = crate::helpers::fetch(format!("{url}/")).await.unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains("微益坊"));
    // Templates and styles come from inside the binary, not from the working folder.
    let css = crate::helpers::fetch(format!("{url}/static/css/app.css"))
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    stop(child).await;

    let file = folder.path().join("data/weiyifang.db");
    assert!(file.exists(), "data/weiyifang.db is created");
    let db = sea_orm::Database::connect(format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty(),
        "the schema is migrated"
    );
    db.close().await.unwrap();
}

#[tokio::test]
async fn migrate_then_serve_on_the_configured_database() {
    let database = TestDatabase::create().await;
    let folder = tempfile::tempdir().unwrap();

    let output = weiyifang(folder.path())
        .env("DATABASE_URL", database.url())
        .arg("migrate")
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("up to date"));

    let mut serve = weiyifang(folder.path());
    serve.env("DATABASE_URL", database.url()).arg("serve");
    let (child, url) = start(serve).await;
    let health: serde_json::Value = crate::helpers::fetch(format!("{url}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["database"], "ok");
    stop(child).await;
    assert!(
        !folder.path().join("data").exists(),
        "no default SQLite file when DATABASE_URL is given"
    );
}

/// `check-figures` on the demo platform: the years the dashboards put together from stalls
/// kept apart equal the same years worked out whole from the records.
#[tokio::test]
async fn check_figures_finds_the_demo_platforms_years_the_same_both_ways() {
    use chrono::Datelike;
    let database = TestDatabase::create().await;
    let db = database.connect().await;
    Migrator::up(&db, None).await.unwrap();
    let today = weiyifang::views::today();
    weiyifang::demo::fill(&db, today).await.unwrap();
    let folder = tempfile::tempdir().unwrap();
    let output = weiyifang(folder.path())
        .env("DATABASE_URL", database.url())
        .arg("check-figures")
        .output()
        .await
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}");
    let this_year = format!("{}: every figure the same both ways", today.year());
    assert!(printed.contains(&this_year), "{printed}");
    assert!(printed.contains("Every figure agrees with its records."));
    // The demo's days of this year are counted, not an empty year agreeing with itself.
    assert!(
        !printed.contains(&format!(
            "{}: every figure the same both ways (0 market days",
            today.year()
        )),
        "{printed}"
    );
}

/// `admin create` with the password on standard input; returns the exit status, stdout
/// and stderr.
async fn admin_create(
    url: &str,
    folder: &Path,
    args: &[&str],
    stdin: &str,
) -> (bool, String, String) {
    use tokio::io::AsyncWriteExt;
    let mut child = weiyifang(folder)
        .env("DATABASE_URL", url)
        .args(["admin", "create"])
        .args(args)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let output = child.wait_with_output().await.unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_first_admin_is_created_from_the_command_line_with_the_password_on_stdin() {
    use member::entities::{account, person};
    use sea_orm::{EntityTrait, PaginatorTrait};

    let database = TestDatabase::create().await;
    let folder = tempfile::tempdir().unwrap();
    let url = database.url();

    // No way to put the password in the arguments, where `ps` and shell history see it.
    let (ok, _, stderr) = admin_create(
        url,
        folder.path(),
        &[
            "--phone",
            "13800138000",
            "--name",
            "王主任",
            "--password",
            "x",
        ],
        "",
    )
    .await;
    assert!(!ok);
    assert!(stderr.contains("--password"), "{stderr}");

    // A weak password is refused in Chinese, and nothing is created.
    let (ok, _, stderr) = admin_create(
        url,
        folder.path(),
        &["--phone", "13800138000", "--name", "王主任"],
        "12345678\n",
    )
    .await;
    assert!(!ok);
    assert!(stderr.contains("这个密码太常见"), "{stderr}");
    let db = database.connect().await;
    assert_eq!(account::Entity::find().count(&db).await.unwrap(), 0);

    let (ok, stdout, stderr) = admin_create(
        url,
        folder.path(),
        &["--phone", "13800138000", "--name", "王主任"],
        "Sunrise over Nanhu 7\n",
    )
    .await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("王主任"), "{stdout}");
    let admin = account::Entity::find().one(&db).await.unwrap().unwrap();
    assert_eq!(admin.role, member::PlatformRole::Admin);
    assert!(admin.password_hash.starts_with("$argon2id$"));
    let someone = person::Entity::find().one(&db).await.unwrap().unwrap();
    assert_eq!(someone.phone.as_deref(), Some("13800138000"));
    db.close().await.unwrap();

    // The password (with its spaces) works on the login page.
    let mut serve = weiyifang(folder.path());
    serve.env("DATABASE_URL", url).arg("serve");
    let (child, base) = start(serve).await;
    let client = crate::helpers::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("phone", "13800138000"),
            ("password", "Sunrise over Nanhu 7"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    stop(child).await;
}

#[tokio::test]
async fn logs_are_json_lines_with_the_request_id_when_asked() {
    let folder = tempfile::tempdir().unwrap();
    let mut command = weiyifang(folder.path());
    command
        .env("WEIYIFANG_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped());
    let (mut child, url) = start(command).await;
    let response = crate::helpers::fetch(format!("{url}/healthz"))
        .await
        .unwrap();
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let stderr = child.stderr.take().unwrap();
    stop(child).await;
    let mut lines = BufReader::new(stderr).lines();
    let mut logged = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let entry: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        logged.push(entry);
    }
    assert!(
        logged
            .iter()
            .any(|e| e["span"]["id"] == id.as_str() && e["span"]["path"] == "/healthz"),
        "the request's log line carries its id: {logged:?}"
    );
}
