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
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
