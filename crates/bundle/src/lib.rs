//! The snapshot bundle, format version 1 (DESIGN.md §4): a zstd-compressed tar whose first entry
//! is `manifest.json`, followed by `db/`, `kube/`, `logs/` and `history/` files, each checksummed.
//!
//! The reader treats every bundle as hostile: entry paths are parsed by [`layout::BundlePath`],
//! sizes and checksums are checked against the manifest, and decompression is bounded.

pub mod components;
pub mod history;
pub mod kinds;
pub mod layout;
pub mod manifest;
pub mod progress;
pub mod reader;
pub mod redact;
pub mod writer;

use std::path::PathBuf;

pub use layout::BundlePath;
pub use manifest::{FileRecord, Manifest};
pub use reader::{BundleReader, Limits};
pub use writer::BundleWriter;

/// Why a bundle cannot be read or written. Every variant names the bundle, so the one-line
/// message alone tells the engineer which file is at fault. A variant either shows its cause
/// in its message or chains it as its source, never both (the chain is printed as `Caused by:`).
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{}: cannot read bundle", bundle.display())]
    Io {
        bundle: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {kind}, not a bundle file (refusing to read it)", bundle.display())]
    NotAFile { bundle: PathBuf, kind: &'static str },
    #[error(transparent)]
    Interrupted(#[from] mwtrace_interrupt::Interrupted),
    #[error("{}: not a zstd-compressed bundle (expected a .tar.zst written by mwtrace collect or import)", bundle.display())]
    NotZstd { bundle: PathBuf },
    #[error("{}: truncated or corrupt bundle: {message}", bundle.display())]
    Corrupt { bundle: PathBuf, message: String },
    #[error("{}: first entry is {found:?}, expected manifest.json (not an mwtrace bundle?)", bundle.display())]
    ManifestNotFirst { bundle: PathBuf, found: String },
    #[error("{}: manifest.json is invalid: {message}", bundle.display())]
    BadManifest { bundle: PathBuf, message: String },
    #[error("{}: unknown bundle format {format:?} version {version} (this mwtrace reads \"mwtrace-bundle\" version 1; a newer mwtrace may read it)", bundle.display())]
    UnknownFormat {
        bundle: PathBuf,
        format: String,
        version: u64,
    },
    #[error("{}: refusing entry {entry:?}: {reason}", bundle.display())]
    UnsafeEntry {
        bundle: PathBuf,
        entry: String,
        reason: String,
    },
    #[error("{}: entry {entry:?} is not listed in manifest.json", bundle.display())]
    Unlisted { bundle: PathBuf, entry: String },
    #[error("{}: {entry}: {actual} bytes, manifest.json says {expected}", bundle.display())]
    SizeMismatch {
        bundle: PathBuf,
        entry: String,
        expected: u64,
        actual: u64,
    },
    #[error("{}: {entry}: sha256 {actual} does not match manifest.json ({expected}); the bundle was altered or damaged", bundle.display())]
    ChecksumMismatch {
        bundle: PathBuf,
        entry: String,
        expected: String,
        actual: String,
    },
    #[error("{}: {entry} is listed in manifest.json but not in the bundle", bundle.display())]
    Missing { bundle: PathBuf, entry: String },
    #[error("{}: decompresses beyond {limit} bytes (a zstd bomb? raise MWTRACE_MAX_UNPACKED_BYTES if the bundle is genuine)", bundle.display())]
    TooLarge { bundle: PathBuf, limit: u64 },
    #[error("{}: {entry} line {line}: {message}", bundle.display())]
    MalformedLine {
        bundle: PathBuf,
        entry: String,
        line: u64,
        message: String,
    },
}
