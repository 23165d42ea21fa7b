//! `mwtrace diff A B`: what changed between two snapshots. The two loaded databases are attached
//! read-only to one in-memory DuckDB connection and joined there (DB resources by id, objects by
//! cluster, group, kind, namespace and name), so only the rows that differ reach Rust: a table of
//! any size is streamed, never held. Objects that differ are compared field by field with
//! [`crate::json_diff::changed_paths`], which leaves out what every write touches.
//!
//! Trust first: a difference is only claimed where both snapshots collected the source. The
//! `coverage` table of each says what it collected; a DB table, a kind or a cluster collected in
//! one snapshot only is listed as not compared, and none of its rows is called added or removed.

pub mod render;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use duckdb::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json_diff::changed_paths;
use crate::load::settings::{self, SettingsError};
use crate::query::{rfc3339_at, rows};

pub const SCHEMA: &str = "mwtrace/diff/v1";

/// Why two snapshots could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Interrupted(#[from] mwtrace_interrupt::Interrupted),
    #[error("comparing the loaded databases failed")]
    Db(#[from] duckdb::Error),
    #[error("a stored object or payload is not JSON")]
    Json(#[from] serde_json::Error),
}

/// One snapshot to compare: its bundle as the user named it and its loaded database.
pub struct Input<'a> {
    pub path: &'a str,
    pub db: &'a Path,
    pub sha256: &'a str,
}

/// What `mwtrace diff -o json` prints: a stable, documented schema (`mwtrace/diff/v1`); fields
/// are only ever added. Absent values are `null`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct DiffReport {
    /// Always `mwtrace/diff/v1`.
    pub schema: String,
    /// The earlier snapshot (first argument).
    pub a: SnapshotSide,
    /// The later snapshot (second argument).
    pub b: SnapshotSide,
    /// `--cluster-id`: only what belongs to this hosted cluster was compared.
    pub cluster_id: Option<String>,
    /// One line: how many differences, or none.
    pub message: String,
    pub counts: Counts,
    /// The differences, most important first: conditions, deletions, spec, added, other; within
    /// a class by kind, cluster, namespace and name.
    pub changes: Vec<Change>,
    /// Sources collected in one snapshot only (or in neither): not compared, so their rows are
    /// neither added nor removed here.
    pub not_compared: Vec<NotCompared>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct SnapshotSide {
    /// The bundle as given on the command line.
    pub path: String,
    pub bundle_sha256: String,
    /// The bundle's creation time (RFC 3339 UTC).
    pub created_at: Option<String>,
    /// The clusters it was collected from.
    pub clusters: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Counts {
    pub total: usize,
    pub condition: usize,
    pub deletion: usize,
    pub spec: usize,
    pub added: usize,
    pub other: usize,
}

/// How important a change is; changes are listed in this order.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChangeClass {
    /// A condition changed status or reason, appeared or disappeared.
    Condition,
    /// Deletion: deleted_at or deletionTimestamp set, the row or object removed, or the object
    /// recreated (same name, new uid).
    Deletion,
    /// The spec: a DB resource's version or payload, an object's `spec`.
    Spec,
    /// A DB resource or object that only the later snapshot holds.
    Added,
    /// Anything else (labels, annotations, status fields other than conditions).
    Other,
}

impl ChangeClass {
    pub const ALL: [ChangeClass; 5] = [
        ChangeClass::Condition,
        ChangeClass::Deletion,
        ChangeClass::Spec,
        ChangeClass::Added,
        ChangeClass::Other,
    ];

    /// `2 deletions`, `1 condition change`: what `n` changes of the class are called.
    pub fn noun(self, n: usize) -> &'static str {
        match (self, n == 1) {
            (ChangeClass::Condition, true) => "condition change",
            (ChangeClass::Condition, false) => "condition changes",
            (ChangeClass::Deletion, true) => "deletion",
            (ChangeClass::Deletion, false) => "deletions",
            (ChangeClass::Spec, true) => "spec change",
            (ChangeClass::Spec, false) => "spec changes",
            (ChangeClass::Added, _) => "added",
            (ChangeClass::Other, true) => "other change",
            (ChangeClass::Other, false) => "other changes",
        }
    }

    /// The class's count in `counts`.
    pub fn count(self, counts: &Counts) -> usize {
        match self {
            ChangeClass::Condition => counts.condition,
            ChangeClass::Deletion => counts.deletion,
            ChangeClass::Spec => counts.spec,
            ChangeClass::Added => counts.added,
            ChangeClass::Other => counts.other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeClass::Condition => "condition",
            ChangeClass::Deletion => "deletion",
            ChangeClass::Spec => "spec",
            ChangeClass::Added => "added",
            ChangeClass::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
    /// Deleted and created again: same identity, another uid.
    Recreated,
}

/// One DB resource or object that differs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Change {
    pub class: ChangeClass,
    pub change: ChangeKind,
    /// `db` (a row of the Maestro DB's resources) or `kube` (an object of a cluster).
    pub source: String,
    /// The object's cluster; for a DB resource, its consumer.
    pub cluster: Option<String>,
    /// `MaestroResource` for a DB resource.
    pub kind: String,
    pub api_group: Option<String>,
    pub namespace: Option<String>,
    /// The object's name; for a DB resource, its id.
    pub name: String,
    /// A DB resource's user work name.
    pub work_name: Option<String>,
    /// The change in one line (`Available True->False (WebhookDown)`, `version 3->4`).
    pub summary: String,
    /// Conditions that changed status or reason, appeared or disappeared.
    pub conditions: Vec<ConditionChange>,
    /// Single values that changed: a DB resource's `version`, `observed_version`, `deleted_at`;
    /// an object's `metadata.deletionTimestamp` or `metadata.uid` (recreated).
    pub fields: Vec<FieldChange>,
    /// The field paths that differ (an object's, or a DB resource's payload under `payload.`),
    /// as `json_diff` writes them; the last is `…` when there were more than 200.
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ConditionChange {
    #[serde(rename = "type")]
    pub type_: String,
    /// Null when the condition is new.
    pub from: Option<ConditionState>,
    /// Null when the condition is gone.
    pub to: Option<ConditionState>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ConditionState {
    pub status: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct FieldChange {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A source not compared, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct NotCompared {
    /// `db` or `kube`.
    pub source: String,
    /// The cluster of a kube source.
    pub cluster: Option<String>,
    pub api_group: Option<String>,
    /// The DB table or the kind's plural resource name; null for a whole cluster.
    pub resource: Option<String>,
    /// `not collected in B (...)`, `not listed in A`, `cluster only in A`...
    pub reason: String,
}

/// Compares snapshot `a` (earlier) with `b` (later), only what belongs to hosted cluster
/// `cluster_id` when given.
pub fn diff(a: &Input, b: &Input, cluster_id: Option<&str>) -> Result<DiffReport, DiffError> {
    let conn = Connection::open_in_memory_with_flags(settings::base_config(
        &settings::spill_dir_beside(a.db),
    )?)?;
    conn.execute_batch(&format!(
        "ATTACH {} AS mw_a (READ_ONLY)",
        sql_string(&a.db.to_string_lossy())
    ))?;
    // The same bundle twice is the same database file, which DuckDB attaches once.
    let cat_b = if a.sha256 == b.sha256 {
        "mw_a"
    } else {
        conn.execute_batch(&format!(
            "ATTACH {} AS mw_b (READ_ONLY)",
            sql_string(&b.db.to_string_lossy())
        ))?;
        "mw_b"
    };
    let side_a = side(&conn, "mw_a", a)?;
    let side_b = side(&conn, cat_b, b)?;
    let (compared, mut not_compared) = coverage(&conn, "mw_a", cat_b, &side_a, &side_b)?;

    let mut changes = Vec::new();
    if compared.db {
        resource_changes(&conn, cat_b, cluster_id, &mut changes)?;
    }
    conn.execute_batch(
        "CREATE TEMP TABLE mw_compared (cluster VARCHAR, api_group VARCHAR, resource VARCHAR)",
    )?;
    {
        let mut insert = conn.prepare("INSERT INTO mw_compared VALUES (?, ?, ?)")?;
        for (cluster, group, resource) in &compared.kinds {
            insert.execute(params![cluster, group, resource])?;
        }
    }
    object_changes(&conn, cat_b, cluster_id, &mut changes)?;

    changes.sort_by(|x, y| {
        (x.class, &x.kind, &x.cluster, &x.namespace, &x.name).cmp(&(
            y.class,
            &y.kind,
            &y.cluster,
            &y.namespace,
            &y.name,
        ))
    });
    let mut counts = Counts {
        total: changes.len(),
        ..Counts::default()
    };
    for change in &changes {
        *match change.class {
            ChangeClass::Condition => &mut counts.condition,
            ChangeClass::Deletion => &mut counts.deletion,
            ChangeClass::Spec => &mut counts.spec,
            ChangeClass::Added => &mut counts.added,
            ChangeClass::Other => &mut counts.other,
        } += 1;
    }
    not_compared.sort_by(|x, y| {
        (&x.source, &x.cluster, &x.api_group, &x.resource).cmp(&(
            &y.source,
            &y.cluster,
            &y.api_group,
            &y.resource,
        ))
    });
    let message = message(&counts, &not_compared);
    Ok(DiffReport {
        schema: SCHEMA.to_string(),
        a: side_a,
        b: side_b,
        cluster_id: cluster_id.map(str::to_string),
        message,
        counts,
        changes,
        not_compared,
    })
}

fn message(counts: &Counts, not_compared: &[NotCompared]) -> String {
    let caveat = match not_compared.len() {
        0 => String::new(),
        1 => " (1 source not compared)".to_string(),
        n => format!(" ({n} sources not compared)"),
    };
    if counts.total == 0 {
        return format!("No differences{caveat}");
    }
    let parts: Vec<String> = ChangeClass::ALL
        .iter()
        .filter_map(|class| {
            let n = class.count(counts);
            (n > 0).then(|| format!("{n} {}", class.noun(n)))
        })
        .collect();
    format!(
        "{} difference{}: {}{caveat}",
        counts.total,
        if counts.total == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

/// A SQL string literal (ATTACH takes no parameters).
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn side(conn: &Connection, cat: &str, input: &Input) -> Result<SnapshotSide, DiffError> {
    let created_at = rows(
        conn,
        &format!("SELECT created_at FROM {cat}.snapshot"),
        [],
        |r| rfc3339_at(r, 0),
    )?
    .into_iter()
    .next()
    .flatten();
    let clusters = rows(
        conn,
        &format!("SELECT name FROM {cat}.clusters WHERE name IS NOT NULL ORDER BY name"),
        [],
        |r| r.get::<_, String>(0),
    )?;
    Ok(SnapshotSide {
        path: input.path.to_string(),
        bundle_sha256: input.sha256.to_string(),
        created_at,
        clusters,
    })
}

/// What both snapshots collected.
struct Compared {
    /// The DB's resources table.
    db: bool,
    /// (cluster, api group as coverage writes it (`core` for the core group), resource).
    kinds: Vec<(String, String, String)>,
}

type CoverageKey = (String, Option<String>, Option<String>, String);

fn coverage_rows(
    conn: &Connection,
    cat: &str,
) -> Result<BTreeMap<CoverageKey, (bool, Option<String>)>, DiffError> {
    Ok(rows(
        conn,
        &format!(
            "SELECT source, cluster, api_group, resource, collected, detail FROM {cat}.coverage"
        ),
        [],
        |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
                (r.get::<_, Option<bool>>(4)?.unwrap_or(false), r.get(5)?),
            ))
        },
    )?
    .into_iter()
    .collect())
}

fn coverage(
    conn: &Connection,
    cat_a: &str,
    cat_b: &str,
    side_a: &SnapshotSide,
    side_b: &SnapshotSide,
) -> Result<(Compared, Vec<NotCompared>), DiffError> {
    let rows_a = coverage_rows(conn, cat_a)?;
    let rows_b = coverage_rows(conn, cat_b)?;
    let clusters_a: BTreeSet<&str> = side_a.clusters.iter().map(String::as_str).collect();
    let clusters_b: BTreeSet<&str> = side_b.clusters.iter().map(String::as_str).collect();
    let mut not_compared = Vec::new();
    for (cluster, only_in) in clusters_a
        .difference(&clusters_b)
        .map(|c| (c, "A"))
        .chain(clusters_b.difference(&clusters_a).map(|c| (c, "B")))
    {
        not_compared.push(NotCompared {
            source: "kube".into(),
            cluster: Some(cluster.to_string()),
            api_group: None,
            resource: None,
            reason: format!("cluster only in {only_in}"),
        });
    }
    let mut compared = Compared {
        db: false,
        kinds: Vec::new(),
    };
    let keys: BTreeSet<&CoverageKey> = rows_a.keys().chain(rows_b.keys()).collect();
    for key in keys {
        let (source, cluster, group, resource) = key;
        if source == "db" && resource != "resources" {
            // Only the resources table is compared; events and the rest are not claimed.
            continue;
        }
        if let Some(cluster) = cluster
            && !(clusters_a.contains(cluster.as_str()) && clusters_b.contains(cluster.as_str()))
        {
            // Said once for the whole cluster above.
            continue;
        }
        let reason = match (rows_a.get(key), rows_b.get(key)) {
            (Some((true, _)), Some((true, _))) => {
                match (source.as_str(), cluster, group) {
                    ("db", _, _) => compared.db = true,
                    (_, Some(cluster), Some(group)) => {
                        compared
                            .kinds
                            .push((cluster.clone(), group.clone(), resource.clone()))
                    }
                    _ => {}
                }
                continue;
            }
            (Some((false, a)), Some((false, b))) => {
                with_detail("not collected in A or B", a.as_ref().or(b.as_ref()))
            }
            (Some((true, _)), Some((false, b))) => with_detail("not collected in B", b.as_ref()),
            (Some((false, a)), Some((true, _))) => with_detail("not collected in A", a.as_ref()),
            (Some(_), None) => "not listed in B".to_string(),
            (None, Some(_)) => "not listed in A".to_string(),
            (None, None) => continue,
        };
        not_compared.push(NotCompared {
            source: source.clone(),
            cluster: cluster.clone(),
            api_group: group.clone(),
            resource: Some(resource.clone()),
            reason,
        });
    }
    Ok((compared, not_compared))
}

fn with_detail(reason: &str, detail: Option<&String>) -> String {
    match detail {
        Some(detail) if !detail.is_empty() => format!("{reason} ({detail})"),
        _ => reason.to_string(),
    }
}

/// DB resources that differ: added, removed, or with another version, observed version,
/// deleted_at, conditions or payload.
fn resource_changes(
    conn: &Connection,
    cat_b: &str,
    cluster_id: Option<&str>,
    changes: &mut Vec<Change>,
) -> Result<(), DiffError> {
    // Conditions first, for the resources in both snapshots (few rows: only those that differ).
    let mut conditions: HashMap<String, Vec<ConditionChange>> = HashMap::new();
    let sql = format!(
        "SELECT coalesce(ca.resource_id, cb.resource_id), coalesce(ca.type, cb.type),
                ca.resource_id IS NOT NULL, ca.status, ca.reason, ca.message,
                cb.resource_id IS NOT NULL, cb.status, cb.reason, cb.message
         FROM mw_a.resource_conditions ca
         FULL JOIN {cat_b}.resource_conditions cb
           ON ca.resource_id = cb.resource_id AND ca.type IS NOT DISTINCT FROM cb.type
         WHERE (ca.resource_id IS NULL OR cb.resource_id IS NULL
                OR ca.status IS DISTINCT FROM cb.status OR ca.reason IS DISTINCT FROM cb.reason)
           AND coalesce(ca.resource_id, cb.resource_id) IN
               (SELECT id FROM mw_a.mw_resources INTERSECT SELECT id FROM {cat_b}.mw_resources)
         ORDER BY 1, coalesce(ca.ordinal, cb.ordinal)"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut found = stmt.query([])?;
    while let Some(r) = found.next()? {
        let state = |present: usize| -> duckdb::Result<Option<ConditionState>> {
            Ok(r.get::<_, bool>(present)?.then_some(ConditionState {
                status: r.get(present + 1)?,
                reason: r.get(present + 2)?,
                message: r.get(present + 3)?,
            }))
        };
        let id: String = r.get(0)?;
        let change = ConditionChange {
            type_: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            from: state(2)?,
            to: state(6)?,
        };
        conditions.entry(id).or_default().push(change);
    }

    // Payloads (5 to 50 KB each) and statuses are compared by hash, and only the payloads of
    // the rows that differ are read whole: the join's hash table holds no payload.
    let sql = format!(
        "WITH ra AS (
             SELECT id, cid, work_name, consumer_name, version, observed_version, deleted_at,
                    hash(payload::VARCHAR) AS payload_hash, hash(status::VARCHAR) AS status_hash
             FROM mw_a.mw_resources
         ), rb AS (
             SELECT id, cid, work_name, consumer_name, version, observed_version, deleted_at,
                    hash(payload::VARCHAR) AS payload_hash, hash(status::VARCHAR) AS status_hash
             FROM {cat_b}.mw_resources
         ), differ AS (
             SELECT coalesce(ra.id, rb.id) AS id, ra.id IS NOT NULL AS in_a, rb.id IS NOT NULL AS in_b,
                    coalesce(rb.work_name, ra.work_name) AS work_name,
                    coalesce(rb.consumer_name, ra.consumer_name) AS consumer,
                    ra.version::VARCHAR AS version_a, rb.version::VARCHAR AS version_b,
                    ra.observed_version::VARCHAR AS observed_a,
                    rb.observed_version::VARCHAR AS observed_b,
                    ra.deleted_at AS deleted_a, rb.deleted_at AS deleted_b,
                    ra.id IS NOT NULL AND rb.id IS NOT NULL
                        AND ra.payload_hash <> rb.payload_hash AS payload_differs
             FROM ra FULL JOIN rb ON ra.id = rb.id
             WHERE (ra.id IS NULL OR rb.id IS NULL
                    OR ra.version IS DISTINCT FROM rb.version
                    OR ra.observed_version IS DISTINCT FROM rb.observed_version
                    OR ra.deleted_at IS DISTINCT FROM rb.deleted_at
                    OR ra.payload_hash <> rb.payload_hash
                    OR ra.status_hash <> rb.status_hash)
               AND ($1::VARCHAR IS NULL OR ra.cid = $1 OR rb.cid = $1)
         )
         SELECT d.id, d.in_a, d.in_b, d.work_name, d.consumer, d.version_a, d.version_b,
                d.observed_a, d.observed_b, d.deleted_a, d.deleted_b,
                pa.payload::VARCHAR, pb.payload::VARCHAR
         FROM differ d
         LEFT JOIN mw_a.mw_resources pa ON d.payload_differs AND pa.id = d.id
         LEFT JOIN {cat_b}.mw_resources pb ON d.payload_differs AND pb.id = d.id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut found = stmt.query(params![cluster_id])?;
    while let Some(r) = found.next()? {
        mwtrace_interrupt::check()?;
        let id: String = r.get(0)?;
        let (in_a, in_b): (bool, bool) = (r.get(1)?, r.get(2)?);
        let mut change = Change {
            class: ChangeClass::Other,
            change: ChangeKind::Changed,
            source: "db".into(),
            cluster: r.get(4)?,
            kind: "MaestroResource".into(),
            api_group: None,
            namespace: None,
            name: id.clone(),
            work_name: r.get(3)?,
            summary: String::new(),
            conditions: Vec::new(),
            fields: Vec::new(),
            paths: Vec::new(),
        };
        if !in_b {
            change.class = ChangeClass::Deletion;
            change.change = ChangeKind::Removed;
            change.summary = "removed from the DB".into();
            changes.push(change);
            continue;
        }
        if !in_a {
            change.class = ChangeClass::Added;
            change.change = ChangeKind::Added;
            let version: Option<String> = r.get(6)?;
            change.summary = format!("added, version {}", version.as_deref().unwrap_or("?"));
            changes.push(change);
            continue;
        }
        for (field, at) in [("version", 5), ("observed_version", 7)] {
            let (from, to): (Option<String>, Option<String>) = (r.get(at)?, r.get(at + 1)?);
            if from != to {
                change.fields.push(FieldChange {
                    field: field.into(),
                    from,
                    to,
                });
            }
        }
        let (deleted_a, deleted_b) = (rfc3339_at(r, 9)?, rfc3339_at(r, 10)?);
        if deleted_a != deleted_b {
            change.fields.push(FieldChange {
                field: "deleted_at".into(),
                from: deleted_a,
                to: deleted_b,
            });
        }
        let (payload_a, payload_b): (Option<String>, Option<String>) = (r.get(11)?, r.get(12)?);
        if let (Some(pa), Some(pb)) = (payload_a, payload_b) {
            let (pa, pb): (Value, Value) = (serde_json::from_str(&pa)?, serde_json::from_str(&pb)?);
            change.paths = changed_paths(&pa, &pb)
                .into_iter()
                .map(|p| {
                    if p == crate::json_diff::TRUNCATED {
                        p
                    } else if p == "." {
                        "payload".to_string()
                    } else if p.starts_with('[') {
                        format!("payload{p}")
                    } else {
                        format!("payload.{p}")
                    }
                })
                .collect();
        }
        change.conditions = conditions.remove(&id).unwrap_or_default();
        if change.fields.is_empty() && change.conditions.is_empty() && change.paths.is_empty() {
            // Only the status's bookkeeping changed (heartbeats, sequence ids).
            continue;
        }
        let field = |name: &str| change.fields.iter().find(|f| f.field == name);
        let deleted = field("deleted_at").is_some_and(|f| f.from.is_none() && f.to.is_some());
        change.class = if !change.conditions.is_empty() {
            ChangeClass::Condition
        } else if deleted {
            ChangeClass::Deletion
        } else if field("version").is_some() || !change.paths.is_empty() {
            ChangeClass::Spec
        } else {
            ChangeClass::Other
        };
        change.summary = summary(&change);
        changes.push(change);
    }
    Ok(())
}

/// Whether an object of catalog `cat` (alias `o`) belongs to hosted cluster `$1`, as
/// `trace --cluster-id` finds its parts: the `api.openshift.com/id` label, an
/// `ocm-<env>-<cid>[-<name>]` namespace (or such a Namespace), the ManagedCluster named
/// `<cid>`, the local-cluster ManifestWorks named `<cid>[-...]`, and the AppliedManifestWorks of
/// the cluster's DB resources (layer 1) and of those ManifestWorks (layer 2).
fn in_cluster(cat: &str) -> String {
    format!(
        "($1::VARCHAR IS NULL
          OR json_extract_string(o.labels, '$.\"api.openshift.com/id\"') = $1
          OR regexp_extract(CASE WHEN o.kind = 'Namespace' THEN o.name ELSE o.namespace END,
                            '^ocm-[a-z0-9]+-([a-z0-9]{{32}})(-|$)', 1) = $1
          OR (o.kind = 'ManagedCluster' AND o.name = $1)
          OR (o.kind = 'ManifestWork' AND o.namespace = 'local-cluster'
              AND regexp_extract(o.name, '^([a-z0-9]{{32}})(-|$)', 1) = $1)
          OR (o.kind = 'AppliedManifestWork' AND EXISTS (
                SELECT 1 FROM {cat}.applied_manifest_works w
                LEFT JOIN {cat}.mw_resources r ON r.id = w.resource_id
                WHERE w.cluster = o.cluster AND w.name = o.name
                  AND (r.cid = $1
                       OR (w.layer = 2
                           AND regexp_extract(w.manifest_work_name, '^([a-z0-9]{{32}})(-|$)', 1) = $1)))))"
    )
}

/// Objects that differ, among the kinds both snapshots collected.
fn object_changes(
    conn: &Connection,
    cat_b: &str,
    cluster_id: Option<&str>,
    changes: &mut Vec<Change>,
) -> Result<(), DiffError> {
    // Objects are compared by hash, and only those that differ are read whole: neither side's
    // objects sit in the join's hash table.
    let side = |cat: &str| {
        format!(
            "SELECT o.rowid AS row_id, o.cluster, o.api_group, o.kind, o.namespace, o.name,
                    o.uid, hash(o.object::VARCHAR) AS object_hash, {} AS in_scope
             FROM {cat}.objects o
             JOIN mw_compared c ON c.cluster = o.cluster
              AND c.api_group = coalesce(nullif(o.api_group, ''), 'core')
              AND c.resource = o.resource",
            in_cluster(cat)
        )
    };
    let sql = format!(
        "WITH oa AS ({}), ob AS ({}), differ AS (
             SELECT coalesce(oa.cluster, ob.cluster) AS cluster,
                    coalesce(oa.api_group, ob.api_group) AS api_group,
                    coalesce(oa.kind, ob.kind) AS kind,
                    coalesce(oa.namespace, ob.namespace) AS namespace,
                    coalesce(oa.name, ob.name) AS name,
                    oa.kind IS NOT NULL AS in_a, ob.kind IS NOT NULL AS in_b,
                    oa.uid AS uid_a, ob.uid AS uid_b, oa.row_id AS row_a, ob.row_id AS row_b
             FROM oa FULL JOIN ob
               ON oa.cluster = ob.cluster AND oa.api_group IS NOT DISTINCT FROM ob.api_group
              AND oa.kind = ob.kind AND oa.namespace IS NOT DISTINCT FROM ob.namespace
              AND oa.name = ob.name
             WHERE oa.object_hash IS DISTINCT FROM ob.object_hash
               AND (coalesce(oa.in_scope, false) OR coalesce(ob.in_scope, false))
         )
         SELECT d.cluster, d.api_group, d.kind, d.namespace, d.name, d.in_a, d.in_b,
                d.uid_a, d.uid_b, xa.object::VARCHAR, xb.object::VARCHAR
         FROM differ d
         LEFT JOIN mw_a.objects xa ON d.in_a AND d.in_b AND xa.rowid = d.row_a
         LEFT JOIN {cat_b}.objects xb ON d.in_a AND d.in_b AND xb.rowid = d.row_b",
        side("mw_a"),
        side(cat_b)
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut found = stmt.query(params![cluster_id])?;
    while let Some(r) = found.next()? {
        mwtrace_interrupt::check()?;
        let group: Option<String> = r.get(1)?;
        let mut change = Change {
            class: ChangeClass::Other,
            change: ChangeKind::Changed,
            source: "kube".into(),
            cluster: r.get(0)?,
            kind: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            api_group: group.filter(|g| !g.is_empty()),
            namespace: r.get(3)?,
            name: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            work_name: None,
            summary: String::new(),
            conditions: Vec::new(),
            fields: Vec::new(),
            paths: Vec::new(),
        };
        let (in_a, in_b): (bool, bool) = (r.get(5)?, r.get(6)?);
        let (uid_a, uid_b): (Option<String>, Option<String>) = (r.get(7)?, r.get(8)?);
        if !in_b {
            change.class = ChangeClass::Deletion;
            change.change = ChangeKind::Removed;
            change.summary = "removed".into();
            changes.push(change);
            continue;
        }
        if !in_a {
            change.class = ChangeClass::Added;
            change.change = ChangeKind::Added;
            change.summary = "added".into();
            changes.push(change);
            continue;
        }
        if uid_a.is_some() && uid_b.is_some() && uid_a != uid_b {
            change.class = ChangeClass::Deletion;
            change.change = ChangeKind::Recreated;
            change.summary = "recreated: deleted and created again (new uid)".into();
            change.fields.push(FieldChange {
                field: "metadata.uid".into(),
                from: uid_a,
                to: uid_b,
            });
            changes.push(change);
            continue;
        }
        let (text_a, text_b): (Option<String>, Option<String>) = (r.get(9)?, r.get(10)?);
        let old: Value = serde_json::from_str(text_a.as_deref().unwrap_or("null"))?;
        let new: Value = serde_json::from_str(text_b.as_deref().unwrap_or("null"))?;
        change.paths = changed_paths(&old, &new);
        if change.paths.is_empty() {
            continue;
        }
        change.conditions = condition_changes(&old, &new);
        let deletion = |v: &Value| {
            v.pointer("/metadata/deletionTimestamp")
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let (deleting_a, deleting_b) = (deletion(&old), deletion(&new));
        if deleting_a != deleting_b {
            change.fields.push(FieldChange {
                field: "metadata.deletionTimestamp".into(),
                from: deleting_a.clone(),
                to: deleting_b.clone(),
            });
        }
        change.class = if !change.conditions.is_empty() {
            ChangeClass::Condition
        } else if deleting_a.is_none() && deleting_b.is_some() {
            ChangeClass::Deletion
        } else if change
            .paths
            .iter()
            .any(|p| p == "spec" || p.starts_with("spec.") || p.starts_with("spec["))
        {
            ChangeClass::Spec
        } else {
            ChangeClass::Other
        };
        change.summary = summary(&change);
        changes.push(change);
    }
    Ok(())
}

/// The conditions (`status.conditions`, by type) whose status or reason differ, or that only one
/// revision has.
fn condition_changes(old: &Value, new: &Value) -> Vec<ConditionChange> {
    fn by_type(object: &Value) -> Vec<(String, ConditionState)> {
        let Some(list) = object
            .pointer("/status/conditions")
            .and_then(Value::as_array)
        else {
            return Vec::new();
        };
        let text = |c: &Value, key: &str| c.get(key).and_then(Value::as_str).map(str::to_string);
        list.iter()
            .filter_map(|c| {
                Some((
                    text(c, "type")?,
                    ConditionState {
                        status: text(c, "status"),
                        reason: text(c, "reason"),
                        message: text(c, "message"),
                    },
                ))
            })
            .collect()
    }
    let (before, after) = (by_type(old), by_type(new));
    let find = |list: &[(String, ConditionState)], t: &str| {
        list.iter().find(|(k, _)| k == t).map(|(_, s)| s.clone())
    };
    let mut out = Vec::new();
    for (type_, from) in &before {
        match find(&after, type_) {
            Some(to) if to.status == from.status && to.reason == from.reason => {}
            to => out.push(ConditionChange {
                type_: type_.clone(),
                from: Some(from.clone()),
                to,
            }),
        }
    }
    for (type_, to) in &after {
        if find(&before, type_).is_none() {
            out.push(ConditionChange {
                type_: type_.clone(),
                from: None,
                to: Some(to.clone()),
            });
        }
    }
    out
}

/// `Available True->False (WebhookDown)`; a new condition `Progressing (none)->True`.
pub fn condition_text(c: &ConditionChange) -> String {
    let state = |s: &Option<ConditionState>| match s {
        None => "(none)".to_string(),
        Some(s) => s.status.clone().unwrap_or_else(|| "?".into()),
    };
    let reason = match (&c.to, &c.from) {
        (Some(to), _) if to.reason.is_some() => to.reason.clone(),
        (None, Some(from)) => from.reason.clone(),
        _ => None,
    };
    let mut text = format!("{} {}->{}", c.type_, state(&c.from), state(&c.to));
    if let Some(reason) = reason.filter(|r| !r.is_empty()) {
        text.push_str(&format!(" ({reason})"));
    }
    text
}

/// Paths a summary names at most; the JSON has them all.
const SUMMARY_PATHS: usize = 3;

/// The change in one line: its conditions, its field changes, then the paths not already said.
fn summary(change: &Change) -> String {
    let mut parts: Vec<String> = change.conditions.iter().map(condition_text).collect();
    for f in &change.fields {
        parts.push(match (f.field.as_str(), &f.from, &f.to) {
            ("deleted_at", None, Some(at)) => format!("deleted_at set ({at})"),
            ("metadata.deletionTimestamp", None, Some(at)) => {
                format!("deletionTimestamp set ({at})")
            }
            (field, from, to) => format!(
                "{field} {}->{}",
                from.as_deref().unwrap_or("(none)"),
                to.as_deref().unwrap_or("(none)")
            ),
        });
    }
    let said = |p: &str| {
        p.starts_with("status.conditions[")
            || p == "status.conditions"
            || p == "metadata.deletionTimestamp"
    };
    let rest: Vec<&String> = change.paths.iter().filter(|p| !said(p)).collect();
    if !rest.is_empty() {
        let shown: Vec<&str> = rest
            .iter()
            .take(SUMMARY_PATHS)
            .map(|p| p.as_str())
            .collect();
        let more = rest.len().saturating_sub(SUMMARY_PATHS);
        let mut text = format!("changed: {}", shown.join(", "));
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        parts.push(text);
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_are_compared_by_type_status_and_reason() {
        let old = json!({"status": {"conditions": [
            {"type": "Available", "status": "True", "reason": "AsExpected", "message": "ok"},
            {"type": "Degraded", "status": "False", "reason": "AsExpected"},
            {"type": "Gone", "status": "True"}
        ]}});
        let new = json!({"status": {"conditions": [
            {"type": "Degraded", "status": "False", "reason": "AsExpected", "message": "new text"},
            {"type": "Available", "status": "False", "reason": "WebhookDown"},
            {"type": "Progressing", "status": "True"}
        ]}});
        let texts: Vec<String> = condition_changes(&old, &new)
            .iter()
            .map(condition_text)
            .collect();
        assert_eq!(
            texts,
            [
                "Available True->False (WebhookDown)",
                "Gone True->(none)",
                "Progressing (none)->True",
            ]
        );
    }

    #[test]
    fn a_summary_says_conditions_and_fields_then_the_other_paths() {
        let change = Change {
            class: ChangeClass::Condition,
            change: ChangeKind::Changed,
            source: "kube".into(),
            cluster: Some("mgmt-1".into()),
            kind: "HostedCluster".into(),
            api_group: None,
            namespace: None,
            name: "x".into(),
            work_name: None,
            summary: String::new(),
            conditions: vec![ConditionChange {
                type_: "Available".into(),
                from: Some(ConditionState {
                    status: Some("True".into()),
                    reason: None,
                    message: None,
                }),
                to: Some(ConditionState {
                    status: Some("False".into()),
                    reason: Some("WebhookDown".into()),
                    message: None,
                }),
            }],
            fields: vec![FieldChange {
                field: "metadata.deletionTimestamp".into(),
                from: None,
                to: Some("2026-06-10T23:00:00Z".into()),
            }],
            paths: [
                "metadata.deletionTimestamp",
                "spec.a",
                "spec.b",
                "spec.c",
                "spec.d",
                "status.conditions[type=Available].status",
            ]
            .map(String::from)
            .to_vec(),
        };
        assert_eq!(
            summary(&change),
            "Available True->False (WebhookDown); deletionTimestamp set (2026-06-10T23:00:00Z); \
             changed: spec.a, spec.b, spec.c and 1 more"
        );
    }

    #[test]
    fn the_message_counts_each_class() {
        let counts = Counts {
            total: 3,
            condition: 1,
            deletion: 2,
            ..Counts::default()
        };
        assert_eq!(
            message(&counts, &[]),
            "3 differences: 1 condition change, 2 deletions"
        );
        assert_eq!(message(&Counts::default(), &[]), "No differences");
    }
}
