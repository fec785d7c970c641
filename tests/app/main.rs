//! One integration-test binary: it drives the real router over HTTP against a fresh,
//! migrated database per test (SQLite by default; PostgreSQL when
//! `WEIYIFANG_TEST_DATABASE_URL` names a server).

#![allow(
    clippy::too_many_lines,
    reason = "a test is one person's walk through the month, read top to bottom"
)]
// A failed unwrap in a test is a failed test with its reason: that is what we want here.
#![allow(clippy::unwrap_used)]

mod helpers;

mod accounts;
mod accounts_staff;
mod api;
mod api_month;
mod api_notifications;
mod api_organizing;
mod backup;
mod binary;
mod browser;
mod browser_elder;
mod browser_month;
mod browser_rounds;
mod browser_tally;
mod code_login;
mod copy;
mod counting;
mod counting_records;
mod crash;
mod database;
mod demo;
mod findings;
mod findings_access;
mod health;
mod helping;
mod kept_figures;
mod kept_my_shifts;
mod layout;
mod markets;
mod markets_organizing;
mod members;
mod month;
mod month_on_the_day;
mod notice_delivery;
mod notices;
mod observability;
mod orgs;
mod orgs_api;
mod page_cache;
mod pages;
mod people_served;
mod privacy;
mod projects;
mod projects_api;
mod publicity;
mod records;
mod records_certificates;
mod reports;
mod requests;
mod requests_boards;
mod rounds;
mod rounds_api;
mod security;
mod tally;
mod volunteer_record;
