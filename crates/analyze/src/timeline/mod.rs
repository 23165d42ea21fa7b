//! `mwtrace timeline`: the story of one hosted cluster or resource bundle in time, read from the
//! `timeline` table (load/timeline.sql), with the gaps in it, the clocks behind it, the first
//! moment things went wrong, and the sources the bundle lacks (so that an empty stretch is
//! never read as "nothing happened" when nothing was collected).

pub mod html;
pub mod render;

use duckdb::Connection;
use serde::{Deserialize, Serialize};

use crate::query::{rfc3339_at, rows};
use crate::trace::ManifestRef;

pub const SCHEMA: &str = "mwtrace/timeline/v1";

/// Entries a report holds at most; the rest is counted (narrow with --since/--until).
pub const MAX_ENTRIES: usize = 10_000;

/// A silence between two facts at least this long is reported as a gap.
const GAP_SECONDS: i64 = 3600;

/// What the timeline is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    ClusterId(String),
    ResourceId(String),
    WorkName(String),
    Manifest(ManifestRef),
}

impl Subject {
    fn kind(&self) -> &'static str {
        match self {
            Subject::ClusterId(_) => "cluster-id",
            Subject::ResourceId(_) => "resource-id",
            Subject::WorkName(_) => "work-name",
            Subject::Manifest(_) => "manifest",
        }
    }

    fn value(&self) -> String {
        match self {
            Subject::ClusterId(v) | Subject::ResourceId(v) | Subject::WorkName(v) => v.clone(),
            Subject::Manifest(m) => m.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct TimelineReport {
    /// `mwtrace/timeline/v1`.
    pub schema: String,
    pub query: TimelineQuery,
    /// The snapshot's own "now" (RFC 3339 UTC).
    pub snapshot_created_at: Option<String>,
    /// One line saying what was found, or what was not.
    pub message: String,
    /// The facts in time order (at most 10,000; see `omitted`).
    pub entries: Vec<Entry>,
    /// Facts of the subject in the window that are not in `entries`.
    pub omitted: u64,
    /// Index in `entries` of the first fact that says something went wrong (an error, else a
    /// warning); null when none does.
    pub first_problem: Option<usize>,
    /// Silences of an hour or more between two facts.
    pub gaps: Vec<Gap>,
    /// Sources this bundle does not hold: their facts cannot appear, and their absence says
    /// nothing.
    pub missing_sources: Vec<String>,
    /// How to read the times (four clocks).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct TimelineQuery {
    /// `cluster-id`, `resource-id`, `work-name` or `manifest`.
    pub kind: String,
    pub value: String,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// One dated fact.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Entry {
    /// RFC 3339 UTC.
    pub ts: String,
    /// `db`, `cluster`, `history` or `log`.
    pub source: String,
    pub cluster: Option<String>,
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub resource_id: Option<String>,
    /// What happened: `created`, `updated`, `deleted`, `update`, `condition`, `error`, ...
    pub event: String,
    /// What changed: field paths of an Update, `Available True->False (reason)`, a log message.
    pub detail: String,
    /// `error`, `warning` or `info`.
    pub level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Gap {
    pub from: String,
    pub to: String,
    pub seconds: i64,
}

/// Builds the timeline of `subject` between `since` and `until` (RFC 3339, inclusive).
pub fn timeline(
    conn: &Connection,
    subject: &Subject,
    since: Option<&str>,
    until: Option<&str>,
) -> duckdb::Result<TimelineReport> {
    let snapshot_created_at = crate::store::SnapshotFacts::read(conn)?.created_at;
    let (filter, ids) = selection(conn, subject)?;
    let window = "(?::TIMESTAMP IS NULL OR ts >= ?::TIMESTAMP)
                  AND (?::TIMESTAMP IS NULL OR ts <= ?::TIMESTAMP)";
    let mut params: Vec<duckdb::types::Value> = ids
        .iter()
        .map(|id| duckdb::types::Value::Text(id.clone()))
        .collect();
    for bound in [since, until] {
        let value = bound.map_or(duckdb::types::Value::Null, |b| {
            duckdb::types::Value::Text(b.to_string())
        });
        params.push(value.clone());
        params.push(value);
    }
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM timeline WHERE ({filter}) AND {window}"),
        duckdb::params_from_iter(params.iter()),
        |r| r.get(0),
    )?;
    let entries = rows(
        conn,
        &format!(
            "SELECT ts, source, cluster, kind, namespace, name, resource_id, event, detail, level
             FROM timeline WHERE ({filter}) AND {window}
             ORDER BY ts, source, kind, name, event LIMIT {MAX_ENTRIES}"
        ),
        duckdb::params_from_iter(params.iter()),
        |r| {
            Ok(Entry {
                ts: rfc3339_at(r, 0)?.unwrap_or_default(),
                source: r.get(1)?,
                cluster: r.get(2)?,
                kind: r.get(3)?,
                namespace: r.get(4)?,
                name: r.get(5)?,
                resource_id: r.get(6)?,
                event: r.get(7)?,
                detail: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                level: r.get(9)?,
            })
        },
    )?;
    let omitted = (total as u64).saturating_sub(entries.len() as u64);
    let first_problem = entries
        .iter()
        .position(|e| e.level == "error")
        .or_else(|| entries.iter().position(|e| e.level == "warning"));
    let gaps = gaps(&entries);
    let missing_sources = missing_sources(conn)?;
    let message = match (entries.len(), first_problem) {
        (0, _) => format!(
            "no dated fact about {} {} in this snapshot{}",
            subject.kind(),
            subject.value(),
            match since.is_some() || until.is_some() {
                true => " in that window",
                false => "",
            }
        ),
        (n, Some(i)) => format!(
            "{n} facts from {} to {}; first sign of trouble at {}: {} {}",
            entries[0].ts,
            entries[n - 1].ts,
            entries[i].ts,
            object_label(&entries[i]),
            entries[i].detail
        ),
        (n, None) => format!(
            "{n} facts from {} to {}; none says something went wrong",
            entries[0].ts,
            entries[n - 1].ts
        ),
    };
    Ok(TimelineReport {
        schema: SCHEMA.to_string(),
        query: TimelineQuery {
            kind: subject.kind().to_string(),
            value: subject.value(),
            since: since.map(str::to_string),
            until: until.map(str::to_string),
        },
        snapshot_created_at,
        message,
        entries,
        omitted,
        first_problem,
        gaps,
        missing_sources,
        notes: vec![
            "times come from four clocks: db = the Maestro DB server, cluster = the API server \
             (creation, deletion and condition transition times), history = the informer that \
             recorded the revision, log = the node; seconds of skew between sources are normal"
                .to_string(),
            "the DB keeps a resource's last update only: earlier updates are not in the DB"
                .to_string(),
        ],
    })
}

/// The SQL filter on `timeline` for `subject`, and its parameters (each `?` in order).
fn selection(conn: &Connection, subject: &Subject) -> duckdb::Result<(String, Vec<String>)> {
    // The objects a resource bundle's manifests name, on any cluster.
    const MANIFEST_OBJECTS: &str = "(kind, coalesce(namespace, ''), name) IN (
        SELECT kind, coalesce(namespace, ''), name FROM mw_resource_manifests WHERE resource_id IN ({ids}))";
    match subject {
        // The load gave each fact about a bundle its bundle's cid: one zone-mapped lookup.
        Subject::ClusterId(cid) => Ok((
            "cid_key = hash(?) AND cid = ?".to_string(),
            vec![cid.clone(), cid.clone()],
        )),
        Subject::ResourceId(id) => Ok((
            format!(
                "(resource_id_key = hash(?) AND resource_id = ?) OR {}",
                MANIFEST_OBJECTS.replace("{ids}", "?")
            ),
            vec![id.clone(), id.clone(), id.clone()],
        )),
        Subject::WorkName(name) => {
            let ids = rows(
                conn,
                "SELECT id FROM resources WHERE work_name = ? AND id IS NOT NULL ORDER BY id",
                [name],
                |r| r.get::<_, String>(0),
            )?;
            if ids.is_empty() {
                return Ok(("false".to_string(), Vec::new()));
            }
            let marks = vec!["?"; ids.len()].join(", ");
            let mut params = ids.clone();
            params.extend(ids.iter().cloned());
            Ok((
                format!(
                    "resource_id IN ({marks}) OR {}",
                    MANIFEST_OBJECTS.replace("{ids}", &marks)
                ),
                params,
            ))
        }
        Subject::Manifest(manifest) => {
            let kind = mwtrace_bundle::kinds::canonical_kind(&manifest.kind)
                .map(str::to_string)
                .unwrap_or_else(|| manifest.kind.clone());
            let namespace = manifest.namespace.clone().unwrap_or_default();
            let name = &manifest.name;
            Ok((
                "(lower(kind) = lower(?) AND coalesce(namespace, '') = ? AND name = ?)
                 OR resource_id IN (
                     SELECT resource_id FROM mw_resource_manifests
                     WHERE lower(kind) = lower(?) AND coalesce(namespace, '') = ? AND name = ?)"
                    .to_string(),
                vec![
                    kind.clone(),
                    namespace.clone(),
                    name.to_string(),
                    kind,
                    namespace,
                    name.to_string(),
                ],
            ))
        }
    }
}

/// Silences of [`GAP_SECONDS`] or more between consecutive entries.
fn gaps(entries: &[Entry]) -> Vec<Gap> {
    let times: Vec<Option<jiff::Timestamp>> = entries.iter().map(|e| e.ts.parse().ok()).collect();
    let mut gaps = Vec::new();
    for (i, pair) in times.windows(2).enumerate() {
        let (Some(from), Some(to)) = (pair[0], pair[1]) else {
            continue;
        };
        let seconds = to.as_second() - from.as_second();
        if seconds >= GAP_SECONDS {
            gaps.push(Gap {
                from: entries[i].ts.clone(),
                to: entries[i + 1].ts.clone(),
                seconds,
            });
        }
    }
    gaps
}

/// The sources whose facts this bundle cannot show.
fn missing_sources(conn: &Connection) -> duckdb::Result<Vec<String>> {
    let mut missing = rows(
        conn,
        "SELECT CASE WHEN source = 'db' THEN 'DB table ' || resource
                     ELSE cluster || ': ' || resource END
                || ' not collected' || coalesce(' (' || detail || ')', '')
         FROM coverage WHERE NOT collected ORDER BY source, cluster, resource",
        [],
        |r| r.get::<_, String>(0),
    )?;
    let (history, logs): (i64, i64) = conn.query_row(
        "SELECT (SELECT count(*) FROM object_history), (SELECT count(*) FROM logs)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if history == 0 {
        missing.push(
            "object history not collected: import a Kusto kubernetesResourceSnapshots export \
             to see each revision"
                .to_string(),
        );
    }
    if logs == 0 {
        missing.push("container logs not collected".to_string());
    }
    Ok(missing)
}

/// `HostedCluster ns/name`, `MaestroResource id`, `Log pod/container`.
pub fn object_label(entry: &Entry) -> String {
    let kind = entry.kind.as_deref().unwrap_or("?");
    let name = entry.name.as_deref().unwrap_or("?");
    match &entry.namespace {
        Some(ns) if !ns.is_empty() && entry.source != "log" => format!("{kind} {ns}/{name}"),
        _ => format!("{kind} {name}"),
    }
}
