//! Maestro data: DB rows (`row_to_json` NDJSON, or one JSON array, per table, named by the file:
//! `resources.ndjson`, `resources.json`) and REST responses (`ResourceBundleList` pages and
//! `ConsumerList`s, or single items), mapped onto the DB columns the loader reads.
//!
//! A REST resource bundle is the DB row re-shaped by `pkg/api/presenters/resource_bundle.go`
//! (maestro-data-model.md §4); this module shapes it back: `metadata`, `manifests`,
//! `manifest_configs` and `delete_option` become `payload.{metadata, data.{manifests,
//! manifestConfigs, deleteOption}}`, and `status.{ObservedVersion, SequenceID, conditions,
//! resourceStatus}` becomes `status.{resourceversion, sequenceid, data.{conditions,
//! resourceStatus}}`. REST does not expose `source`, `type` or the CloudEvent envelope, so those
//! stay absent (NULL).

use serde_json::{Map, Value};

use super::{Ctx, Loc, Record, RestPageRecord, RowRank, RowRecord};

/// Kinds of the Maestro REST API's JSON documents.
pub(crate) const REST_KINDS: [&str; 4] = [
    "ResourceBundleList",
    "ResourceBundle",
    "ConsumerList",
    "Consumer",
];

/// One DB row of `table`, as dumped.
pub(crate) fn db_row(ctx: &Ctx<'_>, table: &'static str, value: Value, loc: Loc) -> Record {
    row(ctx, table, value, loc, true)
}

fn row(ctx: &Ctx<'_>, table: &'static str, mut value: Value, loc: Loc, from_db: bool) -> Record {
    let Some(map) = value.as_object() else {
        return ctx.error(loc, &format!("a {table} row must be a JSON object"));
    };
    let id = match map.get("id") {
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ if table == "event_instances" => None,
        _ => return ctx.error(loc, &format!("a {table} row without an id")),
    };
    let rank = RowRank {
        version: match map.get("version") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        },
        updated_at: map
            .get("updated_at")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| t.as_nanosecond()),
        from_db,
    };
    let redacted = if ctx.redact {
        mwtrace_bundle::redact::redact(&mut value)
    } else {
        0
    };
    Record::Row(RowRecord {
        table,
        id,
        rank,
        line: serde_json::to_vec(&value).expect("a JSON value serializes"),
        redacted,
        label: if from_db {
            "Maestro DB rows"
        } else {
            "Maestro REST list"
        },
    })
}

/// A REST document of one of [`REST_KINDS`]; Lists yield one record per item.
pub(crate) fn rest(ctx: &Ctx<'_>, kind: &str, value: Value, loc: Loc, out: &mut dyn FnMut(Record)) {
    let Value::Object(mut map) = value else {
        return out(ctx.error(loc, "not a JSON object"));
    };
    let (table, item_kind) = match kind {
        "ResourceBundleList" | "ResourceBundle" => ("resources", "ResourceBundle"),
        _ => ("consumers", "Consumer"),
    };
    if !kind.ends_with("List") {
        return out(rest_item(ctx, table, Value::Object(map), loc));
    }
    let number = |key: &str| match map.get(key) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    let mut page = RestPageRecord {
        table,
        page: number("page"),
        size: number("size"),
        total: number("total"),
        ids: Vec::new(),
    };
    match map.remove("items") {
        Some(Value::Array(items)) => {
            page.ids = items
                .iter()
                .filter_map(|item| match item.get("id") {
                    Some(Value::String(id)) => Some(id.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                })
                .collect();
            for (i, item) in items.into_iter().enumerate() {
                let loc = loc.item(i + 1);
                match item.get("kind").and_then(Value::as_str) {
                    Some(k) if k != item_kind => out(ctx.error(
                        loc,
                        &format!("a {kind} item of kind {k:?} (expected {item_kind})"),
                    )),
                    _ => out(rest_item(ctx, table, item, loc)),
                }
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => return out(ctx.error(loc, &format!("{kind}: items is not an array"))),
    }
    out(Record::RestPage(page));
}

pub(crate) fn rest_item(ctx: &Ctx<'_>, table: &'static str, item: Value, loc: Loc) -> Record {
    let Value::Object(item) = item else {
        return ctx.error(loc, "a REST item must be a JSON object");
    };
    let shaped = if table == "resources" {
        resource_row(item)
    } else {
        consumer_row(item)
    };
    row(ctx, table, Value::Object(shaped), loc, false)
}

/// A `ResourceBundle` as a `resources` row.
pub(crate) fn resource_row(mut item: Map<String, Value>) -> Map<String, Value> {
    let mut row = Map::new();
    for column in [
        "id",
        "name",
        "consumer_name",
        "version",
        "created_at",
        "updated_at",
        "deleted_at",
    ] {
        if let Some(value) = item.remove(column) {
            row.insert(column.into(), value);
        }
    }
    let mut metadata = item.remove("metadata").unwrap_or(Value::Null);
    // The server fills these in on read, from created_at and deleted_at; the DB has neither.
    if let Some(meta) = metadata.as_object_mut() {
        meta.shift_remove("creationTimestamp");
        meta.shift_remove("deletionTimestamp");
    }
    let mut data = Map::new();
    for (rest_key, payload_key) in [
        ("manifests", "manifests"),
        ("manifest_configs", "manifestConfigs"),
        ("delete_option", "deleteOption"),
    ] {
        if let Some(value) = item.remove(rest_key) {
            data.insert(payload_key.into(), value);
        }
    }
    let mut payload = Map::new();
    if !metadata.is_null() {
        payload.insert("metadata".into(), metadata);
    }
    payload.insert("data".into(), Value::Object(data));
    row.insert("payload".into(), Value::Object(payload));
    match item.remove("status") {
        Some(Value::Object(mut status)) if !status.is_empty() => {
            let mut shaped = Map::new();
            if let Some(v) = status.remove("ObservedVersion") {
                shaped.insert("resourceversion".into(), v);
            }
            if let Some(v) = status.remove("SequenceID") {
                shaped.insert("sequenceid".into(), v);
            }
            let mut data = Map::new();
            for key in ["conditions", "resourceStatus"] {
                if let Some(v) = status.remove(key) {
                    data.insert(key.into(), v);
                }
            }
            shaped.insert("data".into(), Value::Object(data));
            row.insert("status".into(), Value::Object(shaped));
        }
        _ => {
            row.insert("status".into(), Value::Null);
        }
    }
    row
}

/// A `Consumer` as a `consumers` row.
fn consumer_row(mut item: Map<String, Value>) -> Map<String, Value> {
    let mut row = Map::new();
    for column in [
        "id",
        "created_at",
        "updated_at",
        "deleted_at",
        "name",
        "labels",
    ] {
        if let Some(value) = item.remove(column) {
            row.insert(column.into(), value);
        }
    }
    row
}

/// A REST status as `pkg/api/presenters/resource_bundle.go` shapes it.
#[cfg(test)]
fn example_status() -> Value {
    serde_json::json!({"ObservedVersion": 1, "SequenceID": "1999832099518943232",
           "conditions": [{"type": "Applied", "status": "True"}], "resourceStatus": []})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rest_bundle_becomes_a_resources_row() {
        let text = include_str!("../../../testdata/import/rest/resource-bundles-page-1.json");
        let list: Value = serde_json::from_str(text).unwrap();
        let item = list["items"][0].as_object().unwrap().clone();
        let row = Value::Object(resource_row(item));
        assert_eq!(row["id"], "916777c0-0950-56c5-bb78-c884a111303b");
        assert_eq!(row["consumer_name"], "cluster1");
        assert_eq!(row["version"], 1);
        assert_eq!(row["payload"]["metadata"]["name"], "nginx-work");
        assert!(
            row["payload"]["metadata"]
                .get("creationTimestamp")
                .is_none()
        );
        assert_eq!(row["payload"]["data"]["manifests"][0]["kind"], "Deployment");
        assert_eq!(
            row["payload"]["data"]["manifestConfigs"][0]["updateStrategy"]["type"],
            "ServerSideApply"
        );
        assert_eq!(
            row["payload"]["data"]["deleteOption"]["propagationPolicy"],
            "Foreground"
        );
        assert!(row["status"].is_null());
        assert!(row.get("href").is_none() && row.get("kind").is_none());

        let mut with_status = list["items"][0].as_object().unwrap().clone();
        with_status.insert("status".into(), example_status());
        let row = Value::Object(resource_row(with_status));
        assert_eq!(row["status"]["resourceversion"], 1);
        assert_eq!(row["status"]["sequenceid"], "1999832099518943232");
        assert_eq!(row["status"]["data"]["conditions"][0]["type"], "Applied");
    }
}
