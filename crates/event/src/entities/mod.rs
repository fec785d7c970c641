pub mod calendar_feed;
pub mod event;
pub mod shift;
pub mod signup;
pub mod stall;
