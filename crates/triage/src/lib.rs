//! 三事分流: residents' requests sorted into big matters (the government's), small matters
//! (the community and its organizations solve them together) and private matters (residents
//! are guided to solve them themselves), so that every matter has someone responsible and
//! somewhere to be solved; and residents' satisfaction, rated on a resolved request or at a
//! market-day stall. No HTTP in here; who may do what is asked of [`member::Actor`].

pub mod entities;
mod error;
pub mod handling;
pub mod kinds;
pub mod ratings;
pub mod requests;

pub use entities::request::Model as Request;
pub use error::TriageError;
pub use kinds::{Category, Channel, Class, Level, Status, UpdateKind};

/// Deadlines per class and the limits on anonymous submissions (settings).
#[derive(Clone, Debug)]
pub struct Policy {
    pub days_big: i64,
    pub days_small: i64,
    pub days_private: i64,
    /// Public submissions from one client address within an hour.
    pub submissions_per_hour: u64,
    /// Ratings from one client address within an hour (a market day behind one Wi-Fi).
    pub ratings_per_hour: u64,
    /// The key of residents' phone digests (人数); empty: no numbers are taken.
    pub resident_secret: String,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            days_big: 15,
            days_small: 7,
            days_private: 3,
            submissions_per_hour: 10,
            ratings_per_hour: 60,
            resident_secret: String::new(),
        }
    }
}

impl Policy {
    pub fn days_for(&self, class: Class) -> i64 {
        match class {
            Class::Big => self.days_big,
            Class::Small => self.days_small,
            Class::Private => self.days_private,
        }
    }
}
