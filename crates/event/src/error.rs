use member::{FieldError, MemberError};
use sea_orm::DbErr;

/// What can go wrong in the event domain, in its own words.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

impl EventError {
    pub fn field(field: &'static str, reason: &'static str) -> Self {
        EventError::Invalid(vec![FieldError::new(field, reason)])
    }
}

impl From<MemberError> for EventError {
    fn from(err: MemberError) -> Self {
        match err {
            MemberError::Invalid(fields) => EventError::Invalid(fields),
            MemberError::Forbidden => EventError::Forbidden,
            MemberError::NotFound => EventError::NotFound,
            MemberError::Database(db) => EventError::Database(db),
            other => EventError::Database(DbErr::Custom(other.to_string())),
        }
    }
}
