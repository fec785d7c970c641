//! Market days (公益集市) and project activities, their stalls, shifts, sign-ups,
//! service records and beneficiary reports. No HTTP in here: the web layer calls the
//! functions below with a database connection and renders what they return.

pub mod calendar;
pub mod certificates;
pub mod entities;
mod error;
pub mod leaving;
pub mod markets;
pub mod notify;
pub mod page_stamp;
pub mod publicity;
pub mod records;
pub mod schedule;
pub mod sent_reports;
pub mod signups;
pub mod stalls;
pub mod stats;

pub use entities::beneficiary_report::Model as BeneficiaryReport;
pub use entities::certificate::Model as Certificate;
pub use entities::event::{EventKind, EventStatus, Model as Event};
pub use entities::sent_report::Model as SentReport;
pub use error::EventError;
pub use markets::upcoming_markets;
