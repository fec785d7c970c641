//! The load benchmark: `cargo run --release -p bench` (SQLite), or
//! `cargo run --release -p bench -- --postgres postgres://postgres@127.0.0.1:5432/postgres`
//! (a fresh database is created on that server and dropped afterwards). `--smoke` runs a
//! small version in seconds; `--keep` keeps the database and prints where it is.
//!
//! It fills a fresh database with ten years of a busy platform, starts the real server in a
//! process of its own (this program, re-run as `serve`), drives it with 64 concurrent
//! clients and prints a table: throughput and p50/p99 latency for sign-ups, the public
//! market-day page, a volunteer's shifts, the coordinator's dashboard for a year and the
//! monthly export, each next to the same run's baselines (a bare axum handler, a bare
//! one-row insert transaction on the same database), and the server's peak memory.

#![allow(
    clippy::too_many_lines,
    reason = "the benchmark is a script of measurements, kept in the order it reports them"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{Datelike, Utc};
use event::entities::{
    beneficiary_report, event as event_entity, hour_entry, service_record, shift, signup, stall,
};
use event::signups::SignupStatus;
use event::stalls::Service;
use event::{EventKind, EventStatus};
use member::entities::{account, person};
use member::{Actor, PlatformRole};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, Set, Statement,
};
use tokio::io::{AsyncBufReadExt, BufReader};
use uuid::Uuid;
use weiyifang::Settings;

/// How big the data set is.
#[derive(Clone, Copy)]
struct Scale {
    people: usize,
    market_days: usize,
    stalls_per_day: usize,
    shifts_per_stall: usize,
    volunteers_per_shift: usize,
    racers: usize,
    page_requests: usize,
    heavy_requests: usize,
}

const FULL: Scale = Scale {
    people: 50_000,
    market_days: 120,
    stalls_per_day: 20,
    shifts_per_stall: 4,
    volunteers_per_shift: 104,
    racers: 6_400,
    page_requests: 6_400,
    heavy_requests: 128,
};

const SMOKE: Scale = Scale {
    people: 2_000,
    market_days: 12,
    stalls_per_day: 5,
    shifts_per_stall: 2,
    volunteers_per_shift: 20,
    racers: 640,
    page_requests: 640,
    heavy_requests: 64,
};

const CLIENTS: usize = 64;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        return serve(&args[2]).await;
    }
    let smoke = args.iter().any(|a| a == "--smoke");
    let keep = args.iter().any(|a| a == "--keep");
    let postgres = args
        .iter()
        .position(|a| a == "--postgres")
        .and_then(|i| args.get(i + 1).cloned());
    let scale = if smoke { SMOKE } else { FULL };

    let folder = tempfile::tempdir()?;
    let (url, drop_after) = match &postgres {
        Some(server) => {
            let name = format!("bench_{}", Uuid::now_v7().simple());
            let admin = Database::connect(server).await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await?;
            admin.close().await?;
            let base = server.split('?').next().unwrap_or(server);
            let (host, _) = base.rsplit_once('/').context("the URL names a database")?;
            (format!("{host}/{name}"), Some((server.clone(), name)))
        }
        None => (
            format!(
                "sqlite://{}?mode=rwc",
                folder.path().join("bench.db").display()
            ),
            None,
        ),
    };
    let result = run(&url, scale, keep).await;
    if keep && postgres.is_none() {
        eprintln!(
            "database kept: {}",
            folder.keep().join("bench.db").display()
        );
    }
    if let Some((server, name)) = drop_after {
        if keep {
            eprintln!("database kept: {url}");
            return result;
        }
        let admin = Database::connect(&server).await?;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await?;
    }
    result
}

/// The child process: the real application, plus a bare axum handler for the baseline.
async fn serve(url: &str) -> anyhow::Result<()> {
    let app = weiyifang::App::build(Settings::with_database(url)).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!(
        "READY {} {}",
        listener.local_addr()?.port(),
        bare_listener.local_addr()?.port()
    );
    let bare = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    tokio::spawn(async move { axum::serve(bare_listener, bare).await });
    app.serve(listener, std::future::pending()).await?;
    Ok(())
}

/// The coordinator, and ids the load needs.
struct Fixture {
    staff_token: String,
    racer_tokens: Vec<String>,
    race_shifts: Vec<Uuid>,
    upcoming_market: Uuid,
    busy_volunteer_token: String,
    report_month: String,
    /// A stall of the newest market day (last month), and the coordinator: who changes
    /// the figures there.
    newest_stall: (Uuid, Uuid),
}

/// `keep`: print what is needed to look at the kept database by hand afterwards.
async fn run(url: &str, scale: Scale, keep: bool) -> anyhow::Result<()> {
    let db = weiyifang::db::connect(&Settings::with_database(url)).await?;
    weiyifang::db::migrate(&db).await?;
    let started = Instant::now();
    let fixture = fill(&db, scale).await?;
    // A PostgreSQL server in use has statistics (autovacuum gathers them a while after a
    // bulk load); without them its planner scans the million-row tables. SQLite is left as
    // the application leaves it.
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    if keep {
        eprintln!(
            "coordinator's API token: {}; the busy volunteer's: {}; tomorrow's market day: {}; \
             last month: {}",
            fixture.staff_token,
            fixture.busy_volunteer_token,
            fixture.upcoming_market,
            fixture.report_month
        );
    }
    let records = scale.market_days
        * scale.stalls_per_day
        * scale.shifts_per_stall
        * scale.volunteers_per_shift;
    eprintln!(
        "data: {} people, {} market days, {records} service records — generated in {:.1} s",
        scale.people,
        scale.market_days,
        started.elapsed().as_secs_f64()
    );

    let exe = std::env::current_exe()?;
    let mut child = tokio::process::Command::new(exe)
        .args(["serve", url])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().context("child stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let ready = lines
        .next_line()
        .await?
        .context("the server did not start")?;
    let ports: Vec<u16> = ready
        .split_whitespace()
        .skip(1)
        .filter_map(|p| p.parse().ok())
        .collect();
    let (app, bare) = (
        format!("http://127.0.0.1:{}", ports[0]),
        format!("http://127.0.0.1:{}", ports[1]),
    );
    let pid = child.id().context("child pid")?;

    // reqwest's TLS takes the process's crypto provider, as in the server.
    weiyifang::notices::install_tls_provider();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(CLIENTS)
        .build()?;
    let mut rows = Vec::new();

    // Baselines first, on a quiet machine.
    let bare_handler = drive(
        &client,
        (0..scale.page_requests)
            .map(|_| Call::get(format!("{bare}/"), None))
            .collect(),
    )
    .await?;
    memory_note(pid, "bare_handler");
    let bare_insert = bare_inserts(&db, scale.racers).await?;

    // 64 clients race for the places of tomorrow's market.
    let signups = drive(
        &client,
        fixture
            .racer_tokens
            .iter()
            .enumerate()
            .map(|(i, token)| {
                let shift = fixture.race_shifts[i % fixture.race_shifts.len()];
                Call::post(
                    format!("{app}/api/v1/shifts/{shift}/signup"),
                    Some(token.clone()),
                )
            })
            .collect(),
    )
    .await?;
    memory_note(pid, "signups");
    let over = over_capacity(&db).await?;

    let market_page = drive(
        &client,
        (0..scale.page_requests)
            .map(|_| Call::get(format!("{app}/markets/{}", fixture.upcoming_market), None))
            .collect(),
    )
    .await?;
    memory_note(pid, "market_page");
    let market_page_alone = drive_with(
        &client,
        1,
        (0..IDLE_REQUESTS)
            .map(|_| Call::get(format!("{app}/markets/{}", fixture.upcoming_market), None))
            .collect(),
    )
    .await?;
    let volunteer_market = drive(
        &client,
        (0..scale.page_requests)
            .map(|_| {
                Call::get(
                    format!("{app}/markets/{}", fixture.upcoming_market),
                    Some(fixture.busy_volunteer_token.clone()),
                )
            })
            .collect(),
    )
    .await?;
    memory_note(pid, "volunteer_market");
    let my_shifts = drive(
        &client,
        (0..scale.page_requests)
            .map(|_| {
                Call::get(
                    format!("{app}/me/shifts"),
                    Some(fixture.busy_volunteer_token.clone()),
                )
            })
            .collect(),
    )
    .await?;
    memory_note(pid, "my_shifts");
    let dashboard_one = drive_with(
        &client,
        1,
        vec![Call::get(
            format!("{app}/dashboard?period=year"),
            Some(fixture.staff_token.clone()),
        )],
    )
    .await?;
    memory_note(pid, "dashboard_one");
    let year_dashboard = format!("{app}/dashboard?period=year");
    let dashboard_kept = drive_with(
        &client,
        1,
        (0..DASHBOARD_REQUESTS)
            .map(|_| Call::get(year_dashboard.clone(), Some(fixture.staff_token.clone())))
            .collect(),
    )
    .await?;
    let dashboard_changed = dashboard_after_changes(
        &client,
        &db,
        &Call::get(year_dashboard.clone(), Some(fixture.staff_token.clone())),
        fixture.newest_stall,
    )
    .await?;
    memory_note(pid, "dashboard_changed");
    let dashboard = drive(
        &client,
        (0..scale.heavy_requests)
            .map(|_| {
                Call::get(
                    format!("{app}/dashboard?period=year"),
                    Some(fixture.staff_token.clone()),
                )
            })
            .collect(),
    )
    .await?;
    memory_note(pid, "dashboard");
    let export_path = format!("{app}/reports/monthly.xlsx?month={}", fixture.report_month);
    let export_one = drive_with(
        &client,
        1,
        vec![Call::get(
            export_path.clone(),
            Some(fixture.staff_token.clone()),
        )],
    )
    .await?;
    memory_note(pid, "export_one");
    let export = drive(
        &client,
        (0..scale.heavy_requests)
            .map(|_| Call::get(export_path.clone(), Some(fixture.staff_token.clone())))
            .collect(),
    )
    .await?;
    memory_note(pid, "export");
    let peak_rss_kb = memory_kb(pid, "VmHWM:");
    child.kill().await.ok();

    rows.push(("bare axum handler (baseline)", &bare_handler, None));
    rows.push((
        "bare 1-row insert transaction (baseline)",
        &bare_insert,
        None,
    ));
    rows.push(("sign-up, 64 clients racing", &signups, Some(&bare_insert)));
    rows.push(("public market-day page", &market_page, Some(&bare_handler)));
    rows.push((
        "public market-day page (1 client)",
        &market_page_alone,
        None,
    ));
    rows.push((
        "a volunteer's market-day page",
        &volunteer_market,
        Some(&bare_handler),
    ));
    rows.push((
        "a volunteer's \"my shifts\"",
        &my_shifts,
        Some(&bare_handler),
    ));
    rows.push((
        "dashboard for a year, first asked (1 client)",
        &dashboard_one,
        None,
    ));
    rows.push((
        "dashboard for a year, kept (1 client)",
        &dashboard_kept,
        None,
    ));
    rows.push((
        "dashboard for a year, after a change (1 client)",
        &dashboard_changed,
        None,
    ));
    rows.push(("dashboard for a year", &dashboard, Some(&bare_handler)));
    rows.push(("monthly .xlsx export (1 client)", &export_one, None));
    rows.push(("monthly .xlsx export", &export, Some(&bare_handler)));

    println!();
    println!("| measurement | requests | errors | per second | p50 ms | p99 ms | vs baseline |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, run, baseline) in rows {
        let ratio = baseline
            .map(|b| format!("{:.0} %", 100.0 * run.per_second() / b.per_second()))
            .unwrap_or_default();
        println!(
            "| {name} | {} | {} | {:.0} | {:.1} | {:.1} | {ratio} |",
            run.latencies.len(),
            run.errors,
            run.per_second(),
            run.percentile(50),
            run.percentile(99),
        );
    }
    println!();
    println!(
        "shifts over capacity after the race: {over} (of {})",
        fixture.race_shifts.len()
    );
    println!(
        "server peak memory (VmHWM): {:.1} MB",
        peak_rss_kb as f64 / 1024.0
    );
    let measured = Measured {
        bare_handler: &bare_handler,
        bare_insert: &bare_insert,
        signups: &signups,
        over,
        market_page: &market_page,
        market_page_alone: &market_page_alone,
        volunteer_market: &volunteer_market,
        my_shifts: &my_shifts,
        dashboard_kept: &dashboard_kept,
        dashboard_changed: &dashboard_changed,
        dashboard: &dashboard,
        export_one: &export_one,
        peak_mb: peak_rss_kb as f64 / 1024.0,
    };
    println!();
    for line in measured.against_targets() {
        println!("{line}");
    }
    if over > 0 {
        bail!("a shift is over capacity");
    }
    Ok(())
}

/// The runs the targets of issue 22 speak of.
struct Measured<'a> {
    bare_handler: &'a Run,
    bare_insert: &'a Run,
    signups: &'a Run,
    over: usize,
    market_page: &'a Run,
    market_page_alone: &'a Run,
    volunteer_market: &'a Run,
    my_shifts: &'a Run,
    dashboard_kept: &'a Run,
    dashboard_changed: &'a Run,
    dashboard: &'a Run,
    export_one: &'a Run,
    peak_mb: f64,
}

impl Measured<'_> {
    /// One line per target: the figure, the target and whether it is met.
    fn against_targets(&self) -> Vec<String> {
        let share = |run: &Run, of: &Run| run.per_second() / of.per_second().max(1e-9);
        let page = |run: &Run| {
            format!(
                "1/{:.0} of the bare handler",
                1.0 / share(run, self.bare_handler).max(1e-9)
            )
        };
        let mut lines = Vec::new();
        let mut target = |what: &str, figure: String, goal: &str, met: bool| {
            let verdict = if met { "met" } else { "MISSED" };
            lines.push(format!(
                "target: {what}: {figure} (target {goal}) — {verdict}"
            ));
        };
        let market = share(self.market_page, self.bare_handler);
        target(
            "public market-day page",
            page(self.market_page),
            "≥ 1/15",
            market >= 1.0 / 15.0,
        );
        let p99 = self.market_page.percentile(99);
        target(
            "public market-day page p99",
            format!("{p99:.1} ms"),
            "< 50 ms",
            p99 < 50.0,
        );
        let alone = self.market_page_alone.percentile(50);
        target(
            "one market-day page on an idle server",
            format!("{alone:.2} ms"),
            "< 5 ms",
            alone < 5.0,
        );
        for (what, run) in [
            ("a volunteer's market-day page", self.volunteer_market),
            ("a volunteer's \"my shifts\"", self.my_shifts),
        ] {
            target(
                what,
                page(run),
                "≥ 1/30",
                share(run, self.bare_handler) >= 1.0 / 30.0,
            );
        }
        let signups = share(self.signups, self.bare_insert);
        target(
            "sign-ups",
            format!("{:.0} % of the bare insert", 100.0 * signups),
            "≥ 50 %",
            signups >= 0.5,
        );
        let p99 = self.signups.percentile(99);
        target("sign-up p99", format!("{p99:.1} ms"), "< 60 ms", p99 < 60.0);
        target(
            "shifts over capacity",
            self.over.to_string(),
            "0",
            self.over == 0,
        );
        let kept = self.dashboard_kept.percentile(50);
        target(
            "a year's dashboard alone, nothing changed since it was last asked",
            format!("{kept:.1} ms"),
            "< 50 ms",
            kept < 50.0,
        );
        let changed = self.dashboard_changed.percentile(50);
        target(
            "a year's dashboard alone, right after a change in the year",
            format!("{changed:.0} ms"),
            "< 50 ms",
            changed < 50.0,
        );
        let p99 = self.dashboard.percentile(99);
        let all = self.dashboard.errors == 0;
        target(
            "a year's dashboard, 64 at once, p99",
            format!("{p99:.0} ms, {} failed", self.dashboard.errors),
            "< 1,000 ms, none failed",
            all && p99 < 1000.0,
        );
        let export = self.export_one.percentile(50);
        target(
            "monthly workbook alone",
            format!("{export:.0} ms"),
            "< 200 ms",
            export < 200.0,
        );
        target(
            "server peak memory",
            format!("{:.0} MB", self.peak_mb),
            "< 100 MB",
            self.peak_mb < 100.0,
        );
        lines
    }
}

/// Requests one after another on an idle server, for a page's own time.
const IDLE_REQUESTS: usize = 200;

/// A year's dashboard asked one after another, with nothing changed and after changes.
const DASHBOARD_REQUESTS: usize = 20;

/// A year's dashboard, each time right after a stall of the newest day reported its
/// residents again (a change its figures count), one request at a time.
async fn dashboard_after_changes(
    client: &reqwest::Client,
    db: &DatabaseConnection,
    call: &Call,
    (stall_id, staff): (Uuid, Uuid),
) -> anyhow::Result<Run> {
    let started = Instant::now();
    let mut latencies = Vec::new();
    for n in 0..DASHBOARD_REQUESTS {
        beneficiary_report::ActiveModel {
            id: Set(Uuid::now_v7()),
            stall_id: Set(stall_id),
            total: Set(100 + i32::try_from(n).unwrap_or(0)),
            elderly: Set(None),
            children: Set(None),
            disabled: Set(None),
            other: Set(None),
            reason: Set("更正".into()),
            entered_by: Set(staff),
            entered_at: Set(Utc::now()),
            tallied: Set(None),
        }
        .insert(db)
        .await?;
        let one = drive_with(client, 1, vec![call.clone()]).await?;
        latencies.extend(one.latencies);
        if one.errors > 0 {
            bail!("the dashboard failed after a change");
        }
    }
    Ok(Run {
        latencies,
        errors: 0,
        wall: started.elapsed(),
    })
}

/// One request of a run.
#[derive(Clone)]
struct Call {
    post: bool,
    url: String,
    token: Option<String>,
}

impl Call {
    fn get(url: String, token: Option<String>) -> Self {
        Call {
            post: false,
            url,
            token,
        }
    }
    fn post(url: String, token: Option<String>) -> Self {
        Call {
            post: true,
            url,
            token,
        }
    }
}

struct Run {
    latencies: Vec<Duration>,
    errors: usize,
    wall: Duration,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    fn percentile(&self, p: usize) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = (sorted.len() * p / 100).min(sorted.len().saturating_sub(1));
        sorted.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

async fn drive(client: &reqwest::Client, calls: Vec<Call>) -> anyhow::Result<Run> {
    drive_with(client, CLIENTS, calls).await
}

/// `clients` tasks take the calls one after another; each latency is one request's.
async fn drive_with(
    client: &reqwest::Client,
    clients: usize,
    calls: Vec<Call>,
) -> anyhow::Result<Run> {
    let calls = Arc::new(calls);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, calls, next) = (client.clone(), calls.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(call) = calls.get(i) else { break };
                let mut request = if call.post {
                    client.post(&call.url)
                } else {
                    client.get(&call.url)
                };
                if let Some(token) = &call.token {
                    request = request.bearer_auth(token);
                }
                let sent = Instant::now();
                match request.send().await {
                    Ok(response) => {
                        let ok =
                            response.status().is_success() || response.status().is_redirection();
                        let _ = response.bytes().await;
                        latencies.push(sent.elapsed());
                        if !ok {
                            errors += 1;
                        }
                    }
                    Err(_) => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut run = Run {
        latencies: Vec::new(),
        errors: 0,
        wall: Duration::ZERO,
    };
    for task in tasks {
        let (latencies, errors) = task.await?;
        run.latencies.extend(latencies);
        run.errors += errors;
    }
    run.wall = started.elapsed();
    Ok(run)
}

/// The baseline for sign-ups: the same number of one-row insert transactions, 64 at a time,
/// on the same database, the way the application opens them.
async fn bare_inserts(db: &DatabaseConnection, count: usize) -> anyhow::Result<Run> {
    db.execute_unprepared(
        "CREATE TABLE bench_baseline (id VARCHAR(36) PRIMARY KEY, at VARCHAR(40))",
    )
    .await?;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (db, next) = (db.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < count {
                let sent = Instant::now();
                let txn = member::tx::begin_write(&db).await?;
                txn.execute_raw(Statement::from_sql_and_values(
                    db.get_database_backend(),
                    match db.get_database_backend() {
                        sea_orm::DatabaseBackend::Postgres => {
                            "INSERT INTO bench_baseline (id, at) VALUES ($1, $2)"
                        }
                        _ => "INSERT INTO bench_baseline (id, at) VALUES (?, ?)",
                    },
                    [
                        Uuid::now_v7().to_string().into(),
                        Utc::now().to_rfc3339().into(),
                    ],
                ))
                .await?;
                txn.commit().await?;
                latencies.push(sent.elapsed());
            }
            Ok::<_, sea_orm::DbErr>(latencies)
        }));
    }
    let mut run = Run {
        latencies: Vec::new(),
        errors: 0,
        wall: Duration::ZERO,
    };
    for task in tasks {
        run.latencies.extend(task.await??);
    }
    run.wall = started.elapsed();
    Ok(run)
}

/// Shifts whose confirmed volunteers outnumber their places (must be none).
async fn over_capacity(db: &DatabaseConnection) -> anyhow::Result<usize> {
    let mut over = 0;
    for row in shift::Entity::find().all(db).await? {
        let confirmed = signup::Entity::find()
            .filter(sea_orm::ColumnTrait::eq(&signup::Column::ShiftId, row.id))
            .filter(sea_orm::ColumnTrait::eq(
                &signup::Column::Status,
                SignupStatus::Confirmed.as_str(),
            ))
            .count(db)
            .await?;
        if confirmed > row.capacity as u64 || row.confirmed_count > row.capacity {
            over += 1;
        }
    }
    Ok(over)
}

/// The server's memory after a phase, on standard error: where the peak was reached.
fn memory_note(pid: u32, phase: &str) {
    eprintln!(
        "  after {phase}: server {:.0} MB resident ({:.0} MB heap, {:.0} MB files), peak so far {:.0} MB",
        memory_kb(pid, "VmRSS:") as f64 / 1024.0,
        memory_kb(pid, "RssAnon:") as f64 / 1024.0,
        (memory_kb(pid, "RssFile:") + memory_kb(pid, "RssShmem:")) as f64 / 1024.0,
        memory_kb(pid, "VmHWM:") as f64 / 1024.0
    );
}

/// A memory figure of the server from `/proc/PID/status`, in kB: `VmHWM` (the peak
/// resident set), `VmRSS` (now), or its parts `RssAnon`, `RssFile`, `RssShmem`.
fn memory_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse().ok())
        })
        .unwrap_or(0)
}

async fn insert_chunks<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> anyhow::Result<()>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(1000).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Ten years of a busy platform, written straight into the database in batches.
async fn fill(db: &DatabaseConnection, scale: Scale) -> anyhow::Result<Fixture> {
    let now = Utc::now();
    let mut people = Vec::with_capacity(scale.people);
    let mut rows = Vec::with_capacity(scale.people);
    for n in 0..scale.people {
        let id = Uuid::now_v7();
        people.push(id);
        rows.push(person::ActiveModel {
            id: Set(id),
            name: Set(format!("志愿者{n}")),
            phone: Set(Some(format!("170{n:08}"))),
            birth_date: Set(None),
            consent_version: Set(None),
            consent_at: Set(None),
            erased_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    insert_chunks(db, rows).await?;
    let account_of = |person_id: Uuid, role| account::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        password_hash: Set("not-used".into()),
        role: Set(role),
        disabled_at: Set(None),
        created_at: Set(now),
        password_changed_at: Set(now),
        elder_mode: Set(false),
    };
    // The coordinator is person 0; racers come after the busy volunteer (person 1).
    let racers = &people[2..2 + scale.racers];
    let mut accounts = vec![
        account_of(people[0], PlatformRole::Coordinator),
        account_of(people[1], PlatformRole::Volunteer),
    ];
    accounts.extend(
        racers
            .iter()
            .map(|p| account_of(*p, PlatformRole::Volunteer)),
    );
    let account_ids: Vec<Uuid> = accounts.iter().map(|a| *a.id.as_ref()).collect();
    insert_chunks(db, accounts).await?;
    let actor = |i: usize, role| Actor {
        person_id: if i == 0 {
            people[0]
        } else if i == 1 {
            people[1]
        } else {
            racers[i - 2]
        },
        account_id: account_ids[i],
        name: String::new(),
        role,
        leads: Vec::new(),
        helps: false,
    };
    let staff = actor(0, PlatformRole::Coordinator);
    let (staff_token, _) = member::sessions::issue_api_token(db, &staff, now).await?;
    let (busy_volunteer_token, _) =
        member::sessions::issue_api_token(db, &actor(1, PlatformRole::Volunteer), now).await?;
    let mut racer_tokens = Vec::with_capacity(scale.racers);
    for i in 0..scale.racers {
        let (token, _) =
            member::sessions::issue_api_token(db, &actor(i + 2, PlatformRole::Volunteer), now)
                .await?;
        racer_tokens.push(token);
    }

    let mut orgs = Vec::new();
    for n in 0..20 {
        let input = member::orgs::OrgInput {
            name: format!("第{n}志愿服务队"),
            theme: "elderly".into(),
            community: "南湖社区".into(),
            contact_name: "联系人".into(),
            contact_phone: "13900000000".into(),
            ..Default::default()
        };
        orgs.push(
            member::orgs::register(db, &staff, &input, "", now.date_naive())
                .await?
                .id,
        );
    }

    // Market days: monthly, the newest last month, ten years back.
    let services = [
        Service::Haircut,
        Service::Clinic,
        Service::Consultation,
        Service::LegalAid,
    ];
    let mut person_cursor = 2 + scale.racers;
    let mut newest_stall = Uuid::nil();
    for d in 0..scale.market_days {
        let starts = now - chrono::Duration::days(30 * (scale.market_days - d) as i64);
        let txn = member::tx::begin_write(db).await?;
        let market = event_entity::ActiveModel {
            id: Set(Uuid::now_v7()),
            kind: Set(EventKind::Market),
            title: Set("南湖社区公益集市".into()),
            place: Set("南湖社区广场".into()),
            starts_at: Set(starts),
            ends_at: Set(starts + chrono::Duration::hours(3)),
            status: Set(EventStatus::Reported),
            created_at: Set(now),
            description: Set(String::new()),
            organizer_id: Set(None),
            project_id: Set(None),
            signup_closes_at: Set(None),
            cancel_reason: Set(None),
        }
        .insert(&txn)
        .await?;
        let (mut signups, mut records, mut hours, mut reports) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for s in 0..scale.stalls_per_day {
            let stall_row = stall::ActiveModel {
                id: Set(Uuid::now_v7()),
                event_id: Set(market.id),
                organization_id: Set(orgs[(d + s) % orgs.len()]),
                service: Set(services[s % services.len()]),
                description: Set(String::new()),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
            newest_stall = stall_row.id;
            reports.push(beneficiary_report::ActiveModel {
                id: Set(Uuid::now_v7()),
                stall_id: Set(stall_row.id),
                total: Set(100),
                elderly: Set(None),
                children: Set(None),
                disabled: Set(None),
                other: Set(None),
                reason: Set(String::new()),
                entered_by: Set(staff.person_id),
                entered_at: Set(now),
                tallied: Set(None),
            });
            for h in 0..scale.shifts_per_stall {
                let shift_starts = starts + chrono::Duration::minutes(40 * h as i64);
                let shift_row = shift::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    stall_id: Set(stall_row.id),
                    starts_at: Set(shift_starts),
                    ends_at: Set(shift_starts + chrono::Duration::minutes(40)),
                    capacity: Set(scale.volunteers_per_shift as i32),
                    confirmed_count: Set(scale.volunteers_per_shift as i32),
                    required_skill: Set(None),
                    created_at: Set(now),
                    checkin_token: Set(None),
                }
                .insert(&txn)
                .await?;
                for _ in 0..scale.volunteers_per_shift {
                    // The busy volunteer serves at every market day's first shift.
                    let who = if s == 0 && h == 0 && signups.is_empty() {
                        people[1]
                    } else {
                        person_cursor = 2
                            + scale.racers
                            + (person_cursor + 1 - 2 - scale.racers)
                                % (scale.people - 2 - scale.racers);
                        people[person_cursor]
                    };
                    let signup_id = Uuid::now_v7();
                    let record_id = Uuid::now_v7();
                    signups.push(signup::ActiveModel {
                        id: Set(signup_id),
                        shift_id: Set(shift_row.id),
                        person_id: Set(who),
                        status: Set(SignupStatus::Confirmed),
                        created_at: Set(now),
                        confirmed_at: Set(Some(now)),
                        cancelled_at: Set(None),
                        added_by: Set(None),
                    });
                    records.push(service_record::ActiveModel {
                        id: Set(record_id),
                        signup_id: Set(signup_id),
                        shift_id: Set(shift_row.id),
                        person_id: Set(who),
                        checked_in_at: Set(Some(shift_starts)),
                        checked_out_at: Set(Some(shift_starts + chrono::Duration::minutes(40))),
                        attendance: Set(Some("attended".into())),
                        created_at: Set(now),
                    });
                    hours.push(hour_entry::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        record_id: Set(record_id),
                        tenths: Set(7),
                        reason: Set(String::new()),
                        entered_by: Set(staff.person_id),
                        entered_at: Set(now),
                        stands_at: Set(shift_starts + chrono::Duration::days(5)),
                    });
                }
            }
        }
        insert_chunks(&txn, signups).await?;
        insert_chunks(&txn, records).await?;
        insert_chunks(&txn, hours).await?;
        insert_chunks(&txn, reports).await?;
        txn.commit().await?;
        if d % 10 == 9 {
            eprintln!("  market days: {}/{}", d + 1, scale.market_days);
        }
    }

    // Tomorrow's market: places to race for (a fifth as many as racers).
    let tomorrow = now + chrono::Duration::days(1);
    let upcoming = event_entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(EventKind::Market),
        title: Set("南湖社区公益集市".into()),
        place: Set("南湖社区广场".into()),
        starts_at: Set(tomorrow),
        ends_at: Set(tomorrow + chrono::Duration::hours(3)),
        status: Set(EventStatus::Published),
        created_at: Set(now),
        description: Set(String::new()),
        organizer_id: Set(None),
        project_id: Set(None),
        signup_closes_at: Set(Some(tomorrow - chrono::Duration::hours(1))),
        cancel_reason: Set(None),
    }
    .insert(db)
    .await?;
    let mut race_shifts = Vec::new();
    for s in 0..25 {
        let stall_row = stall::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_id: Set(upcoming.id),
            organization_id: Set(orgs[s % orgs.len()]),
            service: Set(services[s % services.len()]),
            description: Set(String::new()),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        for h in 0..4 {
            let starts = tomorrow + chrono::Duration::minutes(40 * h);
            race_shifts.push(
                shift::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    stall_id: Set(stall_row.id),
                    starts_at: Set(starts),
                    ends_at: Set(starts + chrono::Duration::minutes(40)),
                    capacity: Set((scale.racers / 5 / 100).max(1) as i32),
                    confirmed_count: Set(0),
                    required_skill: Set(None),
                    created_at: Set(now),
                    checkin_token: Set(None),
                }
                .insert(db)
                .await?
                .id,
            );
        }
    }
    let last_month = now
        .date_naive()
        .with_day(1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(now.date_naive());
    Ok(Fixture {
        staff_token,
        racer_tokens,
        race_shifts,
        upcoming_market: upcoming.id,
        busy_volunteer_token,
        report_month: last_month.format("%Y-%m").to_string(),
        newest_stall: (newest_stall, staff.person_id),
    })
}
