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
        "--out",
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

#[test]
fn sql_reads_its_query_from_an_argument_a_file_or_stdin_and_out_names_the_format() {
    let env = Env::new();
    let sample = sample_bundle();
    let sample = sample.to_str().unwrap();
    let query = "SELECT count(*) AS n FROM resources";
    let run_stdin = |args: &[&str], stdin: &str| {
        let mut all = vec!["sql", sample];
        all.extend_from_slice(args);
        env.cmd().args(&all).write_stdin(stdin).output().unwrap()
    };
    let from_arg = stdout(&env.run(&["sql", sample, query, "-o", "csv"]));
    assert_eq!(from_arg, "n\n8\n");
    assert_eq!(stdout(&run_stdin(&["-o", "csv"], query)), from_arg, "stdin");
    assert_eq!(
        stdout(&run_stdin(&["-f", "-", "-o", "csv"], query)),
        from_arg,
        "-f -"
    );
    let file = env.path("count.sql");
    std::fs::write(&file, format!("-- how many bundles\n{query};\n")).unwrap();
    let from_file = env.run(&["sql", sample, "-f", file.to_str().unwrap(), "-o", "csv"]);
    assert_eq!(stdout(&from_file), from_arg, "{}", stderr(&from_file));

    let none = run_stdin(&[], "");
    assert_eq!(none.status.code(), Some(2));
    let both = env.run(&["sql", sample, query, "-f", file.to_str().unwrap()]);
    assert_eq!(both.status.code(), Some(2), "a query and -f conflict");

    // --out's extension picks the format when -o is not given; -o wins when it is.
    for (name, starts) in [
        ("r.csv", &b"n\n8"[..]),
        ("r.ndjson", &b"{\"n\":8}"[..]),
        ("r.json", &b"[\n  {\"n\":8}"[..]),
        ("r.parquet", &b"PAR1"[..]),
        // A table written to a file is plain columns, as when piped.
        ("r.txt", &b" n \n 8 \n(1 row)"[..]),
    ] {
        let out = env.path(name);
        let run = env.run(&["sql", sample, query, "--out", out.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(0), "{name}: {}", stderr(&run));
        let written = std::fs::read(&out).unwrap();
        assert!(
            written.starts_with(starts),
            "{name}: {}",
            String::from_utf8_lossy(&written)
        );
    }
    let forced = env.path("forced.parquet");
    env.run(&[
        "sql",
        sample,
        query,
        "--out",
        forced.to_str().unwrap(),
        "-o",
        "csv",
    ]);
    assert_eq!(std::fs::read_to_string(&forced).unwrap(), "n\n8\n");
}

#[test]
fn bundles_are_written_with_out_and_o_is_a_deprecated_spelling_that_refuses_formats() {
    let env = Env::new();
    let tree = repo().join("testdata/sample");
    let tree = tree.to_str().unwrap();
    let out = env.path("new.tar.zst");
    let packed = env.run(&["pack", tree, "--out", out.to_str().unwrap()]);
    assert_eq!(packed.status.code(), Some(0), "{}", stderr(&packed));
    assert!(!stderr(&packed).contains("warning"), "{}", stderr(&packed));
    assert!(out.exists());

    let old = env.path("old.tar.zst");
    let deprecated = env.run(&["pack", tree, "-o", old.to_str().unwrap()]);
    assert_eq!(deprecated.status.code(), Some(0), "{}", stderr(&deprecated));
    assert!(
        stderr(&deprecated).contains("warning: -o FILE is deprecated here: use --out"),
        "{}",
        stderr(&deprecated)
    );
    assert_eq!(std::fs::read(&old).unwrap(), std::fs::read(&out).unwrap());

    // `import ... -o json` used to write a bundle named `json`.
    let dir = env.path("cwd");
    std::fs::create_dir_all(&dir).unwrap();
    let refused = env
        .cmd()
        .current_dir(&dir)
        .args(["import", tree, "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("-o json: this command writes a bundle, not a format"));
    assert!(!dir.join("json").exists());
    let missing = env.run(&["pack", tree]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("--out FILE is required"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn piped_tables_are_plain_columns_without_a_width_limit() {
    let env = Env::new();
    let out = env.run(&[
        "sql",
        sample_bundle().to_str().unwrap(),
        "SELECT id, payload::VARCHAR AS payload FROM resources ORDER BY id LIMIT 2",
    ]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["id", "payload"],
        "{text}"
    );
    assert!(
        !text.contains('│') && !text.contains("---") && !text.contains('…'),
        "{text}"
    );
    // Long values are whole: the payload JSON parses from the line.
    let payload = lines[1].split_once("  ").unwrap().1.trim();
    assert!(payload.len() > 200, "{payload}");
    serde_json::from_str::<Value>(payload).unwrap();
    assert_eq!(lines.last(), Some(&"(2 rows)"));
}

#[test]
fn text_on_a_terminal_goes_through_the_pager_unless_told_not_to() {
    let env = Env::new();
    let sample = sample_bundle();
    let doctor = format!("doctor {} --brief", sample.display());
    let pager = [("MWTRACE_PAGER", "sed s/^/PAGED:/")];
    // Loaded first, so that no progress bar shares the terminal with the output.
    env.run(&["info", sample.to_str().unwrap()]);
    env.run(&["doctor", sample.to_str().unwrap(), "-o", "json"]);
    let paged = Terminal::new(&env).vars(&pager).run(&doctor);
    assert!(paged.starts_with("PAGED:3 critical"), "{paged}");
    assert!(paged.lines().all(|l| l.starts_with("PAGED:")), "{paged}");
    let unpaged = Terminal::new(&env)
        .vars(&pager)
        .run(&format!("{doctor} --no-pager"));
    assert!(
        unpaged.starts_with("3 critical") && !unpaged.contains("PAGED:"),
        "{unpaged}"
    );
    // PAGER is the fallback; an empty one turns paging off; JSON is never paged.
    let fallback = Terminal::new(&env)
        .vars(&[("PAGER", "sed s/^/P2:/")])
        .run(&doctor);
    assert!(fallback.starts_with("P2:"), "{fallback}");
    let off = Terminal::new(&env)
        .vars(&[("MWTRACE_PAGER", "")])
        .run(&doctor);
    assert!(off.starts_with("3 critical"), "{off}");
    let json = Terminal::new(&env)
        .vars(&pager)
        .run(&format!("{doctor} -o json"));
    assert!(json.starts_with('{'), "{json}");
    // A table on a terminal keeps its borders and goes through the pager too.
    let table = Terminal::new(&env)
        .vars(&pager)
        .run(&format!("sql {} 'SELECT 1 AS one'", sample.display()));
    assert!(table.starts_with("PAGED:╭"), "{table}");
    // Piped, no pager even when one is set.
    let piped = env
        .cmd()
        .args(["doctor", sample.to_str().unwrap(), "--brief"])
        .env("MWTRACE_PAGER", "sed s/^/PAGED:/")
        .output()
        .unwrap();
    assert!(stdout(&piped).starts_with("3 critical"));
}
