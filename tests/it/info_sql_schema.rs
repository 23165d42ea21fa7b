//! `info`, `sql` in every format, `schema`, and `pack` reproducing the sample bundle.

use serde_json::Value;

use crate::common::*;

#[test]
fn info_lists_and_verifies_the_bundle() {
    let env = Env::new();
    let out = env.run(&["info", sample_bundle().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("all 12 files verified"), "{text}");
    // a summary by default; every file with --verbose
    assert!(text.contains("Maestro DB: "), "{text}");
    assert!(!text.contains("db/resources.ndjson"), "{text}");
    let verbose = stdout(&env.run(&["info", sample_bundle().to_str().unwrap(), "-v"]));
    assert!(verbose.contains("db/resources.ndjson"), "{verbose}");
    assert!(
        text.contains("mgmt-1") && text.contains("management"),
        "{text}"
    );
    assert!(text.contains("secrets redacted"), "{text}");

    let out = env.run(&["info", sample_bundle().to_str().unwrap(), "-o", "json"]);
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["verified"], true);
    assert_eq!(info["manifest"]["format_version"], 1);
    let resources = info["manifest"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "db/resources.ndjson")
        .unwrap();
    assert_eq!(resources["rows"], 8);
}

const QUERY: &str = "SELECT id, work_name, manifest_count, applied, created_at FROM resources \
                     WHERE id IN ('55c61e54-a3f6-563d-9fec-b1fe297bdfdb', '3b323507-abeb-59db-b706-b04472f4eb5f') \
                     ORDER BY id";

fn sql(env: &Env, format: &str) -> String {
    let out = env.run(&[
        "sql",
        sample_bundle().to_str().unwrap(),
        QUERY,
        "-o",
        format,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn sql_writes_csv_json_ndjson_and_table() {
    let env = Env::new();
    let csv = sql(&env, "csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,work_name,manifest_count,applied,created_at");
    assert!(
        lines[1].starts_with("3b323507-abeb-59db-b706-b04472f4eb5f,pending-work,1,,2026-11-21"),
        "{csv}"
    );
    assert!(
        lines[2].starts_with(&format!("{R1_HEALTHY},{R1_WORK},1,true,2025-12-13")),
        "{csv}"
    );

    let json: Value = serde_json::from_str(&sql(&env, "json")).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert_eq!(json[1]["work_name"], R1_WORK);
    assert_eq!(json[0]["applied"], Value::Null);

    let ndjson = sql(&env, "ndjson");
    let rows: Vec<Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["work_name"], "pending-work");

    // Timestamps in the one machine form of mwtrace: RFC 3339, UTC, as trace JSON prints them.
    let created = |v: &Value| v["created_at"].as_str().unwrap().to_string();
    let rfc3339 = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$").unwrap();
    assert!(
        rfc3339.is_match(&created(&json[0])),
        "{}",
        created(&json[0])
    );
    assert_eq!(created(&rows[0]), created(&json[0]));
    let csv_created = lines[1].rsplit(',').next().unwrap();
    assert_eq!(csv_created, created(&json[0]), "{csv}");
    let (_, trace) = env.trace_json(&sample_bundle(), &["--resource-id", R1_HEALTHY]);
    let traced = trace["works"][0]["created_at"].as_str().unwrap();
    let sql_created = created(&json[1]);
    assert_eq!(
        sql_created.trim_end_matches('Z').split('.').next(),
        traced.trim_end_matches('Z').split('.').next(),
        "sql and trace print the same instant the same way"
    );

    let table = sql(&env, "table");
    assert!(
        table.contains("work_name") && table.contains("pending-work"),
        "{table}"
    );
    assert!(table.contains("(2 rows)"), "{table}");
}

#[test]
fn sql_casts_json_columns_and_writes_parquet() {
    let env = Env::new();
    let out = env.run(&[
        "sql",
        sample_bundle().to_str().unwrap(),
        "SELECT id, labels, manifests FROM resources WHERE cid IS NOT NULL ORDER BY id",
        "-o",
        "ndjson",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let first: Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    let labels: Value = serde_json::from_str(first["labels"].as_str().unwrap()).unwrap();
    assert_eq!(labels["api.openshift.com/id"], CID);

    let parquet = env.path("out.parquet");
    let out = env.run(&[
        "sql",
        sample_bundle().to_str().unwrap(),
        QUERY,
        "-o",
        "parquet",
        "--out",
        parquet.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bytes = std::fs::read(&parquet).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    // read it back through the tool's own engine
    let out = env.run(&[
        "sql",
        sample_bundle().to_str().unwrap(),
        &format!(
            "SELECT work_name FROM read_parquet('{}') ORDER BY 1",
            parquet.display()
        ),
        "-o",
        "csv",
        "--allow-files",
    ]);
    assert_eq!(
        stdout(&out),
        format!("work_name\n{R1_WORK}\npending-work\n")
    );
}

#[test]
fn sql_is_read_only_and_reports_bad_queries() {
    let env = Env::new();
    let out = env.run(&[
        "sql",
        sample_bundle().to_str().unwrap(),
        "DELETE FROM objects",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).to_lowercase().contains("read-only"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&[
        "sql",
        sample_bundle().to_str().unwrap(),
        "SELECT nope FROM resources",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
}

#[test]
fn schema_documents_tables_and_derived_columns() {
    let env = Env::new();
    let out = env.run(&["schema", sample_bundle().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for table in [
        "resources",
        "resource_manifests",
        "objects",
        "owner_refs",
        "applied_manifest_works",
        "applied_resources",
        "manifest_works",
        "managed_clusters",
        "hosted_clusters",
        "node_pools",
        "conditions",
        "events",
        "status_events",
        "consumers",
        "server_instances",
        "bundle_files",
        "collection_errors",
    ] {
        assert!(
            text.contains(&format!("\n{table} (")) || text.starts_with(&format!("{table} (")),
            "{table} missing"
        );
    }
    assert!(
        text.contains("work_name") && text.contains("derived: user work name"),
        "{text}"
    );
    // The two views that extract manifests on read are listed as views, with their columns.
    assert!(
        text.contains("\nresources (view): Maestro resource bundles"),
        "{text}"
    );
    assert!(text.contains("\nresource_manifests (view): "), "{text}");
    assert!(
        text.contains("derived on read: the manifest, extracted from resources.payload"),
        "{text}"
    );
}

#[test]
fn pack_reproduces_the_committed_sample_bundle() {
    let env = Env::new();
    let out_path = env.path("sample.tar.zst");
    let out = env.run(&[
        "pack",
        repo().join("testdata/sample").to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let digest = |path: &std::path::Path| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
    };
    assert_eq!(
        digest(&out_path),
        digest(&sample_bundle()),
        "testdata/sample.tar.zst is stale: regenerate it as testdata/README.md says"
    );
}
