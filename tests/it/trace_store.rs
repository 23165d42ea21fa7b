//! The two trace stores, the index written at load and the loaded database, give the same
//! answer to every entry point, on a generated bundle of a few thousand resources
//! (bench/gen.py) with planted edge cases: works sharing a name, creation-time ties, unknown
//! creation times. Where the index cannot answer (nothing found: suggestions come from the
//! database), it must say so, never answer differently.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use mwtrace_analyze::load;
use mwtrace_analyze::store::{DbStore, IndexStore, StoreError};
use mwtrace_analyze::trace::{self, ManifestRef, Outcome, Query};
use mwtrace_bundle::progress::NoProgress;
use serde_json::Value;

use crate::common::*;

/// Resources in the generated bundle.
const SCALE: usize = 3000;

/// Every 40th resource is renamed to one shared work name; every 80th has no created_at.
fn plant_edge_cases(resources: &Path) {
    let text = std::fs::read_to_string(resources).unwrap();
    let mut out = std::fs::File::create(resources).unwrap();
    for (i, line) in text.lines().enumerate() {
        let mut row: Value = serde_json::from_str(line).unwrap();
        if i % 40 == 0 {
            row["payload"]["metadata"]["name"] = "shared-work".into();
        }
        if i % 80 == 0 {
            row["created_at"] = Value::Null;
        }
        writeln!(out, "{row}").unwrap();
    }
}

fn generated_bundle(env: &Env) -> std::path::PathBuf {
    let tree = env.path("tree");
    let status = Command::new("python3")
        .arg(repo().join("bench/gen.py"))
        .arg(SCALE.to_string())
        .arg(&tree)
        .args(["--payload-kb", "1-2", "--seed", "7"])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs bench/gen.py");
    assert!(status.success());
    plant_edge_cases(&tree.join("db/resources.ndjson"));
    let bundle = env.path("generated.tar.zst");
    let out = env.run(&[
        "pack",
        tree.to_str().unwrap(),
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    bundle
}

/// Every value of a column, as text.
fn column(conn: &duckdb::Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn index_and_database_answer_every_entry_point_alike() {
    let env = Env::new();
    let bundle = generated_bundle(&env);
    let db = env.path("generated.duckdb");
    let snapshot = load::open_snapshot(&bundle, Some(&db), &NoProgress).unwrap();
    let index = load::open_index(&bundle, Some(&db)).expect("the load writes a trace index");
    let conn = &snapshot.conn;

    let mut queries: Vec<Query> = Vec::new();
    let ids = column(conn, "SELECT id FROM resources ORDER BY id");
    assert!(ids.len() >= SCALE, "{} resources", ids.len());
    queries.extend(ids.iter().cloned().map(Query::ResourceId));
    queries.extend(
        column(
            conn,
            "SELECT DISTINCT work_name FROM resources WHERE work_name IS NOT NULL",
        )
        .into_iter()
        .map(Query::WorkName),
    );
    queries.extend(
        column(
            conn,
            "SELECT DISTINCT cid FROM resources WHERE cid IS NOT NULL",
        )
        .into_iter()
        .map(Query::ClusterId),
    );
    // Applied objects and the manifests of the DB rows, every kind, a sample of each.
    for m in column(
        conn,
        "SELECT kind || '/' || coalesce(namespace || '/', '') || name FROM
           (SELECT kind, namespace, name, row_number() OVER (PARTITION BY kind ORDER BY name) AS n
            FROM (SELECT kind, namespace, name FROM objects
                  UNION SELECT kind, namespace, name FROM mw_resource_manifests)
            WHERE name IS NOT NULL AND kind IS NOT NULL)
         WHERE n % 5 = 1",
    ) {
        queries.push(Query::Manifest(ManifestRef::parse(&m).unwrap()));
    }
    // Asked in other spellings, and absent.
    queries.push(Query::ResourceId(format!(" {} ", ids[1].to_uppercase())));
    queries.push(Query::ResourceId(
        "00000000-0000-0000-0000-000000000000".into(),
    ));
    queries.push(Query::WorkName("no-such-work".into()));
    queries.push(Query::ClusterId("no-such-cluster".into()));
    queries.push(Query::Manifest(
        ManifestRef::parse("deploy/nowhere/nothing").unwrap(),
    ));

    let shared = trace::run(&DbStore(conn), &Query::WorkName("shared-work".into())).unwrap();
    assert!(
        shared.works.len() >= SCALE / 40,
        "{} shared",
        shared.works.len()
    );

    let (mut same, mut deferred) = (0, 0);
    for query in &queries {
        let from_db = trace::run(&DbStore(conn), query).unwrap();
        match trace::run(&IndexStore(&index), query) {
            Ok(from_index) => {
                assert_eq!(from_index, from_db, "the stores differ on {query:?}");
                same += 1;
            }
            // Only an answer that needs suggestions may be deferred to the database.
            Err(StoreError::NeedsDatabase) => {
                assert_eq!(from_db.outcome, Outcome::NotFound, "{query:?} deferred");
                deferred += 1;
            }
            Err(e) => panic!("{query:?}: the index failed: {e}"),
        }
    }
    assert!(same > SCALE, "{same} answered alike");
    assert!(
        deferred >= 4,
        "the absent ones need the database: {deferred} deferred"
    );
}
