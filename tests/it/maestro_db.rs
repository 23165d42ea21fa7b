//! Maestro databases for the collector's tests: the schema of
//! `reference/maestro-data-model.md` §1 (current), an older one (`manifest` and `consumer_id`
//! columns, no `name`; `status_events` without `payload`), filled from the testdata trees, and a
//! resource that carries Secrets in every place the redaction must reach.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::*;
use crate::pg::{DB, Pg};

/// The database holding the old schema.
pub const OLD_DB: &str = "maestro_old";

/// The resource whose payload and status carry the planted Secrets.
pub const SECRET_RESOURCE: &str = "5ec2e7a1-0b5e-5c1e-9a3f-7e57da7a0001";

/// The ready server instance of the sample.
pub const READY_INSTANCE: &str = "maestro-maestro-6c9d8b7f4d-7xk2p";

/// Every planted secret value, in clear. All start with `TOPSECRET`, so the base64 form of each
/// starts with [`TOPSECRET_BASE64`].
pub const PLANTED: [&str; 7] = [
    "TOPSECRET-payload-1",
    "TOPSECRET-payload-2",
    "TOPSECRET-nested-1",
    "TOPSECRET-nested-2",
    "TOPSECRET-feedback-1",
    "TOPSECRET-jsonraw-1",
    "TOPSECRET-status-event-1",
];

/// base64("TOPSECRET"): the prefix of every planted value that sits in a Secret's `data`.
pub const TOPSECRET_BASE64: &str = "VE9QU0VDUkVU";

/// The tables the collector dumps (all but `migrations`), in its order.
pub const TABLES: [&str; 6] = [
    "resources",
    "events",
    "status_events",
    "consumers",
    "server_instances",
    "event_instances",
];

/// Maestro's schema after all migrations, as the derived DDL of maestro-data-model.md §1 gives it.
pub const CURRENT_SCHEMA: &str = include_str!("../../testdata/maestro-schema.sql");

/// A database first migrated in March 2024 and upgraded in the summer of 2024: the migrations
/// edited in place later never ran again (§1 "Schema history caveats"), so `resources` keeps
/// `consumer_id` and `manifest` and has no `name` or `source`, `status_events` has no `payload`,
/// and the December 2024 migrations (heartbeat columns, `spec_event_id`) have not run yet.
pub const OLD_SCHEMA: &str = r#"
CREATE TABLE migrations (id varchar(255) PRIMARY KEY);

CREATE TABLE consumers (
  id          text PRIMARY KEY,
  created_at  timestamptz,
  updated_at  timestamptz,
  deleted_at  timestamptz,
  name        text NOT NULL,
  labels      jsonb
);
CREATE UNIQUE INDEX idx_consumers_name ON consumers (name);

CREATE TABLE resources (
  id           text PRIMARY KEY,
  created_at   timestamptz,
  updated_at   timestamptz,
  deleted_at   timestamptz,
  consumer_id  text,
  version      bigint NOT NULL,
  type         text,
  manifest     jsonb,
  status       jsonb
);
ALTER TABLE resources ADD CONSTRAINT fk_resources_consumers
  FOREIGN KEY (consumer_id) REFERENCES consumers(id);

CREATE TABLE events (
  id               text PRIMARY KEY,
  created_at       timestamptz,
  updated_at       timestamptz,
  deleted_at       timestamptz,
  source           text,
  source_id        text,
  event_type       text,
  reconciled_date  timestamptz
);

CREATE TABLE status_events (
  id                 text PRIMARY KEY,
  created_at         timestamptz,
  updated_at         timestamptz,
  deleted_at         timestamptz,
  resource_id        text,
  resource_source    text,
  resource_type      text,
  status             jsonb,
  status_event_type  text,
  reconciled_date    timestamptz
);

CREATE TABLE server_instances (
  id          text PRIMARY KEY,
  created_at  timestamptz,
  updated_at  timestamptz,
  deleted_at  timestamptz
);

CREATE TABLE event_instances (
  event_id     text,
  instance_id  text
);

INSERT INTO migrations (id) VALUES ('201911212019'), ('202309020925'), ('202311151850'),
  ('202311151856'), ('202311151859'), ('202401151014'), ('202406241426'), ('202406241506');
"#;

/// Rows of an NDJSON file.
pub fn ndjson(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

/// The rows of one table of the sample tree (`testdata/sample/db/<table>.ndjson`), if any.
pub fn sample_rows(table: &str) -> Vec<Value> {
    let path = repo().join(format!("testdata/sample/db/{table}.ndjson"));
    if path.exists() {
        ndjson(&path)
    } else {
        Vec::new()
    }
}

/// One INSERT per row: `jsonb_populate_record` maps the JSON keys onto the table's columns.
fn inserts(table: &str, rows: &[Value]) -> String {
    let mut sql = String::new();
    for row in rows {
        let text = row.to_string();
        assert!(
            !text.contains("$mwtrace$"),
            "row of {table} holds the quoting tag"
        );
        sql.push_str(&format!(
            "INSERT INTO {table} SELECT * FROM jsonb_populate_record(NULL::{table}, $mwtrace${text}$mwtrace$::jsonb);\n"
        ));
    }
    sql
}

/// The `maestro` database: current schema, the sample rows, the planted Secrets, and
/// `event_instances` rows tying status and spec events to the ready server instance.
pub fn load_current(pg: &Pg) {
    let mut sql = String::from("BEGIN;\n");
    sql.push_str(CURRENT_SCHEMA);
    for table in [
        "consumers",
        "server_instances",
        "resources",
        "events",
        "status_events",
    ] {
        sql.push_str(&inserts(table, &sample_rows(table)));
    }
    sql.push_str(&inserts("resources", &[secret_resource()]));
    sql.push_str(&inserts("status_events", &[secret_status_event()]));
    sql.push_str(&format!(
        "INSERT INTO event_instances (event_id, instance_id)
           SELECT id, '{READY_INSTANCE}' FROM status_events ORDER BY id;
         INSERT INTO event_instances (instance_id, spec_event_id)
           SELECT '{READY_INSTANCE}', id FROM events WHERE reconciled_date IS NOT NULL ORDER BY id;\n"
    ));
    sql.push_str("COMMIT;\n");
    pg.psql_ok(DB, &sql);
}

/// The `maestro_old` database: old schema, the old-schema variant's rows, and one row in each
/// other table so that every old column shape is dumped.
pub fn load_old(pg: &Pg) {
    pg.psql_ok("postgres", &format!("CREATE DATABASE {OLD_DB};"));
    let dir = repo().join("testdata/variants/old-schema/db");
    let mut sql = String::from("BEGIN;\n");
    sql.push_str(OLD_SCHEMA);
    sql.push_str(&inserts(
        "consumers",
        &ndjson(&dir.join("consumers.ndjson")),
    ));
    sql.push_str(&inserts(
        "resources",
        &ndjson(&dir.join("resources.ndjson")),
    ));
    sql.push_str(&inserts("events", &old_events()));
    sql.push_str(&inserts("status_events", &old_status_events()));
    sql.push_str(&inserts(
        "server_instances",
        &[
            json!({"id": "maestro", "created_at": "2024-03-20T15:57:40.118004+00:00",
                 "updated_at": "2024-03-20T15:57:40.118004+00:00", "deleted_at": null}),
        ],
    ));
    sql.push_str(
        "INSERT INTO event_instances (event_id, instance_id) SELECT id, 'maestro' FROM status_events;\n",
    );
    sql.push_str("COMMIT;\n");
    pg.psql_ok(OLD_DB, &sql);
}

pub const OLD_BUNDLE_ID: &str = "16bcad32-fd6d-515c-b65a-99aa00952419";
pub const OLD_SINGLE_ID: &str = "601f465e-f571-4fc0-bdfd-b748e7e2ef4b";

fn old_events() -> Vec<Value> {
    [(OLD_BUNDLE_ID, "0b8d1c9e-1f0e-4d55-9a8e-3c1c7b2f6a01"), (OLD_SINGLE_ID, "0b8d1c9e-1f0e-4d55-9a8e-3c1c7b2f6a02")]
        .iter()
        .map(|(resource, id)| {
            json!({"id": id, "created_at": "2024-03-20T16:05:11.3+00:00", "updated_at": "2024-03-20T16:05:11.4+00:00",
                   "deleted_at": null, "source": "Resources", "source_id": resource, "event_type": "Create",
                   "reconciled_date": "2024-03-20T16:05:11.4+00:00"})
        })
        .collect()
}

fn old_status_events() -> Vec<Value> {
    vec![
        json!({"id": "7d0c3e51-5b2a-4f7e-8c1d-2a9e6f4b8c01", "created_at": "2024-06-25T10:00:00+00:00",
                "updated_at": "2024-06-25T10:00:00+00:00", "deleted_at": null,
                "resource_id": OLD_BUNDLE_ID, "resource_source": "clusters-service",
                "resource_type": "Bundle", "status": {"resourceversion": 1, "data": {"conditions": [
                    {"type": "Applied", "status": "True", "reason": "AppliedManifestWorkComplete"}]}},
                "status_event_type": "StatusUpdate", "reconciled_date": null}),
    ]
}

/// A Secret manifest; `data` holds `base64` values, `stringData` clear text.
fn secret(
    name: &str,
    namespace: &str,
    data: &[(&str, &str)],
    string_data: &[(&str, &str)],
) -> Value {
    let data: serde_json::Map<String, Value> = data
        .iter()
        .map(|(k, v)| (k.to_string(), base64(v).into()))
        .collect();
    let string_data: serde_json::Map<String, Value> = string_data
        .iter()
        .map(|(k, v)| (k.to_string(), (*v).into()))
        .collect();
    json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
           "metadata": {"name": name, "namespace": namespace},
           "data": data, "stringData": string_data})
}

/// A resource row carrying Secrets in all the places of issue 3 point 5: a Secret manifest in
/// `payload.data.manifests`, a Secret inside a ManifestWork that is itself such a manifest
/// (`spec.workload.manifests`), status feedback read from the Secret (`resourceMeta` kind
/// Secret), and a `jsonRaw` feedback string that holds a whole Secret.
pub fn secret_resource() -> Value {
    let top = secret(
        "db-creds",
        "default",
        &[("password", "TOPSECRET-payload-1")],
        &[("token", "TOPSECRET-payload-2")],
    );
    let nested = secret(
        "nested-creds",
        "ocm-arohcpint-planted",
        &[("key", "TOPSECRET-nested-1")],
        &[("key2", "TOPSECRET-nested-2")],
    );
    let work = json!({
        "apiVersion": "work.open-cluster-management.io/v1", "kind": "ManifestWork",
        "metadata": {"name": "secret-demo-nested", "namespace": "local-cluster"},
        "spec": {"workload": {"manifests": [nested]}}});
    let raw = secret(
        "tls-creds",
        "default",
        &[("tls.key", "TOPSECRET-jsonraw-1")],
        &[],
    );
    let status_condition = json!({"type": "Applied", "status": "True", "reason": "AppliedManifestComplete",
                                  "message": "Apply manifest complete", "lastTransitionTime": "2026-11-21T09:30:01Z"});
    json!({
        "name": SECRET_RESOURCE, "id": SECRET_RESOURCE,
        "created_at": "2026-11-21T09:30:00.5+00:00", "updated_at": "2026-11-21T09:30:02.25+00:00",
        "deleted_at": null, "source": "clusters-service", "consumer_name": "mgmt-1", "version": 1, "type": "",
        "payload": {
            "specversion": "1.0", "id": "0f1e2d3c-4b5a-4968-8776-655443322110",
            "type": "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request",
            "source": "clusters-service", "datacontenttype": "application/json",
            "resourceid": SECRET_RESOURCE, "resourceversion": 0, "clustername": "mgmt-1",
            "logtracing": "{}", "time": "2026-11-21T09:30:00.5Z",
            "metadata": {"name": "secret-demo", "namespace": "mgmt-1", "uid": SECRET_RESOURCE,
                         "resourceVersion": "0", "labels": {"app": "secret-demo"}},
            "data": {
                "manifests": [top, work],
                "manifestConfigs": [{
                    "resourceIdentifier": {"group": "", "resource": "secrets", "name": "db-creds", "namespace": "default"},
                    "feedbackRules": [{"type": "JSONPaths", "jsonPaths": [{"name": "password", "path": ".data.password"}]}]}],
                "deleteOption": {"propagationPolicy": "Foreground"}}},
        "status": {
            "specversion": "1.0", "id": "1a2b3c4d-5e6f-4789-8abc-def012345678",
            "type": "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request",
            "source": "mgmt-1-work-agent", "resourceid": SECRET_RESOURCE, "clustername": "mgmt-1",
            "resourceversion": 1, "sequenceid": "1861234567890123456", "originalsource": "maestro",
            "data": {
                "conditions": [status_condition],
                "resourceStatus": [
                    {"resourceMeta": {"ordinal": 0, "group": "", "version": "v1", "kind": "Secret",
                                      "resource": "secrets", "name": "db-creds", "namespace": "default"},
                     "conditions": [status_condition],
                     "statusFeedback": {"values": [
                         {"name": "password", "fieldValue": {"type": "String", "string": "TOPSECRET-feedback-1"}}]}},
                    {"resourceMeta": {"ordinal": 1, "group": "work.open-cluster-management.io", "version": "v1",
                                      "kind": "ManifestWork", "resource": "manifestworks",
                                      "name": "secret-demo-nested", "namespace": "local-cluster"},
                     "conditions": [status_condition],
                     "statusFeedback": {"values": [
                         {"name": "lastApplied", "fieldValue": {"type": "JsonRaw", "jsonRaw": raw.to_string()}}]}}]}}
    })
}

/// A status event whose payload repeats a Secret (status events carry payloads since 2024-12).
fn secret_status_event() -> Value {
    let leaked = secret(
        "event-creds",
        "default",
        &[],
        &[("password", "TOPSECRET-status-event-1")],
    );
    json!({"id": "c0ffee00-1111-4222-8333-944455556666", "created_at": "2026-11-21T09:30:02.25+00:00",
           "updated_at": "2026-11-21T09:30:02.25+00:00", "deleted_at": null,
           "resource_id": SECRET_RESOURCE, "resource_source": "clusters-service", "resource_type": "",
           "payload": {"specversion": "1.0", "data": {"manifests": [leaked]}},
           "status": null, "status_event_type": "StatusUpdate", "reconciled_date": null})
}

/// Standard padded base64 (the encoding of Secret `data`), without a crate.
pub fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_the_standard_encoding() {
    assert_eq!(base64("TOPSECRET"), TOPSECRET_BASE64);
    assert_eq!(
        base64("TOPSECRET-payload-1"),
        "VE9QU0VDUkVULXBheWxvYWQtMQ=="
    );
    assert_eq!(base64("ab"), "YWI=");
}
