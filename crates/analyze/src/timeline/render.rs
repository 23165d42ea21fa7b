//! Text output of a timeline: a header with what is missing, then one line per fact (time, age
//! before the snapshot, source, object, what happened), gaps between them, the first sign of
//! trouble marked with `▶`.

use std::fmt::Write;

use super::{TimelineReport, object_label};
use crate::columns::Columns;
use crate::human::short_age;
use crate::terminal::escape_line;

pub fn render(report: &TimelineReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Timeline of {} {}",
        report.query.kind,
        escape_line(&report.query.value)
    );
    let _ = writeln!(out, "{}", "═".repeat(50));
    if let Some(created) = &report.snapshot_created_at {
        let _ = writeln!(out, "Snapshot: {created}");
    }
    for bound in [
        ("Since", &report.query.since),
        ("Until", &report.query.until),
    ] {
        if let (label, Some(value)) = bound {
            let _ = writeln!(out, "{label}:    {value}");
        }
    }
    let _ = writeln!(out, "{}", escape_line(&report.message));
    if !report.missing_sources.is_empty() {
        let _ = writeln!(out, "\nNot collected (no fact from these can appear):");
        for source in &report.missing_sources {
            let _ = writeln!(out, "  ∅ {}", escape_line(source));
        }
    }
    if report.entries.is_empty() {
        return out;
    }
    let snapshot: Option<jiff::Timestamp> = report
        .snapshot_created_at
        .as_deref()
        .and_then(|t| t.parse().ok());
    let age = |ts: &str| -> String {
        match (snapshot, ts.parse::<jiff::Timestamp>()) {
            (Some(snapshot), Ok(at)) => short_age(snapshot.duration_since(at)),
            _ => String::new(),
        }
    };
    let _ = writeln!(out);
    // Object names of 130 characters (AppliedManifestWorks) push only their own row.
    let mut table = Columns::new("").cap(4, 64);
    table.row(["", "TIME", "AGE", "SOURCE", "OBJECT", "WHAT"]);
    let mut gaps = report.gaps.iter().peekable();
    for (i, entry) in report.entries.iter().enumerate() {
        let mark = match (Some(i) == report.first_problem, entry.level.as_str()) {
            (true, _) => "▶",
            (false, "error") => "✗",
            (false, "warning") => "⚠",
            _ => " ",
        };
        let what = match entry.detail.is_empty() {
            true => entry.event.clone(),
            false => format!("{}: {}", entry.event, entry.detail),
        };
        table.row([
            mark,
            entry.ts.as_str(),
            age(&entry.ts).as_str(),
            entry.source.as_str(),
            object_label(entry).as_str(),
            what.as_str(),
        ]);
        if let Some(gap) = gaps.peek()
            && gap.from == entry.ts
            && report
                .entries
                .get(i + 1)
                .is_some_and(|next| next.ts == gap.to)
        {
            table.note(format!(
                "  ┆ {} without a fact",
                short_age(jiff::SignedDuration::from_secs(gap.seconds))
            ));
            gaps.next();
        }
    }
    table.write(&mut out);
    if report.omitted > 0 {
        let _ = writeln!(
            out,
            "\n{} more facts not shown: narrow with --since/--until, or -o json",
            report.omitted
        );
    }
    if let Some(i) = report.first_problem {
        let entry = &report.entries[i];
        let _ = writeln!(
            out,
            "\n▶ First sign of trouble: {} {} {}",
            entry.ts,
            escape_line(&object_label(entry)),
            escape_line(&entry.detail)
        );
    }
    let _ = writeln!(out, "\nNotes:");
    for note in &report.notes {
        let _ = writeln!(out, "  - {note}");
    }
    out
}
