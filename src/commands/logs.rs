//! `mwtrace logs`: the parsed container logs of a snapshot, filtered in SQL and streamed in
//! time order; exit 1 when no entry matches.

use std::io::{self, BufWriter, Write};

use anyhow::Result;
use serde_json::Value;

use crate::ExitStatus;
use crate::cli::{LevelArg, LogFormat, LogsArgs};
use mwtrace_analyze::log_query::{Filter, LogLine, query};
use mwtrace_analyze::query::rows;
use mwtrace_analyze::terminal::escape_text;
use mwtrace_logs::Level;

pub fn run(args: LogsArgs) -> Result<ExitStatus> {
    if let Some(re) = &args.grep {
        // DuckDB's RE2 and the regex crate share their syntax; refuse a bad pattern up front
        // with a readable message.
        regex::Regex::new(re).map_err(|e| anyhow::anyhow!("--grep: {e}"))?;
    }
    let snapshot = super::open(&args.snapshot)?;
    let conn = &snapshot.conn;
    let (since, until) = super::time_window(conn, args.since, args.until)?;
    let filter = Filter {
        grep: args.grep.clone(),
        min_level: args.level.map(level),
        since,
        until,
        pod: args.pod.clone(),
        resource_id: args.resource_id.clone(),
        op_id: args.op_id.clone(),
        limit: args.limit,
    };

    let json = args.output == LogFormat::Json;
    // Text goes through the pager on a terminal (it waits for the reader when dropped).
    let mut out: BufWriter<Box<dyn Write>> = BufWriter::new(match json {
        true => Box::new(io::stdout().lock()),
        false => Box::new(crate::output::pager::Pager::start()),
    });
    if json {
        out.write_all(b"[")?;
    }
    let mut first = true;
    let count = query(conn, &filter, |line| -> Result<()> {
        if json {
            out.write_all(if first { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut out, &line)?;
        } else {
            let shown = escape_text(&text(&line)).into_owned();
            let shown = crate::output::local_time::localize(&shown).into_owned();
            out.write_all(crate::output::color::paint_log_line(&shown).as_bytes())?;
        }
        first = false;
        Ok(())
    })?;
    if json {
        out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
    }
    out.flush()?;
    // Entries past a cut are not in the table: never let silence read as absence.
    let cut = mwtrace_analyze::load::issues::truncated_logs(conn)?;
    let cut_note = match cut.first() {
        None => String::new(),
        Some(first) => format!(
            "{} log files were cut at load (first: {}; see `mwtrace info`): entries past the cut are not shown",
            cut.len(),
            escape_text(first)
        ),
    };
    if count > 0 {
        if !cut_note.is_empty() {
            eprintln!("note: {cut_note}");
        }
        return Ok(ExitStatus::Success);
    }
    let total: i64 = rows(conn, "SELECT count(*) FROM logs", [], |r| r.get(0))?
        .into_iter()
        .next()
        .unwrap_or(0);
    if total == 0 {
        eprintln!(
            "the snapshot holds no logs (collect with --logs, or import a must-gather with pod logs)"
        );
    } else {
        eprintln!("no log entry matches ({total} entries in the snapshot)");
        if !cut_note.is_empty() {
            eprintln!("note: {cut_note}");
        }
    }
    Ok(ExitStatus::NotFound)
}

fn level(arg: LevelArg) -> Level {
    match arg {
        LevelArg::Trace => Level::Trace,
        LevelArg::Debug => Level::Debug,
        LevelArg::Info => Level::Info,
        LevelArg::Warn => Level::Warn,
        LevelArg::Error => Level::Error,
        LevelArg::Panic => Level::Panic,
        LevelArg::Fatal => Level::Fatal,
    }
}

/// `key=value`, quoting strings that need it and printing objects as compact JSON.
fn field(key: &str, value: &Value) -> String {
    let shown = match value {
        Value::String(s)
            if !s.is_empty()
                && !s.contains(|c: char| c.is_whitespace() || c == '"' || c == '=') =>
        {
            s.clone()
        }
        other => other.to_string(),
    };
    format!("{key}={shown}")
}

/// One entry as text: time, level, where, message and fields on the first line; the entry's
/// other lines (stack traces) and a `stacktrace` field indented below.
fn text(line: &LogLine) -> String {
    let mut first = format!(
        "{:<27} {:<5} {}/{}/{}  {}",
        line.ts.as_deref().unwrap_or("-"),
        line.level.as_deref().unwrap_or("-").to_uppercase(),
        line.cluster,
        line.pod,
        line.container,
        line.msg.replace('\n', "\\n")
    );
    let mut stack = None;
    if let Value::Object(fields) = &line.fields {
        for (key, value) in fields {
            if key == "stacktrace" {
                stack = value.as_str();
                continue;
            }
            first.push(' ');
            first.push_str(&field(key, value));
        }
    }
    first.push('\n');
    for more in line.raw.lines().skip(1) {
        first.push_str("    ");
        first.push_str(more);
        first.push('\n');
    }
    if let Some(stack) = stack {
        for more in stack.lines() {
            first.push_str("    ");
            first.push_str(more);
            first.push('\n');
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_quote_what_needs_it_and_indent_stacks() {
        let line = LogLine {
            ts: Some("2026-11-21T09:58:00.219553Z".into()),
            cluster: "svc-1".into(),
            namespace: "maestro".into(),
            pod: "maestro-x".into(),
            container: "service".into(),
            line: 12,
            level: Some("error".into()),
            logger: None,
            caller: None,
            msg: "Failed to publish resource".into(),
            fields: serde_json::json!({"err": "dial tcp: refused", "resourceID": "abc", "n": 2,
                                       "stacktrace": "main.main\n\tmain.go:1"}),
            raw: "first\n\tsecond".into(),
            format: "klog".into(),
            component: None,
            resource_id: None,
            op_id: None,
            work_name: None,
            cid: None,
        };
        assert_eq!(
            text(&line),
            "2026-11-21T09:58:00.219553Z ERROR svc-1/maestro-x/service  Failed to publish resource \
             err=\"dial tcp: refused\" resourceID=abc n=2\n    \tsecond\n    main.main\n    \tmain.go:1\n"
        );
    }
}
