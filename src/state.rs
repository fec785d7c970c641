use std::ops::Deref;
use std::sync::Arc;

use handlebars::Handlebars;
use sea_orm::DatabaseConnection;

use crate::metrics::Metrics;
use crate::settings::Settings;

/// Everything a handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: DatabaseConnection,
    pub templates: Handlebars<'static>,
    pub settings: Settings,
    pub metrics: Metrics,
    /// API tokens' uses, written together a moment later.
    pub token_uses: member::sessions::TokenUses,
    /// Public pages kept rendered until what they show changes.
    pub pages: crate::page_cache::PageCache,
    /// Market days' bodies as every plain volunteer sees them, kept the same way.
    pub market_bodies: crate::page_cache::PageCache<crate::pages::MarketBody>,
    /// Each volunteer's "my shifts" inside the layout, by their `shifts_version`.
    pub my_shifts_bodies: crate::page_cache::PageCache<std::sync::Arc<str>, i64>,
    /// Periods' figures kept until what they count changes.
    pub overviews: event::stats::KeptOverviews,
    /// Dashboards and monthly reports read a year of records each: they take turns, one
    /// per core, so a crowd of them queues instead of holding a year of rows apiece in
    /// memory and every database connection at once.
    reports: tokio::sync::Semaphore,
}

impl AppState {
    pub fn new(
        db: DatabaseConnection,
        templates: Handlebars<'static>,
        settings: Settings,
        metrics: Metrics,
    ) -> Self {
        Self(Arc::new(Inner {
            db,
            templates,
            settings,
            metrics,
            token_uses: member::sessions::TokenUses::default(),
            pages: crate::page_cache::PageCache::default(),
            market_bodies: crate::page_cache::PageCache::default(),
            my_shifts_bodies: crate::page_cache::PageCache::default(),
            overviews: event::stats::KeptOverviews::default(),
            reports: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        }))
    }

    /// Wait for a turn to build a dashboard or report; the turn ends when it is dropped.
    pub async fn report_turn(&self) -> Option<ReportTurn<'_>> {
        // The semaphore is never closed, so this is always `Some`.
        let permit = self.reports.acquire().await.ok()?;
        Some(ReportTurn { _permit: permit })
    }
}

/// A turn at building a dashboard or report (see `AppState::report_turn`). As it ends, the
/// heap the report's rows took is handed back to the system, before the next turn starts.
pub struct ReportTurn<'a> {
    _permit: tokio::sync::SemaphorePermit<'a>,
}

impl Drop for ReportTurn<'_> {
    fn drop(&mut self) {
        crate::memory::give_back_freed();
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
