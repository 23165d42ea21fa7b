//! Integration tests: the built `mwtrace` binary run on bundles in testdata/ and on bundles the
//! tests write (good ones through the library's writer, hostile ones by hand).

mod bad_bundles;
mod cache;
mod common;
mod info_sql_schema;
mod trace;
mod variants;
