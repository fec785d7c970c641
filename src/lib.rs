//! 微益坊 (Wei Yi Fang): the web application. The binary in `main.rs` is a thin CLI over
//! [`App`]; tests build the same `App` against a database of their own.

pub mod auth;
pub mod backup;
pub mod copy;
pub mod db;
pub mod demo;
pub mod errors;
pub mod files;
pub mod i18n;
pub mod jobs;
pub mod metrics;
pub mod notices;
pub mod page_cache;
pub mod reporting;
pub mod settings;
pub mod state;
pub mod templates;
pub mod views;

mod api;
mod health;
mod memory;
mod pages;
mod router;

use axum::Router;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::net::TcpListener;

pub use settings::Settings;
pub use state::AppState;

/// A ready-to-serve application: a migrated database and the router over it.
pub struct App {
    pub router: Router,
    pub db: DatabaseConnection,
    settings: Settings,
    outbound: notices::Outbound,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Database(#[source] DbErr),
    #[error("cannot migrate the database: {0}")]
    Migration(#[source] DbErr),
    #[error("a page template is broken: {0}")]
    Templates(#[from] handlebars::TemplateError),
    #[error("metrics cannot be set up: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("notifications cannot be sent: {0}")]
    Notifications(String),
}

impl App {
    /// Opens the database, applies pending migrations and builds the router.
    pub async fn build(settings: Settings) -> Result<App, StartupError> {
        let db = db::connect(&settings)
            .await
            .map_err(StartupError::Database)?;
        db::migrate(&db).await.map_err(StartupError::Migration)?;
        let outbound =
            notices::Outbound::from_settings(&settings).map_err(StartupError::Notifications)?;
        let metrics = metrics::Metrics::new()?;
        let state = AppState::new(
            db.clone(),
            templates::registry()?,
            settings.clone(),
            metrics,
        );
        Ok(App {
            router: router::build_router(state),
            db,
            settings,
            outbound,
        })
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        jobs::start(&self.db, &self.settings, self.outbound);
        // The client address is needed for login throttling.
        let service = self
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(shutdown)
            .await?;
        self.db.close().await.ok();
        Ok(())
    }
}
