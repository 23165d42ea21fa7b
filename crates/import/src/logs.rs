//! Pod logs of a must-gather (`namespaces/<ns>/pods/<pod>/<container>/<container>/logs/*.log`)
//! become `logs/<cluster>/<ns>/<pod>/<container>.log`, and the instance before the container's
//! last restart (`previous.log`) `<container>.previous.log`, as `collect --logs` names them (the
//! loader reads both as the same container). `rotated/*` files (`--rotated-pod-logs`) are older
//! parts of the current log and come first, by name. An `*.insecure.log` (the same log fetched
//! without TLS verification) is used only when its verified twin is absent. Bytes are copied as
//! they are, line by line, but for secrets (`mwtrace_bundle::redact::LogRedactor`: bearer tokens,
//! `password=` values, PEM private keys, counted with the other redacted values) unless
//! `--no-redact`, and lines longer than `LOG_LINE_BYTES` (1 MiB, the log parser's own bound),
//! which are cut there, as the parser would cut them, with one error per file naming the first.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use super::detect::{LogPart, LogTarget};
use super::limits::LOG_LINE_BYTES;
use mwtrace_bundle::redact::LogRedactor;
use mwtrace_bundle::{BundlePath, BundleWriter};

pub(crate) struct LogSet {
    dir: PathBuf,
    /// (cluster, namespace, pod, container) -> its parts.
    parts: BTreeMap<(String, String, String, String), Vec<Part>>,
}

/// A container's log in the bundle: its cluster, or why a part of it is missing.
pub(crate) type Written = (String, Option<(String, String)>);

/// What writing the logs changed.
#[derive(Debug, Default)]
pub(crate) struct LogStats {
    /// Secret values replaced by a marker.
    pub redacted: u64,
}

struct Part {
    part: LogPart,
    insecure: bool,
    file: PathBuf,
    source: String,
}

impl LogSet {
    pub fn new(dir: PathBuf) -> LogSet {
        LogSet {
            dir,
            parts: BTreeMap::new(),
        }
    }

    /// Where archive readers stream log entries to (created on first use).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn add(&mut self, cluster: &str, target: LogTarget, file: PathBuf, source: String) {
        let container = match target.part {
            LogPart::Previous => format!("{}.previous", target.container),
            _ => target.container,
        };
        let key = (cluster.to_string(), target.namespace, target.pod, container);
        self.parts.entry(key).or_default().push(Part {
            part: target.part,
            insecure: target.insecure,
            file,
            source,
        });
    }

    /// Writes every container's log, redacted when `redact`; returns, per container, its
    /// cluster and the error (source, message) that kept it (or a part of it) out of the bundle
    /// or cut a line of it, if any.
    pub fn write(
        self,
        writer: &mut BundleWriter,
        redact: bool,
    ) -> io::Result<(Vec<Written>, LogStats)> {
        let mut stats = LogStats::default();
        let mut results = Vec::new();
        for ((cluster, namespace, pod, container), mut parts) in self.parts {
            let path = BundlePath::Log {
                cluster: cluster.clone(),
                namespace,
                pod,
                container,
            };
            let source = parts[0].source.clone();
            if BundlePath::parse(&path.to_string()).ok().flatten().as_ref() != Some(&path) {
                let message = "namespace, pod or container name cannot name a bundle file".into();
                results.push((cluster, Some((source, message))));
                continue;
            }
            // Verified before insecure; first found wins among equals (several PATHs).
            parts.sort_by(|a, b| (&a.part, a.insecure).cmp(&(&b.part, b.insecure)));
            parts.dedup_by(|later, earlier| later.part == earlier.part);
            let mut sink = writer.start_file(path)?;
            let mut redactor = redact.then(LogRedactor::new);
            for part in &parts {
                let copied = File::open(&part.file)
                    .and_then(|file| copy_lines(file, &mut sink, redactor.as_mut()));
                let problem = match copied {
                    Ok(None) => None,
                    Ok(Some(cut)) => Some(cut.to_string()),
                    // The bundle's own spool failing is fatal; the part is reported otherwise.
                    Err(e) if sink_failed(&e) => return Err(e),
                    Err(e) => Some(format!("cannot read: {e}")),
                };
                if let Some(message) = problem {
                    results.push((cluster.clone(), Some((part.source.clone(), message))));
                }
            }
            writer.finish_file(sink)?;
            stats.redacted += redactor.map_or(0, |r| r.redacted() as u64);
            results.push((cluster, None));
        }
        Ok((results, stats))
    }
}

/// Lines of a log cut at [`LOG_LINE_BYTES`]: the first one and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line {first}: longer than {LOG_LINE_BYTES} bytes: cut there ({lines} lines cut)")]
pub(crate) struct LinesCut {
    first: u64,
    lines: u64,
}

/// A write into the bundle failed (not a read of the log).
#[derive(Debug, thiserror::Error)]
#[error("cannot write the log into the bundle")]
struct SinkFailed(#[source] io::Error);

fn sink_failed(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<SinkFailed>())
}

/// Copies `input` into `out` line by line, each line cut at [`LOG_LINE_BYTES`] (as the log
/// parser says: ` [mwtrace: line cut at 1 MiB]`) and redacted when a redactor is given.
fn copy_lines(
    input: impl Read,
    out: &mut impl Write,
    mut redactor: Option<&mut LogRedactor>,
) -> io::Result<Option<LinesCut>> {
    let mut input = BufReader::with_capacity(1 << 16, input);
    let mut line = Vec::new();
    let (mut line_no, mut cut): (u64, Option<LinesCut>) = (0, None);
    let write = |out: &mut dyn Write, bytes: &[u8]| {
        out.write_all(bytes)
            .map_err(|e| io::Error::other(SinkFailed(e)))
    };
    loop {
        line.clear();
        let read = (&mut input)
            .take(LOG_LINE_BYTES as u64)
            .read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(cut);
        }
        line_no += 1;
        let mut ended = line.last() == Some(&b'\n');
        if ended {
            line.pop();
        } else if read == LOG_LINE_BYTES {
            let (skipped, newline) = skip_rest_of_line(&mut input)?;
            ended = newline;
            if !skipped {
                let text = redact_line(&mut redactor, &line);
                write(out, &text)?;
                if ended {
                    write(out, b"\n")?;
                }
                continue;
            }
            line.extend_from_slice(b" [mwtrace: line cut at 1 MiB]");
            let c = cut.get_or_insert(LinesCut {
                first: line_no,
                lines: 0,
            });
            c.lines += 1;
        }
        let text = redact_line(&mut redactor, &line);
        write(out, &text)?;
        if ended {
            write(out, b"\n")?;
        }
    }
}

fn redact_line<'a>(
    redactor: &mut Option<&mut LogRedactor>,
    line: &'a [u8],
) -> std::borrow::Cow<'a, [u8]> {
    match redactor.as_deref_mut() {
        Some(r) => r.line(line),
        None => std::borrow::Cow::Borrowed(line),
    }
}

/// Skips to the end of the current line: (anything skipped, a line end found).
fn skip_rest_of_line(input: &mut impl BufRead) -> io::Result<(bool, bool)> {
    let mut skipped = false;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok((skipped, false));
        }
        match buf.iter().position(|b| *b == b'\n') {
            Some(i) => {
                input.consume(i + 1);
                return Ok((skipped || i > 0, true));
            }
            None => {
                let n = buf.len();
                input.consume(n);
                skipped = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(input: &[u8], redact: bool) -> (Vec<u8>, Option<LinesCut>, usize) {
        let mut out = Vec::new();
        let mut redactor = LogRedactor::new();
        let cut = copy_lines(input, &mut out, redact.then_some(&mut redactor)).unwrap();
        (out, cut, redactor.redacted())
    }

    #[test]
    fn logs_are_copied_byte_for_byte_but_for_secrets() {
        let log = b"ok line\r\nAuthorization: Bearer abc.def\npassword_policy=x\nno end";
        let (out, cut, n) = copy(log, true);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ok line\r\nAuthorization: Bearer <redacted by mwtrace: 7 bytes>\npassword_policy=x\nno end"
        );
        assert_eq!((cut, n), (None, 1));
        let (out, _, n) = copy(log, false);
        assert_eq!((out.as_slice(), n), (&log[..], 0));
    }

    /// A huge single line (generated) is cut at the limit, once noted, and the next line is kept.
    #[test]
    fn a_huge_line_is_cut_and_the_rest_is_kept() {
        let mut log = vec![b'x'; 3 * LOG_LINE_BYTES + 5];
        log.extend_from_slice(b"\nnext password=hunter2\n");
        let (out, cut, n) = copy(&log, true);
        assert_eq!(cut, Some(LinesCut { first: 1, lines: 1 }));
        assert_eq!(
            cut.unwrap().to_string(),
            "line 1: longer than 1048576 bytes: cut there (1 lines cut)"
        );
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].ends_with("x [mwtrace: line cut at 1 MiB]"));
        assert_eq!(lines[1], "next password=<redacted by mwtrace: 7 bytes>");
        assert_eq!(n, 1);
        // exactly the limit, with its newline, is not cut
        let mut exact = vec![b'y'; LOG_LINE_BYTES - 1];
        exact.push(b'\n');
        let (out, cut, _) = copy(&exact, true);
        assert_eq!((out.len(), cut), (LOG_LINE_BYTES, None));
    }
}
