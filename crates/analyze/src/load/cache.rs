//! Where loaded databases live, and the bundle digest that keys them. Hashing a large bundle on
//! every command would cost more than the query, so the digest is remembered per file, keyed
//! by path, size, modification time and inode: any change to the file hashes it again.

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
