//! Container logs, offline: the parser that turns a bundle's `logs/<cluster>/<namespace>/<pod>/
//! <container>.log` files into the rows of the `logs` table (DESIGN.md §5), and the queries that
//! read them back (`mwtrace logs`, `mwtrace trace --logs`).
//!
//! Parsing streams: one line in memory at a time (plus the entry it belongs to, capped), so a
//! log of any size is staged in constant memory; the loader runs one file per rayon task.

pub mod duration;
pub mod ids;
mod kv;
pub mod parse;

use std::io::{self, BufRead, BufReader, Read, Write};

use serde::Serialize;
use serde_json::{Map, Value};

pub use parse::{Context, Entry, EntryParser, Format, Level};

/// The longest physical line kept whole; the rest of a longer line is cut (and says so).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// What staging one file produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub lines: u64,
    pub entries: u64,
}

/// One row of the staged NDJSON; the loader adds the file's cluster, namespace, pod and
/// container.
#[derive(Serialize)]
struct Row<'a> {
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logger: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    caller: Option<&'a str>,
    msg: &'a str,
    fields: &'a Map<String, Value>,
    raw: &'a str,
    format: &'static str,
    #[serde(flatten)]
    ids: &'a ids::Ids,
}

/// The timestamp as DuckDB casts it to TIMESTAMP (UTC, microseconds).
pub fn sql_timestamp(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// Parses a log stream into NDJSON rows, one per entry.
pub fn stage(input: impl Read, out: &mut impl Write, ctx: Context) -> io::Result<Stats> {
    let mut input = BufReader::with_capacity(1 << 20, input);
    let mut parser = EntryParser::new(ctx);
    let mut stats = Stats::default();
    let mut buf = Vec::new();
    let mut entries = Vec::new();
    let mut row = Vec::new();
    loop {
        buf.clear();
        let read = (&mut input)
            .take(MAX_LINE_BYTES as u64)
            .read_until(b'\n', &mut buf)?;
        if read == 0 {
            break;
        }
        let mut cut = false;
        if buf.last() == Some(&b'\n') {
            buf.pop();
        } else if read == MAX_LINE_BYTES {
            // Skip the rest of an overlong line.
            cut = true;
            let mut sink = Vec::new();
            loop {
                sink.clear();
                let n = (&mut input)
                    .take(MAX_LINE_BYTES as u64)
                    .read_until(b'\n', &mut sink)?;
                if n == 0 || sink.last() == Some(&b'\n') {
                    break;
                }
            }
        }
        stats.lines += 1;
        let mut text = String::from_utf8_lossy(&buf).into_owned();
        if cut {
            text.push_str(" [mwtrace: line cut at 1 MiB]");
        }
        parser.push(stats.lines, &text, &mut entries);
        write_entries(&mut entries, out, &mut row, &mut stats)?;
    }
    parser.finish(&mut entries);
    write_entries(&mut entries, out, &mut row, &mut stats)?;
    Ok(stats)
}

fn write_entries(
    entries: &mut Vec<Entry>,
    out: &mut impl Write,
    row: &mut Vec<u8>,
    stats: &mut Stats,
) -> io::Result<()> {
    for e in entries.drain(..) {
        row.clear();
        serde_json::to_writer(
            &mut *row,
            &Row {
                line: e.line,
                ts: e.ts.map(sql_timestamp),
                level: e.level.map(Level::as_str),
                logger: e.logger.as_deref(),
                caller: e.caller.as_deref(),
                msg: &e.msg,
                fields: &e.fields,
                raw: &e.raw,
                format: e.format.as_str(),
                ids: &e.ids,
            },
        )?;
        row.push(b'\n');
        out.write_all(row)?;
        stats.entries += 1;
    }
    Ok(())
}

/// What a pod is, from its names: `maestro-server`, `maestro-agent`, `clusters-service`, or
/// nothing known. The trace of a request needs to tell the server's lines from the agent's.
pub fn component(namespace: &str, pod: &str, container: &str) -> Option<&'static str> {
    let container = container.strip_suffix(".previous").unwrap_or(container);
    let maestro_ns = namespace.contains("maestro");
    if pod.contains("maestro-agent")
        || pod.contains("maestro.agent")
        || (maestro_ns && container.contains("agent"))
    {
        Some("maestro-agent")
    } else if pod.starts_with("clusters-service") || namespace == "clusters-service" {
        Some("clusters-service")
    } else if (pod.starts_with("maestro") && !pod.starts_with("maestro-db"))
        || (maestro_ns && container == "service")
    {
        Some("maestro-server")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_entries_as_ndjson_rows() {
        let input: &[u8] = b"I0530 05:01:20.297972 1 x.go:7] \"hello\" resourceID=\"1ee62e78-d2ca-5c49-8a65-01e695821450\"\n\
                     goroutine 1 [running]:\n\
                     plain\xff line\n";
        let ctx = Context {
            reference: Some(jiff::civil::date(2024, 6, 1)),
        };
        let mut out = Vec::new();
        let stats = stage(input, &mut out, ctx).unwrap();
        assert_eq!(
            stats,
            Stats {
                lines: 3,
                entries: 2
            }
        );
        let rows: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows[0]["ts"], "2024-05-30 05:01:20.297972");
        assert_eq!(rows[0]["level"], "info");
        assert_eq!(rows[0]["format"], "klog");
        assert_eq!(
            rows[0]["resource_id"],
            "1ee62e78-d2ca-5c49-8a65-01e695821450"
        );
        assert!(
            rows[0]["raw"]
                .as_str()
                .unwrap()
                .ends_with("\ngoroutine 1 [running]:")
        );
        assert_eq!(rows[1]["line"], 3);
        assert_eq!(rows[1]["msg"], "plain\u{fffd} line");
        assert!(rows[1].get("ts").is_none());
    }

    #[test]
    fn overlong_lines_are_cut_not_fatal() {
        let mut input = "x".repeat(MAX_LINE_BYTES + 10);
        input.push_str("\nnext\n");
        let mut out = Vec::new();
        let stats = stage(input.as_bytes(), &mut out, Context::default()).unwrap();
        assert_eq!(stats.entries, 2);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("line cut at 1 MiB"));
        assert!(text.lines().nth(1).unwrap().contains("\"msg\":\"next\""));
    }

    #[test]
    fn components_from_names() {
        assert_eq!(
            component("maestro", "maestro-agent-5d8f9c-x2", "maestro-agent"),
            Some("maestro-agent")
        );
        assert_eq!(
            component("maestro", "maestro-6c9d8b7f4d-7xk2p", "service.previous"),
            Some("maestro-server")
        );
        assert_eq!(
            component("clusters-service", "clusters-service-7f-abc", "service"),
            Some("clusters-service")
        );
        assert_eq!(component("maestro", "maestro-db-0", "postgres"), None);
        assert_eq!(component("default", "nginx", "nginx"), None);
    }
}
