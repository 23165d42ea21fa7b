//! `mwtrace collect --db postgres://...` against a real PostgreSQL holding Maestro's schema
//! (current and old), and the exec path's psql script run against the same server.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::common::*;
use crate::maestro_db::*;
use crate::pg::{DB, Pg};
use crate::snapshot::*;

/// Counts per table in the database, in the bundle's manifest, and through `mwtrace sql` agree.
fn assert_counts_match(env: &Env, pg: &Pg, db: &str, bundle: &std::path::Path) {
    let manifest = manifest(bundle);
    for table in TABLES {
        let in_db = pg.count(db, table);
        let record = manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == format!("db/{table}.ndjson"))
            .unwrap_or_else(|| panic!("no db/{table}.ndjson in {manifest:#}"));
        assert_eq!(
            record["rows"].as_u64(),
            Some(in_db),
            "rows of {table} in the manifest"
        );
        let loaded = sql_value(env, bundle, &format!("SELECT count(*) AS n FROM {table}"));
        assert_eq!(loaded, in_db.to_string(), "rows of {table} after loading");
    }
    assert!(
        !manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "db/migrations.ndjson"),
        "only Maestro's data tables are dumped"
    );
}

#[test]
fn direct_dump_of_the_current_schema_round_trips_to_a_trace() {
    let pg = Pg::start();
    load_current(&pg);
    let env = Env::new();
    let bundle = env.path("db.tar.zst");
    let out = collect(&env, &bundle, &["--db", &pg.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let manifest = manifest(&bundle);
    assert_eq!(manifest["origin"], "collect");
    assert_eq!(manifest["errors"], Value::Array(vec![]), "{manifest:#}");
    assert_eq!(manifest["redaction"]["secrets"], true);
    assert_counts_match(&env, &pg, DB, &bundle);

    // Every sample row comes back exactly as the testdata tree has it: jsonb as JSON values,
    // timestamps as RFC 3339 in UTC, every column under its own name.
    let files = files(&bundle);
    for table in [
        "resources",
        "events",
        "status_events",
        "consumers",
        "server_instances",
    ] {
        let dumped = rows(&files, &format!("db/{table}.ndjson")).unwrap();
        let dumped: Vec<Value> = dumped
            .into_iter()
            .filter(|r| r["id"] != SECRET_RESOURCE && r["resource_id"] != SECRET_RESOURCE)
            .collect();
        assert_eq!(
            multiset(&dumped),
            multiset(&sample_rows(table)),
            "rows of {table}"
        );
    }
    let instances = rows(&files, "db/event_instances.ndjson").unwrap();
    assert!(
        instances
            .iter()
            .all(|r| r["instance_id"] == READY_INSTANCE && r.get("spec_event_id").is_some())
    );

    let (code, report) = env.trace_json(&bundle, &["--resource-id", R1_HEALTHY]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["outcome"], "found");
    assert_eq!(report["works"][0]["resource_id"], R1_HEALTHY);
    assert_eq!(report["works"][0]["work_name"], R1_WORK);
    assert_eq!(
        report["works"][0]["manifests"][0]["name"],
        "maestro-e2e-upgrade-test"
    );
    // the metadata string of a 2024 row is decoded
    let (code, report) = env.trace_json(&bundle, &["--work-name", "legacy-string-metadata"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["works"][0]["resource_id"], R7_STRING_META);
}

#[test]
fn direct_dump_of_the_old_schema_is_normalized_by_the_loader() {
    let pg = Pg::start();
    load_old(&pg);
    let env = Env::new();
    let bundle = env.path("old.tar.zst");
    let out = collect(&env, &bundle, &["--db", &pg.url_of(OLD_DB)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_counts_match(&env, &pg, OLD_DB, &bundle);

    // The dump keeps the old column names; the loader maps them.
    let files = files(&bundle);
    let resources = rows(&files, "db/resources.ndjson").unwrap();
    let dumped: BTreeSet<String> = resources
        .iter()
        .flat_map(|r| r.as_object().unwrap().keys().cloned())
        .collect();
    let expected: BTreeSet<String> = [
        "id",
        "created_at",
        "updated_at",
        "deleted_at",
        "consumer_id",
        "version",
        "type",
        "manifest",
        "status",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(dumped, expected);
    let fixture = ndjson(&repo().join("testdata/variants/old-schema/db/resources.ndjson"));
    assert_eq!(multiset(&resources), multiset(&fixture));
    let status_events = rows(&files, "db/status_events.ndjson").unwrap();
    assert!(
        status_events[0].get("payload").is_none(),
        "{status_events:?}"
    );

    assert_eq!(
        sql_csv(
            &env,
            &bundle,
            "SELECT id, consumer_name, work_name, manifest_count, json_extract_string(manifests, '$[0].metadata.name') AS m
             FROM resources ORDER BY id"
        ),
        format!(
            "id,consumer_name,work_name,manifest_count,m\n\
             {OLD_BUNDLE_ID},df9d56b7-d4e1-4b03-9f6f-f2d4b5d721bb,old-schema-bundle,1,old-schema-bundle-cm\n\
             {OLD_SINGLE_ID},df9d56b7-d4e1-4b03-9f6f-f2d4b5d721bb,,1,old-schema-single-cm\n"
        )
    );
    let (code, report) = env.trace_json(&bundle, &["--resource-id", OLD_BUNDLE_ID]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["works"][0]["work_name"], "old-schema-bundle");
    assert_eq!(
        report["works"][0]["manifests"][0]["name"],
        "old-schema-bundle-cm"
    );
}

/// Every entry of the bundle as text, for substring searches.
fn all_text(bundle: &std::path::Path) -> String {
    entries(bundle)
        .into_iter()
        .map(|(path, content)| format!("== {path}\n{}\n", String::from_utf8_lossy(&content)))
        .collect()
}

#[test]
fn secrets_are_redacted_everywhere_unless_no_redact() {
    let pg = Pg::start();
    load_current(&pg);
    let env = Env::new();

    let bundle = env.path("redacted.tar.zst");
    let out = collect(&env, &bundle, &["--db", &pg.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = all_text(&bundle);
    for planted in PLANTED {
        assert!(!text.contains(planted), "{planted} leaked into the bundle");
        assert!(
            !text.contains(&base64(planted)),
            "base64 of {planted} leaked into the bundle"
        );
    }
    assert!(!text.contains("TOPSECRET"), "a planted value leaked");
    assert!(
        !text.contains(TOPSECRET_BASE64),
        "a planted base64 value leaked"
    );
    assert_eq!(manifest(&bundle)["redaction"]["secrets"], true);

    // What the redaction left: the keys, and markers with the values' lengths.
    let files = files(&bundle);
    let resources = rows(&files, "db/resources.ndjson").unwrap();
    let row = resources
        .iter()
        .find(|r| r["id"] == SECRET_RESOURCE)
        .expect("the secret-bearing row");
    let manifests = &row["payload"]["data"]["manifests"];
    assert_eq!(
        manifests[0]["data"]["password"],
        mwtrace_bundle::redact::marker("TOPSECRET-payload-1".len())
    );
    assert_eq!(
        manifests[0]["stringData"]["token"],
        mwtrace_bundle::redact::marker("TOPSECRET-payload-2".len())
    );
    let nested = &manifests[1]["spec"]["workload"]["manifests"][0];
    assert_eq!(
        nested["data"]["key"],
        mwtrace_bundle::redact::marker("TOPSECRET-nested-1".len())
    );
    let feedback =
        &row["status"]["data"]["resourceStatus"][0]["statusFeedback"]["values"][0]["fieldValue"];
    assert_eq!(feedback["type"], "String");
    assert!(
        mwtrace_bundle::redact::is_marker(feedback["string"].as_str().unwrap()),
        "{feedback}"
    );
    let raw = row["status"]["data"]["resourceStatus"][1]["statusFeedback"]["values"][0]["fieldValue"]["jsonRaw"]
        .as_str()
        .unwrap();
    let raw: Value = serde_json::from_str(raw).expect("jsonRaw stays JSON");
    assert_eq!(
        raw["data"]["tls.key"],
        mwtrace_bundle::redact::marker("TOPSECRET-jsonraw-1".len())
    );
    // everything else of the row is untouched
    assert_eq!(row["payload"]["metadata"]["name"], "secret-demo");
    assert_eq!(manifests[0]["metadata"]["name"], "db-creds");

    let clear = env.path("clear.tar.zst");
    let out = collect(&env, &clear, &["--db", &pg.url(), "--no-redact"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("SECRETS NOT REDACTED"),
        "{}",
        stderr(&out)
    );
    let text = all_text(&clear);
    for planted in PLANTED {
        assert!(
            text.contains(planted) || text.contains(&base64(planted)),
            "{planted} is missing from the --no-redact bundle"
        );
    }
    let manifest_text = String::from_utf8(files_of(&clear, "manifest.json")).unwrap();
    let manifest: Value = serde_json::from_str(&manifest_text).unwrap();
    assert_eq!(manifest["redaction"], serde_json::json!({"secrets": false}));
    assert!(
        manifest_text.contains("\"secrets\": false") || manifest_text.contains("\"secrets\":false")
    );
}

fn files_of(bundle: &std::path::Path, path: &str) -> Vec<u8> {
    files(bundle)
        .remove(path)
        .unwrap_or_else(|| panic!("no {path} in the bundle"))
}

#[test]
fn the_collector_transaction_refuses_writes() {
    let pg = Pg::start();
    load_current(&pg);
    let session = mwtrace_collect::db::session_sql(1000);
    let consumers = pg.count(DB, "consumers");
    for write in [
        "INSERT INTO consumers (id, name) VALUES ('intruder', 'intruder');",
        "UPDATE resources SET version = version + 1;",
        "DELETE FROM events;",
        "CREATE TABLE intruder (id text);",
    ] {
        let out = pg.psql(&format!("{session}\n{write}\n"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{write} succeeded in the collector's session"
        );
        assert!(err.contains("read-only transaction"), "{write}: {err}");
    }
    assert_eq!(pg.count(DB, "consumers"), consumers);
    assert_eq!(pg.count(DB, "events"), sample_rows("events").len() as u64);

    // The exec path's whole script is one such transaction: a write appended to it, after every
    // table was read, is refused too.
    let tables: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
    let script = mwtrace_collect::db::psql_script(&tables, 60000, None);
    let body = script
        .trim_end()
        .strip_suffix("ROLLBACK;")
        .expect("the script ends the transaction");
    let out = pg.psql_in(
        DB,
        &["-q", "-A", "-t"],
        &format!("{body}\nDELETE FROM resources;\n"),
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("cannot execute DELETE in a read-only transaction")
    );
    assert_eq!(
        pg.count(DB, "resources"),
        sample_rows("resources").len() as u64 + 1
    );

    // The statement timeout is in force in the same session.
    let out = pg.psql(&format!("{session}\nSELECT pg_sleep(5);\n"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("canceling statement due to statement timeout"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the exec path's psql script with the flags of `collect/db/exec.rs` and splits the output
/// by table, as the exec path does; every row is redacted as the collector redacts it.
fn exec_path_rows(pg: &Pg, cid: Option<&str>) -> BTreeMap<String, Vec<Value>> {
    // The table list comes from the same statement the exec path runs first.
    let listing = pg.psql_in(
        DB,
        &["-q", "-A", "-t"],
        &format!(
            "{}\n{};\n",
            mwtrace_collect::db::session_sql(60000),
            mwtrace_collect::db::tables_sql()
                .trim()
                .trim_end_matches(';')
        ),
    );
    assert!(
        listing.status.success(),
        "{}",
        String::from_utf8_lossy(&listing.stderr)
    );
    let reported: Vec<String> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let tables = mwtrace_collect::db::existing_tables(&reported);
    assert_eq!(tables, TABLES.map(String::from).to_vec());

    let script = mwtrace_collect::db::psql_script(&tables, 60000, cid);
    // exec.rs: psql -X -q -A -t -v ON_ERROR_STOP=1 ... -f -
    let out = pg.psql_in(DB, &["-q", "-A", "-t"], &script);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The exec path treats anything on stderr as a failure.
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "psql wrote to stderr"
    );
    let mut by_table: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    mwtrace_collect::db::demux_psql_output(out.stdout.as_slice(), |table, row| {
        let mut value: Value =
            serde_json::from_str(row).unwrap_or_else(|e| panic!("{table}: {e}: {row}"));
        mwtrace_bundle::redact::redact(&mut value);
        by_table.entry(table.to_string()).or_default().push(value);
        Ok(())
    })
    .unwrap();
    by_table
}

fn assert_same_rows(exec: &BTreeMap<String, Vec<Value>>, bundle: &std::path::Path) {
    let files = files(bundle);
    for table in TABLES {
        let direct = rows(&files, &format!("db/{table}.ndjson"))
            .unwrap_or_else(|| panic!("no db/{table}.ndjson"));
        let piped = exec.get(table).cloned().unwrap_or_default();
        assert_eq!(
            multiset(&piped),
            multiset(&direct),
            "rows of {table}: exec path vs direct path"
        );
    }
}

#[test]
fn the_exec_path_psql_script_gives_the_rows_of_the_direct_path() {
    let pg = Pg::start();
    load_current(&pg);
    let env = Env::new();

    let bundle = env.path("direct.tar.zst");
    let out = collect(&env, &bundle, &["--db", &pg.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let exec = exec_path_rows(&pg, None);
    assert_eq!(exec["resources"].len(), sample_rows("resources").len() + 1);
    assert_same_rows(&exec, &bundle);

    let scoped = env.path("scoped.tar.zst");
    let out = collect(&env, &scoped, &["--db", &pg.url(), "--cluster-id", CID]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let exec = exec_path_rows(&pg, Some(CID));
    assert_eq!(exec["resources"].len(), 2);
    assert_same_rows(&exec, &scoped);
}

#[test]
fn cluster_id_scopes_the_dump_to_one_hosted_cluster() {
    let pg = Pg::start();
    load_current(&pg);
    let env = Env::new();
    let bundle = env.path("scoped.tar.zst");
    let out = collect(&env, &bundle, &["--db", &pg.url(), "--cluster-id", CID]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files = files(&bundle);

    let ids: BTreeSet<String> = rows(&files, "db/resources.ndjson")
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let wanted: BTreeSet<String> = [R2_HCP, R3_FAILING].iter().map(|s| s.to_string()).collect();
    assert_eq!(ids, wanted);

    let expected_events: Vec<Value> = sample_rows("events")
        .into_iter()
        .filter(|e| wanted.contains(e["source_id"].as_str().unwrap()))
        .collect();
    assert_eq!(expected_events.len(), 3);
    assert_eq!(
        multiset(&rows(&files, "db/events.ndjson").unwrap()),
        multiset(&expected_events)
    );

    let expected_status: Vec<Value> = sample_rows("status_events")
        .into_iter()
        .filter(|e| wanted.contains(e["resource_id"].as_str().unwrap()))
        .collect();
    assert_eq!(expected_status.len(), 5);
    assert_eq!(
        multiset(&rows(&files, "db/status_events.ndjson").unwrap()),
        multiset(&expected_status)
    );

    // Tables without a cid are kept whole (they are small and give the context).
    assert_eq!(rows(&files, "db/consumers.ndjson").unwrap().len(), 1);
    assert_eq!(rows(&files, "db/server_instances.ndjson").unwrap().len(), 2);

    let (code, report) = env.trace_json(&bundle, &["--cluster-id", CID]);
    assert_eq!(code, 0, "{report:#}");
    let (code, _) = env.trace_json(&bundle, &["--resource-id", R1_HEALTHY]);
    assert_eq!(code, 1, "R1 is outside the scope");
}

#[test]
fn an_unreachable_database_is_recorded_and_the_bundle_still_written() {
    let env = Env::new();
    let port = crate::pg::closed_port();
    let bundle = env.path("nodb.tar.zst");
    let url = format!("postgres://postgres@127.0.0.1:{port}/maestro?sslmode=disable");
    let out = collect(&env, &bundle, &["--db", &url]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        bundle.is_file(),
        "the bundle is written even when the DB failed"
    );
    let manifest = manifest(&bundle);
    let errors = manifest["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{manifest:#}");
    assert_eq!(errors[0]["source"], "db");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    // the bundle is complete and verifiable
    let out = env.run(&["info", bundle.to_str().unwrap(), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn bad_db_and_cluster_id_values_are_usage_errors() {
    let env = Env::new();
    let bundle = env.path("never.tar.zst");
    let out = collect(&env, &bundle, &["--db", "mysql://x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("postgres:// URL"), "{}", stderr(&out));
    assert!(!bundle.exists());

    let out = collect(
        &env,
        &bundle,
        &[
            "--db",
            "postgres://postgres@127.0.0.1:1/maestro",
            "--cluster-id",
            "abc'; DROP TABLE resources",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--cluster-id"), "{}", stderr(&out));
    assert!(!bundle.exists());
}
