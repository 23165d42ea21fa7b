//! Which fields of a Kubernetes object changed between two revisions, as field paths people read
//! (`spec.replicas`, `metadata.labels.app`, `status.conditions[type=Available].status`). Used by
//! `mwtrace diff` (objects of two snapshots) and by the object history (`changed_paths`).
//!
//! What every write touches is left out, so that a path means someone or something changed the
//! object: `metadata.managedFields`, `metadata.resourceVersion`, and the heartbeat times inside
//! conditions (`lastHeartbeatTime`, `lastProbeTime`, `lastUpdateTime`: a ManagedCluster's lease
//! renews them every minute). `metadata.generation` and `status.observedGeneration` are kept:
//! they say a spec changed and whether a controller has seen it.
//!
//! Lists of objects that each carry a distinct `type` (conditions) or `name` (containers, env,
//! ports) are matched by that key, not by position: a condition inserted first does not shift
//! every other one into a change. Other lists are compared index by index (`args[2]`).
//!
//! Bounded for hostile input: below depth 100 a differing subtree is one path, and after 200
//! paths the list ends with one `…` entry.

use serde_json::{Map, Value};

/// Nesting below which a differing subtree is reported as one path instead of walked.
pub const MAX_DEPTH: usize = 100;
/// Paths returned at most; one more entry, [`TRUNCATED`], says the list was cut.
pub const MAX_PATHS: usize = 200;
/// The last entry of a list cut at [`MAX_PATHS`].
pub const TRUNCATED: &str = "…";

/// Fields of a condition that change at every heartbeat, not when the condition changes.
const HEARTBEAT_FIELDS: [&str; 3] = ["lastHeartbeatTime", "lastProbeTime", "lastUpdateTime"];

/// The field paths that differ between `old` and `new`, in the order of the object (new keys
/// after the old ones' places, removed keys where they were), at most [`MAX_PATHS`] and then
/// [`TRUNCATED`]. A path names the deepest field that differs: an added or removed key, a
/// changed scalar, or a value whose type changed. Empty when the two differ only in ignored
/// fields. Two differing scalars at the top give the path `.`.
pub fn changed_paths(old: &Value, new: &Value) -> Vec<String> {
    let mut walk = Walk {
        paths: Vec::new(),
        truncated: false,
    };
    walk.value(old, new, &mut String::new(), Context::Root, 0);
    let mut paths = walk.paths;
    if walk.truncated {
        paths.push(TRUNCATED.to_string());
    }
    paths
}

/// Where a map sits, for the fields ignored there.
#[derive(Clone, Copy, PartialEq)]
enum Context {
    /// The object itself.
    Root,
    /// Its `metadata`.
    Metadata,
    /// An element of a list named `conditions`.
    Condition,
    Other,
}

struct Walk {
    paths: Vec<String>,
    truncated: bool,
}

impl Walk {
    fn push(&mut self, path: &str) {
        if self.paths.len() >= MAX_PATHS {
            self.truncated = true;
        } else if path.is_empty() {
            self.paths.push(".".to_string());
        } else {
            self.paths.push(path.to_string());
        }
    }

    fn full(&self) -> bool {
        self.truncated
    }

    fn value(&mut self, old: &Value, new: &Value, path: &mut String, ctx: Context, depth: usize) {
        if old == new || self.full() {
            return;
        }
        if depth >= MAX_DEPTH {
            self.push(path);
            return;
        }
        match (old, new) {
            (Value::Object(a), Value::Object(b)) => self.map(a, b, path, ctx, depth),
            (Value::Array(a), Value::Array(b)) => {
                let in_conditions = path.ends_with(".conditions") || path == "conditions";
                self.array(a, b, path, in_conditions, depth)
            }
            _ => self.push(path),
        }
    }

    fn map(
        &mut self,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
        path: &mut String,
        ctx: Context,
        depth: usize,
    ) {
        let ignored = |key: &str| match ctx {
            Context::Metadata => key == "managedFields" || key == "resourceVersion",
            Context::Condition => HEARTBEAT_FIELDS.contains(&key),
            Context::Root | Context::Other => false,
        };
        let len = path.len();
        for (key, a) in old {
            if self.full() {
                return;
            }
            if ignored(key) {
                continue;
            }
            push_key(path, key);
            let child = if ctx == Context::Root && key == "metadata" {
                Context::Metadata
            } else {
                Context::Other
            };
            match new.get(key) {
                Some(b) => self.value(a, b, path, child, depth + 1),
                None => self.push(path),
            }
            path.truncate(len);
        }
        for key in new.keys() {
            if self.full() {
                return;
            }
            if old.contains_key(key) || ignored(key) {
                continue;
            }
            push_key(path, key);
            self.push(path);
            path.truncate(len);
        }
    }

    fn array(
        &mut self,
        old: &[Value],
        new: &[Value],
        path: &mut String,
        in_conditions: bool,
        depth: usize,
    ) {
        let ctx = if in_conditions {
            Context::Condition
        } else {
            Context::Other
        };
        let len = path.len();
        if let Some(key) = ["type", "name"]
            .into_iter()
            .find(|key| keyed(old, key).is_some() && keyed(new, key).is_some())
        {
            let old_keys = keyed(old, key).unwrap_or_default();
            let new_keys = keyed(new, key).unwrap_or_default();
            for (id, a) in old_keys.iter().zip(old) {
                if self.full() {
                    return;
                }
                push_match(path, key, id);
                match new_keys.iter().position(|k| k == id) {
                    Some(i) => self.value(a, &new[i], path, ctx, depth + 1),
                    None => self.push(path),
                }
                path.truncate(len);
            }
            for id in &new_keys {
                if self.full() {
                    return;
                }
                if !old_keys.contains(id) {
                    push_match(path, key, id);
                    self.push(path);
                    path.truncate(len);
                }
            }
            return;
        }
        for i in 0..old.len().max(new.len()) {
            if self.full() {
                return;
            }
            path.push_str(&format!("[{i}]"));
            match (old.get(i), new.get(i)) {
                (Some(a), Some(b)) => self.value(a, b, path, ctx, depth + 1),
                _ => self.push(path),
            }
            path.truncate(len);
        }
    }
}

/// The values of `key` of every element, when every element is an object whose `key` is a
/// string and no two share one; `None` otherwise (and for an empty list, which then matches
/// any keyed list on the other side).
fn keyed<'a>(list: &'a [Value], key: &str) -> Option<Vec<&'a str>> {
    let mut ids = Vec::with_capacity(list.len());
    for item in list {
        let id = item.get(key)?.as_str()?;
        if ids.contains(&id) {
            return None;
        }
        ids.push(id);
    }
    Some(ids)
}

/// `path.key`, or `path["key"]` when the key is not a plain word (`metadata.labels
/// ["api.openshift.com/id"]` stays one key).
fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&Value::String(key.to_string()).to_string());
        path.push(']');
    }
}

/// `path[key=id]`; an id holding `]` or a quote is written as a JSON string.
fn push_match(path: &mut String, key: &str, id: &str) {
    path.push('[');
    path.push_str(key);
    path.push('=');
    if id.is_empty() || id.contains([']', '"', '[', '=']) {
        path.push_str(&Value::String(id.to_string()).to_string());
    } else {
        path.push_str(id);
    }
    path.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hosted_cluster() -> Value {
        json!({
            "apiVersion": "hypershift.openshift.io/v1beta1",
            "kind": "HostedCluster",
            "metadata": {
                "name": "x8y5p7r4g6j9e3v",
                "namespace": "ocm-arohcpint-2qrppk0otds3rdmdcojqcqkqq8f0s591",
                "resourceVersion": "100",
                "generation": 3,
                "labels": {"app": "hc", "api.openshift.com/id": "2qrppk0otds3rdmdcojqcqkqq8f0s591"},
                "managedFields": [{"manager": "hypershift", "time": "2026-06-10T22:00:00Z"}]
            },
            "spec": {"replicas": 2, "containers": [
                {"name": "a", "image": "a:1", "args": ["--x", "--y"]},
                {"name": "b", "image": "b:1"}
            ]},
            "status": {
                "observedGeneration": 3,
                "conditions": [
                    {"type": "Available", "status": "True", "reason": "AsExpected",
                     "lastTransitionTime": "2026-06-10T20:00:00Z",
                     "lastHeartbeatTime": "2026-06-10T22:00:00Z"},
                    {"type": "Degraded", "status": "False", "reason": "AsExpected"}
                ]
            }
        })
    }

    fn edited(edit: impl FnOnce(&mut Value)) -> Vec<String> {
        let old = hosted_cluster();
        let mut new = old.clone();
        edit(&mut new);
        changed_paths(&old, &new)
    }

    #[test]
    fn identical_objects_have_no_changed_paths() {
        assert!(changed_paths(&hosted_cluster(), &hosted_cluster()).is_empty());
    }

    #[test]
    fn a_changed_scalar_is_its_dotted_path() {
        assert_eq!(
            edited(|o| o["spec"]["replicas"] = json!(3)),
            ["spec.replicas"]
        );
        assert_eq!(
            edited(|o| o["metadata"]["labels"]["app"] = json!("other")),
            ["metadata.labels.app"]
        );
    }

    #[test]
    fn added_and_removed_keys_are_paths() {
        let paths = edited(|o| {
            o["metadata"]["labels"]
                .as_object_mut()
                .unwrap()
                .remove("app");
            o["metadata"]["deletionTimestamp"] = json!("2026-06-10T23:00:00Z");
        });
        assert_eq!(paths, ["metadata.labels.app", "metadata.deletionTimestamp"]);
    }

    #[test]
    fn keys_that_are_not_words_are_quoted() {
        let paths = edited(|o| o["metadata"]["labels"]["api.openshift.com/id"] = json!("other"));
        assert_eq!(paths, [r#"metadata.labels["api.openshift.com/id"]"#]);
    }

    #[test]
    fn write_bookkeeping_is_ignored() {
        let paths = edited(|o| {
            o["metadata"]["resourceVersion"] = json!("101");
            o["metadata"]["managedFields"] = json!([{"manager": "other"}]);
            o["status"]["conditions"][0]["lastHeartbeatTime"] = json!("2026-06-10T22:01:00Z");
            o["status"]["conditions"][1]["lastProbeTime"] = json!("2026-06-10T22:01:00Z");
            o["status"]["conditions"][1]["lastUpdateTime"] = json!("2026-06-10T22:01:00Z");
        });
        assert!(paths.is_empty(), "{paths:?}");
    }

    #[test]
    fn generations_are_kept() {
        let paths = edited(|o| {
            o["metadata"]["generation"] = json!(4);
            o["status"]["observedGeneration"] = json!(4);
        });
        assert_eq!(paths, ["metadata.generation", "status.observedGeneration"]);
    }

    #[test]
    fn ignored_names_count_only_in_their_place() {
        // A spec field called resourceVersion, or a heartbeat outside conditions, is data.
        let paths = edited(|o| {
            o["spec"]["resourceVersion"] = json!("7");
            o["status"]["lastHeartbeatTime"] = json!("2026-06-10T22:01:00Z");
        });
        assert_eq!(paths, ["spec.resourceVersion", "status.lastHeartbeatTime"]);
    }

    #[test]
    fn conditions_are_matched_by_type() {
        let paths = edited(|o| {
            let conditions = o["status"]["conditions"].as_array_mut().unwrap();
            conditions.reverse();
            conditions[1]["status"] = json!("False");
            conditions[1]["reason"] = json!("WebhookDown");
            conditions.push(json!({"type": "Progressing", "status": "True"}));
        });
        assert_eq!(
            paths,
            [
                "status.conditions[type=Available].status",
                "status.conditions[type=Available].reason",
                "status.conditions[type=Progressing]",
            ]
        );
    }

    #[test]
    fn a_removed_condition_is_its_keyed_path() {
        let paths = edited(|o| {
            o["status"]["conditions"].as_array_mut().unwrap().remove(1);
        });
        assert_eq!(paths, ["status.conditions[type=Degraded]"]);
    }

    #[test]
    fn named_lists_are_matched_by_name_and_others_by_index() {
        let paths = edited(|o| {
            let containers = o["spec"]["containers"].as_array_mut().unwrap();
            containers.swap(0, 1);
            containers[1]["image"] = json!("a:2");
            containers[1]["args"][1] = json!("--z");
            containers[1]["args"]
                .as_array_mut()
                .unwrap()
                .push(json!("--w"));
        });
        assert_eq!(
            paths,
            [
                "spec.containers[name=a].image",
                "spec.containers[name=a].args[1]",
                "spec.containers[name=a].args[2]",
            ]
        );
    }

    #[test]
    fn lists_with_duplicate_keys_fall_back_to_indexes() {
        let old = json!({"items": [{"name": "a", "v": 1}, {"name": "a", "v": 2}]});
        let new = json!({"items": [{"name": "a", "v": 1}, {"name": "a", "v": 3}]});
        assert_eq!(changed_paths(&old, &new), ["items[1].v"]);
    }

    #[test]
    fn a_type_change_is_one_path() {
        let paths = edited(|o| o["spec"]["containers"] = json!("none"));
        assert_eq!(paths, ["spec.containers"]);
        assert_eq!(changed_paths(&json!(1), &json!(2)), ["."]);
    }

    #[test]
    fn odd_keys_in_matched_lists_are_quoted() {
        let old = json!({"conditions": [{"type": "a]b", "status": "True"}]});
        let new = json!({"conditions": [{"type": "a]b", "status": "False"}]});
        assert_eq!(
            changed_paths(&old, &new),
            [r#"conditions[type="a]b"].status"#]
        );
    }

    #[test]
    fn paths_are_capped() {
        let old: Map<String, Value> = (0..500).map(|i| (format!("k{i}"), json!(i))).collect();
        let new: Map<String, Value> = (0..500).map(|i| (format!("k{i}"), json!(-i - 1))).collect();
        let paths = changed_paths(&Value::Object(old), &Value::Object(new));
        assert_eq!(paths.len(), MAX_PATHS + 1);
        assert_eq!(paths[0], "k0");
        assert_eq!(paths.last().map(String::as_str), Some(TRUNCATED));
    }

    #[test]
    fn depth_is_bounded() {
        let mut old = json!(1);
        let mut new = json!(2);
        // serde_json refuses to parse deeper than 128; a value built in code can be deeper.
        for _ in 0..300 {
            old = json!({ "a": old });
            new = json!({ "a": new });
        }
        let paths = changed_paths(&old, &new);
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].matches('a').count(), MAX_DEPTH);
    }
}
