pub mod funding_entry;
pub mod partner;
pub mod project;
