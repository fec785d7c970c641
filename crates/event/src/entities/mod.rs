pub mod beneficiary_report;
pub mod calendar_feed;
pub mod event;
pub mod hour_entry;
pub mod service_record;
pub mod shift;
pub mod signup;
pub mod stall;
