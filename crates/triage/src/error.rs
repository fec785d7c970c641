use member::{FieldError, MemberError};
use sea_orm::DbErr;

/// What can go wrong with requests and ratings.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Too many anonymous submissions from one address: try again after this many seconds.
    #[error("throttled for {0} s")]
    Throttled(u64),
    #[error("internal: {0}")]
    Internal(String),
    #[error("database: {0}")]
    Database(#[from] DbErr),
}

impl TriageError {
    pub fn field(field: &'static str, reason: &'static str) -> Self {
        TriageError::Invalid(vec![FieldError::new(field, reason)])
    }
}

impl From<MemberError> for TriageError {
    fn from(err: MemberError) -> Self {
        match err {
            MemberError::Invalid(fields) => TriageError::Invalid(fields),
            MemberError::Forbidden => TriageError::Forbidden,
            MemberError::NotFound => TriageError::NotFound,
            MemberError::Database(db) => TriageError::Database(db),
            other => TriageError::Internal(other.to_string()),
        }
    }
}
