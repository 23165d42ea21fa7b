//! The loaded database is cached by bundle digest and reused; --db puts it elsewhere.

use std::fs;
use std::path::PathBuf;

use crate::common::*;

fn cached_databases(env: &Env) -> Vec<PathBuf> {
    fs::read_dir(env.cache().join("mwtrace"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "duckdb"))
        .collect()
}

#[test]
fn second_run_reuses_the_cache_without_reloading() {
    let env = Env::new();
    let bundle = sample_bundle();
    let args = [
        "trace",
        bundle.to_str().unwrap(),
        "--resource-id",
        R1_HEALTHY,
        "-o",
        "json",
    ];
    let first = env.run(&args);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let dbs = cached_databases(&env);
    assert_eq!(dbs.len(), 1);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        fs::read(&bundle).unwrap(),
    ));
    assert_eq!(
        dbs[0].file_name().unwrap().to_str().unwrap(),
        format!("{sha}.duckdb")
    );
    let modified = fs::metadata(&dbs[0]).unwrap().modified().unwrap();

    let second = env.run(&args);
    assert_eq!(second.status.code(), Some(0));
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(cached_databases(&env), dbs);
    assert_eq!(
        fs::metadata(&dbs[0]).unwrap().modified().unwrap(),
        modified,
        "cache was rebuilt"
    );
    // no temporary load directories are left
    let leftovers: Vec<_> = fs::read_dir(env.cache().join("mwtrace"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".mwtrace-load-")
        })
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn db_flag_names_another_place() {
    let env = Env::new();
    let db = env.path("incident.duckdb");
    let out = env.run(&[
        "sql",
        sample_bundle().to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "SELECT count(*) AS n FROM resources",
        "-o",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "n\n8\n");
    assert!(db.exists());
    assert!(!env.cache().join("mwtrace").exists() || cached_databases(&env).is_empty());
}

#[test]
fn a_foreign_database_is_not_overwritten() {
    let env = Env::new();
    let db = env.path("mine.duckdb");
    fs::write(&db, b"not a duckdb file").unwrap();
    let out = env.run(&[
        "sql",
        sample_bundle().to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "SELECT 1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fs::read(&db).unwrap(), b"not a duckdb file");
}

#[test]
fn timings_profile_the_load_steps_then_the_queries_of_a_cached_trace() {
    let env = Env::new();
    let bundle = sample_bundle();
    let args = [
        "trace",
        bundle.to_str().unwrap(),
        "--resource-id",
        R1_HEALTHY,
        "-o",
        "json",
    ];
    let timed = |args: &[&str]| {
        let out = env
            .cmd()
            .args(args)
            .env("MWTRACE_TIMINGS", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stderr(&out)
    };
    let first = timed(&args);
    for step in [
        "staging",
        "resources",
        "objects",
        "CREATE TABLE work_manifests AS",
        "checkpoint",
    ] {
        assert!(
            first.lines().any(|l| l.ends_with(&format!("s  {step}"))),
            "no timing for {step}:\n{first}"
        );
    }
    // A cached trace the index cannot answer (a search) shows its queries.
    let bundle_arg = bundle.to_str().unwrap();
    let cached = timed(&["trace", bundle_arg, "--search", &R1_HEALTHY[..8]]);
    assert!(!cached.contains("staging"), "{cached}");
    assert!(
        cached
            .lines()
            .any(|l| l.contains(" s  SELECT") && l.contains("FROM clusters")),
        "{cached}"
    );
    // Without the variable, nothing is printed.
    assert_eq!(stderr(&env.run(&args)), "");
}

#[test]
fn the_trace_index_answers_as_the_database_does_and_a_damaged_one_is_ignored() {
    let env = Env::new();
    let bundle = sample_bundle();
    let bundle = bundle.to_str().unwrap();
    let manifests = [
        format!("hostedcluster/{HC_NAMESPACE}/x8y5p7r4g6j9e3v"),
        format!("nodepool/{HC_NAMESPACE}/x8y5p7r4g6j9e3v-np1"),
        format!("ns/{HC_NAMESPACE}"),
        "deploy/default/nginx".to_string(),
        "cm/default/legacy-config".to_string(),
        "deploy/maestro/maestro-agent".to_string(),
        "hc/clusters/bryans-cluster".to_string(),
        "deploy/default/no-such-thing".to_string(),
    ];
    let queries: Vec<Vec<&str>> = [
        R1_HEALTHY,
        R2_HCP,
        R3_FAILING,
        R4_DELETED,
        R5_STUCK,
        R6_PENDING,
        R7_STRING_META,
        R8_SINGLE,
    ]
    .iter()
    .map(|id| vec!["--resource-id", *id])
    .chain([
        vec!["--work-name", R1_WORK],
        vec!["--cluster-id", CID],
        vec!["--cluster-id", &CID[..10]],
        vec!["--resource-id", "00000000-0000-0000-0000-000000000000"],
    ])
    .chain(manifests.iter().map(|m| vec!["--manifest", m.as_str()]))
    .collect();
    let trace = |query: &[&str], output: &str| {
        let mut args = vec!["trace", bundle];
        args.extend_from_slice(query);
        args.extend(["-o", output]);
        let out = env
            .cmd()
            .args(&args)
            .env("MWTRACE_TIMINGS", "1")
            .output()
            .unwrap();
        assert_no_panic(&out);
        (out.status.code(), stdout(&out), stderr(&out))
    };
    // The first run loads the database and writes the index.
    trace(&queries[0], "json");
    let index = cached_databases(&env)[0].with_extension("duckdb.traces");
    assert!(index.exists(), "no trace index beside the database");

    let from_index: Vec<_> = queries
        .iter()
        .flat_map(|q| [trace(q, "json"), trace(q, "text")])
        .collect();
    let mut outcomes = Vec::new();
    for (q, (_, json, timings)) in queries.iter().zip(from_index.iter().step_by(2)) {
        let duckdb_opened = timings.lines().any(|l| l.ends_with("s  open"));
        let outcome = serde_json::from_str::<serde_json::Value>(json).unwrap()["outcome"]
            .as_str()
            .unwrap()
            .to_string();
        // Answers come from the index; nothing found needs the database's suggestions.
        assert_eq!(duckdb_opened, outcome == "not_found", "{q:?}:\n{timings}");
        assert!(timings.contains("open trace index"), "{timings}");
        outcomes.push(outcome);
    }
    // The manifests cover each outcome.
    for outcome in ["found", "not_managed", "not_found"] {
        assert!(
            outcomes.iter().any(|o| o == outcome),
            "{outcome}: {outcomes:?}"
        );
    }

    fs::write(&index, b"not an index").unwrap();
    let from_database: Vec<_> = queries
        .iter()
        .flat_map(|q| [trace(q, "json"), trace(q, "text")])
        .collect();
    for ((q, a), b) in queries
        .iter()
        .flat_map(|q| [q, q])
        .zip(&from_index)
        .zip(&from_database)
    {
        assert!(b.2.lines().any(|l| l.ends_with("s  open")), "{}", b.2);
        assert_eq!((a.0, &a.1), (b.0, &b.1), "{q:?}");
    }
}

#[test]
fn memory_limit_caps_the_load_and_a_bad_one_is_named() {
    let env = Env::new();
    let query = [
        "sql",
        "SELECT count(*) AS n FROM resource_manifests",
        "-o",
        "csv",
    ];
    let bundle = sample_bundle();
    let run = |limit: &str| {
        env.cmd()
            .env("MWTRACE_MEMORY_LIMIT", limit)
            .args([query[0], bundle.to_str().unwrap()])
            .args(&query[1..])
            .output()
            .unwrap()
    };
    let bad = run("lots");
    assert_eq!(bad.status.code(), Some(2));
    let message = stderr(&bad);
    assert!(
        message.contains("MWTRACE_MEMORY_LIMIT=lots: not a DuckDB memory limit"),
        "{message}"
    );
    assert!(cached_databases(&env).is_empty());

    // The cap is in effect: DuckDB's JSON reader alone needs more than 64 MB of buffers.
    let starved = run("64MB");
    assert_eq!(starved.status.code(), Some(2));
    let message = stderr(&starved);
    assert!(
        message.contains(
            "DuckDB ran out of memory (limit: MWTRACE_MEMORY_LIMIT=64MB); raise MWTRACE_MEMORY_LIMIT"
        ),
        "{message}"
    );
    assert!(cached_databases(&env).is_empty());

    let capped = run("1GB");
    assert_eq!(capped.status.code(), Some(0), "{}", stderr(&capped));
    assert_eq!(stdout(&capped), "n\n10\n");
}

#[test]
fn cache_commands_list_locate_and_prune_the_loaded_databases() {
    let env = Env::new();
    let sample = sample_bundle();
    let sample = sample.to_str().unwrap();

    let empty = env.run(&["cache", "ls"]);
    assert_eq!(empty.status.code(), Some(0), "{}", stderr(&empty));
    assert!(stdout(&empty).contains("0 databases"), "{}", stdout(&empty));

    // `cache path` loads the bundle when needed and prints the database DuckDB opens.
    let path = env.run(&["cache", "path", sample]);
    assert_eq!(path.status.code(), Some(0), "{}", stderr(&path));
    let db = PathBuf::from(stdout(&path).trim());
    assert_eq!(cached_databases(&env), vec![db.clone()]);

    // A database another mwtrace wrote (here: not a database at all) is listed as not current.
    let foreign = env
        .cache()
        .join("mwtrace")
        .join(format!("{}.duckdb", "ab".repeat(32)));
    fs::write(&foreign, b"not a database").unwrap();
    let listed: serde_json::Value =
        serde_json::from_slice(&env.run(&["cache", "ls", "-o", "json"]).stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let ours = listed
        .iter()
        .find(|e| e["database"] == db.to_str().unwrap())
        .unwrap();
    assert_eq!(ours["current"], true);
    assert_eq!(ours["bundle_path"], sample);
    assert!(ours["bytes"].as_u64().unwrap() > 0 && ours["loaded_at"].is_string());
    let theirs = listed.iter().find(|e| e["current"] == false).unwrap();
    assert_eq!(theirs["database"], foreign.to_str().unwrap());
    let text = stdout(&env.run(&["cache", "ls"]));
    assert!(
        text.contains("2 databases") && text.contains("?*"),
        "{text}"
    );
    assert!(
        text.contains("written by another mwtrace version"),
        "{text}"
    );

    // Prune removes what cannot be used, keeps the current one; --all --dry-run only says.
    let pruned = stdout(&env.run(&["cache", "prune", "--older-than", "7d"]));
    assert!(pruned.contains("freed 1 of 2 databases"), "{pruned}");
    assert!(!foreign.exists() && db.exists());
    let dry = stdout(&env.run(&["cache", "prune", "--all", "--dry-run"]));
    assert!(dry.contains("would free 1 of 1 databases"), "{dry}");
    assert!(db.exists());
    env.run(&["cache", "prune", "--all"]);
    assert!(cached_databases(&env).is_empty());
    assert!(
        !PathBuf::from(format!("{}.traces", db.display())).exists(),
        "the index goes too"
    );

    let bad = env.run(&["cache", "prune", "--older-than", "seven days ago"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("not an age such as 7d"),
        "{}",
        stderr(&bad)
    );
}
