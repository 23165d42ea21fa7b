//! Integration tests: the built `mwtrace` binary run on bundles in testdata/ and on bundles the
//! tests write (good ones through the library's writer, hostile ones by hand).

mod bad_bundles;
mod bad_rows;
mod cache;
mod collect_kube;
mod collect_pg;
mod common;
mod components;
mod diff;
mod doctor;
mod doctor_runbook;
mod evidence;
mod export;
mod fake_kube;
mod import;
mod info_sql_schema;
mod interrupt;
mod json_schemas;
mod logs;
mod maestro_db;
mod packaging;
mod pg;
mod serve;
mod snapshot;
mod sql_contained;
mod sql_prompt;
mod suggested_sql;
mod terminal_escapes;
mod text_snapshots;
mod timeline;
mod trace;
mod trace_store;
mod transitions;
mod variants;
