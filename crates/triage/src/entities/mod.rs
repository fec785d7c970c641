pub mod rating;
pub mod request;
pub mod request_update;
