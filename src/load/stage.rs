//! Staging: the bundle's files are streamed out of the archive into a private work directory,
//! checking every NDJSON line on the way (a malformed line is reported with its file and line
//! number), so that DuckDB's own JSON reader can then ingest whole files at engine speed.
//!
//! Container logs are copied out the same way, then parsed into NDJSON rows (`crate::logs`)
//! by rayon tasks while the archive goes on streaming: the tar is read once, in order, and the
//! logs are parsed in parallel, one file per task.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::bundle::{BundleError, BundlePath, BundleReader};
use crate::progress::Progress;

/// The longest NDJSON line accepted: far above any real object (Maestro caps feedback at
/// 1 MiB), far below what would exhaust memory.
pub(crate) const MAX_LINE_BYTES: u64 = 256 << 20;

pub(crate) struct StagedFile {
    pub path: BundlePath,
    pub local: PathBuf,
}

/// Streams every NDJSON file of the bundle into `dir`, verifying checksums (by the reader) and
/// lines, and parses every log file into NDJSON rows (in parallel). Staged files come back in
/// bundle order.
pub(crate) fn stage(
    reader: &BundleReader,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<Vec<StagedFile>, BundleError> {
    let ctx = crate::logs::Context {
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
                copy_counted(content, &mut out, progress).map_err(io_err)?;
                out.flush().map_err(io_err)?;
                drop(out);
                let (parsed, path) = (&parsed, file.path);
                scope.spawn(move |_| {
                    let result = parse_log(&raw, &local, ctx).map(|_| StagedFile { path, local });
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
            let mut out = BufWriter::with_capacity(1 << 20, File::create(&local).map_err(io_err)?);
            copy_ndjson(reader.path(), &file.path, content, &mut out, progress)?;
            out.flush().map_err(io_err)?;
            staged.push((
                index,
                StagedFile {
                    path: file.path,
                    local,
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

fn copy_counted(
    content: &mut dyn Read,
    out: &mut impl Write,
    progress: &dyn Progress,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = content.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        out.write_all(&buf[..n])?;
        progress.advance(n as u64);
    }
}

fn parse_log(raw: &Path, local: &Path, ctx: crate::logs::Context) -> std::io::Result<()> {
    let input = File::open(raw)?;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(local)?);
    crate::logs::stage(input, &mut out, ctx)?;
    out.flush()
}

/// Copies NDJSON, dropping blank lines and refusing any line that is not one JSON object.
fn copy_ndjson(
    bundle: &Path,
    path: &BundlePath,
    content: &mut dyn Read,
    out: &mut impl Write,
    progress: &dyn Progress,
) -> Result<u64, BundleError> {
    let mut input = BufReader::with_capacity(1 << 20, content);
    let mut line = Vec::new();
    let mut line_no = 0u64;
    let mut rows = 0u64;
    let malformed = |line: u64, message: String| BundleError::MalformedLine {
        bundle: bundle.to_path_buf(),
        entry: path.to_string(),
        line,
        message,
    };
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
        progress.advance(read as u64);
        if read as u64 > MAX_LINE_BYTES {
            return Err(malformed(
                line_no,
                format!("longer than {MAX_LINE_BYTES} bytes"),
            ));
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        if text[0] != b'{' {
            return Err(malformed(line_no, "not a JSON object".into()));
        }
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(text) {
            return Err(malformed(line_no, format!("invalid JSON: {e}")));
        }
        out.write_all(text)
            .and_then(|_| out.write_all(b"\n"))
            .map_err(|source| BundleError::Io {
                bundle: bundle.to_path_buf(),
                source,
            })?;
        rows += 1;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;

    fn run(input: &str) -> Result<(u64, String), BundleError> {
        let mut out = Vec::new();
        let path = BundlePath::Db {
            table: "resources".into(),
        };
        let rows = copy_ndjson(
            Path::new("b.tar.zst"),
            &path,
            &mut input.as_bytes(),
            &mut out,
            &NoProgress,
        )?;
        Ok((rows, String::from_utf8(out).unwrap()))
    }

    #[test]
    fn keeps_objects_and_drops_blank_lines() {
        let (rows, out) = run("{\"a\":1}\n\n  {\"b\":2}  \r\n{\"c\":3}").unwrap();
        assert_eq!(rows, 3);
        assert_eq!(out, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
    }

    #[test]
    fn names_the_file_and_line_of_a_malformed_row() {
        let err = run("{\"a\":1}\n\n{\"b\":\n").unwrap_err().to_string();
        assert!(err.contains("db/resources.ndjson line 3"), "{err}");
        let err = run("[1,2]\n").unwrap_err().to_string();
        assert!(err.contains("line 1: not a JSON object"), "{err}");
    }
}
