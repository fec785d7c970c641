//! Organizations and their incubation stages, people, memberships, login accounts and
//! platform roles. No HTTP in here.
//!
//! Filled in by the accounts issue (#3) and the organizations issue (#4).
