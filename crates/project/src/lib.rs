//! Public-welfare projects run by organizations, and their funding ledger (amounts in
//! integer fen). No HTTP in here.
//!
//! Filled in by the projects issue (#5).
