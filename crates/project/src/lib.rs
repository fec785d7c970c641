//! Public-welfare projects run by organizations, and their funding ledger (amounts in
//! integer fen). No HTTP in here; who may do what is asked of [`member::Actor`].

pub mod entities;
mod error;
pub mod ledger;
pub mod money;
pub mod projects;
pub mod rounds;

pub use entities::funding_entry::Model as FundingEntry;
pub use entities::project::Model as Project;
pub use error::ProjectError;
