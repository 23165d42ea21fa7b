//! The identifiers that join a log entry to the rest of the snapshot: the Maestro resource id,
//! the operation id, the work name and the CS cluster id (DESIGN.md §2).
//!
//! They come from structured fields when the logger had them (`resourceID`, `resourceid`,
//! `op-id`, `manifestWorkName`, `cid`, nested `extensions` and `logtracing` maps), and otherwise
//! from the text: klog prints a CloudEvent's `extensions` as `map[resourceid:… logtracing:{…}]`,
//! and unstructured messages carry `resourceID=…` inline (maestro-data-model.md §5, §7).

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ids {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cid: Option<String>,
}

impl Ids {
    fn complete(&self) -> bool {
        self.resource_id.is_some()
            && self.op_id.is_some()
            && self.work_name.is_some()
            && self.cid.is_some()
    }
}

/// `key=value`, `key:value`, `"key":"value"` and `\"key\":\"value\"` around each identifier.
static TEXT: LazyLock<Regex> = LazyLock::new(|| {
    // After `:` a space may follow (`op-id: x`); after `=` the value starts at once.
    let sep = r#"[\\"']*\s*(?:=|:\s*)[\\"']*"#;
    let uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    let alternatives = [
        format!(r"\bresource[_-]?id{sep}(?P<rid>{uuid})\b"),
        format!(
            r"\b(?:op-id|opid|op_id|operation[_-]?id){sep}(?P<op>[a-z0-9][a-z0-9._:-]{{0,127}})"
        ),
        format!(
            r"\b(?:manifest[_-]?work[_-]?name|work[_-]?name){sep}(?P<work>[a-z0-9][a-z0-9./-]{{0,252}})"
        ),
        format!(
            r"(?:\bapi\.openshift\.com/id|\bcluster[_-]?id|\bcid){sep}(?P<cid>[a-z0-9]{{32}})\b"
        ),
        r"\bocm-[a-z0-9]+-(?P<nscid>[a-z0-9]{32})\b".to_string(),
        format!(r"\bmetadata{sep}\{{[^{{}}]*?\bname{sep}(?P<mname>[a-z0-9][a-z0-9.-]{{0,252}})"),
    ];
    Regex::new(&format!("(?i){}", alternatives.join("|"))).expect("identifier regex")
});

pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_cid(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn is_token(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A work name given as `namespace/name` is the name.
fn work_of(s: &str) -> Option<String> {
    let name = s.rsplit('/').next().unwrap_or(s);
    is_token(name, 253).then(|| name.to_string())
}

fn set(slot: &mut Option<String>, value: Option<String>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// Identifiers of an entry from its message and structured fields.
pub fn extract(msg: &str, fields: &Map<String, Value>) -> Ids {
    let mut ids = Ids::default();
    let mut metadata_name = None;
    walk(fields, 0, &mut ids, &mut metadata_name);
    scan(msg, &mut ids);
    if !ids.complete() {
        scan_values(fields, 0, &mut ids);
    }
    set(&mut ids.work_name, metadata_name);
    // The agent names its in-memory ManifestWork after the resource id (maestro-data-model §3).
    if ids.resource_id.is_none()
        && let Some(work) = &ids.work_name
        && is_uuid(work)
    {
        ids.resource_id = Some(work.to_ascii_lowercase());
    }
    ids
}

fn normalized(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Identifiers from field names, at any depth of nested objects (and JSON held in strings).
fn walk(map: &Map<String, Value>, depth: usize, ids: &mut Ids, metadata_name: &mut Option<String>) {
    if depth > 4 {
        return;
    }
    for (key, value) in map {
        let key = normalized(key);
        if let Value::String(s) = value {
            let s = s.trim();
            match key.as_str() {
                "resourceid" if is_uuid(s) => {
                    set(&mut ids.resource_id, Some(s.to_ascii_lowercase()))
                }
                k if (k == "opid" || k.ends_with("opid") || k.ends_with("operationid"))
                    && is_token(s, 128) =>
                {
                    set(&mut ids.op_id, Some(s.to_string()))
                }
                "workname" | "manifestworkname" | "manifestwork" | "work" => {
                    set(&mut ids.work_name, work_of(s))
                }
                "cid" | "clusterid" | "apiopenshiftcomid" | "csclusterid" if is_cid(s) => {
                    set(&mut ids.cid, Some(s.to_string()))
                }
                _ => {}
            }
        }
        let nested = match value {
            Value::Object(inner) => Some(inner.clone()),
            // logtracing and metadata extensions are JSON text inside the event.
            Value::String(s) if s.trim_start().starts_with('{') => {
                serde_json::from_str::<Map<String, Value>>(s).ok()
            }
            _ => None,
        };
        if let Some(inner) = nested {
            if key == "metadata"
                && let Some(Value::String(name)) = inner.get("name")
            {
                set(metadata_name, work_of(name));
            }
            walk(&inner, depth + 1, ids, metadata_name);
        }
    }
}

/// Identifiers written inline in text.
fn scan(text: &str, ids: &mut Ids) {
    if ids.complete() || text.is_empty() {
        return;
    }
    for caps in TEXT.captures_iter(text) {
        if let Some(m) = caps.name("rid") {
            set(&mut ids.resource_id, Some(m.as_str().to_ascii_lowercase()));
        } else if let Some(m) = caps.name("op") {
            set(&mut ids.op_id, Some(m.as_str().to_string()));
        } else if let Some(m) = caps.name("work") {
            set(&mut ids.work_name, work_of(m.as_str()));
        } else if let Some(m) = caps.name("cid").or_else(|| caps.name("nscid")) {
            set(&mut ids.cid, Some(m.as_str().to_string()));
        } else if let Some(m) = caps.name("mname") {
            set(&mut ids.work_name, work_of(m.as_str()));
        }
        if ids.complete() {
            return;
        }
    }
}

/// Identifiers inline in the string values of fields (klog's printed maps, error texts).
fn scan_values(map: &Map<String, Value>, depth: usize, ids: &mut Ids) {
    if depth > 4 {
        return;
    }
    for value in map.values() {
        match value {
            Value::String(s) => scan(s, ids),
            Value::Object(inner) => scan_values(inner, depth + 1, ids),
            _ => {}
        }
        if ids.complete() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const R: &str = "1ee62e78-d2ca-5c49-8a65-01e695821450";
    const OP: &str = "e6317c0b-4c48-4ae5-836e-09b0d4c22763";
    const CID: &str = "2qrppk0otds3rdmdcojqcqkqq8f0s591";

    fn fields(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn from_structured_fields_at_any_depth() {
        let ids = extract(
            "Publishing resource",
            &fields(json!({"resourceID": R.to_uppercase(), "extensions": {
                "logtracing": format!("{{\"logging.open-cluster-management.io/op-id\":\"{OP}\"}}"),
                "metadata": {"name": "hc-work", "labels": {"api.openshift.com/id": CID}}}})),
        );
        assert_eq!(ids.resource_id.as_deref(), Some(R));
        assert_eq!(ids.op_id.as_deref(), Some(OP));
        assert_eq!(ids.work_name.as_deref(), Some("hc-work"));
        assert_eq!(ids.cid.as_deref(), Some(CID));
    }

    #[test]
    fn from_a_klog_printed_extensions_map() {
        let map = format!(
            "map[clustername:mgmt-1 logtracing:{{\"logging.open-cluster-management.io/op-id\":\"{OP}\"}} metadata:{{\"name\":\"hc-work\",\"namespace\":\"mgmt-1\"}} resourceid:{R} resourceversion:2]"
        );
        let ids = extract("Received event", &fields(json!({"extensions": map})));
        assert_eq!(ids.resource_id.as_deref(), Some(R));
        assert_eq!(ids.op_id.as_deref(), Some(OP));
        assert_eq!(ids.work_name.as_deref(), Some("hc-work"));
    }

    #[test]
    fn from_plain_text() {
        let ids = extract(
            &format!(
                "Failed to publish resource resourceID={R} op-id=\"{OP}\" in namespace ocm-arohcpint-{CID}"
            ),
            &Map::new(),
        );
        assert_eq!(
            (
                ids.resource_id.as_deref(),
                ids.op_id.as_deref(),
                ids.cid.as_deref()
            ),
            (Some(R), Some(OP), Some(CID))
        );
        let ids = extract(
            &format!("escaped JSON {{\\\"resourceid\\\":\\\"{R}\\\"}}"),
            &Map::new(),
        );
        assert_eq!(ids.resource_id.as_deref(), Some(R));
    }

    #[test]
    fn agent_work_names_are_resource_ids() {
        let ids = extract(
            "Reconciling",
            &fields(json!({"manifestWorkName": format!("mgmt-1/{R}")})),
        );
        assert_eq!(ids.work_name.as_deref(), Some(R));
        assert_eq!(ids.resource_id.as_deref(), Some(R));
    }

    #[test]
    fn nothing_from_lookalikes() {
        let ids = extract(
            "resourceID=not-a-uuid cid=short opid= clusters",
            &fields(json!({"resourceid": "x", "cid": "ABC"})),
        );
        assert_eq!(ids, Ids::default());
    }
}
