use sea_orm::DbErr;

/// A field of a form or request body, and why its value cannot be used. The reason is a
/// message-catalogue key (`error-phone-invalid`), so the web layer can say it in the
/// reader's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub reason: &'static str,
}

impl FieldError {
    pub fn new(field: &'static str, reason: &'static str) -> Self {
        Self { field, reason }
    }
}

/// What can go wrong with people, accounts and sessions, in the domain's own words.
#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// Unknown phone, wrong password, disabled account: one answer for all, so nobody
    /// can find out who has an account.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("too many failed logins; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Password hashing, file encoding and the like failed: a fault, not bad input.
    #[error("internal: {0}")]
    Internal(String),
    #[error("database: {0}")]
    Database(#[from] DbErr),
}

impl MemberError {
    pub fn field(field: &'static str, reason: &'static str) -> Self {
        MemberError::Invalid(vec![FieldError::new(field, reason)])
    }
}

impl From<FieldError> for MemberError {
    fn from(err: FieldError) -> Self {
        MemberError::Invalid(vec![err])
    }
}
