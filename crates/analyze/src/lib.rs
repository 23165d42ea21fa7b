//! A snapshot bundle loaded into DuckDB, and everything that reads it: the loader and its cache
//! (`load`), the trace read model and its two stores (`trace`), the doctor rules (`doctor`) and
//! the queries over the parsed container logs (`log_query`).
//!
//! This is the only library crate that links DuckDB; bundle, import and collect build without it.

pub mod columns;
pub mod diff;
pub mod doctor;
pub mod human;
pub mod json_diff;
pub mod load;
pub mod log_query;
pub mod query;
pub mod sandbox;
pub mod serve;
pub mod shell;
pub mod store;
pub mod terminal;
pub mod timeline;
pub mod trace;
pub mod transitions;
