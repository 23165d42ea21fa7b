//! Bundle writer for collect, import and pack. Files are spooled to a temporary directory while
//! their checksums are computed (the manifest, which lists them, must come first in the tar),
//! then packed into a temporary file beside the target, which is renamed into place only when
//! complete: an interrupted write never leaves a partial bundle at the target path.
//!
//! Both temporaries are `mwtrace_interrupt` scratch guards: locked while they live, so a run
//! killed outright leaves them for the next writer in the same directory to remove; and every
//! write and copy stops with `Interrupted` once SIGINT or SIGTERM arrived, so the guards drop.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use mwtrace_interrupt::{Checked, ScratchDir, ScratchFile};
use sha2::{Digest, Sha256};

use super::layout::BundlePath;
use super::manifest::{FileRecord, Manifest, SourceError};

/// zstd level: JSON compresses about 10:1 at 3; higher levels cost much more time for little.
const ZSTD_LEVEL: i32 = 3;

pub struct BundleWriter {
    target: PathBuf,
    spool: ScratchDir,
    manifest: Manifest,
    spooled: Vec<(BundlePath, PathBuf)>,
}

impl BundleWriter {
    /// Starts a bundle at `target` with `manifest` as the template (its `files` are replaced).
    pub fn create(target: &Path, mut manifest: Manifest) -> io::Result<BundleWriter> {
        let dir = parent_dir(target);
        let spool = ScratchDir::new_in(dir, ".mwtrace-spool-")?;
        manifest.files.clear();
        Ok(BundleWriter {
            target: target.to_path_buf(),
            spool,
            manifest,
            spooled: Vec::new(),
        })
    }

    /// Copies `content` into the bundle at `path`, counting lines of `.ndjson` files.
    pub fn add_file(
        &mut self,
        path: BundlePath,
        mut content: impl Read,
    ) -> io::Result<&FileRecord> {
        let mut sink = self.start_file(path)?;
        io::copy(&mut Checked(&mut content), &mut sink)?;
        self.finish_file(sink)
    }

    /// Moves the complete file `local` into the bundle at `path`, as [`BundleWriter::add_file`]
    /// would copy it: renamed into the spool when it is on the same file system (an import
    /// stages gigabytes of history beside the target), and only read to be hashed and counted.
    pub fn add_file_moved(&mut self, path: BundlePath, local: &Path) -> io::Result<&FileRecord> {
        let spool_path = self.spool_path(&path)?;
        if std::fs::rename(local, &spool_path).is_err() {
            return self.add_file(path, File::open(local)?);
        }
        let mut tally = Tally::default();
        io::copy(&mut Checked(File::open(&spool_path)?), &mut tally)?;
        Ok(self.spooled(path, spool_path, tally))
    }

    /// Starts a file written piece by piece; hand it back to [`BundleWriter::finish_file`].
    pub fn start_file(&mut self, path: BundlePath) -> io::Result<FileSink> {
        let spool_path = self.spool_path(&path)?;
        let file = File::create(&spool_path)?;
        Ok(FileSink {
            path,
            spool_path,
            out: BufWriter::new(file),
            tally: Tally::default(),
        })
    }

    pub fn finish_file(&mut self, sink: FileSink) -> io::Result<&FileRecord> {
        let FileSink {
            path,
            spool_path,
            out,
            tally,
        } = sink;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(self.spooled(path, spool_path, tally))
    }

    /// Where the next file is spooled; an error if `path` is in the bundle already.
    fn spool_path(&self, path: &BundlePath) -> io::Result<PathBuf> {
        if self.spooled.iter().any(|(p, _)| p == path) {
            return Err(io::Error::other(format!("{path} written twice")));
        }
        Ok(self.spool.path().join(format!("{}", self.spooled.len())))
    }

    fn spooled(&mut self, path: BundlePath, spool_path: PathBuf, tally: Tally) -> &FileRecord {
        self.manifest.files.push(FileRecord {
            path: path.to_string(),
            rows: path.is_ndjson().then_some(tally.lines),
            bytes: tally.bytes,
            sha256: hex::encode(tally.hasher.finalize()),
        });
        self.spooled.push((path, spool_path));
        self.manifest.files.last().expect("just pushed")
    }

    /// Records a source that failed; the bundle is still written with everything else.
    pub fn record_error(&mut self, source: impl Into<String>, message: impl Into<String>) {
        self.manifest.errors.push(SourceError {
            source: source.into(),
            message: message.into(),
        });
    }

    pub fn manifest_mut(&mut self) -> &mut Manifest {
        &mut self.manifest
    }

    /// Packs manifest.json and every file, in the order of DESIGN.md §4, then renames the
    /// finished bundle onto the target.
    pub fn finish(mut self) -> io::Result<Manifest> {
        let order = |(path, _): &(BundlePath, PathBuf)| (path.section(), path.to_string());
        self.spooled.sort_by_key(order);
        let rank: Vec<String> = self.spooled.iter().map(|(p, _)| p.to_string()).collect();
        self.manifest
            .files
            .sort_by_key(|f| rank.iter().position(|p| *p == f.path));

        let mtime = entry_mtime(&self.manifest.created_at);
        let tmp = ScratchFile::new_in(parent_dir(&self.target), ".mwtrace-bundle-")?;
        let mut encoder =
            zstd::Encoder::new(BufWriter::new(tmp.as_file().try_clone()?), ZSTD_LEVEL)?;
        // manifest.json lists every other file's sha256 but has none itself: the frame's
        // checksum (XXH64 of everything decompressed) is what catches a damaged manifest
        // (found by the byte-flip property test, crates/bundle/tests/roundtrip.rs).
        encoder.include_checksum(true)?;
        let mut tar = tar::Builder::new(encoder);
        tar.mode(tar::HeaderMode::Deterministic);

        let manifest_json = serde_json::to_vec_pretty(&self.manifest)?;
        append(
            &mut tar,
            "manifest.json",
            manifest_json.len() as u64,
            mtime,
            &manifest_json[..],
        )?;
        for (path, spool_path) in &self.spooled {
            let file = File::open(spool_path)?;
            let len = file.metadata()?.len();
            append(&mut tar, &path.to_string(), len, mtime, Checked(file))?;
        }
        let encoder = tar.into_inner()?;
        let mut out = encoder.finish()?;
        out.flush()?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        mwtrace_interrupt::check()?;
        tmp.persist(&self.target)?;
        Ok(self.manifest)
    }
}

/// A file being written into the bundle; it hashes and counts as it goes.
pub struct FileSink {
    path: BundlePath,
    spool_path: PathBuf,
    out: BufWriter<File>,
    tally: Tally,
}

/// What the manifest says of a file's content: its sha256, size and lines.
#[derive(Default)]
struct Tally {
    hasher: Sha256,
    bytes: u64,
    lines: u64,
}

impl Write for Tally {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        self.bytes += buf.len() as u64;
        self.lines += buf.iter().filter(|b| **b == b'\n').count() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl FileSink {
    /// Writes one NDJSON row.
    pub fn write_row(&mut self, row: &serde_json::Value) -> io::Result<()> {
        let mut line = serde_json::to_vec(row)?;
        line.push(b'\n');
        self.write_all(&line)
    }
}

impl Write for FileSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Every collected row and imported object comes through here: one check stops them all.
        mwtrace_interrupt::check()?;
        let n = self.out.write(buf)?;
        self.tally.write_all(&buf[..n])?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn append(
    tar: &mut tar::Builder<impl Write>,
    name: &str,
    len: u64,
    mtime: u64,
    content: impl Read,
) -> io::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(len);
    header.set_mode(0o644);
    header.set_mtime(mtime);
    tar.append_data(&mut header, name, content)
}

/// Entry mtimes are the bundle's creation time, so that the same content packs to the same
/// bytes (and so to the same cache key).
fn entry_mtime(created_at: &str) -> u64 {
    created_at
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_second().max(0) as u64)
        .unwrap_or(0)
}

fn parent_dir(target: &Path) -> &Path {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BundleReader, Limits};

    fn manifest() -> Manifest {
        Manifest::new("import", "2026-11-21T10:00:00Z".into())
    }

    #[test]
    fn round_trip_in_layout_order_with_rows_and_checksums() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("b.tar.zst");
        let mut writer = BundleWriter::create(&target, manifest()).unwrap();
        let kube = BundlePath::parse("kube/c1/core/v1/namespaces.ndjson")
            .unwrap()
            .unwrap();
        writer
            .add_file(kube, &b"{\"kind\":\"Namespace\"}\n"[..])
            .unwrap();
        let db = BundlePath::Db {
            table: "resources".into(),
        };
        let mut sink = writer.start_file(db).unwrap();
        sink.write_row(&serde_json::json!({"id": "a"})).unwrap();
        sink.write_row(&serde_json::json!({"id": "b"})).unwrap();
        writer.finish_file(sink).unwrap();
        let history = BundlePath::parse("history/c1/core/v1/namespaces.ndjson")
            .unwrap()
            .unwrap();
        let mut sink = writer.start_file(history).unwrap();
        for event in ["Add", "Update", "Delete"] {
            sink.write_row(
                &serde_json::json!({"ts": "2026-11-21T09:00:00Z", "event": event, "object": {}}),
            )
            .unwrap();
        }
        writer.finish_file(sink).unwrap();
        writer.record_error("kube/c2", "unreachable");
        let written = writer.finish().unwrap();

        let reader = BundleReader::open(&target, Limits::from_env()).unwrap();
        assert_eq!(reader.manifest(), &written);
        let paths: Vec<&str> = written.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "db/resources.ndjson",
                "kube/c1/core/v1/namespaces.ndjson",
                "history/c1/core/v1/namespaces.ndjson"
            ]
        );
        assert_eq!(written.files[0].rows, Some(2));
        assert_eq!(written.files[2].rows, Some(3), "history rows are counted");
        assert_eq!(written.errors[0].source, "kube/c2");
        let mut seen = Vec::new();
        reader
            .for_each_file(|file, content| {
                let mut text = String::new();
                content.read_to_string(&mut text).unwrap();
                seen.push((file.path.to_string(), text));
                Ok::<(), crate::BundleError>(())
            })
            .unwrap();
        assert_eq!(
            seen[0],
            (
                "db/resources.ndjson".into(),
                "{\"id\":\"a\"}\n{\"id\":\"b\"}\n".into()
            )
        );
    }

    #[test]
    fn a_moved_file_is_hashed_and_counted_as_a_copied_one() {
        let dir = tempfile::tempdir().unwrap();
        let content = b"{\"id\":\"a\"}\n{\"id\":\"b\"}\n";
        let db = |table: &str| BundlePath::Db {
            table: table.into(),
        };
        let local = dir.path().join("staged.ndjson");
        std::fs::write(&local, content).unwrap();
        let mut writer = BundleWriter::create(&dir.path().join("b.tar.zst"), manifest()).unwrap();
        let moved = writer.add_file_moved(db("a"), &local).unwrap().clone();
        assert!(!local.exists(), "moved, not copied");
        let copied = writer.add_file(db("b"), &content[..]).unwrap().clone();
        assert_eq!(
            (moved.rows, moved.bytes, &moved.sha256),
            (copied.rows, copied.bytes, &copied.sha256)
        );
        assert_eq!(moved.rows, Some(2));
        std::fs::write(&local, content).unwrap();
        let twice = writer.add_file_moved(db("a"), &local).unwrap_err();
        assert!(twice.to_string().contains("written twice"), "{twice}");
        let written = writer.finish().unwrap();
        let reader = BundleReader::open(&dir.path().join("b.tar.zst"), Limits::from_env()).unwrap();
        assert_eq!(reader.manifest(), &written);
    }

    #[test]
    fn nothing_reaches_the_target_until_finish() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("b.tar.zst");
        let mut writer = BundleWriter::create(&target, manifest()).unwrap();
        writer
            .add_file(
                BundlePath::Db {
                    table: "events".into(),
                },
                &b"{}\n"[..],
            )
            .unwrap();
        drop(writer); // an interrupted collection
        assert!(!target.exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(leftovers.is_empty(), "spool and temp files are removed");
    }

    #[test]
    fn same_content_packs_to_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let pack = |name: &str| {
            let target = dir.path().join(name);
            let mut writer = BundleWriter::create(&target, manifest()).unwrap();
            writer
                .add_file(
                    BundlePath::Db {
                        table: "events".into(),
                    },
                    &b"{}\n"[..],
                )
                .unwrap();
            writer.finish().unwrap();
            std::fs::read(target).unwrap()
        };
        assert_eq!(pack("a.tar.zst"), pack("b.tar.zst"));
    }
}
