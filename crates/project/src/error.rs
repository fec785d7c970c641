use member::{FieldError, MemberError};
use sea_orm::DbErr;

/// What can go wrong with projects and their money.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("internal: {0}")]
    Internal(String),
    #[error("database: {0}")]
    Database(#[from] DbErr),
}

impl ProjectError {
    pub fn field(field: &'static str, reason: &'static str) -> Self {
        ProjectError::Invalid(vec![FieldError::new(field, reason)])
    }
}

impl From<MemberError> for ProjectError {
    fn from(err: MemberError) -> Self {
        match err {
            MemberError::Invalid(fields) => ProjectError::Invalid(fields),
            MemberError::Forbidden => ProjectError::Forbidden,
            MemberError::NotFound => ProjectError::NotFound,
            MemberError::Database(db) => ProjectError::Database(db),
            other => ProjectError::Internal(other.to_string()),
        }
    }
}
