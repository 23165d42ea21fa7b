//! Text output of `mwtrace diff`: both snapshots and their times, the one-line count, then the
//! changes by class (conditions, deletions, spec, added, other) in aligned columns, each with its
//! summary and, when the summary could not name them all, its field paths; last, what was not
//! compared and why. Values from the bundles are escaped for the terminal.

use std::fmt::Write;

use super::{Change, ChangeClass, DiffReport};
use crate::columns::Columns;
use crate::human::short_age;
use crate::terminal::escape_line;

/// Paths listed under a change in text; the JSON has them all.
const NOTE_PATHS: usize = 10;

pub fn render(report: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "mwtrace diff");
    let width = report
        .a
        .path
        .chars()
        .count()
        .max(report.b.path.chars().count());
    for (label, side) in [("A", &report.a), ("B", &report.b)] {
        let path = escape_line(&side.path);
        let pad = width.saturating_sub(side.path.chars().count());
        let created = side.created_at.as_deref().unwrap_or("unknown");
        let mut line = format!("  {label}  {path}{}  created {created}", " ".repeat(pad));
        if label == "B"
            && let Some(apart) = between(&report.a.created_at, &report.b.created_at)
        {
            let _ = write!(line, " ({apart})");
        }
        let _ = writeln!(out, "{line}");
    }
    if let Some(cid) = &report.cluster_id {
        let _ = writeln!(out, "  only hosted cluster {}", escape_line(cid));
    }
    let _ = writeln!(out, "\n{}", report.message);

    for class in ChangeClass::ALL {
        let changes: Vec<&Change> = report.changes.iter().filter(|c| c.class == class).collect();
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{} ({})", heading(class), changes.len());
        let mut table = Columns::new("  ");
        for c in changes {
            table.row([
                c.kind.clone(),
                c.cluster.clone().unwrap_or_else(|| "-".into()),
                name(c),
                c.summary.clone(),
            ]);
            // The summary names a few paths; the rest go on a line of their own.
            if c.paths.len() > super::SUMMARY_PATHS {
                let shown: Vec<String> = c
                    .paths
                    .iter()
                    .take(NOTE_PATHS)
                    .map(|p| escape_line(p).into_owned())
                    .collect();
                let more = c.paths.len().saturating_sub(NOTE_PATHS);
                let mut note = format!("  └─ {}", shown.join(", "));
                if more > 0 {
                    let _ = write!(note, " and {more} more");
                }
                table.note(note);
            }
        }
        table.write(&mut out);
    }

    if !report.not_compared.is_empty() {
        let _ = writeln!(
            out,
            "\nNOT COMPARED ({}): not collected in both snapshots, so no change is claimed",
            report.not_compared.len()
        );
        let mut table = Columns::new("  ");
        for n in &report.not_compared {
            let what = match (&n.api_group, &n.resource) {
                (Some(group), Some(resource)) => format!("{group}/{resource}"),
                (None, Some(resource)) => resource.clone(),
                (_, None) => "(whole cluster)".to_string(),
            };
            table.row([
                n.source.clone(),
                n.cluster.clone().unwrap_or_else(|| "-".into()),
                what,
                n.reason.clone(),
            ]);
        }
        table.write(&mut out);
    }
    out
}

fn heading(class: ChangeClass) -> &'static str {
    match class {
        ChangeClass::Condition => "CONDITION CHANGES",
        ChangeClass::Deletion => "DELETIONS",
        ChangeClass::Spec => "SPEC CHANGES",
        ChangeClass::Added => "ADDED",
        ChangeClass::Other => "OTHER CHANGES",
    }
}

/// `namespace/name`, or for a DB resource `id (work name)`.
fn name(c: &Change) -> String {
    match (&c.work_name, &c.namespace) {
        (Some(work), _) => format!("{} ({work})", c.name),
        (None, Some(ns)) => format!("{ns}/{}", c.name),
        (None, None) => c.name.clone(),
    }
}

/// `2h after A`, `same time as A`, `3d before A`.
fn between(a: &Option<String>, b: &Option<String>) -> Option<String> {
    let a: jiff::Timestamp = a.as_deref()?.parse().ok()?;
    let b: jiff::Timestamp = b.as_deref()?.parse().ok()?;
    let span = b.duration_since(a);
    Some(if span.is_zero() {
        "same time as A".to_string()
    } else if span.is_negative() {
        format!("{} before A", short_age(-span))
    } else {
        format!("{} after A", short_age(span))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_later_snapshot_is_dated_against_the_earlier() {
        let t = |s: &str| Some(s.to_string());
        assert_eq!(
            between(&t("2026-06-10T20:00:00Z"), &t("2026-06-10T22:30:00Z")).as_deref(),
            Some("2h30m after A")
        );
        assert_eq!(
            between(&t("2026-06-10T20:00:00Z"), &t("2026-06-10T20:00:00Z")).as_deref(),
            Some("same time as A")
        );
        assert_eq!(
            between(&t("2026-06-12T20:00:00Z"), &t("2026-06-10T20:00:00Z")).as_deref(),
            Some("2d before A")
        );
        assert_eq!(between(&None, &t("2026-06-10T20:00:00Z")), None);
    }
}
