//! Which object revisions become reconstructed `kube/` objects, with bounded memory.
//!
//! Revisions are streamed to their `history/` staging file as they are read (merge.rs); what
//! stays in memory is, per object (cluster and uid, else cluster, kind, namespace and name),
//! only its latest revision's time, whether it is a Delete, and where its line is (staging file,
//! line): never the objects themselves. At the end, the latest revisions that are not Deletes
//! and have no live object in the import (a `kube/` object of that cluster with that uid, or that
//! kind, namespace and name) are read back from the staging files, annotated
//! `mwtrace.io/reconstructed-at: <ts>`, and written under `kube/` beside the live objects.
//!
//! Latest: the greatest `ts`; on a tie, the revision read last (input order), so a Delete
//! recorded in the same instant as the Update before it wins.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value};

use mwtrace_bundle::history::{RECONSTRUCTED_AT, Revision};

/// The latest revision of every object seen in history.
#[derive(Default)]
pub(crate) struct Latest {
    by_object: HashMap<(u32, String), Last>,
    /// `Kind (plural)` of kinds whose plural was guessed, for a manifest note.
    pub guessed_kinds: BTreeSet<String>,
}

struct Last {
    ts: jiff::Timestamp,
    delete: bool,
    name_key: String,
    stage: usize,
    line: u64,
}

/// A revision's place and facts, as the merger staged it.
pub(crate) struct Staged {
    pub cluster: u32,
    pub key: String,
    pub name_key: String,
    pub ts: jiff::Timestamp,
    pub delete: bool,
    pub stage: usize,
    pub line: u64,
}

impl Latest {
    pub fn record(&mut self, revision: Staged) {
        let last = Last {
            ts: revision.ts,
            delete: revision.delete,
            name_key: revision.name_key,
            stage: revision.stage,
            line: revision.line,
        };
        match self
            .by_object
            .get_mut(&(revision.cluster, revision.key.clone()))
        {
            Some(kept) if kept.ts > last.ts => {}
            Some(kept) => *kept = last,
            None => {
                self.by_object
                    .insert((revision.cluster, revision.key), last);
            }
        }
    }

    /// The (staging file, line) of every revision to reconstruct, in staging order: the latest
    /// of its object, not a Delete, and no live object with its uid or name.
    pub fn to_reconstruct(
        &self,
        live_keys: &dyn Fn(u32, &str) -> bool,
        live_names: &HashSet<(u32, String)>,
    ) -> Vec<(usize, u64)> {
        let mut out: Vec<(usize, u64)> = self
            .by_object
            .iter()
            .filter(|((cluster, key), last)| {
                !last.delete
                    && !live_keys(*cluster, key)
                    && !live_names.contains(&(*cluster, last.name_key.clone()))
            })
            .map(|(_, last)| (last.stage, last.line))
            .collect();
        out.sort_unstable();
        out
    }
}

/// A staged history line made a `kube/` object: its object, with the annotation naming the
/// revision's time. None when the line is not a revision (never for lines import staged).
pub(crate) fn reconstructed(line: &[u8]) -> Option<Vec<u8>> {
    let revision: Revision = serde_json::from_slice(line).ok()?;
    let mut object = revision.object;
    let map = object.as_object_mut()?;
    let metadata = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()?;
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !annotations.is_object() {
        *annotations = Value::Object(Map::new());
    }
    annotations
        .as_object_mut()?
        .insert(RECONSTRUCTED_AT.into(), Value::String(revision.ts));
    serde_json::to_vec(&object).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged(key: &str, second: i64, delete: bool, line: u64) -> Staged {
        Staged {
            cluster: 0,
            key: key.into(),
            name_key: format!("K/ns/{key}"),
            ts: jiff::Timestamp::from_second(second).unwrap(),
            delete,
            stage: 0,
            line,
        }
    }

    #[test]
    fn the_latest_revision_wins_and_a_delete_ends_the_object() {
        let mut latest = Latest::default();
        latest.record(staged("u:a", 10, false, 0));
        latest.record(staged("u:a", 30, false, 2));
        latest.record(staged("u:a", 20, false, 1)); // older, read later
        latest.record(staged("u:b", 10, false, 3));
        latest.record(staged("u:b", 40, true, 4));
        latest.record(staged("u:c", 5, false, 5));
        let none = HashSet::new();
        assert_eq!(
            latest.to_reconstruct(&|_, _| false, &none),
            [(0, 2), (0, 5)]
        );
        let live_c = |_: u32, key: &str| key == "u:c";
        assert_eq!(latest.to_reconstruct(&live_c, &none), [(0, 2)]);
        let named: HashSet<(u32, String)> = [(0, "K/ns/u:a".to_string())].into();
        assert_eq!(latest.to_reconstruct(&|_, _| false, &named), [(0, 5)]);
    }

    #[test]
    fn a_reconstructed_object_carries_its_revision_time() {
        let line = br#"{"ts":"2026-11-21T09:40:00Z","event":"Update","object":{"kind":"Namespace","metadata":{"name":"a","annotations":{"x":"y"}}}}"#;
        let object: Value = serde_json::from_slice(&reconstructed(line).unwrap()).unwrap();
        assert_eq!(
            object["metadata"]["annotations"],
            serde_json::json!({"x": "y", "mwtrace.io/reconstructed-at": "2026-11-21T09:40:00Z"})
        );
        let bare = br#"{"ts":"2026-11-21T09:40:00Z","event":"Add","object":{"kind":"Namespace"}}"#;
        let object: Value = serde_json::from_slice(&reconstructed(bare).unwrap()).unwrap();
        assert_eq!(
            object["metadata"]["annotations"][RECONSTRUCTED_AT],
            "2026-11-21T09:40:00Z"
        );
    }
}
