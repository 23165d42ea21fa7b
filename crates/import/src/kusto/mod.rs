//! Kusto exports, recognized by their columns, never by their file names: ARO HCP's
//! `kubernetesResourceSnapshots` table (an informer on each management cluster records every
//! Add, Update and Delete with the whole object: [`history`]) and container logs (`hcpctl
//! must-gather query` JSON lines, Kusto log exports: [`logs`]).
//!
//! Engineers export a query result three ways, and all three are read here as the same rows:
//! CSV (the web UI's "Export to CSV", with a UTF-8 BOM, or `az`/scripts without one; quoted
//! fields hold JSON, commas and newlines), JSON lines, and the JSON array of the web UI. Column
//! names are matched without regard to case (`TIMESTAMP` and `timestamp` alike).
//!
//! A CSV file is read as a stream, one record at a time: a record may be at most
//! `MWTRACE_MAX_DOCUMENT_BYTES` (64 MiB, the limit of a JSON line), and a longer one ends the
//! file with one error (a quoted field cannot be skipped reliably, so nothing after it is read).

pub(crate) mod history;
pub(crate) mod logs;

use std::cell::{Cell, RefCell};
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

use serde_json::{Map, Value};

use super::limits::{self, Exceeded};
use super::{Ctx, Loc, ROW_BATCH, Record, RowPipe};

/// The UTF-8 byte order mark the Kusto web UI puts before a CSV export.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Which Kusto table a row (or a CSV header) comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    /// `kubernetesResourceSnapshots`: `timestamp, environment, region, cluster, event,
    /// apiVersion, objectKind, namespace, name, uid, object`.
    Snapshots,
    /// Container logs: `timestamp, log, cluster, namespace_name, container_name[, pod_name]`,
    /// or `TIMESTAMP, pod_name, log`.
    ContainerLogs,
}

impl Table {
    /// The table whose columns these are (lowercase names), if any.
    pub fn of<'a>(columns: impl Iterator<Item = &'a str> + Clone) -> Option<Table> {
        let has = |name: &str| columns.clone().any(|c| c.eq_ignore_ascii_case(name));
        if has("objectkind") && has("object") && has("event") {
            return Some(Table::Snapshots);
        }
        let log_columns = ["pod_name", "container_name", "namespace_name"];
        if has("log") && has("timestamp") && log_columns.iter().any(|c| has(c)) {
            return Some(Table::ContainerLogs);
        }
        None
    }

    pub fn label(self) -> &'static str {
        match self {
            Table::Snapshots => "Kusto kubernetesResourceSnapshots",
            Table::ContainerLogs => "Kusto container logs",
        }
    }
}

/// One row, its column names lowercased.
pub(crate) struct Row(Map<String, Value>);

impl Row {
    /// A JSON row (a JSON line, an element of the web UI's array).
    pub fn from_json(map: Map<String, Value>) -> Row {
        Row(map
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect())
    }

    /// A column as text: strings as they are, numbers and booleans printed; empty is absent.
    pub fn text(&self, column: &str) -> Option<String> {
        match self.0.get(column)? {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.trim().to_string()),
            Value::Null => None,
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A column as it was written (a log line keeps its spaces); non-strings printed.
    pub fn raw(&self, column: &str) -> Option<String> {
        match self.0.get(column)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    pub fn take(&mut self, column: &str) -> Option<Value> {
        self.0.remove(column)
    }

    /// The row's timestamp (`timestamp`, `TIMESTAMP`, `PreciseTimeStamp`, `TimeGenerated`).
    pub fn timestamp(&self) -> Result<jiff::Timestamp, String> {
        let column = ["timestamp", "precisetimestamp", "timegenerated"]
            .into_iter()
            .find(|c| self.text(c).is_some());
        let Some(column) = column else {
            return Err("no timestamp".into());
        };
        let text = self.text(column).unwrap_or_default();
        mwtrace_logs::parse::parse_ts_text(&text)
            .ok_or_else(|| format!("timestamp {text:?} is not an RFC 3339 time"))
    }
}

/// A JSON value that is a Kusto row: its record, or not one (`map` given back).
pub(crate) fn json_row(
    ctx: &Ctx<'_>,
    map: Map<String, Value>,
    loc: Loc,
) -> Result<Record, Map<String, Value>> {
    match Table::of(map.keys().map(String::as_str)) {
        Some(table) => Ok(row(ctx, table, Row::from_json(map), loc)),
        None => Err(map),
    }
}

fn row(ctx: &Ctx<'_>, table: Table, row: Row, loc: Loc) -> Record {
    match table {
        Table::Snapshots => history::revision(ctx, row, loc),
        Table::ContainerLogs => logs::log_line(ctx, row, loc),
    }
}

/// Why a CSV file stopped being read.
#[derive(Debug, thiserror::Error)]
enum CsvStop {
    #[error("{0}")]
    Limit(Exceeded),
    #[error("cannot read: {0}")]
    Read(io::Error),
}

/// A CSV export: its header names the table; every record is a row. A record the CSV reader
/// refuses (a field count unlike the header's) is one error naming its line; the rest is read.
pub(crate) fn csv(ctx: &Ctx<'_>, content: &mut dyn Read, out: &mut dyn FnMut(Record)) {
    let limit = limits::limits().document_bytes;
    let mut input = BufReader::with_capacity(1 << 16, content);
    if let Ok(head) = input.fill_buf()
        && head.starts_with(BOM)
    {
        input.consume(BOM.len());
    }
    let window = Rc::new(Window::default());
    let capped = Capped {
        inner: input,
        window: window.clone(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(capped);
    let mut record = csv::ByteRecord::new();
    let mut columns: Option<(Table, Vec<String>)> = None;
    std::thread::scope(|scope| {
        let mut pipe = RowPipe::new(scope);
        // Records read but not yet made rows, with their lines: a batch for the parser pool.
        let mut pending: Vec<(csv::ByteRecord, usize)> = Vec::new();
        loop {
            let start = reader.position().clone();
            window.allow_until.set(start.byte() + limit + SLACK);
            // After a CRLF record end the reader has not consumed the `\n` yet, and its line
            // count is one short: the record starts after that `\n`.
            let pending_newline = window.byte_at(start.byte()) == Some(b'\n');
            let line = start.line() as usize + usize::from(pending_newline);
            let stop = match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => None,
                Err(e) => match e.kind() {
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. } => {
                        rows(&mut pipe, ctx, &columns, &mut pending, Until::End, out);
                        out(ctx.error(Loc::line(line), &format!("invalid CSV record: {e}")));
                        continue;
                    }
                    csv::ErrorKind::Io(_) if window.exceeded.get() => {
                        Some(CsvStop::Limit(Exceeded::Document { limit }))
                    }
                    _ => Some(CsvStop::Read(io::Error::other(e.to_string()))),
                },
            };
            if let Some(stop) = stop {
                rows(&mut pipe, ctx, &columns, &mut pending, Until::End, out);
                let message = format!("{stop}; the rest of the file is not read");
                return out(ctx.error(Loc::line(line.max(1)), &message));
            }
            if columns.is_none() {
                let names: Vec<String> = record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase())
                    .collect();
                match Table::of(names.iter().map(String::as_str)) {
                    Some(table) => columns = Some((table, names)),
                    None => return unrecognized(ctx, out),
                }
                continue;
            }
            pending.push((std::mem::take(&mut record), line));
            if pending.len() >= ROW_BATCH {
                rows(&mut pipe, ctx, &columns, &mut pending, Until::Previous, out);
            }
        }
        rows(&mut pipe, ctx, &columns, &mut pending, Until::End, out);
        if columns.is_none() {
            unrecognized(ctx, out);
        }
    })
}

/// What [`rows`] hands on: the batch started before the pending one, or every row so far.
#[derive(PartialEq)]
enum Until {
    Previous,
    End,
}

/// Starts the pending CSV records on the parser pool, made rows of the header's table; hands on
/// the rows of the batch before (and with [`Until::End`], these too), in order.
fn rows<'scope>(
    pipe: &mut RowPipe<'scope, '_, Record>,
    ctx: &'scope Ctx<'scope>,
    columns: &Option<(Table, Vec<String>)>,
    pending: &mut Vec<(csv::ByteRecord, usize)>,
    until: Until,
    out: &mut dyn FnMut(Record),
) {
    if let Some((table, names)) = columns
        && !pending.is_empty()
    {
        let (table, names) = (*table, names.clone());
        let records = pipe.submit(std::mem::take(pending), move |(record, line)| {
            let fields = record
                .iter()
                .map(|f| Value::String(String::from_utf8_lossy(f).into_owned()));
            let map: Map<String, Value> = names.iter().cloned().zip(fields).collect();
            row(ctx, table, Row(map), Loc::line(line))
        });
        records.into_iter().for_each(&mut *out);
    }
    if until == Until::End {
        pipe.finish().into_iter().for_each(out);
    }
}

fn unrecognized(ctx: &Ctx<'_>, out: &mut dyn FnMut(Record)) {
    if ctx.strict {
        out(ctx.error(
            Loc::line(1),
            "a CSV file, but not a Kusto export mwtrace reads (kubernetesResourceSnapshots: timestamp, event, apiVersion, objectKind, ..., object; container logs: timestamp, log, pod_name ...)",
        ))
    } else {
        out(Record::Skipped)
    }
}

/// The CSV reader reads ahead of the record it parses by its buffer (8 KiB by default).
const SLACK: u64 = 1 << 16;

/// How far the CSV reader may read: the start of the current record plus the record limit.
#[derive(Default)]
struct Window {
    read: Cell<u64>,
    allow_until: Cell<u64>,
    exceeded: Cell<bool>,
    /// The last bytes read and the offset of the first: the reader's position is always within
    /// its own buffer (8 KiB) of what it read.
    recent: RefCell<(u64, Vec<u8>)>,
}

impl Window {
    fn remember(&self, bytes: &[u8]) {
        let mut recent = self.recent.borrow_mut();
        recent.1.extend_from_slice(bytes);
        if recent.1.len() > RECENT_BYTES * 2 {
            let cut = recent.1.len() - RECENT_BYTES;
            recent.1.drain(..cut);
            recent.0 += cut as u64;
        }
    }

    fn byte_at(&self, offset: u64) -> Option<u8> {
        let recent = self.recent.borrow();
        let index = offset.checked_sub(recent.0)?;
        recent.1.get(usize::try_from(index).ok()?).copied()
    }
}

const RECENT_BYTES: usize = 1 << 15;

/// Stops the CSV reader (with an io error) once a record runs past its window, so that a
/// multi-gigabyte quoted field is refused after 64 MiB instead of being held.
struct Capped<R> {
    inner: R,
    window: Rc<Window>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let w = &self.window;
        let room = w.allow_until.get().saturating_sub(w.read.get());
        if room == 0 {
            w.exceeded.set(true);
            return Err(io::Error::other("record beyond its limit"));
        }
        let take = buf.len().min(room.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..take])?;
        w.read.set(w.read.get() + n as u64);
        w.remember(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Layout;

    fn records(text: &[u8]) -> Vec<Record> {
        let layout = Layout::Loose { table: None };
        let ctx = Ctx::new(0, "export.csv", &layout, true, true);
        let mut out = Vec::new();
        csv(&ctx, &mut &text[..], &mut |r| out.push(r));
        out
    }

    /// Quoted fields holding JSON with commas, quotes and newlines; a BOM; errors name the
    /// line a record starts on.
    #[test]
    fn csv_fields_hold_json_commas_and_newlines() {
        let mut text = BOM.to_vec();
        text.extend_from_slice(
            b"TIMESTAMP,event,apiVersion,objectKind,name,uid,object\r\n\
              2026-11-21T09:00:00.1234567Z,Added,v1,ConfigMap,a,u1,\"{\"\"apiVersion\"\":\"\"v1\"\",\r\n \"\"kind\"\": \"\"ConfigMap\"\",\n\"\"metadata\"\":{\"\"name\"\":\"\"a\"\"},\"\"data\"\":{\"\"k\"\":\"\"x,y\"\"}}\"\r\n\
              2026-11-21T09:00:01Z,Watch,v1,ConfigMap,a,u1,{}\r\n",
        );
        let out = records(&text);
        assert_eq!(out.len(), 2, "{out:?}");
        let Record::Revision(r) = &out[0] else {
            panic!("{out:?}")
        };
        let line: Value = serde_json::from_slice(&r.line).unwrap();
        assert_eq!(line["ts"], "2026-11-21T09:00:00.1234567Z");
        assert_eq!(line["event"], "Add");
        assert_eq!(line["object"]["data"]["k"], "x,y");
        assert_eq!(
            (r.group.as_str(), r.plural.as_str()),
            ("core", "configmaps")
        );
        let Record::Error { message, .. } = &out[1] else {
            panic!("{out:?}")
        };
        assert!(
            message.starts_with("line 5: unknown event \"Watch\""),
            "{message}"
        );
    }

    /// Records are made rows on the parser pool a batch at a time, but come out in file order,
    /// each refused record where its line is.
    #[test]
    fn csv_rows_keep_their_order_across_batches() {
        let mut text = b"timestamp,event,apiVersion,objectKind,name,object\n".to_vec();
        for i in 2..=3 * ROW_BATCH + 1 {
            let row = match i % 100 {
                0 => "too,few,fields\n".to_string(),
                _ => format!("2026-11-21T09:00:00Z,Add,v1,ConfigMap,c{i},{{}}\n"),
            };
            text.extend_from_slice(row.as_bytes());
        }
        let out = records(&text);
        assert_eq!(out.len(), 3 * ROW_BATCH);
        for (line, record) in (2..).zip(&out) {
            match record {
                Record::Revision(r) => assert_eq!(r.name_key, format!("ConfigMap//c{line}")),
                Record::Error { message, .. } => {
                    assert!(line % 100 == 0, "line {line}: {message}");
                    assert!(message.starts_with(&format!("line {line}: invalid CSV record")));
                }
                other => panic!("line {line}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_csv_that_is_not_a_kusto_export_is_named_as_such() {
        let out = records(b"a,b\n1,2\n");
        assert!(
            matches!(&out[..], [Record::Error { message, .. }] if message.contains("not a Kusto export")),
            "{out:?}"
        );
        let out = records(b"a,b\n1,2,3\n");
        assert_eq!(out.len(), 1, "{out:?}");
    }

    #[test]
    fn tables_are_known_by_their_columns_in_any_case() {
        let snapshots = [
            "timestamp",
            "environment",
            "region",
            "cluster",
            "event",
            "apiVersion",
            "objectKind",
            "namespace",
            "name",
            "uid",
            "object",
        ];
        assert_eq!(Table::of(snapshots.into_iter()), Some(Table::Snapshots));
        let logs = [
            "timestamp",
            "log",
            "cluster",
            "namespace_name",
            "container_name",
        ];
        assert_eq!(Table::of(logs.into_iter()), Some(Table::ContainerLogs));
        let short = ["TIMESTAMP", "pod_name", "log"];
        assert_eq!(Table::of(short.into_iter()), Some(Table::ContainerLogs));
        assert_eq!(Table::of(["id", "payload"].into_iter()), None);
        assert_eq!(Table::of(["timestamp", "log"].into_iter()), None);
    }
}
