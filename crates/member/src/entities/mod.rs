pub mod account;
pub mod api_token;
pub mod audit_entry;
pub mod login_failure;
pub mod person;
pub mod reset_code;
pub mod session;
