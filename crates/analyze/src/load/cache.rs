//! Where loaded databases live, and the bundle digest that keys them. Hashing a large bundle on
//! every command would cost more than the query, so the digest is remembered per file, keyed
//! by path, size, modification time and inode: any change to the file hashes it again.
//! `mwtrace cache ls|prune|path` list and clear what is here.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `$XDG_CACHE_HOME/mwtrace` (or the platform's cache directory).
pub fn cache_root() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(dirs::cache_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("mwtrace")
}

#[derive(Serialize, Deserialize, PartialEq)]
struct Stamp {
    len: u64,
    modified_ns: u128,
    inode: u64,
}

#[derive(Serialize, Deserialize)]
struct DigestRecord {
    stamp: Stamp,
    sha256: String,
}

fn stamp(path: &Path) -> io::Result<Stamp> {
    let meta = fs::metadata(path)?;
    let modified_ns = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Ok(Stamp {
        len: meta.len(),
        modified_ns,
        inode,
    })
}

/// The sha256 of the bundle file, from the digest index when the file has not changed.
pub fn bundle_sha256(bundle: &Path) -> io::Result<String> {
    let canonical = fs::canonicalize(bundle)?;
    let key = hex::encode(Sha256::digest(canonical.as_os_str().as_encoded_bytes()));
    let record_path = cache_root().join("digests").join(format!("{key}.json"));
    let before = stamp(bundle)?;
    if let Ok(text) = fs::read(&record_path)
        && let Ok(record) = serde_json::from_slice::<DigestRecord>(&text)
        && record.stamp == before
    {
        return Ok(record.sha256);
    }
    let mut hasher = Sha256::new();
    io::copy(&mut File::open(bundle)?, &mut hasher)?;
    let sha256 = hex::encode(hasher.finalize());
    // Remember the digest only if the file did not change while it was read.
    if stamp(bundle)? == before {
        let record = DigestRecord {
            stamp: before,
            sha256: sha256.clone(),
        };
        // The index is an optimisation: failing to write it must not fail the command.
        let _ = fs::create_dir_all(record_path.parent().expect("has parent"))
            .and_then(|_| fs::write(&record_path, serde_json::to_vec(&record)?));
    }
    Ok(sha256)
}

/// A loaded database in the cache, as `mwtrace cache ls` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct CacheEntry {
    pub database: PathBuf,
    /// The database and its trace index.
    pub bytes: u64,
    pub bundle_sha256: String,
    /// The bundle as it was named when it was loaded.
    pub bundle_path: Option<String>,
    /// RFC 3339, UTC.
    pub loaded_at: Option<String>,
    pub loader_version: Option<i64>,
    /// Whether this mwtrace reads it as it is (same loader and engine); others are rebuilt on
    /// their next use, so they are only space.
    pub current: bool,
}

impl CacheEntry {
    /// Whole seconds since the database was loaded, when its metadata could be read.
    pub fn age(&self, now: jiff::Timestamp) -> Option<jiff::SignedDuration> {
        let loaded: jiff::Timestamp = self.loaded_at.as_deref()?.parse().ok()?;
        Some(now.duration_since(loaded))
    }

    /// The files that make up the entry: the database, its trace index, DuckDB's WAL.
    fn files(&self) -> Vec<PathBuf> {
        let mut files = vec![
            self.database.clone(),
            crate::store::index::path_for(&self.database),
        ];
        let mut wal = self.database.as_os_str().to_owned();
        wal.push(".wal");
        files.push(PathBuf::from(wal));
        files
    }

    /// Removes the entry's files (a reader that has it open keeps reading its copy).
    pub fn remove(&self) -> io::Result<()> {
        for file in self.files() {
            match fs::remove_file(&file) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }
}

/// The databases in the cache, oldest first. Their metadata is read through a read-only
/// connection; one that cannot be opened is listed as not current.
pub fn entries() -> io::Result<Vec<CacheEntry>> {
    let root = cache_root();
    let dir = match fs::read_dir(&root) {
        Ok(dir) => dir,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut entries = Vec::new();
    for item in dir {
        let path = item?.path();
        let Some(sha) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".duckdb"))
            .filter(|sha| sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        else {
            continue;
        };
        let mut entry = CacheEntry {
            bytes: 0,
            bundle_sha256: sha.to_string(),
            bundle_path: None,
            loaded_at: None,
            loader_version: None,
            current: false,
            database: path.clone(),
        };
        entry.bytes = entry
            .files()
            .iter()
            .filter_map(|f| fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        read_metadata(&mut entry);
        entries.push(entry);
    }
    entries.sort_by(|a, b| (&a.loaded_at, &a.database).cmp(&(&b.loaded_at, &b.database)));
    Ok(entries)
}

fn read_metadata(entry: &mut CacheEntry) {
    let Ok(conn) = super::open_read_only(&entry.database) else {
        return;
    };
    let meta = conn.query_row(
        "SELECT m.loader_version, strftime(m.loaded_at, '%Y-%m-%dT%H:%M:%SZ'),
                m.engine_version = (SELECT library_version FROM pragma_version()),
                m.bundle_sha256, (SELECT bundle_path FROM snapshot LIMIT 1)
         FROM mwtrace_meta m",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        },
    );
    if let Ok((loader, loaded_at, same_engine, sha, bundle)) = meta {
        entry.current =
            loader == super::LOADER_VERSION && same_engine && sha == entry.bundle_sha256;
        entry.loader_version = Some(loader);
        entry.loaded_at = Some(loaded_at);
        entry.bundle_path = bundle;
    }
}
