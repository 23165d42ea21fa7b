//! Staging: the bundle's files are streamed out of the archive into a private work directory,
//! so that DuckDB's own JSON reader can then ingest whole files at engine speed, in parallel.
//! Staging checks only what is cheap (line length, that each line starts an object) and samples
//! the keys of the first rows; the JSON itself is parsed once, by DuckDB. When DuckDB refuses a
//! file, [`find_malformed`] parses it again to name the exact line (the error path only), so a
//! malformed line is still reported with its bundle file and line number.
//!
//! Container logs are copied out the same way, then parsed into NDJSON rows (`mwtrace_logs`)
//! by rayon tasks while the archive goes on streaming: the tar is read once, in order, and the
//! logs are parsed in parallel, one file per task.
//!
//! What a load derives from logs is bounded by lines, not bytes: zstd packs 100 MiB of 2-byte
//! lines into 9 KB, and each line becomes a row of about 150 bytes (that bundle once cost a load
//! 19.7 GB of RAM and 7 GB of disk). Only the first [`LogCaps`] lines of each file, and of all
//! files in bundle order, are staged; the rest of a file is read (its checksum is verified) but
//! not written, and the cut is recorded ([`LogCut`]) so that answers never claim a line is absent
//! from a file that was cut.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use mwtrace_bundle::progress::Progress;
use mwtrace_bundle::{BundleError, BundlePath, BundleReader};

/// The longest NDJSON line accepted: far above any real row (a ManifestWork must fit in etcd's
/// 1.5 MiB, a resource row holds its payload and status), and small enough that DuckDB's JSON
/// reader, whose buffers are this large, stays within memory: 256 MiB cost gigabytes per load.
pub(crate) const MAX_LINE_BYTES: u64 = 32 << 20;

/// Rows whose keys are sampled: a dump's rows all have their table's columns, so this is plenty,
/// and a key that only appears later in a hostile file is simply not loaded.
const KEY_SAMPLE_ROWS: usize = 100;

pub(crate) struct StagedFile {
    pub path: BundlePath,
    pub local: PathBuf,
    /// Top-level keys of the first rows (NDJSON files; empty for logs).
    pub keys: BTreeSet<String>,
    /// For a log file cut by [`LogCaps`]: how much of it was staged.
    pub log_cut: Option<LogCut>,
}

/// Environment variable: log lines staged per bundle, over all files (default
/// [`LogCaps::DEFAULT_PER_BUNDLE`]).
pub(crate) const MAX_LOG_LINES_ENV: &str = "MWTRACE_MAX_LOG_LINES";
/// Environment variable: log lines staged per file (default [`LogCaps::DEFAULT_PER_FILE`]).
pub(crate) const MAX_LOG_LINES_PER_FILE_ENV: &str = "MWTRACE_MAX_LOG_LINES_PER_FILE";

/// How many log lines a load stages: a row costs about 150 bytes of disk plus the line, and
/// the `logs` table is sorted once, so 5 million rows (under 1 GB staged) is the ceiling of a
/// load on a laptop; real container logs of a day are a few hundred thousand lines per pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LogCaps {
    pub per_file: u64,
    pub per_bundle: u64,
}

impl LogCaps {
    pub const DEFAULT_PER_FILE: u64 = 1_000_000;
    pub const DEFAULT_PER_BUNDLE: u64 = 5_000_000;

    /// The caps, from [`MAX_LOG_LINES_PER_FILE_ENV`] and [`MAX_LOG_LINES_ENV`] when set to a
    /// number (anything else is ignored: a cap is a safety net, not an input to refuse).
    pub fn from_env() -> LogCaps {
        let var = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default)
        };
        LogCaps {
            per_file: var(MAX_LOG_LINES_PER_FILE_ENV, Self::DEFAULT_PER_FILE),
            per_bundle: var(MAX_LOG_LINES_ENV, Self::DEFAULT_PER_BUNDLE),
        }
    }
}

/// A log file of which only the first `kept` of its `total` lines were staged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LogCut {
    pub kept: u64,
    pub total: u64,
    /// Whether the bundle's cap (rather than the file's) stopped it.
    pub by_bundle_cap: bool,
}

/// Streams every NDJSON file of the bundle into `dir`, verifying checksums (by the reader) and
/// lines, and parses every log file into NDJSON rows (in parallel). Staged files come back in
/// bundle order.
pub(crate) fn stage(
    reader: &BundleReader,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<Vec<StagedFile>, BundleError> {
    let ctx = mwtrace_logs::Context {
        reference: reference_date(&reader.manifest().created_at),
    };
    let io_err = |source| BundleError::Io {
        bundle: reader.path().to_path_buf(),
        source,
    };
    let mut staged: Vec<(usize, StagedFile)> = Vec::new();
    // Results of the parsing tasks: (bundle order, staged file or the error).
    let parsed: Mutex<Vec<(usize, std::io::Result<StagedFile>)>> = Mutex::new(Vec::new());
    let mut next = 0usize;
    let caps = LogCaps::from_env();
    let mut log_budget = caps.per_bundle;
    rayon::in_place_scope(|scope| {
        reader.for_each_file(|file, content| {
            let index = next;
            next += 1;
            let local = dir.join(format!("{index}.ndjson"));
            if let BundlePath::Log { .. } = file.path {
                // Copied out first (the tar stream cannot wait), then parsed by a rayon task.
                let raw = dir.join(format!("{index}.log"));
                let mut out =
                    BufWriter::with_capacity(1 << 20, File::create(&raw).map_err(io_err)?);
                let allowed = caps.per_file.min(log_budget);
                let copied = copy_lines(content, &mut out, allowed, progress).map_err(io_err)?;
                out.flush().map_err(io_err)?;
                drop(out);
                log_budget -= copied.kept;
                let log_cut = (copied.total > copied.kept).then_some(LogCut {
                    kept: copied.kept,
                    total: copied.total,
                    by_bundle_cap: allowed < caps.per_file,
                });
                let (parsed, path) = (&parsed, file.path);
                scope.spawn(move |_| {
                    let result = parse_log(&raw, &local, ctx).map(|_| StagedFile {
                        path,
                        local,
                        keys: BTreeSet::new(),
                        log_cut,
                    });
                    let _ = std::fs::remove_file(&raw);
                    if let Ok(mut all) = parsed.lock() {
                        all.push((index, result));
                    }
                });
                return Ok(());
            }
            if !file.path.is_ndjson() {
                return Ok(());
            }
            let keys = stage_ndjson(reader.path(), &file.path, content, &local, progress)?;
            staged.push((
                index,
                StagedFile {
                    path: file.path,
                    local,
                    keys,
                    log_cut: None,
                },
            ));
            Ok::<(), BundleError>(())
        })
    })?;
    let parsed = parsed
        .into_inner()
        .map_err(|_| io_err(std::io::Error::other("a log parser panicked")))?;
    for (index, result) in parsed {
        staged.push((index, result.map_err(io_err)?));
    }
    staged.sort_by_key(|(index, _)| *index);
    Ok(staged.into_iter().map(|(_, file)| file).collect())
}

/// The snapshot's date (UTC), which gives klog lines their year.
fn reference_date(created_at: &str) -> Option<jiff::civil::Date> {
    let ts: jiff::Timestamp = created_at.parse().ok()?;
    Some(ts.to_zoned(jiff::tz::TimeZone::UTC).date())
}

/// What [`copy_lines`] copied: the lines written and the lines the input had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Copied {
    kept: u64,
    total: u64,
}

/// Copies the first `allowed` lines of `content` to `out`, and reads (without keeping) the
/// rest, counting its lines. Memory: one 64 KiB buffer, whatever the lines.
fn copy_lines(
    content: &mut dyn Read,
    out: &mut impl Write,
    allowed: u64,
    progress: &dyn Progress,
) -> std::io::Result<Copied> {
    let mut buf = vec![0u8; 1 << 16];
    // Complete lines (newlines) seen, and whether the input ends inside a line.
    let mut newlines = 0u64;
    let mut open_line = false;
    loop {
        let n = content.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        progress.advance(n as u64);
        if newlines < allowed {
            let wanted = allowed - newlines;
            let end = chunk
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .nth((wanted - 1) as usize)
                .map_or(n, |(at, _)| at + 1);
            out.write_all(&chunk[..end])?;
        }
        newlines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        open_line = chunk[n - 1] != b'\n';
    }
    let total = newlines + u64::from(open_line);
    Ok(Copied {
        kept: total.min(allowed),
        total,
    })
}

fn parse_log(raw: &Path, local: &Path, ctx: mwtrace_logs::Context) -> std::io::Result<()> {
    let input = File::open(raw)?;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(local)?);
    mwtrace_logs::stage(input, &mut out, ctx)?;
    out.flush()
}

/// Bytes handed from the bundle reader to the line checker at a time.
const CHUNK_BYTES: u64 = 1 << 20;

/// Stages one NDJSON file at `local` and returns the keys of its first rows. Decompressing and
/// hashing the bundle (the reader, on this thread) and checking and writing its lines (a second
/// thread) each take about half the time of staging, so they run side by side.
fn stage_ndjson(
    bundle: &Path,
    path: &BundlePath,
    content: &mut dyn Read,
    local: &Path,
    progress: &dyn Progress,
) -> Result<BTreeSet<String>, BundleError> {
    let io_err = |source| BundleError::Io {
        bundle: bundle.to_path_buf(),
        source,
    };
    let mut out = BufWriter::with_capacity(1 << 20, File::create(local).map_err(io_err)?);
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
    std::thread::scope(|scope| {
        let checker = scope.spawn(move || {
            let keys = copy_ndjson(bundle, path, Chunks::new(receiver), &mut out)?;
            out.flush().map_err(io_err)?;
            Ok::<_, BundleError>(keys)
        });
        let read = (|| loop {
            let mut chunk = Vec::with_capacity(CHUNK_BYTES as usize);
            (&mut *content).take(CHUNK_BYTES).read_to_end(&mut chunk)?;
            if chunk.is_empty() {
                return Ok(());
            }
            progress.advance(chunk.len() as u64);
            if sender.send(chunk).is_err() {
                return Ok(()); // the checker stopped at a bad line: its error is the one to report
            }
        })();
        drop(sender);
        let checked = checker
            .join()
            .unwrap_or_else(|_| Err(io_err(std::io::Error::other("the line checker panicked"))));
        // A bundle that cannot be read is reported as such, even if the lines read so far were
        // fine (or the last one was cut short).
        read.map_err(|e: std::io::Error| BundleError::Corrupt {
            bundle: bundle.to_path_buf(),
            message: format!("{path}: {e}"),
        })?;
        checked
    })
}

/// The chunks sent by [`stage_ndjson`]'s reader, read as one stream.
struct Chunks {
    receiver: std::sync::mpsc::Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
}

impl Chunks {
    fn new(receiver: std::sync::mpsc::Receiver<Vec<u8>>) -> Chunks {
        Chunks {
            receiver,
            chunk: Vec::new(),
            at: 0,
        }
    }
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Chunks {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.at == self.chunk.len() {
            match self.receiver.recv() {
                Ok(chunk) => (self.chunk, self.at) = (chunk, 0),
                Err(_) => break, // the reader is done: end of stream
            }
        }
        Ok(&self.chunk[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.chunk.len());
    }
}

/// Copies NDJSON line for line (so DuckDB's and the bundle's line numbers agree), refusing a
/// line that is too long or does not start a JSON object, and returns the keys of the first rows.
fn copy_ndjson(
    bundle: &Path,
    path: &BundlePath,
    mut input: impl BufRead,
    out: &mut impl Write,
) -> Result<BTreeSet<String>, BundleError> {
    let mut line = Vec::new();
    let mut line_no = 0u64;
    let mut sampled = 0usize;
    let mut keys = BTreeSet::new();
    loop {
        line.clear();
        let read = (&mut input)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| BundleError::Corrupt {
                bundle: bundle.to_path_buf(),
                message: format!("{path}: {e}"),
            })?;
        if read == 0 {
            break;
        }
        line_no += 1;
        if read as u64 > MAX_LINE_BYTES {
            let message = format!("longer than {MAX_LINE_BYTES} bytes");
            return Err(malformed(bundle, path, line_no, message));
        }
        let text = line.trim_ascii();
        if let Some(message) = cheap_check(text) {
            return Err(malformed(bundle, path, line_no, message));
        }
        if !text.is_empty() && sampled < KEY_SAMPLE_ROWS {
            sampled += 1;
            match serde_json::from_slice::<std::collections::BTreeMap<String, serde::de::IgnoredAny>>(
                text,
            ) {
                Ok(row) => keys.extend(row.into_keys()),
                Err(e) => {
                    return Err(malformed(
                        bundle,
                        path,
                        line_no,
                        format!("invalid JSON: {e}"),
                    ));
                }
            }
        }
        out.write_all(text)
            .and_then(|_| out.write_all(b"\n"))
            .map_err(|source| BundleError::Io {
                bundle: bundle.to_path_buf(),
                source,
            })?;
    }
    Ok(keys)
}

fn malformed(bundle: &Path, path: &BundlePath, line: u64, message: String) -> BundleError {
    BundleError::MalformedLine {
        bundle: bundle.to_path_buf(),
        entry: path.to_string(),
        line,
        message,
    }
}

/// What staging checks on every line: blank, or the start of a JSON object.
fn cheap_check(text: &[u8]) -> Option<String> {
    match text.first() {
        None | Some(b'{') => None,
        Some(_) => Some("not a JSON object".into()),
    }
}

/// The first line of the staged NDJSON files that is not one valid JSON object, as the bundle
/// names it. Called only after DuckDB refused to read a file, to turn its message into ours.
pub(crate) fn find_malformed(bundle: &Path, staged: &[StagedFile]) -> Option<BundleError> {
    for file in staged.iter().filter(|f| f.path.is_ndjson()) {
        let input = BufReader::with_capacity(1 << 20, File::open(&file.local).ok()?);
        for (index, line) in input.split(b'\n').enumerate() {
            let line_no = index as u64 + 1;
            let line = match line {
                Ok(line) => line,
                Err(e) => return Some(malformed(bundle, &file.path, line_no, e.to_string())),
            };
            let text = line.trim_ascii();
            if text.is_empty() {
                continue;
            }
            let message = cheap_check(text).or_else(|| {
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(text)
                    .err()
                    .map(|e| format!("invalid JSON: {e}"))
            });
            if let Some(message) = message {
                return Some(malformed(bundle, &file.path, line_no, message));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use mwtrace_bundle::progress::NoProgress;

    fn resources() -> BundlePath {
        BundlePath::Db {
            table: "resources".into(),
        }
    }

    /// Stages `input` as db/resources.ndjson and returns the sampled keys and the staged text.
    fn stage_from(mut input: impl Read) -> Result<(BTreeSet<String>, String), BundleError> {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("0.ndjson");
        let path = resources();
        let keys = stage_ndjson(
            Path::new("b.tar.zst"),
            &path,
            &mut input,
            &local,
            &NoProgress,
        )?;
        Ok((keys, std::fs::read_to_string(&local).unwrap()))
    }

    fn run(input: &str) -> Result<(BTreeSet<String>, String), BundleError> {
        stage_from(input.as_bytes())
    }

    #[test]
    fn lines_split_across_chunks_are_staged_whole() {
        // Rows of 1 to 700 KB: most cross a chunk boundary, some span two.
        let rows: Vec<String> = (0..12)
            .map(|i| format!("{{\"id\":{i},\"pad\":\"{}\"}}", "x".repeat(1 + i * 61_000)))
            .collect();
        let input = rows.join("\n");
        assert!(input.len() as u64 > 3 * CHUNK_BYTES);
        let (keys, out) = run(&input).unwrap();
        assert_eq!(out, format!("{input}\n"));
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), ["id", "pad"]);
    }

    #[test]
    fn a_bundle_that_fails_mid_file_is_reported_as_corrupt() {
        let input = "{\"a\":1}\n".repeat(200_000);
        let failing = input.as_bytes().chain(FailingReader);
        let err = stage_from(failing).unwrap_err();
        assert!(
            matches!(&err, BundleError::Corrupt { message, .. }
                     if message.contains("db/resources.ndjson") && message.contains("bad zstd frame")),
            "{err}"
        );
    }

    struct FailingReader;

    impl Read for FailingReader {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("bad zstd frame"))
        }
    }

    #[test]
    fn keeps_lines_in_place_and_samples_keys() {
        let (keys, out) = run("{\"a\":1}\n\n  {\"b\":2}  \r\n{\"c\":3,\"a\":[]}").unwrap();
        assert_eq!(out, "{\"a\":1}\n\n{\"b\":2}\n{\"c\":3,\"a\":[]}\n");
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), ["a", "b", "c"]);
    }

    #[test]
    fn names_the_file_and_line_of_a_row_that_is_not_an_object() {
        let err = run("{\"a\":1}\n\n[1,2]\n").unwrap_err().to_string();
        assert!(
            err.contains("db/resources.ndjson line 3: not a JSON object"),
            "{err}"
        );
    }

    #[test]
    fn the_rescan_finds_invalid_json_past_the_sampled_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut input = "{\"a\":1}\n".repeat(KEY_SAMPLE_ROWS + 5);
        input.push_str("\n{\"b\":\n");
        let (_, out) = run(&input).unwrap();
        let local = dir.path().join("0.ndjson");
        std::fs::write(&local, out).unwrap();
        let staged = [StagedFile {
            path: resources(),
            local,
            keys: BTreeSet::new(),
            log_cut: None,
        }];
        let err = find_malformed(Path::new("b.tar.zst"), &staged)
            .expect("found")
            .to_string();
        let line = KEY_SAMPLE_ROWS + 7;
        assert!(
            err.contains(&format!("db/resources.ndjson line {line}: invalid JSON")),
            "{err}"
        );
    }

    fn copy(input: &str, allowed: u64) -> (String, Copied) {
        let mut out = Vec::new();
        let copied = copy_lines(&mut input.as_bytes(), &mut out, allowed, &NoProgress).unwrap();
        (String::from_utf8(out).unwrap(), copied)
    }

    #[test]
    fn log_copies_stop_at_the_cap_and_count_every_line() {
        let c = |kept, total| Copied { kept, total };
        assert_eq!(copy("a\nb\nc\n", 2), ("a\nb\n".into(), c(2, 3)));
        assert_eq!(copy("a\nb\nc", 5), ("a\nb\nc".into(), c(3, 3)));
        assert_eq!(copy("a\nb\nc", 0), ("".into(), c(0, 3)));
        assert_eq!(copy("", 3), ("".into(), c(0, 0)));
        // A 2-byte-line bomb spanning many buffers: the cut lands on a line boundary.
        let bomb = "x\n".repeat(100_000);
        let (out, copied) = copy(&bomb, 70_000);
        assert_eq!(out.len(), 140_000);
        assert_eq!(copied, c(70_000, 100_000));
    }
}
