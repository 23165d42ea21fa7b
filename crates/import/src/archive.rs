//! Archives of a must-gather (or of anything else import reads): `.tar` (plain, gzip, zstd, xz
//! or bzip2) and `.zip`, recognized by their magic bytes, as a PATH or nested (an archive inside
//! a directory or inside another archive, up to [`MAX_DEPTH`] deep), never unpacked to disk.
//! Tar streams are read as one stream; a zip needs random access, so a zip inside an archive is
//! spooled to a temporary file in the staging directory first (bounded like everything else).
//! The reading runs on its own thread: small entries are handed over whole (and parsed on the
//! rayon pool by the caller), large JSON and NDJSON entries are parsed as a stream right here,
//! and log entries are copied to the staging directory. Every byte that comes out of a
//! decompressor, at any depth, counts against one budget, `MWTRACE_MAX_UNPACKED_BYTES` (64 GiB),
//! as for bundles. Entry names are only classified, never used as paths on disk, and links,
//! devices and directories are skipped: no entry can escape, none is followed.

use std::cell::Cell;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;

use super::detect::{self, Class, Format, LogTarget};
use super::{Ctx, Record, SMALL_FILE, limits, parse};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
    Xz,
    Bzip2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Tar(Compression),
    Zip,
}

pub(crate) enum Sniffed {
    Archive(Kind),
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

/// Archives inside archives (inside a directory counts as one level) are read this deep.
pub(crate) const MAX_DEPTH: usize = 4;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
const XZ_MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0x00];
const BZIP2_MAGIC: [u8; 3] = *b"BZh";
/// A local file header, or the end of central directory of an empty zip.
const ZIP_MAGIC: [[u8; 4]; 2] = [*b"PK\x03\x04", *b"PK\x05\x06"];

/// The compression (or zip) that a file's first bytes announce.
fn magic(head: &[u8]) -> Option<Kind> {
    Some(if head.starts_with(&GZIP_MAGIC) {
        Kind::Tar(Compression::Gzip)
    } else if head.starts_with(&ZSTD_MAGIC) {
        Kind::Tar(Compression::Zstd)
    } else if head.starts_with(&XZ_MAGIC) {
        Kind::Tar(Compression::Xz)
    } else if head.starts_with(&BZIP2_MAGIC) {
        Kind::Tar(Compression::Bzip2)
    } else if ZIP_MAGIC.iter().any(|m| head.starts_with(m)) {
        Kind::Zip
    } else if is_tar_header(head) {
        Kind::Tar(Compression::None)
    } else {
        return None;
    })
}

/// Whether a file is an archive: a tar (compressed or not) or a zip.
pub(crate) fn sniff(path: &Path) -> io::Result<Sniffed> {
    let mut head = Vec::new();
    File::open(path)?.take(512).read_to_end(&mut head)?;
    let compression = match magic(&head) {
        None => return Ok(Sniffed::Plain),
        Some(Kind::Tar(Compression::None)) => {
            return Ok(Sniffed::Archive(Kind::Tar(Compression::None)));
        }
        Some(Kind::Zip) => return Ok(Sniffed::Archive(Kind::Zip)),
        Some(Kind::Tar(compression)) => compression,
    };
    let mut inner = Vec::new();
    // A corrupt stream reads as "not a tar": the error would only say the same thing.
    let _ = decompress(Box::new(BufReader::new(File::open(path)?)), compression)?
        .take(512)
        .read_to_end(&mut inner);
    Ok(if is_tar_header(&inner) {
        Sniffed::Archive(Kind::Tar(compression))
    } else {
        Sniffed::CompressedNotTar
    })
}

/// POSIX (`ustar\0`) and GNU (`ustar `) tar headers.
fn is_tar_header(block: &[u8]) -> bool {
    block.len() >= 262 && &block[257..262] == b"ustar"
}

fn decompress<'a>(
    input: Box<dyn Read + 'a>,
    compression: Compression,
) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match compression {
        Compression::None => input,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(input)?),
        Compression::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(input)),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(input)),
    })
}

fn open_tar(path: &Path, compression: Compression) -> io::Result<Box<dyn Read>> {
    let file = BufReader::with_capacity(1 << 20, File::open(path)?);
    decompress(Box::new(file), compression)
}

/// The archive's single top folder (`must-gather.local.123` in `tar czf mg.tar.gz
/// must-gather.local.123`), read from its first entry.
pub(crate) fn top_dir(path: &Path, kind: Kind) -> io::Result<Option<String>> {
    let (name, is_dir) = match kind {
        Kind::Tar(compression) => {
            let mut archive = tar::Archive::new(open_tar(path, compression)?);
            let Some(first) = archive.entries()?.next() else {
                return Ok(None);
            };
            let first = first?;
            let name = first.path()?.to_string_lossy().into_owned();
            (name, first.header().entry_type().is_dir())
        }
        Kind::Zip => {
            let mut archive = zip::ZipArchive::new(File::open(path)?).map_err(io::Error::other)?;
            if archive.is_empty() {
                return Ok(None);
            }
            let first = archive.by_index(0).map_err(io::Error::other)?;
            let Some(name) = first.enclosed_name() else {
                return Ok(None);
            };
            (name.to_string_lossy().into_owned(), first.is_dir())
        }
    };
    let parts: Vec<&str> = name
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    Ok(match parts.as_slice() {
        [top, _, ..] => Some(top.to_string()),
        [top] if is_dir => Some(top.to_string()),
        _ => None,
    })
}

/// The first entry of a zstd tar, when it is a bundle's `manifest.json`.
pub(crate) fn is_bundle(path: &Path) -> io::Result<bool> {
    let mut archive = tar::Archive::new(open_tar(path, Compression::Zstd)?);
    let Some(first) = archive.entries()?.next() else {
        return Ok(false);
    };
    let first = first?;
    let name = first.path()?.to_string_lossy().into_owned();
    Ok(name.trim_start_matches("./") == "manifest.json")
}

/// Where the reader thread puts what it takes out of archives, and how it parses.
pub(crate) struct ReadCtx<'a> {
    /// Log entries are copied here (numbered, never named after the entry).
    pub log_dir: &'a Path,
    /// Nested zips are spooled here.
    pub spool_dir: &'a Path,
    pub cluster: u32,
    pub redact: bool,
    pub tx: &'a SyncSender<Msg>,
}

/// The receiver hung up: the importer stopped.
struct Hangup;

struct Reader<'a> {
    ctx: ReadCtx<'a>,
    budget: Budget,
    logs: Cell<usize>,
}

/// Reads a whole archive (a PATH, or a file found in a directory at nesting `depth`), sending
/// what it finds; stops when the receiver hangs up.
pub(crate) fn read(path: &Path, kind: Kind, display: &str, depth: usize, ctx: ReadCtx<'_>) {
    let limit = mwtrace_bundle::Limits::from_env().max_unpacked_bytes;
    read_capped(path, kind, display, depth, ctx, limit)
}

fn read_capped(path: &Path, kind: Kind, display: &str, depth: usize, ctx: ReadCtx<'_>, limit: u64) {
    let reader = Reader {
        ctx,
        budget: Budget {
            left: Cell::new(limit),
            limit,
        },
        logs: Cell::new(0),
    };
    let _ = match kind {
        Kind::Tar(compression) => match open_tar(path, compression) {
            Ok(stream) => reader.tar(stream, display, depth),
            Err(e) => reader.fail(display, format!("cannot read: {e}")),
        },
        Kind::Zip => match File::open(path) {
            Ok(file) => reader.zip(file, display, depth),
            Err(e) => reader.fail(display, format!("cannot read: {e}")),
        },
    };
}

impl Reader<'_> {
    fn send(&self, msg: Msg) -> Result<(), Hangup> {
        self.ctx.tx.send(msg).map_err(|_| Hangup)
    }

    fn fail(&self, source: &str, message: String) -> Result<(), Hangup> {
        self.send(Msg::Streamed {
            records: vec![Record::Error {
                source: source.to_string(),
                message,
            }],
            file: false,
        })
    }

    /// A tar stream named `display`; its entries are named `display:entry`.
    fn tar(&self, stream: Box<dyn Read + '_>, display: &str, depth: usize) -> Result<(), Hangup> {
        let budget = &self.budget;
        let stream = Capped {
            inner: stream,
            budget,
        };
        let mut archive = tar::Archive::new(stream);
        let entries = match archive.entries() {
            Ok(entries) => entries,
            Err(e) => return self.fail(display, format!("not a readable tar archive: {e}")),
        };
        for entry in entries {
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(e) => return self.fail(display, format!("archive truncated or corrupt: {e}")),
            };
            if !entry.header().entry_type().is_file() {
                continue; // directories, links, devices: nothing to import
            }
            let rel = match entry.path() {
                Ok(p) => p.to_string_lossy().trim_start_matches("./").to_string(),
                Err(e) => return self.fail(display, format!("archive entry with a bad name: {e}")),
            };
            let size = entry.size();
            self.entry(&rel, display, size, &mut entry, depth)?;
        }
        Ok(())
    }

    /// A zip file named `display`; its entries are named `display:entry`.
    fn zip(&self, file: File, display: &str, depth: usize) -> Result<(), Hangup> {
        let mut archive = match zip::ZipArchive::new(BufReader::new(file)) {
            Ok(archive) => archive,
            Err(e) => return self.fail(display, format!("not a readable zip archive: {e}")),
        };
        for index in 0..archive.len() {
            let mut entry = match archive.by_index(index) {
                Ok(entry) => entry,
                Err(e) => {
                    self.fail(display, format!("zip entry {index}: cannot read: {e}"))?;
                    continue;
                }
            };
            if !entry.is_file() {
                continue; // directories and links: nothing to import, links never followed
            }
            let Some(name) = entry.enclosed_name() else {
                let raw = entry.name().map(|n| n.into_owned()).unwrap_or_default();
                self.fail(
                    display,
                    format!("zip entry {raw:?} leaves the archive (absolute or ..): skipped"),
                )?;
                continue;
            };
            let rel = name.to_string_lossy().replace('\\', "/");
            let size = entry.size();
            let mut capped = Capped {
                inner: &mut entry,
                budget: &self.budget,
            };
            self.entry(&rel, display, size, &mut capped, depth)?;
        }
        Ok(())
    }

    /// One file of an archive: classified by its path, then sent, staged, streamed or opened.
    fn entry(
        &self,
        rel: &str,
        display: &str,
        size: u64,
        entry: &mut dyn Read,
        depth: usize,
    ) -> Result<(), Hangup> {
        let source = format!("{display}:{rel}");
        match detect::classify(rel) {
            Class::Skip => self.send(Msg::Skipped),
            Class::Archive => self.nested(entry, &source, depth + 1),
            Class::Log(target) => {
                self.logs.set(self.logs.get() + 1);
                let staged = self.ctx.log_dir.join(format!("{}.log", self.logs.get()));
                let copied = fs::create_dir_all(self.ctx.log_dir)
                    .and_then(|()| File::create(&staged))
                    .and_then(|mut file| io::copy(entry, &mut file));
                if let Err(e) = copied {
                    return self.fail(&source, format!("cannot read: {e}"));
                }
                self.send(Msg::Log {
                    target,
                    staged,
                    source,
                })
            }
            class => {
                // Large entries are parsed here, one at a time, rather than queued whole.
                let streamed = matches!(class, Class::Data { .. }) && size > SMALL_FILE;
                if streamed {
                    return stream_entry(
                        &class,
                        entry,
                        &source,
                        size,
                        self.ctx.cluster,
                        self.ctx.redact,
                        self.ctx.tx,
                    )
                    .then_some(())
                    .ok_or(Hangup);
                }
                let bytes = match limits::read_entry(entry, size, limits::limits().entry_bytes) {
                    Ok(bytes) => bytes,
                    Err(e) => return self.fail(&source, e.to_string()),
                };
                self.send(Msg::Job {
                    source,
                    class,
                    bytes,
                })
            }
        }
    }

    /// An archive inside an archive: a tar is read as a stream from within the outer one, a
    /// zip is spooled to a temporary file first.
    fn nested(&self, entry: &mut dyn Read, source: &str, depth: usize) -> Result<(), Hangup> {
        if depth > MAX_DEPTH {
            return self.fail(
                source,
                format!("archive nested more than {MAX_DEPTH} deep: not read"),
            );
        }
        let mut input = BufReader::with_capacity(1 << 16, entry);
        let head = match input.fill_buf() {
            Ok(head) => head.to_vec(),
            Err(e) => return self.fail(source, format!("cannot read: {e}")),
        };
        match magic(&head) {
            None => self.fail(
                source,
                "named like an archive, but not a tar or zip archive".into(),
            ),
            Some(Kind::Tar(compression)) => match decompress(Box::new(input), compression) {
                Ok(stream) => self.tar(stream, source, depth),
                Err(e) => self.fail(source, format!("cannot read: {e}")),
            },
            Some(Kind::Zip) => {
                let spooled = tempfile::Builder::new()
                    .prefix(".mwtrace-zip-")
                    .tempfile_in(self.ctx.spool_dir)
                    .and_then(|mut spool| {
                        io::copy(&mut input, spool.as_file_mut())?;
                        Ok(spool)
                    });
                match spooled.and_then(|spool| Ok((spool.reopen()?, spool))) {
                    // `_spool` removes the file once the zip is read.
                    Ok((file, _spool)) => self.zip(file, source, depth),
                    Err(e) => self.fail(source, format!("cannot spool the zip: {e}")),
                }
            }
        }
    }
}

/// Parses a large entry here, sending records in chunks; false when the receiver is gone. JSON
/// and NDJSON are read as streams; YAML is read whole (within the entry limit, refused unread
/// when the archive announces more) and parsed on the parser pool, whose threads have the stack
/// that 100 levels of nesting need.
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
    let mut send = |record| {
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
    };
    if *format == Format::Yaml {
        match limits::read_entry(entry, size, limits::limits().entry_bytes) {
            Ok(bytes) => super::PARSE_POOL
                .install(|| parse::parse(&ctx, Some(*format), &mut &bytes[..], size, &mut send)),
            Err(e) => send(ctx.error(super::Loc::default(), &e.to_string())),
        }
    } else {
        parse::parse(&ctx, Some(*format), entry, size, &mut send);
    }
    alive
        && tx
            .send(Msg::Streamed {
                records: chunk,
                file: true,
            })
            .is_ok()
}

/// The bytes every decompressor of one archive, at any depth, may still produce.
struct Budget {
    left: Cell<u64>,
    limit: u64,
}

/// Fails the read once the archive has produced more than its budget.
struct Capped<'b, R> {
    inner: R,
    budget: &'b Budget,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.budget.left.get();
        if left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "decompresses beyond {} bytes (a zip bomb? raise MWTRACE_MAX_UNPACKED_BYTES if the archive is genuine)",
                    self.budget.limit
                ))),
            };
        }
        let want = buf.len().min(left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.budget.left.set(left - n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::mpsc;

    use super::*;

    const CONFIGMAP: &str =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: ns\n";

    fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        for (name, bytes) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, name, *bytes).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap()
    }

    /// Everything the reader sends for an archive: (source, what).
    fn read_all(path: &Path, limit: u64) -> Vec<(String, String)> {
        let staging = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::sync_channel(1024);
        let kind = match sniff(path).unwrap() {
            Sniffed::Archive(kind) => kind,
            _ => panic!("not an archive"),
        };
        let ctx = ReadCtx {
            log_dir: &staging.path().join("logs"),
            spool_dir: staging.path(),
            cluster: 0,
            redact: true,
            tx: &tx,
        };
        read_capped(path, kind, "a", 0, ctx, limit);
        drop(tx);
        let seen = rx
            .into_iter()
            .flat_map(|msg| match msg {
                Msg::Job { source, .. } => vec![(source, "job".to_string())],
                Msg::Log { source, .. } => vec![(source, "log".to_string())],
                Msg::Skipped => vec![(String::new(), "skipped".to_string())],
                Msg::Streamed { records, .. } => records
                    .into_iter()
                    .map(|r| match r {
                        Record::Error { source, message } => (source, message),
                        other => (String::new(), format!("{other:?}")),
                    })
                    .collect(),
            })
            .collect();
        // nothing is left behind: spooled zips are removed once read
        let left: Vec<_> = fs::read_dir(staging.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "logs")
            .collect();
        assert!(left.is_empty(), "{left:?}");
        seen
    }

    #[test]
    fn zip_entries_that_leave_the_archive_or_link_are_not_read_and_nested_archives_are() {
        let dir = tempfile::tempdir().unwrap();
        let inner = tar_gz(&[(
            "mg/namespaces/ns/core/configmaps.yaml",
            CONFIGMAP.as_bytes(),
        )]);
        let path = dir.path().join("case.zip");
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("../escape/namespaces/ns/core/configmaps.yaml", options)
            .unwrap();
        zip.write_all(CONFIGMAP.as_bytes()).unwrap();
        zip.add_symlink("mg/namespaces/ns/core/link.yaml", "/etc/passwd", options)
            .unwrap();
        zip.start_file("mg/namespaces/ns/core/pods.yaml", options)
            .unwrap();
        zip.write_all(CONFIGMAP.as_bytes()).unwrap();
        zip.start_file("nested/inner.tar.gz", options).unwrap();
        zip.write_all(&inner).unwrap();
        zip.start_file("nested/fake.zip", options).unwrap();
        zip.write_all(b"not a zip").unwrap();
        zip.finish().unwrap();

        let seen = read_all(&path, 1 << 30);
        let sources: Vec<&str> = seen.iter().map(|(s, _)| s.as_str()).collect();
        assert!(
            seen.iter()
                .any(|(s, m)| s == "a" && m.contains("leaves the archive")),
            "{seen:?}"
        );
        assert!(!sources.iter().any(|s| s.contains("link.yaml")), "{seen:?}");
        assert!(
            sources.contains(&"a:mg/namespaces/ns/core/pods.yaml"),
            "{seen:?}"
        );
        assert!(
            sources.contains(&"a:nested/inner.tar.gz:mg/namespaces/ns/core/configmaps.yaml"),
            "{seen:?}"
        );
        assert!(
            seen.iter()
                .any(|(s, m)| s == "a:nested/fake.zip" && m.contains("not a tar or zip archive")),
            "{seen:?}"
        );
    }

    #[test]
    fn nested_archives_share_one_budget_and_stop_at_the_depth_limit() {
        let dir = tempfile::tempdir().unwrap();
        // a 1 MB entry of zeros, compressed to almost nothing, two archives deep
        let zeros = vec![0u8; 1 << 20];
        let inner = tar_gz(&[("mg/namespaces/ns/core/configmaps.yaml", &zeros)]);
        let outer = tar_gz(&[("inner.tar.gz", &inner)]);
        let path = dir.path().join("bomb.tar.gz");
        fs::write(&path, &outer).unwrap();
        let seen = read_all(&path, 256 << 10);
        assert!(
            seen.iter()
                .any(|(_, m)| m.contains("decompresses beyond 262144 bytes")),
            "{seen:?}"
        );
        assert!(!seen.iter().any(|(_, m)| m == "job"), "{seen:?}");

        // archives inside archives, one level more than allowed
        let mut nested = tar_gz(&[(
            "mg/namespaces/ns/core/configmaps.yaml",
            CONFIGMAP.as_bytes(),
        )]);
        for _ in 0..=MAX_DEPTH {
            nested = tar_gz(&[("deeper.tar.gz", &nested)]);
        }
        let path = dir.path().join("deep.tar.gz");
        fs::write(&path, &nested).unwrap();
        let seen = read_all(&path, 1 << 30);
        assert!(
            seen.iter().any(|(_, m)| m.contains("nested more than")),
            "{seen:?}"
        );
        assert!(!seen.iter().any(|(_, m)| m == "job"), "{seen:?}");
    }

    #[test]
    fn compressed_tars_are_recognized_by_their_magic_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut tar = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(CONFIGMAP.len() as u64);
        header.set_cksum();
        tar.append_data(&mut header, "mg/x.yaml", CONFIGMAP.as_bytes())
            .unwrap();
        let plain = tar.into_inner().unwrap();
        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(&plain).unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        bz.write_all(&plain).unwrap();
        for (name, bytes, expected) in [
            ("a.tar.xz", xz.finish().unwrap(), Compression::Xz),
            ("a.tar.bz2", bz.finish().unwrap(), Compression::Bzip2),
            ("a.tar", plain.clone(), Compression::None),
        ] {
            let path = dir.path().join(name);
            fs::write(&path, bytes).unwrap();
            assert!(
                matches!(sniff(&path).unwrap(), Sniffed::Archive(Kind::Tar(c)) if c == expected),
                "{name}"
            );
            assert_eq!(
                top_dir(&path, Kind::Tar(expected)).unwrap().as_deref(),
                Some("mg")
            );
        }
        let path = dir.path().join("a.txt.xz");
        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(b"hello").unwrap();
        fs::write(&path, xz.finish().unwrap()).unwrap();
        assert!(matches!(sniff(&path).unwrap(), Sniffed::CompressedNotTar));
    }
}
