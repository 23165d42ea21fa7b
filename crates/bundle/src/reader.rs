//! Streaming, verifying bundle reader. Nothing is held whole in memory: entries are handed to
//! the caller one at a time as readers that hash as they go; sizes, checksums and the total
//! decompressed size are checked against the manifest and the limits.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest, Sha256};
use tar::EntryType;

use super::BundleError;
use super::layout::BundlePath;
use super::manifest::{FileRecord, Manifest};

/// Bounds on what a bundle may make us decompress.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Total decompressed bytes (tar headers included).
    pub max_unpacked_bytes: u64,
    /// Size of `manifest.json`, which is parsed in memory.
    pub max_manifest_bytes: u64,
}

impl Limits {
    /// 64 GiB unless `MWTRACE_MAX_UNPACKED_BYTES` says otherwise.
    pub fn from_env() -> Limits {
        let max_unpacked_bytes = std::env::var("MWTRACE_MAX_UNPACKED_BYTES")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(64 << 30);
        Limits {
            max_unpacked_bytes,
            max_manifest_bytes: 64 << 20,
        }
    }
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

type Decompressed = CappedReader<zstd::Decoder<'static, BufReader<File>>>;

/// A bundle whose manifest has been read and accepted. Its files are streamed by
/// [`BundleReader::for_each_file`], which reads the bundle from the start again (tar streams
/// cannot be rewound, and the manifest is tiny).
pub struct BundleReader {
    bundle: PathBuf,
    manifest: Manifest,
    limits: Limits,
}

/// One file of the bundle, as the caller sees it.
pub struct BundleFile<'a> {
    pub path: BundlePath,
    pub record: &'a FileRecord,
}

/// An open decompression stream with its cap.
struct Stream {
    archive: tar::Archive<Decompressed>,
    exceeded: Arc<AtomicBool>,
}

impl BundleReader {
    /// Opens a bundle and reads its manifest, refusing unknown formats and anything but a
    /// regular file.
    pub fn open(bundle: &Path, limits: Limits) -> Result<BundleReader, BundleError> {
        ensure_regular_file(bundle)?;
        let mut reader = BundleReader {
            bundle: bundle.to_path_buf(),
            manifest: Manifest::new("", String::new()),
            limits,
        };
        let mut stream = reader.stream()?;
        let mut entries = stream
            .archive
            .entries()
            .map_err(|e| reader.corrupt(&stream.exceeded, e))?;
        reader.manifest = reader.read_manifest(&mut entries, &stream.exceeded)?;
        Ok(reader)
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn path(&self) -> &Path {
        &self.bundle
    }

    fn stream(&self) -> Result<Stream, BundleError> {
        let io_err = |source| BundleError::Io {
            bundle: self.bundle.clone(),
            source,
        };
        let mut file = File::open(&self.bundle).map_err(io_err)?;
        let mut magic = [0u8; 4];
        let got = read_up_to(&mut file, &mut magic).map_err(io_err)?;
        if got < 4 || magic != ZSTD_MAGIC {
            return Err(BundleError::NotZstd {
                bundle: self.bundle.clone(),
            });
        }
        let file = File::open(&self.bundle).map_err(io_err)?;
        let decoder = zstd::Decoder::new(file).map_err(io_err)?;
        let exceeded = Arc::new(AtomicBool::new(false));
        let capped = CappedReader {
            inner: decoder,
            remaining: self.limits.max_unpacked_bytes,
            exceeded: exceeded.clone(),
        };
        Ok(Stream {
            archive: tar::Archive::new(capped),
            exceeded,
        })
    }

    /// Wraps a read error: past the cap it is a bomb, otherwise truncation or corruption.
    fn corrupt(&self, exceeded: &AtomicBool, err: io::Error) -> BundleError {
        if let Err(interrupted) = mwtrace_interrupt::check() {
            return BundleError::Interrupted(interrupted);
        }
        if exceeded.load(Ordering::Relaxed) {
            BundleError::TooLarge {
                bundle: self.bundle.clone(),
                limit: self.limits.max_unpacked_bytes,
            }
        } else {
            self.corrupt_msg(err.to_string())
        }
    }

    fn corrupt_msg(&self, message: String) -> BundleError {
        BundleError::Corrupt {
            bundle: self.bundle.clone(),
            message,
        }
    }

    fn read_manifest(
        &self,
        entries: &mut tar::Entries<'_, Decompressed>,
        exceeded: &AtomicBool,
    ) -> Result<Manifest, BundleError> {
        let bundle = self.bundle.clone();
        let max_bytes = self.limits.max_manifest_bytes;
        let mut entry = loop {
            let Some(entry) = entries.next() else {
                return Err(self.corrupt_msg("no entries".into()));
            };
            let entry = entry.map_err(|e| self.corrupt(exceeded, e))?;
            // A `./` directory entry may precede the manifest in hand-made bundles.
            if entry.header().entry_type() == EntryType::Directory
                && entry_name(&entry).trim_start_matches("./").is_empty()
            {
                continue;
            }
            break entry;
        };
        let name = entry_name(&entry);
        if BundlePath::parse(&name) != Ok(Some(BundlePath::Manifest))
            || entry.header().entry_type() != EntryType::Regular
        {
            return Err(BundleError::ManifestNotFirst {
                bundle,
                found: name,
            });
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        if size > max_bytes {
            return Err(BundleError::BadManifest {
                bundle,
                message: format!("{size} bytes, more than the {max_bytes} allowed"),
            });
        }
        let mut text = Vec::with_capacity(size as usize);
        entry
            .read_to_end(&mut text)
            .map_err(|e| self.corrupt(exceeded, e))?;
        let value: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| BundleError::BadManifest {
                bundle: bundle.clone(),
                message: e.to_string(),
            })?;
        let format = value.get("format").and_then(|v| v.as_str()).unwrap_or("");
        let version = value
            .get("format_version")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        if format != super::manifest::FORMAT || version != super::manifest::FORMAT_VERSION {
            return Err(BundleError::UnknownFormat {
                bundle,
                format: format.to_string(),
                version,
            });
        }
        let manifest: Manifest =
            serde_json::from_value(value).map_err(|e| BundleError::BadManifest {
                bundle: bundle.clone(),
                message: e.to_string(),
            })?;
        let mut seen = HashSet::new();
        for record in &manifest.files {
            match BundlePath::parse(&record.path) {
                Ok(Some(path)) if path != BundlePath::Manifest => {}
                _ => {
                    return Err(BundleError::BadManifest {
                        bundle,
                        message: format!("files lists an invalid path {:?}", record.path),
                    });
                }
            }
            if !seen.insert(record.path.as_str()) {
                return Err(BundleError::BadManifest {
                    bundle,
                    message: format!("files lists {:?} twice", record.path),
                });
            }
        }
        Ok(manifest)
    }

    /// Hands every file after the manifest to `visit`, as a reader of its content, then checks
    /// that file's size and sha256. Whatever `visit` leaves unread is drained and hashed too.
    /// A file missing from the bundle, or not listed in the manifest, is an error.
    pub fn for_each_file<E>(
        &self,
        mut visit: impl FnMut(BundleFile<'_>, &mut dyn Read) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<BundleError>,
    {
        let bundle = self.bundle.clone();
        let limit = self.limits.max_unpacked_bytes;
        let manifest = &self.manifest;
        let mut stream = self.stream()?;
        let exceeded = stream.exceeded.clone();
        let mut entries = stream
            .archive
            .entries()
            .map_err(|e| self.corrupt(&exceeded, e))?;
        self.read_manifest(&mut entries, &exceeded)?;
        let mut seen: HashSet<String> = HashSet::new();
        for entry in entries {
            let mut entry = entry.map_err(|e| self.corrupt(&exceeded, e))?;
            let name = entry_name(&entry);
            let unsafe_entry = |reason: &str| BundleError::UnsafeEntry {
                bundle: bundle.clone(),
                entry: name.clone(),
                reason: reason.to_string(),
            };
            let kind = entry.header().entry_type();
            let path = BundlePath::parse(&name).map_err(|reason| unsafe_entry(&reason))?;
            match kind {
                EntryType::Regular | EntryType::Continuous => {}
                EntryType::Directory if path.is_none() => continue,
                EntryType::Symlink | EntryType::Link => {
                    return Err(unsafe_entry("links are not allowed").into());
                }
                EntryType::Char | EntryType::Block | EntryType::Fifo => {
                    return Err(unsafe_entry("devices and fifos are not allowed").into());
                }
                other => {
                    return Err(unsafe_entry(&format!("unsupported entry type {other:?}")).into());
                }
            }
            let Some(path) = path else {
                return Err(unsafe_entry("a file named like a directory").into());
            };
            let canonical = path.to_string();
            let Some(record) = manifest.file(&canonical) else {
                return Err(BundleError::Unlisted {
                    bundle,
                    entry: canonical,
                }
                .into());
            };
            if !seen.insert(canonical.clone()) {
                return Err(unsafe_entry("appears twice").into());
            }
            let size = entry.header().size().unwrap_or(u64::MAX);
            if size != record.bytes {
                return Err(BundleError::SizeMismatch {
                    bundle,
                    entry: canonical,
                    expected: record.bytes,
                    actual: size,
                }
                .into());
            }
            let mut hashing = HashingReader {
                inner: &mut entry,
                hasher: Sha256::new(),
                bytes: 0,
            };
            visit(BundleFile { path, record }, &mut hashing)?;
            io::copy(&mut hashing, &mut io::sink()).map_err(|e| self.corrupt(&exceeded, e))?;
            if exceeded.load(Ordering::Relaxed) {
                return Err(BundleError::TooLarge { bundle, limit }.into());
            }
            let actual = hex::encode(hashing.hasher.finalize());
            if hashing.bytes != record.bytes {
                return Err(self.corrupt_msg(format!("{canonical} ends early")).into());
            }
            if !actual.eq_ignore_ascii_case(&record.sha256) {
                return Err(BundleError::ChecksumMismatch {
                    bundle,
                    entry: canonical,
                    expected: record.sha256.clone(),
                    actual,
                }
                .into());
            }
        }
        // Read on to the end of the zstd stream (the tar's end blocks and anything after them,
        // within the cap), so that the frame checksum, which covers manifest.json, is checked.
        io::copy(&mut stream.archive.into_inner(), &mut io::sink())
            .map_err(|e| self.corrupt(&exceeded, e))?;
        if exceeded.load(Ordering::Relaxed) {
            return Err(BundleError::TooLarge { bundle, limit }.into());
        }
        if let Some(missing) = manifest.files.iter().find(|f| !seen.contains(&f.path)) {
            return Err(BundleError::Missing {
                bundle,
                entry: missing.path.clone(),
            }
            .into());
        }
        Ok(())
    }

    /// Reads the whole bundle once, verifying every file.
    pub fn verify(&self) -> Result<(), BundleError> {
        self.for_each_file(|_, _| Ok::<(), BundleError>(()))
    }
}

/// Refuses a FIFO, a device or a directory before anything opens it: opening a FIFO blocks until
/// a writer comes, and `/dev/zero` never ends. Links are followed, as `open` would.
pub fn ensure_regular_file(bundle: &Path) -> Result<(), BundleError> {
    let meta = std::fs::metadata(bundle).map_err(|source| BundleError::Io {
        bundle: bundle.to_path_buf(),
        source,
    })?;
    if meta.is_file() {
        return Ok(());
    }
    let kind = file_kind(&meta.file_type());
    Err(BundleError::NotAFile {
        bundle: bundle.to_path_buf(),
        kind,
    })
}

fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        return "a directory";
    }
    "a special file"
}

fn entry_name<R: Read>(entry: &tar::Entry<'_, R>) -> String {
    String::from_utf8_lossy(&entry.path_bytes()).into_owned()
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Fails reads once `remaining` decompressed bytes are used up, and says so through `exceeded`
/// (tar wraps the io error, so a flag is the reliable signal).
struct CappedReader<R> {
    inner: R,
    remaining: u64,
    exceeded: Arc<AtomicBool>,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Every read of a bundle comes through here: a first load stops at the next chunk.
        mwtrace_interrupt::check()?;
        if self.remaining == 0 {
            // Probe for one more byte: a stream that ends exactly at the cap is fine.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.exceeded.store(true, Ordering::Relaxed);
                    Err(io::Error::other("decompressed size limit exceeded"))
                }
            };
        }
        let max = buf
            .len()
            .min(self.remaining.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..max])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

struct HashingReader<'a, R: Read> {
    inner: &'a mut R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}
