//! A bundle as it stood at an earlier moment, rebuilt from its own history (`trace --at`): every
//! command then answers "as of T" with the same code it answers "now" with.
//!
//! - Objects that have history revisions take the revision in force at T (the last one at or
//!   before T); one whose revision in force is a Delete, or whose first revision comes after T,
//!   did not exist then and is left out. An object in force at T that the snapshot no longer
//!   holds is added back, marked `mwtrace.io/reconstructed-at` like an import's reconstruction.
//! - Objects without history are kept when they were created at or before T (or when their
//!   creation time is unknown), with a deletionTimestamp after T removed.
//! - The Maestro DB has no history: rows created after T are left out and a `deleted_at` after
//!   T is cleared, but every other column (status, version) is as of the snapshot. The
//!   manifest says so in a note, and so does `trace`.
//! - `history/` keeps the revisions up to T; container logs are not carried over (their lines
//!   after T would be seen as earlier facts).
//!
//! Memory: the revision in force of each object with history (one object each), as an import's
//! reconstruction keeps; files are streamed otherwise.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;

use mwtrace_bundle::history::{Event, RECONSTRUCTED_AT, Revision};
use mwtrace_bundle::{BundleError, BundlePath, BundleReader, BundleWriter, Limits};
use serde_json::Value;

/// The source name of the notes an as-of bundle carries.
pub const NOTE_SOURCE: &str = "as-of";

#[derive(Debug, thiserror::Error)]
pub enum AsOfError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{bundle}: no history revisions: `--at` needs a bundle imported with a Kusto kubernetesResourceSnapshots export"
    )]
    NoHistory { bundle: String },
}

/// What an object is known by across revisions: its cluster and uid, else its cluster, kind,
/// namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity {
    Uid(String, String),
    Name(String, String, String, String),
}

fn identity(cluster: &str, object: &Value) -> Identity {
    let meta = &object["metadata"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    match meta["uid"].as_str() {
        Some(uid) if !uid.is_empty() => Identity::Uid(cluster.to_string(), uid.to_string()),
        _ => Identity::Name(
            cluster.to_string(),
            text(&object["kind"]),
            text(&meta["namespace"]),
            text(&meta["name"]),
        ),
    }
}

/// Same object by name (a recreated object has a new uid).
fn name_key(cluster: &str, object: &Value) -> (String, String, String, String) {
    let meta = &object["metadata"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (
        cluster.to_string(),
        text(&object["kind"]),
        text(&meta["namespace"]),
        text(&meta["name"]),
    )
}

/// The revision in force at T of each object with history.
struct InForce {
    /// By identity: the revision at or before T (None when every revision is after T), and
    /// the `history/` path it came from.
    by_identity: HashMap<Identity, (Option<Revision>, BundlePath)>,
    /// Names (cluster, kind, namespace, name) that have any revision: an object of that name
    /// without a revision in force did not exist at T.
    names: HashSet<(String, String, String, String)>,
}

fn cluster_of(path: &BundlePath) -> Option<&str> {
    match path {
        BundlePath::Kube { cluster, .. } | BundlePath::History { cluster, .. } => Some(cluster),
        _ => None,
    }
}

fn at_or_before(ts: &str, at: jiff::Timestamp) -> bool {
    ts.parse::<jiff::Timestamp>().is_ok_and(|t| t <= at)
}

/// Writes `target`: `bundle` as of `at`. Errors when the bundle has no history at all.
pub fn write_as_of(bundle: &Path, at: jiff::Timestamp, target: &Path) -> Result<u64, AsOfError> {
    let reader = BundleReader::open(bundle, Limits::from_env())?;
    let has_history = reader
        .manifest()
        .files
        .iter()
        .any(|f| f.path.starts_with("history/"));
    if !has_history {
        return Err(AsOfError::NoHistory {
            bundle: bundle.display().to_string(),
        });
    }
    let io = |path: &dyn std::fmt::Display| {
        let path = path.to_string();
        move |source| AsOfError::Io { path, source }
    };
    // Pass 1: the revision in force of each object with history.
    let mut in_force = InForce {
        by_identity: HashMap::new(),
        names: HashSet::new(),
    };
    reader.for_each_file(|file, content| {
        if !matches!(file.path, BundlePath::History { .. }) {
            return Ok::<(), AsOfError>(());
        }
        let cluster = cluster_of(&file.path).unwrap_or_default().to_string();
        for line in BufReader::new(content).lines() {
            let line = line.map_err(io(&file.path))?;
            let Ok(revision) = serde_json::from_str::<Revision>(&line) else {
                continue;
            };
            let id = identity(&cluster, &revision.object);
            in_force.names.insert(name_key(&cluster, &revision.object));
            let slot = in_force
                .by_identity
                .entry(id)
                .or_insert_with(|| (None, file.path.clone()));
            if at_or_before(&revision.ts, at) {
                let newer = slot.0.as_ref().is_none_or(|r| {
                    r.ts.parse::<jiff::Timestamp>().ok() <= revision.ts.parse().ok()
                });
                if newer {
                    slot.0 = Some(revision);
                }
            }
        }
        Ok(())
    })?;

    // Pass 2: every file, as of T.
    let mut manifest = reader.manifest().clone();
    manifest.created_at = at.to_string();
    let snapshot_at = reader.manifest().created_at.clone();
    manifest.notes.push(mwtrace_bundle::manifest::SourceError {
        source: NOTE_SOURCE.to_string(),
        message: format!(
            "as of {at}, rebuilt from the history of the snapshot of {snapshot_at}: objects with history revisions as they were then; the Maestro DB as at the snapshot (rows created later left out, later deletions cleared); container logs not carried over"
        ),
    });
    let mut writer = BundleWriter::create(target, manifest).map_err(io(&target.display()))?;
    let mut written: HashSet<Identity> = HashSet::new();
    let mut objects = 0u64;
    reader.for_each_file(|file, content| {
        let path = file.path.clone();
        match &path {
            BundlePath::Manifest | BundlePath::Log { .. } => return Ok(()),
            _ => {}
        }
        let mut sink = writer.start_file(path.clone()).map_err(io(&path))?;
        for line in BufReader::new(content).lines() {
            let line = line.map_err(io(&path))?;
            let Ok(mut value) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            let keep = match &path {
                BundlePath::Db { table } => db_row_as_of(table, &mut value, at),
                BundlePath::History { .. } => {
                    value["ts"].as_str().is_some_and(|ts| at_or_before(ts, at))
                }
                BundlePath::Kube { cluster, .. } => {
                    let id = identity(cluster, &value);
                    match in_force.by_identity.get(&id) {
                        Some((Some(revision), _)) if revision.event != Event::Delete => {
                            value = revision.object.clone();
                            written.insert(id);
                            true
                        }
                        Some(_) => false,
                        None if in_force.names.contains(&name_key(cluster, &value)) => false,
                        None => object_as_of(&mut value, at),
                    }
                }
                _ => true,
            };
            if keep {
                if matches!(path, BundlePath::Kube { .. }) {
                    objects += 1;
                }
                sink.write_row(&value).map_err(io(&path))?;
            }
        }
        // Objects in force at T that the snapshot no longer holds, in their kube/ file.
        if let BundlePath::Kube { .. } = &path {
            for (id, (revision, history_path)) in &in_force.by_identity {
                if written.contains(id) || kube_path(history_path).as_ref() != Some(&path) {
                    continue;
                }
                if let Some(revision) = revision.as_ref().filter(|r| r.event != Event::Delete) {
                    sink.write_row(&reconstructed(revision))
                        .map_err(io(&path))?;
                    written.insert(id.clone());
                    objects += 1;
                }
            }
        }
        writer.finish_file(sink).map_err(io(&path))?;
        Ok::<(), AsOfError>(())
    })?;
    // Objects in force whose kind has no kube/ file at all.
    let mut extra: HashMap<BundlePath, Vec<Value>> = HashMap::new();
    for (id, (revision, history_path)) in &in_force.by_identity {
        if written.contains(id) {
            continue;
        }
        if let (Some(revision), Some(path)) = (
            revision.as_ref().filter(|r| r.event != Event::Delete),
            kube_path(history_path),
        ) {
            extra.entry(path).or_default().push(reconstructed(revision));
        }
    }
    for (path, rows) in extra {
        let mut sink = writer.start_file(path.clone()).map_err(io(&path))?;
        for row in &rows {
            sink.write_row(row).map_err(io(&path))?;
            objects += 1;
        }
        writer.finish_file(sink).map_err(io(&path))?;
    }
    writer.finish().map_err(io(&target.display()))?;
    Ok(objects)
}

/// The `kube/` path matching a `history/` path.
fn kube_path(history: &BundlePath) -> Option<BundlePath> {
    match history {
        BundlePath::History {
            cluster,
            group,
            version,
            resource,
        } => Some(BundlePath::Kube {
            cluster: cluster.clone(),
            group: group.clone(),
            version: version.clone(),
            resource: resource.clone(),
        }),
        _ => None,
    }
}

fn reconstructed(revision: &Revision) -> Value {
    let mut object = revision.object.clone();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.insert(
                RECONSTRUCTED_AT.to_string(),
                Value::String(revision.ts.clone()),
            );
        }
    }
    object
}

/// A live object without history as of T: left out when created after T; a deletion
/// requested after T is removed.
fn object_as_of(object: &mut Value, at: jiff::Timestamp) -> bool {
    let meta = &object["metadata"];
    if let Some(created) = meta["creationTimestamp"].as_str()
        && !at_or_before(created, at)
    {
        return false;
    }
    let deleted_later = meta["deletionTimestamp"]
        .as_str()
        .is_some_and(|ts| !at_or_before(ts, at));
    if deleted_later && let Some(meta) = object["metadata"].as_object_mut() {
        meta.remove("deletionTimestamp");
    }
    true
}

/// A Maestro DB row as of T: left out when created after T; a `deleted_at` (or a
/// `reconciled_date`) after T is cleared.
fn db_row_as_of(_table: &str, row: &mut Value, at: jiff::Timestamp) -> bool {
    if let Some(created) = row["created_at"].as_str()
        && !at_or_before(created, at)
    {
        return false;
    }
    for column in ["deleted_at", "reconciled_date"] {
        if row[column].as_str().is_some_and(|ts| !at_or_before(ts, at)) {
            row[column] = Value::Null;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(ts: &str) -> jiff::Timestamp {
        ts.parse().unwrap()
    }

    #[test]
    fn live_objects_and_rows_are_cut_at_the_moment() {
        let mut later =
            json!({"metadata": {"name": "x", "creationTimestamp": "2026-11-21T09:00:00Z"}});
        assert!(!object_as_of(&mut later, at("2026-11-21T08:00:00Z")));
        let mut deleting = json!({"metadata": {"name": "x", "creationTimestamp": "2026-11-21T07:00:00Z",
                                               "deletionTimestamp": "2026-11-21T09:00:00Z"}});
        assert!(object_as_of(&mut deleting, at("2026-11-21T08:00:00Z")));
        assert!(deleting["metadata"].get("deletionTimestamp").is_none());
        let mut row = json!({"id": "r", "created_at": "2026-11-21T07:00:00Z",
                             "deleted_at": "2026-11-21T09:00:00Z"});
        assert!(db_row_as_of(
            "resources",
            &mut row,
            at("2026-11-21T08:00:00Z")
        ));
        assert!(row["deleted_at"].is_null());
        let mut young = json!({"id": "r", "created_at": "2026-11-21T08:30:00Z"});
        assert!(!db_row_as_of(
            "resources",
            &mut young,
            at("2026-11-21T08:00:00Z")
        ));
    }
}
