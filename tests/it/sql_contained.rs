//! `sql` renders any result in every format without a panic, and stays inside the snapshot:
//! no file written, no database attached, no extension installed, nothing fetched, nothing
//! read beside the snapshot unless `--allow-files`, and nothing under the user's home (#16).

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common::*;

/// Every type that once panicked on its way to polars, and the nested ones.
const ALL_TYPES: &str = "SELECT INTERVAL 1 DAY AS i, 1::HUGEINT AS h, 2::UHUGEINT AS u, \
    3::VARINT AS v, union_value(k := 1) AS un, MAP {'a': 1} AS m, '101'::BIT AS b, \
    TIME '01:02:03' AS t, TIMESTAMP_NS '2024-01-01 00:00:00.123456789' AS tn, \
    12345678901234567890123456789012345.67::DECIMAL(38,2) AS d, 'ab'::BLOB AS bl, \
    [1, 2] AS l, {'x': 1} AS s, NULL AS n, 'a'::ENUM('a', 'b') AS e";

fn sql(env: &Env, args: &[&str]) -> Output {
    let bundle = sample_bundle();
    let out = env
        .cmd()
        .env("HOME", env.path("home"))
        .arg("sql")
        .arg(&bundle)
        .args(args)
        .output()
        .expect("run mwtrace");
    assert_no_panic(&out);
    out
}

fn ok(env: &Env, args: &[&str]) -> Output {
    let out = sql(env, args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    out
}

/// A refusal: exit 2, one line on stderr containing `needle`.
fn refused(env: &Env, args: &[&str], needle: &str) {
    let out = sql(env, args);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {message}");
    assert!(message.contains(needle), "{args:?}: {message}");
    assert_eq!(message.trim_end().lines().count(), 1, "{args:?}: {message}");
}

fn check_row(row: &Value) {
    assert_eq!(row["i"], "1 days");
    assert_eq!(row["l"], "[1,2]", "nested values are JSON text");
    assert_eq!(row["s"], r#"{"x":1}"#);
    assert_eq!(row["m"], r#"{"a":1}"#);
    assert_eq!(row["un"], "1");
    assert_eq!(row["bl"], "6162");
    assert_eq!(row["e"], "a");
    assert_eq!(row["n"], Value::Null);
    assert!(row["t"].as_str().unwrap().starts_with("01:02:03"), "{row}");
    assert!(
        row["tn"].as_str().unwrap().contains("00:00:00.123456789"),
        "{row}"
    );
    assert_eq!(
        row["d"].to_string().trim_matches('"'),
        "12345678901234567890123456789012345.67"
    );
    assert_eq!(row["h"].to_string().trim_matches('"'), "1");
}

#[test]
fn sql_renders_every_type_in_every_format() {
    let env = Env::new();
    let json = ok(&env, &[ALL_TYPES, "-o", "json"]);
    let rows: Value = serde_json::from_slice(&json.stdout).unwrap();
    check_row(&rows[0]);
    // Each conversion is noted once.
    let notes = stderr(&json);
    assert_eq!(notes.matches("note: column i ").count(), 1, "{notes}");
    assert!(
        notes.contains("column l (") && notes.contains("JSON text"),
        "{notes}"
    );

    let ndjson = ok(&env, &[ALL_TYPES, "-o", "ndjson"]);
    check_row(&serde_json::from_str(stdout(&ndjson).trim()).unwrap());

    let csv = stdout(&ok(&env, &[ALL_TYPES, "-o", "csv"]));
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("i,h,u,v,un,m,b,t,tn,d,bl,l,s,n,e"));
    assert!(lines.next().unwrap().starts_with(r#"1 days,1,2,"#), "{csv}");

    let table = stdout(&ok(&env, &[ALL_TYPES, "-o", "table"]));
    assert!(table.contains("(1 row)"), "{table}");

    let parquet = env.path("all.parquet");
    ok(
        &env,
        &[
            ALL_TYPES,
            "-o",
            "parquet",
            "--out",
            parquet.to_str().unwrap(),
        ],
    );
    let back = ok(
        &env,
        &[
            &format!("SELECT * FROM read_parquet('{}')", parquet.display()),
            "--allow-files",
            "-o",
            "json",
        ],
    );
    let rows: Value = serde_json::from_slice(&back.stdout).unwrap();
    check_row(&rows[0]);
}

#[test]
fn sql_writes_an_empty_result_with_its_columns() {
    let env = Env::new();
    let query = "SELECT id, INTERVAL 1 DAY AS i FROM resources WHERE false";
    assert_eq!(stdout(&ok(&env, &[query, "-o", "csv"])), "id,i\n");
    assert_eq!(stdout(&ok(&env, &[query, "-o", "json"])), "[]\n");
    let table = stdout(&ok(&env, &[query]));
    assert!(table.contains("(0 rows)"), "{table}");
    let parquet = env.path("empty.parquet");
    ok(
        &env,
        &[query, "-o", "parquet", "--out", parquet.to_str().unwrap()],
    );
    let back = ok(
        &env,
        &[
            &format!(
                "DESCRIBE SELECT * FROM read_parquet('{}')",
                parquet.display()
            ),
            "--allow-files",
            "-o",
            "csv",
        ],
    );
    assert!(stdout(&back).contains("\nid,VARCHAR"), "{}", stdout(&back));
}

#[test]
fn sql_makes_duplicate_column_names_unique() {
    let env = Env::new();
    let query = "SELECT * FROM resources r JOIN resource_manifests m ON m.resource_id = r.id";
    for format in ["table", "csv", "json", "ndjson"] {
        let out = ok(&env, &[query, "-o", format]);
        assert!(
            stderr(&out).contains("duplicate column names made unique"),
            "{}",
            stderr(&out)
        );
    }
    let out = ok(&env, &["SELECT 1 AS a, 2 AS a, 3 AS a_2", "-o", "csv"]);
    assert_eq!(stdout(&out), "a,a_3,a_2\n1,2,3\n");
}

#[test]
fn sql_runs_several_statements_and_writes_the_last() {
    let env = Env::new();
    let out = ok(&env, &["SELECT 1; SELECT NULL AS n", "-o", "json"]);
    assert_eq!(stdout(&out), "[\n  {\"n\":null}\n]\n");
    let out = ok(
        &env,
        &[
            "CREATE TEMP TABLE t AS SELECT 42 AS x; SELECT x FROM t;",
            "-o",
            "csv",
        ],
    );
    assert_eq!(stdout(&out), "x\n42\n");
    refused(&env, &[" ; -- nothing\n"], "the query is empty");
}

#[test]
fn sql_renders_statements_describe_cannot_wrap() {
    let env = Env::new();
    for query in [
        "PRAGMA version",
        "SHOW TABLES",
        "SUMMARIZE resources",
        "EXPLAIN SELECT 1",
        "DESCRIBE resources",
        "CALL pragma_database_size()",
    ] {
        for format in ["table", "csv", "json"] {
            ok(&env, &[query, "-o", format]);
        }
    }
}

#[test]
fn sql_renders_variant_columns_as_text() {
    // duckdb-rs cannot decode VARIANT (duckdb_settings().typed_value): such columns are cast.
    let env = Env::new();
    let query = "SELECT name, typed_value FROM duckdb_settings() WHERE name = 'access_mode'";
    let out = ok(&env, &[query, "-o", "csv"]);
    assert_eq!(stdout(&out), "name,typed_value\naccess_mode,read_only\n");
    assert!(
        stderr(&out).contains("typed_value (VARIANT) is written as text"),
        "{}",
        stderr(&out)
    );
    ok(&env, &["SELECT * FROM duckdb_settings()", "-o", "table"]);
}

#[test]
fn sql_is_contained() {
    let env = Env::new();
    let target = |name: &str| env.path(name).to_string_lossy().into_owned();
    let input = env.path("in.csv");
    std::fs::write(&input, "a,b\n1,2\n").unwrap();
    let read_input = format!("SELECT * FROM read_csv('{}')", input.display());

    for flags in [&[][..], &["--allow-files"][..]] {
        let with = |query: String| [&[query.as_str()][..], flags].concat().join("\u{0}");
        for (query, needle) in [
            (
                format!("COPY (SELECT 1) TO '{}'", target("x.csv")),
                "refused: COPY",
            ),
            (
                format!("EXPORT DATABASE '{}'", target("export")),
                "refused: EXPORT",
            ),
            (
                format!("ATTACH '{}' (READ_WRITE)", target("a.db")),
                "refused: ATTACH",
            ),
            ("INSTALL httpfs".to_string(), "refused: INSTALL"),
            ("FORCE INSTALL httpfs".to_string(), "refused: FORCE"),
            ("LOAD httpfs".to_string(), "refused: LOAD"),
            (
                format!(
                    "SELECT 1; /* */ PREPARE p AS COPY (SELECT 1) TO '{}'",
                    target("p.csv")
                ),
                "refused: COPY",
            ),
            (
                "SELECT * FROM read_csv('https://example.com/a.csv')".to_string(),
                "never reaches the network",
            ),
            (
                "SET enable_external_access = true; SELECT 1".to_string(),
                "configuration has been locked",
            ),
            (
                "SET lock_configuration = false; SELECT 1".to_string(),
                "configuration has been locked",
            ),
        ] {
            let args = with(query);
            let args: Vec<&str> = args.split('\u{0}').collect();
            refused(&env, &args, needle);
        }
        // DuckDB refuses it for want of the secret type; persistent secrets are off anyway.
        let out = sql(
            &env,
            &[
                &["CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')"][..],
                flags,
            ]
            .concat(),
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    }
    refused(&env, &[&read_input], "--allow-files");
    let out = ok(&env, &[&read_input, "--allow-files", "-o", "csv"]);
    assert_eq!(stdout(&out), "a,b\n1,2\n");

    for name in ["x.csv", "export", "a.db", "p.csv"] {
        assert!(!env.path(name).exists(), "{name} was written");
    }
    assert_home_untouched(&env);
}

#[test]
fn loading_and_querying_leave_home_untouched_and_no_spill_behind() {
    let env = Env::new();
    std::fs::create_dir_all(env.path("home")).unwrap();
    ok(&env, &["SELECT count(*) FROM resources", "-o", "csv"]);
    let out = env
        .cmd()
        .env("HOME", env.path("home"))
        .args([
            "trace",
            sample_bundle().to_str().unwrap(),
            "--resource-id",
            R1_HEALTHY,
        ])
        .output()
        .unwrap();
    assert_no_panic(&out);
    assert_home_untouched(&env);
    let cache = env.cache().join("mwtrace");
    let leftovers: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".mwtrace-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn sql_connections_get_the_memory_limit_and_a_private_spill_directory() {
    let env = Env::new();
    let query =
        "SELECT current_setting('memory_limit') AS m, current_setting('temp_directory') AS t";
    let out = sql(&env, &[query, "-o", "json"]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let spill = rows[0]["t"].as_str().unwrap();
    assert!(
        Path::new(spill).starts_with(env.cache().join("mwtrace"))
            && spill.contains(".mwtrace-spill-"),
        "{spill}"
    );
    let out = env
        .cmd()
        .env("HOME", env.path("home"))
        .env("MWTRACE_MEMORY_LIMIT", "1GB")
        .args([
            "sql",
            sample_bundle().to_str().unwrap(),
            query,
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["m"], "953.6 MiB", "{rows}");
}

#[test]
fn sql_escapes_control_characters_in_tables_only() {
    let env = Env::new();
    let query = "SELECT chr(27) || '[2J' AS \"x\u{1b}]0;t\u{7}\"";
    let table = stdout(&ok(&env, &[query]));
    assert!(!table.contains('\u{1b}'), "{table:?}");
    assert!(table.contains("\\u{1b}[2J"), "{table}");
    assert!(table.contains("x\\u{1b}]0;t\\u{7}"), "{table}");
    let json: Value = serde_json::from_slice(&ok(&env, &[query, "-o", "json"]).stdout).unwrap();
    assert_eq!(json[0]["x\u{1b}]0;t\u{7}"], "\u{1b}[2J");
    let csv = stdout(&ok(&env, &[query, "-o", "csv"]));
    assert!(csv.contains("\u{1b}[2J"), "{csv:?}");
}

/// The user's home holds nothing DuckDB made (no `~/.duckdb`).
fn assert_home_untouched(env: &Env) {
    let home = env.path("home");
    let entries: Vec<_> = match std::fs::read_dir(&home) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    assert!(entries.is_empty(), "{entries:?}");
}
