//! The short account of a bundle that `import` and `info` print by default: per cluster and
//! kind, counts and bytes; errors grouped by kind of error with their first few paths. A
//! 6,000-file must-gather prints a screen, not a thousand lines; `--verbose` adds the per-file
//! table and every error.

use std::collections::BTreeMap;
use std::fmt::Write;

use mwtrace_bundle::{BundlePath, Manifest};

use mwtrace_analyze::terminal::escape_line;

/// Kinds listed per cluster before the rest are folded into one line.
const KINDS_SHOWN: usize = 12;
/// Kinds of error listed, and paths shown per kind.
const ERROR_KINDS_SHOWN: usize = 8;
const PATHS_SHOWN: usize = 3;

#[derive(Default)]
struct Tally {
    files: u64,
    rows: u64,
    bytes: u64,
}

impl Tally {
    fn add(&mut self, rows: u64, bytes: u64) {
        self.files += 1;
        self.rows += rows;
        self.bytes += bytes;
    }
}

/// What the bundle holds, per cluster and kind.
pub(crate) fn contents(m: &Manifest) -> String {
    // cluster -> kind -> tally; the DB is its own section, logs one line per cluster.
    let mut kube: BTreeMap<String, BTreeMap<String, Tally>> = BTreeMap::new();
    let mut db: BTreeMap<String, Tally> = BTreeMap::new();
    let mut logs: BTreeMap<String, Tally> = BTreeMap::new();
    for f in &m.files {
        let rows = f.rows.unwrap_or(0);
        match BundlePath::parse(&f.path) {
            Ok(Some(BundlePath::Kube {
                cluster,
                group,
                resource,
                ..
            })) => {
                let kind = if group == mwtrace_bundle::layout::CORE_GROUP {
                    resource
                } else {
                    format!("{resource}.{group}")
                };
                kube.entry(cluster)
                    .or_default()
                    .entry(kind)
                    .or_default()
                    .add(rows, f.bytes);
            }
            Ok(Some(BundlePath::Db { table })) => db.entry(table).or_default().add(rows, f.bytes),
            Ok(Some(BundlePath::Log { cluster, .. })) => {
                logs.entry(cluster).or_default().add(0, f.bytes)
            }
            _ => {}
        }
    }
    let mut out = String::new();
    let mut names: Vec<String> = kube.keys().chain(logs.keys()).cloned().collect();
    names.sort();
    names.dedup();
    for name in &names {
        let role = m
            .clusters
            .iter()
            .find(|c| &c.name == name)
            .map(|c| match &c.context {
                Some(context) => format!(" ({}, context {})", c.role, escape_line(context)),
                None => format!(" ({})", c.role),
            })
            .unwrap_or_default();
        let kinds = kube.remove(name).unwrap_or_default();
        let objects: u64 = kinds.values().map(|t| t.rows).sum();
        let bytes: u64 = kinds.values().map(|t| t.bytes).sum();
        let _ = writeln!(
            out,
            "cluster {}{role}: {objects} objects of {} kinds, {}",
            escape_line(name),
            kinds.len(),
            human_bytes(bytes)
        );
        let mut sorted: Vec<(String, Tally)> = kinds.into_iter().collect();
        sorted.sort_by(|a, b| b.1.rows.cmp(&a.1.rows).then_with(|| a.0.cmp(&b.0)));
        for (kind, t) in sorted.iter().take(KINDS_SHOWN) {
            let _ = writeln!(
                out,
                "  {:>9} {:>10}  {}",
                t.rows,
                human_bytes(t.bytes),
                escape_line(kind)
            );
        }
        if sorted.len() > KINDS_SHOWN {
            let rest = &sorted[KINDS_SHOWN..];
            let _ = writeln!(
                out,
                "  {:>9} {:>10}  ({} other kinds)",
                rest.iter().map(|(_, t)| t.rows).sum::<u64>(),
                human_bytes(rest.iter().map(|(_, t)| t.bytes).sum()),
                rest.len()
            );
        }
        if let Some(t) = logs.get(name) {
            let _ = writeln!(
                out,
                "  {:>9} {:>10}  container logs",
                t.files,
                human_bytes(t.bytes)
            );
        }
    }
    if !db.is_empty() {
        let rows: u64 = db.values().map(|t| t.rows).sum();
        let bytes: u64 = db.values().map(|t| t.bytes).sum();
        let _ = writeln!(
            out,
            "Maestro DB: {rows} rows in {} tables, {}",
            db.len(),
            human_bytes(bytes)
        );
        for (table, t) in &db {
            let _ = writeln!(
                out,
                "  {:>9} {:>10}  {}",
                t.rows,
                human_bytes(t.bytes),
                escape_line(table)
            );
        }
    }
    out
}

/// The manifest's errors, grouped by kind of error (the message without its location, numbers
/// folded), largest group first, each with its first few paths.
pub(crate) fn errors(m: &Manifest) -> String {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for e in &m.errors {
        let kind = error_kind(&e.message);
        match groups.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, sources)) => sources.push(&e.source),
            None => groups.push((kind, vec![&e.source])),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    let mut out = String::new();
    if groups.is_empty() {
        return out;
    }
    let _ = writeln!(out, "Errors: {} in {} kinds", m.errors.len(), groups.len());
    for (kind, sources) in groups.iter().take(ERROR_KINDS_SHOWN) {
        let _ = writeln!(out, "  {:>5} x {}", sources.len(), escape_line(kind));
        for source in sources.iter().take(PATHS_SHOWN) {
            let _ = writeln!(out, "          {}", escape_line(source));
        }
        if sources.len() > PATHS_SHOWN {
            let _ = writeln!(
                out,
                "          ... and {} more",
                sources.len() - PATHS_SHOWN
            );
        }
    }
    if groups.len() > ERROR_KINDS_SHOWN {
        let rest: usize = groups[ERROR_KINDS_SHOWN..].iter().map(|g| g.1.len()).sum();
        let _ = writeln!(
            out,
            "  {rest:>5} x {} other kinds of error",
            groups.len() - ERROR_KINDS_SHOWN
        );
    }
    out
}

/// An error message without where it happened: the leading `document 3 (line 40), item 2:`,
/// `line 9:` parts go, and the numbers left (`at line 8 column 4`) become `N`.
fn error_kind(message: &str) -> String {
    let mut rest = message;
    while let Some((head, tail)) = rest.split_once(": ") {
        let is_location = !head.is_empty()
            && head.split([' ', ',', '(', ')']).all(|word| {
                word.is_empty()
                    || matches!(word, "document" | "line" | "item" | "column")
                    || word.bytes().all(|b| b.is_ascii_digit())
            });
        if !is_location {
            break;
        }
        rest = tail;
    }
    let mut kind = String::with_capacity(rest.len());
    let mut in_number = false;
    for c in rest.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                kind.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            kind.push(c);
        }
    }
    if kind.chars().count() > 160 {
        kind = kind.chars().take(157).collect::<String>() + "...";
    }
    kind
}

/// `123 B`, `4.5 KB`, `385.6 MB` (powers of 1000, as `ls -h --si` and `du --si` print).
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;
    use mwtrace_bundle::manifest::{FileRecord, SourceError};

    fn manifest() -> Manifest {
        let mut m = Manifest::new("import", "2026-11-21T10:00:00Z".into());
        let file = |path: &str, rows: Option<u64>, bytes: u64| FileRecord {
            path: path.into(),
            rows,
            bytes,
            sha256: String::new(),
        };
        for i in 0..20 {
            m.files.push(file(
                &format!("kube/mgmt-1/g{i}.example.com/v1/things{i}.ndjson"),
                Some(i),
                100,
            ));
        }
        m.files.push(file(
            "kube/mgmt-1/core/v1/pods.ndjson",
            Some(500),
            2_500_000,
        ));
        m.files.push(file("logs/mgmt-1/ns/pod/c.log", None, 1500));
        m.files.push(file("db/resources.ndjson", Some(7), 70_000));
        for i in 0..6 {
            m.errors.push(SourceError {
                source: format!("mg/namespaces/ns{i}/core/services.yaml"),
                message: format!(
                    "document {i}: line {}: did not find expected key at line {} column 4",
                    i + 9,
                    i + 8
                ),
            });
        }
        m.errors.push(SourceError {
            source: "mg/x.json".into(),
            message: "line 2: invalid JSON: expected value".into(),
        });
        m
    }

    #[test]
    fn contents_fold_kinds_beyond_the_first_few() {
        let text = contents(&manifest());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("cluster mgmt-1"), "{text}");
        assert!(lines[0].contains("690 objects of 21 kinds"), "{text}");
        assert!(
            lines[1].contains("500") && lines[1].ends_with("  pods"),
            "{text}"
        );
        assert!(text.contains("(9 other kinds)"), "{text}");
        assert!(text.contains("1.5 KB  container logs"), "{text}");
        assert!(
            text.contains("Maestro DB: 7 rows in 1 tables, 70.0 KB"),
            "{text}"
        );
        assert!(lines.len() < 20, "{text}");
    }

    #[test]
    fn errors_group_by_message_without_location() {
        let text = errors(&manifest());
        assert!(text.starts_with("Errors: 7 in 2 kinds\n"), "{text}");
        assert!(
            text.contains("    6 x did not find expected key at line N column N\n"),
            "{text}"
        );
        assert!(text.contains("... and 3 more"), "{text}");
        assert!(
            text.contains("    1 x invalid JSON: expected value\n"),
            "{text}"
        );
        assert_eq!(
            error_kind("document 3 (line 40), item 2: not a Kubernetes object: no metadata"),
            "not a Kubernetes object: no metadata"
        );
    }

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(385_617_784), "385.6 MB");
    }
}
