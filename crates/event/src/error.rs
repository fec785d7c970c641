use sea_orm::DbErr;

/// What can go wrong in the event domain, in its own words.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}
