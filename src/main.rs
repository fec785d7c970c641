use std::io::IsTerminal;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use weiyifang::i18n::Lang;
use weiyifang::{App, Settings, db};

/// 微益坊: community social organizations, market days and volunteer service.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (the default): applies pending migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Copy the live (SQLite) database to a new file, consistently, while the server runs.
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Restore a backup into the configured database (stop the server first).
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
        /// Overwrite a database that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Copy a whole platform into an empty database (SQLite to PostgreSQL or back), then
    /// verify every table's row count and checksum on both sides. Stop the server first.
    Copy {
        /// The database to copy: `sqlite://…` or `postgres://…`.
        #[arg(long)]
        from: String,
        /// The empty database to fill (it is migrated first).
        #[arg(long)]
        to: String,
    },
    /// Fill an empty database with a realistic demo platform (refuses a non-empty one).
    Demo,
    /// Check that the figures the dashboards serve, put together from stalls kept apart,
    /// equal the same years worked out whole from their records (this year and the ones
    /// before it). Exits with an error if any figure differs.
    CheckFigures {
        /// How many years to check, this one included.
        #[arg(long, default_value_t = 2)]
        years: u16,
    },
    /// Manage administrator accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator. The password is read from standard input (typed twice
    /// at a terminal, or one line from a pipe), never from the command line.
    Create {
        /// Mobile number, used to log in.
        #[arg(long)]
        phone: String,
        /// The person's name.
        #[arg(long)]
        name: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cli.settings.log_format.trim() == "json" {
        // One JSON object per line, with the request's span (its id) on every event.
        logs.json().with_current_span(true).init();
    } else {
        logs.with_ansi(std::io::stderr().is_terminal()).init();
    }

    for (name, value) in cli.settings.describe_all() {
        tracing::info!("{name} = {value}");
    }
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.settings).await,
        Command::Migrate => migrate(cli.settings).await,
        Command::Demo => demo(cli.settings).await,
        Command::CheckFigures { years } => check_figures(cli.settings, years).await,
        Command::Backup { to } => {
            let db = db::connect(&cli.settings).await?;
            weiyifang::backup::backup(&db, &to).await?;
            say(&format!("Backed up to {}.", to.display()));
            Ok(())
        }
        Command::Restore { from, force } => {
            let db = db::connect(&cli.settings).await?;
            db::migrate(&db).await?;
            db.close().await.ok();
            weiyifang::backup::restore(&cli.settings.database_url, &from, force).await?;
            say(&format!(
                "Restored from {}; integrity and foreign keys check out.",
                from.display()
            ));
            Ok(())
        }
        Command::Copy { from, to } => {
            say(&format!(
                "Copying {} to {} …",
                weiyifang::settings::redact_url(&from),
                weiyifang::settings::redact_url(&to)
            ));
            let report = weiyifang::copy::copy(&from, &to).await?;
            let rows: u64 = report.tables.iter().map(|(_, sum)| sum.rows).sum();
            for (table, sum) in &report.tables {
                say(&format!(
                    "  {table:<28} {:>9} rows  checksum {:016x}  same on both sides",
                    sum.rows, sum.checksum
                ));
            }
            say(&format!(
                "Copied {rows} rows in {} tables; every count and checksum matches.",
                report.tables.len()
            ));
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create { phone, name },
        } => create_admin(cli.settings, &phone, &name).await,
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let bind = settings.bind;
    let app = App::build(settings).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let address = listener.local_addr()?;
    say(&format!(
        "微益坊 is running at http://{address}/  (Ctrl-C to stop)"
    ));
    app.serve(listener, shutdown_signal()).await?;
    say("微益坊 stopped.");
    Ok(())
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    say("The database is up to date.");
    Ok(())
}

async fn demo(settings: Settings) -> anyhow::Result<()> {
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    say("Filling the database with the demo platform (a few seconds)…");
    weiyifang::demo::fill(&db, weiyifang::views::today()).await?;
    say(&format!(
        "Done. Start with `weiyifang serve` and log in at http://{}/login as:",
        settings.bind
    ));
    for (role, phone, password) in weiyifang::demo::DEMO_ACCOUNTS {
        say(&format!("  {role:<22} phone {phone}  password {password}"));
    }
    Ok(())
}

async fn check_figures(settings: Settings, years: u16) -> anyhow::Result<()> {
    use chrono::{Datelike, NaiveDate};
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    let (now, this_year) = (chrono::Utc::now(), weiyifang::views::today().year());
    let mut differ = 0;
    for year in (this_year + 1 - i32::from(years.max(1)))..=this_year {
        let first = |year| NaiveDate::from_ymd_opt(year, 1, 1).context("a year out of range");
        let check = event::stats::check_merged(&db, (first(year)?, first(year + 1)?), now).await?;
        let all = &check.whole.all;
        if check.agrees() {
            say(&format!(
                "{year}: every figure the same both ways ({} market days, {} services, {} volunteers, {} hours)",
                all.market_days,
                all.services,
                all.volunteers,
                event::records::format_hours(all.hours_tenths)
            ));
        } else {
            differ += 1;
            say(&format!(
                "{year}: DIFFERENT\n  from its stalls: {:?}\n  from its rows:   {:?}",
                check.merged, check.whole
            ));
        }
    }
    if differ > 0 {
        anyhow::bail!("the figures of {differ} year(s) differ");
    }
    say("Every figure agrees with its records.");
    Ok(())
}

async fn create_admin(settings: Settings, phone: &str, name: &str) -> anyhow::Result<()> {
    let password = read_password()?;
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    match member::accounts::create_admin(&db, name, phone, &password).await {
        Ok(person) => {
            say(&format!(
                "Administrator {} created. Log in at http://{}/login with {}.",
                person.name,
                settings.bind,
                person.phone.as_deref().unwrap_or(phone)
            ));
            Ok(())
        }
        Err(member::MemberError::Invalid(errors)) => {
            for error in errors {
                eprintln!("{}: {}", error.field, Lang::ZhCn.t(error.reason));
            }
            anyhow::bail!("the administrator was not created")
        }
        Err(other) => Err(other.into()),
    }
}

/// Twice, hidden, at a terminal; otherwise the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 8 characters): ")?;
        let second = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(first == second, "the two passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// Ctrl-C or SIGTERM (what systemd and container runtimes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// A line for the person at the terminal. Nobody reading (stdout closed) is no reason
/// to fail, least of all during shutdown.
fn say(line: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .ok();
}
