//! Organizations and their incubation stages, people, memberships, login accounts and
//! platform roles. No HTTP in here: the web layer calls these functions with a database
//! connection and an [`Actor`], and every "may they?" is answered by [`Actor`] itself.

pub mod accounts;
pub mod actor;
pub mod audit;
pub mod desk;
pub mod entities;
mod error;
pub mod fields;
pub mod helping;
pub mod memberships;
pub mod notices;
pub mod orgs;
pub mod privacy;
pub mod roster;
pub mod secrets;
pub mod sessions;
mod throttle;
pub mod tx;
pub mod volunteer_record;

pub use actor::{Actor, PlatformRole};
pub use entities::organization::Model as Organization;
pub use entities::person::Model as Person;
pub use error::{FieldError, MemberError};
pub use fields::{BirthDate, Password, PersonName, Phone};
pub use throttle::ThrottlePolicy;

/// The version of the privacy notice a person consents to when registering. Bump it
/// whenever the notice's text (in the message catalogues) changes.
pub const PRIVACY_NOTICE_VERSION: &str = "2026-11-25";
