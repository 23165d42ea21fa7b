//! The `history/` entries of a bundle: object revisions, one a line, as ARO HCP's Kusto table
//! `kubernetesResourceSnapshots` records them (an informer on each management cluster writes a
//! row on every Add, Update and Delete, with the whole object). Import writes them; the loader
//! reads them into `object_history`. One line:
//!
//! ```json
//! {"ts": "2026-11-21T09:05:12.5Z", "event": "Update", "object": {"apiVersion": "...", ...}}
//! ```
//!
//! `ts` is RFC 3339 UTC, `event` one of [`Event`], `object` the whole object (redacted as `kube/`
//! objects are). Lines are in the order they were imported; readers order them by `ts`.
//!
//! The latest revision of an object that still existed then (its last event is not a Delete)
//! and that the bundle holds no live copy of is also written under `kube/`, marked with the
//! annotation [`RECONSTRUCTED_AT`] whose value is that revision's `ts`.

use serde::{Deserialize, Serialize};

/// The annotation (in `metadata.annotations`) of a `kube/` object rebuilt from its last history
/// revision rather than read from the cluster; its value is that revision's `ts`.
pub const RECONSTRUCTED_AT: &str = "mwtrace.io/reconstructed-at";

/// What happened to the object at a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Event {
    Add,
    Update,
    Delete,
}

impl Event {
    /// The event as sources spell it: informer verbs (`Add`, `Update`, `Delete`), watch event
    /// types (`ADDED`, `MODIFIED`, `DELETED`), and their case and tense variants.
    pub fn parse(text: &str) -> Option<Event> {
        match text.trim().to_ascii_lowercase().as_str() {
            "add" | "added" | "create" | "created" => Some(Event::Add),
            "update" | "updated" | "modify" | "modified" => Some(Event::Update),
            "delete" | "deleted" => Some(Event::Delete),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Event::Add => "Add",
            Event::Update => "Update",
            Event::Delete => "Delete",
        }
    }
}

/// One line of a `history/` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// RFC 3339 UTC.
    pub ts: String,
    pub event: Event,
    pub object: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_normalized_from_every_spelling() {
        for (text, event) in [
            ("Add", Event::Add),
            ("ADDED", Event::Add),
            (" added ", Event::Add),
            ("Update", Event::Update),
            ("Modified", Event::Update),
            ("MODIFIED", Event::Update),
            ("Delete", Event::Delete),
            ("DELETED", Event::Delete),
        ] {
            assert_eq!(Event::parse(text), Some(event), "{text}");
        }
        assert_eq!(Event::parse("Bookmark"), None);
        assert_eq!(Event::parse(""), None);
    }

    #[test]
    fn a_revision_serializes_as_the_documented_line() {
        let revision = Revision {
            ts: "2026-11-21T09:05:12Z".into(),
            event: Event::Update,
            object: serde_json::json!({"kind": "Namespace"}),
        };
        assert_eq!(
            serde_json::to_string(&revision).unwrap(),
            r#"{"ts":"2026-11-21T09:05:12Z","event":"Update","object":{"kind":"Namespace"}}"#
        );
        let back: Revision =
            serde_json::from_str(r#"{"ts":"t","event":"Delete","object":{}}"#).unwrap();
        assert_eq!(back.event, Event::Delete);
    }
}
