//! Rows of `kubernetesResourceSnapshots` (and lines of a bundle's `history/` files) to object
//! revisions: the event normalized (`ADDED`, `Modified`, `Deleted` -> Add, Update, Delete), the
//! object decoded (Kusto's `dynamic` column arrives as a JSON value or as a string holding
//! JSON), its bundle file chosen as a `kube/` object's would be, and redacted as `kube/` objects
//! are (`mwtrace_bundle::redact::redact`, every revision).

use serde::de::DeserializeSeed;
use serde_json::{Map, Value};

use super::super::kube_tree::{plural_of, safe_component};
use super::super::limits::{self, BoundedValue, Budget};
use super::super::{Ctx, Loc, Record, RevisionRecord};
use super::{Row, Table};
use mwtrace_bundle::history::{Event, Revision};
use mwtrace_bundle::kinds::resource_of_kind;
use mwtrace_bundle::layout::{CORE_GROUP, bundle_cluster_name};

/// What the row's columns say about its object (each falls back to the object's own fields).
#[derive(Default)]
pub(crate) struct Columns {
    pub kind: Option<String>,
    pub api_version: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub uid: Option<String>,
}

/// Where a revision goes when its file already says so (a bundle's `history/` file).
pub(crate) struct Placed<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub resource: &'a str,
}

/// One `kubernetesResourceSnapshots` row.
pub(crate) fn revision(ctx: &Ctx<'_>, mut row: Row, loc: Loc) -> Record {
    let ts = match row.timestamp() {
        Ok(ts) => ts,
        Err(message) => return ctx.error(loc, &message),
    };
    let event = match event(row.text("event")) {
        Ok(event) => event,
        Err(message) => return ctx.error(loc, &message),
    };
    let object = match object(row.take("object")) {
        Ok(object) => object,
        Err(message) => return ctx.error(loc, &message),
    };
    let columns = Columns {
        kind: row.text("objectkind"),
        api_version: row.text("apiversion"),
        namespace: row.text("namespace"),
        name: row.text("name"),
        uid: row.text("uid"),
    };
    let cluster_name = row.text("cluster").map(|c| bundle_cluster_name(&c));
    let revision = Revised {
        ts,
        event,
        object,
        columns,
        cluster_name,
        label: Table::Snapshots.label(),
    };
    build(ctx, revision, None, loc)
}

/// One line of a bundle's `history/` file, `{"ts", "event", "object"}`.
pub(crate) fn bundle_line(ctx: &Ctx<'_>, value: Value, placed: &Placed<'_>, loc: Loc) -> Record {
    let Value::Object(mut map) = value else {
        return ctx.error(loc, "not a history revision: not a JSON object");
    };
    let text =
        |m: &Map<String, Value>, key: &str| m.get(key).and_then(Value::as_str).map(str::to_string);
    let ts = match text(&map, "ts")
        .as_deref()
        .map(mwtrace_logs::parse::parse_ts_text)
    {
        Some(Some(ts)) => ts,
        _ => return ctx.error(loc, "not a history revision: no RFC 3339 ts"),
    };
    let event = match event(text(&map, "event")) {
        Ok(event) => event,
        Err(message) => return ctx.error(loc, &message),
    };
    let object = match object(map.remove("object")) {
        Ok(object) => object,
        Err(message) => return ctx.error(loc, &message),
    };
    let revision = Revised {
        ts,
        event,
        object,
        columns: Columns::default(),
        cluster_name: None,
        label: "mwtrace bundle",
    };
    build(ctx, revision, Some(placed), loc)
}

fn event(text: Option<String>) -> Result<Event, String> {
    let Some(text) = text else {
        return Err("no event".into());
    };
    Event::parse(&text).ok_or_else(|| {
        format!(
            "unknown event {text:?} (expected Add, Update or Delete, or ADDED, MODIFIED, DELETED)"
        )
    })
}

/// The `object` column: a JSON object, or a string holding one (decoded within the document
/// limits: size and nesting).
fn object(value: Option<Value>) -> Result<Map<String, Value>, String> {
    match value {
        Some(Value::Object(map)) => Ok(map),
        Some(Value::String(text)) if !text.trim().is_empty() => {
            let budget = Budget::json(limits::limits().document_bytes);
            let mut de = serde_json::Deserializer::from_str(&text);
            let decoded = BoundedValue(&budget)
                .deserialize(&mut de)
                .and_then(|v| de.end().map(|()| v));
            match decoded {
                Ok(Value::Object(map)) => Ok(map),
                Ok(_) => Err("object is not a JSON object".into()),
                Err(e) => Err(match budget.exceeded() {
                    Some(why) => format!("object: {why}"),
                    None => format!("object is not valid JSON: {e}"),
                }),
            }
        }
        Some(Value::Null) | Some(Value::String(_)) | None => Err("no object".into()),
        Some(_) => Err("object is not a JSON object".into()),
    }
}

struct Revised {
    ts: jiff::Timestamp,
    event: Event,
    object: Map<String, Value>,
    columns: Columns,
    cluster_name: Option<String>,
    label: &'static str,
}

fn build(ctx: &Ctx<'_>, r: Revised, placed: Option<&Placed<'_>>, loc: Loc) -> Record {
    let Revised {
        ts,
        event,
        mut object,
        columns,
        cluster_name,
        label,
    } = r;
    let own = |m: &Map<String, Value>, key: &str| {
        m.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let meta = object.get("metadata").and_then(Value::as_object);
    let from_meta = |key: &str| meta.and_then(|m| own(m, key));
    let kind = columns.kind.or_else(|| own(&object, "kind"));
    let api_version = columns.api_version.or_else(|| own(&object, "apiVersion"));
    let name = columns.name.or_else(|| from_meta("name"));
    let namespace = columns.namespace.or_else(|| from_meta("namespace"));
    let uid = columns.uid.or_else(|| from_meta("uid"));
    let (Some(kind), Some(api_version), Some(name)) = (kind, api_version, name) else {
        return ctx.error(
            loc,
            "no objectKind, apiVersion or name (in the row or its object)",
        );
    };
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (group.to_string(), version.to_string()),
        None => (String::new(), api_version.clone()),
    };
    let group_dir = if group.is_empty() { CORE_GROUP } else { &group };
    let (group_dir, version, plural, guessed) = match placed {
        Some(p) => (
            p.group.to_string(),
            p.version.to_string(),
            p.resource.to_string(),
            false,
        ),
        None => match resource_of_kind(&kind) {
            Some(known) => (group_dir.to_string(), version, known.to_string(), false),
            None => (group_dir.to_string(), version, plural_of(&kind), true),
        },
    };
    for (what, part) in [
        ("apiVersion group", group_dir.as_str()),
        ("apiVersion version", version.as_str()),
        ("resource", plural.as_str()),
    ] {
        if !safe_component(part) {
            return ctx.error(
                loc,
                &format!("{what} {part:?} cannot name a bundle file (letters, digits, '.', '-', '_' only)"),
            );
        }
    }
    if !object.contains_key("apiVersion") {
        object.insert("apiVersion".into(), Value::String(api_version.clone()));
    }
    if !object.contains_key("kind") {
        object.insert("kind".into(), Value::String(kind.clone()));
    }
    let namespace = namespace.unwrap_or_default();
    let name_key = format!("{kind}/{namespace}/{name}");
    let key = match &uid {
        Some(uid) => format!("u:{uid}"),
        None => format!("n:{name_key}"),
    };
    let mut object = Value::Object(object);
    let redacted = if ctx.redact {
        mwtrace_bundle::redact::redact(&mut object)
    } else {
        0
    };
    let revision = Revision {
        ts: ts.to_string(),
        event,
        object,
    };
    Record::Revision(RevisionRecord {
        cluster: ctx.cluster,
        cluster_name,
        group: group_dir,
        version,
        guessed_kind: guessed.then(|| format!("{kind} ({plural})")),
        plural,
        key,
        name_key,
        ts,
        delete: event == Event::Delete,
        line: serde_json::to_vec(&revision).expect("a JSON value serializes"),
        redacted,
        label,
    })
}
