use std::io::IsTerminal;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let cli = Cli::parse();
    for (name, value) in cli.settings.describe() {
        tracing::info!("{name} = {value}");
    }
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.settings).await,
        Command::Migrate => migrate(cli.settings).await,
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
