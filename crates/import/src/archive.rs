//! Archives of a must-gather (or of anything else import reads): `.tar`, `.tar.gz` and
//! `.tar.zst`, recognized by their magic bytes and read as one stream, never unpacked to disk.
//! The reading runs on its own thread: small entries are handed over whole (and parsed on the
//! rayon pool by the caller), large JSON and NDJSON entries are parsed as a stream right here,
//! and log entries are copied to the staging directory. Decompression is bounded by
//! `MWTRACE_MAX_UNPACKED_BYTES` (64 GiB), as for bundles.

use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;

use super::detect::{self, Class, Format, LogTarget};
use super::{Ctx, Record, SMALL_FILE, parse};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
}

pub(crate) enum Sniffed {
    Archive(Compression),
    CompressedNotTar,
    Plain,
}

/// What the caller receives from the reader thread, in archive order.
pub(crate) enum Msg {
    /// An entry to parse.
    Job {
        source: String,
        class: Class,
        bytes: Vec<u8>,
    },
    /// Records of a large entry parsed here (`file` on the last chunk of each entry).
    Streamed {
        records: Vec<Record>,
        file: bool,
    },
    /// A pod log part, copied to `staged`.
    Log {
        target: LogTarget,
        staged: PathBuf,
        source: String,
    },
    Skipped,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Whether a file is a tar archive, compressed or not.
pub(crate) fn sniff(path: &Path) -> io::Result<Sniffed> {
    let mut head = Vec::new();
    File::open(path)?.take(512).read_to_end(&mut head)?;
    let compression = if head.starts_with(&GZIP_MAGIC) {
        Compression::Gzip
    } else if head.starts_with(&ZSTD_MAGIC) {
        Compression::Zstd
    } else if is_tar_header(&head) {
        return Ok(Sniffed::Archive(Compression::None));
    } else {
        return Ok(Sniffed::Plain);
    };
    let mut inner = Vec::new();
    decoder(path, compression)?
        .take(512)
        .read_to_end(&mut inner)?;
    Ok(if is_tar_header(&inner) {
        Sniffed::Archive(compression)
    } else {
        Sniffed::CompressedNotTar
    })
}

/// POSIX (`ustar\0`) and GNU (`ustar `) tar headers.
fn is_tar_header(block: &[u8]) -> bool {
    block.len() >= 262 && &block[257..262] == b"ustar"
}

fn decoder(path: &Path, compression: Compression) -> io::Result<Box<dyn Read + Send>> {
    let file = BufReader::with_capacity(1 << 20, File::open(path)?);
    Ok(match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(file)?),
    })
}

/// The archive's single top folder (`must-gather.local.123` in `tar czf mg.tar.gz
/// must-gather.local.123`), read from its first entry.
pub(crate) fn top_dir(path: &Path, compression: Compression) -> io::Result<Option<String>> {
    let mut archive = tar::Archive::new(decoder(path, compression)?);
    let Some(first) = archive.entries()?.next() else {
        return Ok(None);
    };
    let first = first?;
    let name = first.path()?.to_string_lossy().into_owned();
    let parts: Vec<&str> = name
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let is_dir = first.header().entry_type().is_dir();
    Ok(match parts.as_slice() {
        [top, _, ..] => Some(top.to_string()),
        [top] if is_dir => Some(top.to_string()),
        _ => None,
    })
}

/// Reads the whole archive, sending what it finds; stops when the receiver hangs up.
pub(crate) fn read(
    path: &Path,
    compression: Compression,
    display: &str,
    log_dir: &Path,
    cluster: u32,
    redact: bool,
    tx: &SyncSender<Msg>,
) {
    let fail = |message: String| {
        let _ = tx.send(Msg::Streamed {
            records: vec![Record::Error {
                source: display.to_string(),
                message,
            }],
            file: false,
        });
    };
    let limit = mwtrace_bundle::Limits::from_env().max_unpacked_bytes;
    let stream = match decoder(path, compression) {
        Ok(stream) => Capped {
            inner: stream,
            left: limit,
            limit,
        },
        Err(e) => return fail(format!("cannot read: {e}")),
    };
    let mut archive = tar::Archive::new(stream);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => return fail(format!("not a readable tar archive: {e}")),
    };
    let mut logs = 0usize;
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => return fail(format!("archive truncated or corrupt: {e}")),
        };
        if !entry.header().entry_type().is_file() {
            continue; // directories, links, devices: nothing to import
        }
        let rel = match entry.path() {
            Ok(p) => p.to_string_lossy().trim_start_matches("./").to_string(),
            Err(e) => return fail(format!("archive entry with a bad name: {e}")),
        };
        let source = format!("{display}:{rel}");
        let size = entry.size();
        let sent = match detect::classify(&rel) {
            Class::Skip => tx.send(Msg::Skipped),
            Class::Log(target) => {
                logs += 1;
                let staged = log_dir.join(format!("{logs}.log"));
                let copied = fs::create_dir_all(log_dir)
                    .and_then(|()| File::create(&staged))
                    .and_then(|mut file| io::copy(&mut entry, &mut file));
                if let Err(e) = copied {
                    return fail(format!("{rel}: cannot read: {e}"));
                }
                tx.send(Msg::Log {
                    target,
                    staged,
                    source,
                })
            }
            class => {
                let streamed = matches!(
                    class,
                    Class::Data {
                        format: Format::Json | Format::Ndjson,
                        ..
                    }
                ) && size > SMALL_FILE;
                if streamed {
                    if !stream_entry(&class, &mut entry, &source, size, cluster, redact, tx) {
                        return;
                    }
                    continue;
                }
                let mut bytes = Vec::with_capacity(size.min(SMALL_FILE) as usize);
                if let Err(e) = entry.read_to_end(&mut bytes) {
                    return fail(format!("{rel}: cannot read: {e}"));
                }
                tx.send(Msg::Job {
                    source,
                    class,
                    bytes,
                })
            }
        };
        if sent.is_err() {
            return; // the importer stopped
        }
    }
}

/// Parses a large JSON/NDJSON entry here, sending records in chunks; false when the receiver
/// is gone.
fn stream_entry(
    class: &Class,
    entry: &mut dyn Read,
    source: &str,
    size: u64,
    cluster: u32,
    redact: bool,
    tx: &SyncSender<Msg>,
) -> bool {
    let Class::Data { format, layout } = class else {
        return true;
    };
    let ctx = Ctx::new(cluster, source, layout, redact, false);
    let mut chunk = Vec::new();
    let mut alive = true;
    parse::parse(&ctx, Some(*format), entry, size, &mut |record| {
        if !alive {
            return;
        }
        chunk.push(record);
        if chunk.len() >= 512 {
            let records = std::mem::take(&mut chunk);
            alive = tx
                .send(Msg::Streamed {
                    records,
                    file: false,
                })
                .is_ok();
        }
    });
    alive
        && tx
            .send(Msg::Streamed {
                records: chunk,
                file: true,
            })
            .is_ok()
}

/// Fails the read once more than `limit` bytes come out of the decompressor.
struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "decompresses beyond {} bytes (a zip bomb? raise MWTRACE_MAX_UNPACKED_BYTES if the archive is genuine)",
                    self.limit
                ))),
            };
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}
