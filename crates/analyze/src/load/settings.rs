//! The DuckDB settings every connection of mwtrace opens with, loading or reading.
//!
//! DuckDB left to itself keeps state in the user's home (`~/.duckdb/extensions/...`, persistent
//! secrets under `~/.duckdb/stored_secrets`), installs and loads extensions from the network
//! when a query names one, takes up to 80% of the machine's RAM and spills beside the database
//! file under a fixed name (two processes reading one cached database would share spill files).
//! mwtrace analyzes offline: its engine has the extensions it was built with, keeps DuckDB's
//! directories under mwtrace's cache, takes half the RAM unless told otherwise, and spills into
//! a directory of its own.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use duckdb::Config;

use super::cache::cache_root;

/// Overrides the memory limit (DuckDB's syntax: `8GB`, `30%`).
pub const MEMORY_LIMIT_ENV: &str = "MWTRACE_MEMORY_LIMIT";

/// The memory limit when [`MEMORY_LIMIT_ENV`] is unset: half of the RAM DuckDB sees (the
/// machine's, or the container's cgroup limit), leaving the rest to the page cache and to
/// mwtrace's own buffers.
pub const DEFAULT_MEMORY_LIMIT: &str = "50%";

/// Why a connection's settings were refused.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{MEMORY_LIMIT_ENV}={value}: not a DuckDB memory limit such as 8GB or 30%")]
    MemoryLimit {
        value: String,
        source: duckdb::Error,
    },
    #[error("DuckDB setting {name}: {source}")]
    Setting {
        name: &'static str,
        source: duckdb::Error,
    },
}

/// The memory limit in effect, as the user would name it in an error message.
pub fn memory_limit_label() -> String {
    match std::env::var(MEMORY_LIMIT_ENV) {
        Ok(value) => format!("{MEMORY_LIMIT_ENV}={value}"),
        Err(_) => format!("mwtrace's default, {DEFAULT_MEMORY_LIMIT} of RAM"),
    }
}

/// DuckDB's home, extension and secret directories: under mwtrace's cache, never `~/.duckdb`.
pub fn duckdb_dir() -> PathBuf {
    cache_root().join("duckdb")
}

/// A fresh spill directory beside `db`, one per connection: DuckDB names its spill files
/// alike in every process, creates the directory only when it spills, and removes it when the
/// connection closes.
pub fn spill_dir_beside(db: &Path) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let parent = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(
        ".mwtrace-spill-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// The configuration every connection starts from, spilling into `spill`.
pub fn base_config(spill: &Path) -> Result<Config, SettingsError> {
    let dir = duckdb_dir();
    let path = |p: PathBuf| p.to_string_lossy().into_owned();
    let fixed = [
        ("home_directory", path(dir.clone())),
        ("extension_directory", path(dir.join("extensions"))),
        ("secret_directory", path(dir.join("secrets"))),
        ("autoinstall_known_extensions", "false".into()),
        ("autoload_known_extensions", "false".into()),
        ("allow_community_extensions", "false".into()),
        ("allow_persistent_secrets", "false".into()),
        ("temp_directory", path(spill.to_path_buf())),
    ];
    let mut config = Config::default();
    for (name, value) in fixed {
        config = config
            .with(name, &value)
            .map_err(|source| SettingsError::Setting { name, source })?;
    }
    match std::env::var(MEMORY_LIMIT_ENV) {
        Ok(value) => config
            .with("memory_limit", &value)
            .map_err(|source| SettingsError::MemoryLimit { value, source }),
        Err(_) => config
            .with("memory_limit", DEFAULT_MEMORY_LIMIT)
            .map_err(|source| SettingsError::Setting {
                name: "memory_limit",
                source,
            }),
    }
}
