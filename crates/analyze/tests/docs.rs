//! The parts of `docs/` that are generated from the code, and the test that keeps them current:
//! the doctor rule catalog in `docs/doctor.md` (from the rule headers, as `doctor::catalog()`
//! parses them) and the SQL schema in `docs/sql.md` (the sample bundle loaded into DuckDB, read
//! back from `duckdb_tables()`, `duckdb_views()` and `duckdb_columns()` with the loader's
//! `COMMENT ON` lines). The schema is read from a loaded database rather than parsed from
//! `comments.sql` because the comments only cover some columns: the loaded database is the
//! schema users query.
//!
//! Each block sits between a `<!-- generated: NAME; ... -->` line and `<!-- end generated -->`.
//! The test fails when a block differs from a fresh rendering; with `MWTRACE_UPDATE_DOCS=1` it
//! rewrites the block instead.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use duckdb::Connection;
use mwtrace_analyze::doctor::{self, Rule};
use mwtrace_analyze::load;
use mwtrace_analyze::query::rows;
use mwtrace_bundle::progress::NoProgress;

const UPDATE_ENV: &str = "MWTRACE_UPDATE_DOCS";
const END_MARKER: &str = "<!-- end generated -->";
/// Every table and view the loader comments on: what a rule can read.
const COMMENTS_SQL: &str = include_str!("../src/load/comments.sql");

fn repo_root() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo test")).join("../..")
}

/// The tables and views named in `COMMENT ON TABLE|VIEW` lines.
fn relations() -> BTreeSet<String> {
    COMMENTS_SQL
        .lines()
        .filter_map(|line| {
            let rest = line
                .strip_prefix("COMMENT ON TABLE ")
                .or_else(|| line.strip_prefix("COMMENT ON VIEW "))?;
            Some(rest.split_whitespace().next()?.to_string())
        })
        .collect()
}

/// The tables and views a rule's query reads (named after FROM or JOIN), in the order they first
/// appear; `snapshot`, which every rule reads for its clock, is left out.
fn reads(sql: &str, relations: &BTreeSet<String>) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut previous = "";
    for word in sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
    {
        let after_from =
            previous.eq_ignore_ascii_case("from") || previous.eq_ignore_ascii_case("join");
        if after_from
            && word != "snapshot"
            && relations.contains(word)
            && !found.iter().any(|f| f == word)
        {
            found.push(word.to_string());
        }
        previous = word;
    }
    found
}

/// Text safe inside a Markdown table cell, on one line.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The doctor rule catalog: a summary table, then each rule's explanation and next step.
fn catalog_markdown(rules: &[Rule], relations: &BTreeSet<String>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} rules, in the order findings of equal severity are reported.\n",
        rules.len()
    );
    out.push_str("| Rule | Severity | Title | Reads |\n| --- | --- | --- | --- |\n");
    for rule in rules {
        let m = &rule.meta;
        let tables = reads(&rule.sql, relations)
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "| [`{id}`](#{id}) | {} | {} | {tables} |",
            m.severity.as_str(),
            cell(&m.title),
            id = m.id,
        );
    }
    for rule in rules {
        let m = &rule.meta;
        let _ = write!(
            out,
            "\n### {id}\n\n**{}**: {}. \
             [`crates/analyze/src/doctor/rules/{file}`](../crates/analyze/src/doctor/rules/{file})\n\n\
             {}\n\nNext step: {}\n",
            m.severity.as_str(),
            m.title.trim(),
            m.explanation
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            m.next_step.split_whitespace().collect::<Vec<_>>().join(" "),
            id = m.id,
            file = rule.file,
        );
    }
    out
}

/// Every table and view of a loaded database with its columns, types and comments.
fn schema_markdown(conn: &Connection) -> duckdb::Result<String> {
    let relations = rows(
        conn,
        "SELECT table_name, 'table', coalesce(comment, '') FROM duckdb_tables()
         WHERE NOT temporary AND NOT internal
         UNION ALL
         SELECT view_name, 'view', coalesce(comment, '') FROM duckdb_views()
         WHERE NOT internal AND NOT temporary
         ORDER BY 1",
        [],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )?;
    let mut out = String::new();
    let names: Vec<String> = relations
        .iter()
        .map(|(name, _, _)| format!("[`{name}`](#{name})"))
        .collect();
    let _ = writeln!(out, "{}", names.join(", "));
    for (name, kind, comment) in &relations {
        let _ = write!(out, "\n### {name}\n\n{kind}: {}\n\n", cell(comment));
        out.push_str("| Column | Type | Meaning |\n| --- | --- | --- |\n");
        let columns = rows(
            conn,
            "SELECT column_name, data_type, coalesce(comment, '') FROM duckdb_columns()
             WHERE table_name = ? AND NOT internal ORDER BY column_index",
            [name],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )?;
        for (column, ty, comment) in columns {
            let _ = writeln!(out, "| `{column}` | {} | {} |", cell(&ty), cell(&comment));
        }
    }
    Ok(out)
}

/// Compares the block `name` of `doc` (a path from the repository root) with `rendered`; rewrites
/// it when `MWTRACE_UPDATE_DOCS=1`, else fails saying how to.
fn check_block(doc: &str, name: &str, rendered: &str) {
    let path = repo_root().join(doc);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let start_prefix = format!("<!-- generated: {name};");
    let start = text
        .find(&start_prefix)
        .unwrap_or_else(|| panic!("{doc}: no line starting with `{start_prefix}`"));
    let body_start = start
        + text[start..]
            .find('\n')
            .unwrap_or_else(|| panic!("{doc}: nothing after the `{name}` marker"))
        + 1;
    let body_end = body_start
        + text[body_start..]
            .find(END_MARKER)
            .unwrap_or_else(|| panic!("{doc}: no `{END_MARKER}` after the `{name}` marker"));
    let current = &text[body_start..body_end];
    if current == rendered {
        return;
    }
    if std::env::var(UPDATE_ENV).as_deref() == Ok("1") {
        let updated = format!("{}{rendered}{}", &text[..body_start], &text[body_end..]);
        fs::write(&path, updated).unwrap_or_else(|e| panic!("{doc}: {e}"));
        eprintln!("{doc}: rewrote the generated {name} block");
        return;
    }
    let first_difference = current
        .lines()
        .zip(rendered.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| current.lines().count().min(rendered.lines().count()));
    panic!(
        "{doc}: the generated {name} block is stale (first difference at line {} of the block: \
         {:?} in the file, {:?} generated).\n\
         Regenerate it and commit the file:\n  \
         {UPDATE_ENV}=1 cargo test --workspace --test docs",
        first_difference + 1,
        current.lines().nth(first_difference).unwrap_or("<end>"),
        rendered.lines().nth(first_difference).unwrap_or("<end>"),
    );
}

/// Compares the whole file `doc` with `rendered`, as `check_block` does for a block.
fn check_file(doc: &str, rendered: &str) {
    let path = repo_root().join(doc);
    let current = fs::read_to_string(&path).unwrap_or_default();
    if current == rendered {
        return;
    }
    if std::env::var(UPDATE_ENV).as_deref() == Ok("1") {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, rendered).unwrap_or_else(|e| panic!("{doc}: {e}"));
        eprintln!("{doc}: rewrote it");
        return;
    }
    panic!(
        "{doc} is stale or missing. Regenerate it and commit the file:\n  \
         {UPDATE_ENV}=1 cargo test --workspace --test docs"
    );
}

/// The JSON Schemas of the JSON outputs (`docs/schemas/`), generated from the types that
/// serialize them, so the published contract is the code's. Real outputs are validated
/// against them by the binary's tests (tests/it/json_schemas.rs).
#[test]
fn json_schemas_are_current() {
    fn pretty(schema: schemars::Schema) -> String {
        serde_json::to_string_pretty(&schema).unwrap() + "\n"
    }
    use mwtrace_analyze::{diff, doctor, log_query, timeline, trace, transitions};
    check_file(
        "docs/schemas/trace.schema.json",
        &pretty(schemars::schema_for!(trace::TraceReport)),
    );
    check_file(
        "docs/schemas/diff.schema.json",
        &pretty(schemars::schema_for!(diff::DiffReport)),
    );
    check_file(
        "docs/schemas/doctor.schema.json",
        &pretty(schemars::schema_for!(doctor::DoctorReport)),
    );
    check_file(
        "docs/schemas/doctor-rules.schema.json",
        &pretty(schemars::schema_for!(doctor::Catalog)),
    );
    check_file(
        "docs/schemas/logs.schema.json",
        &pretty(schemars::schema_for!(Vec<log_query::LogLine>)),
    );
    check_file(
        "docs/schemas/timeline.schema.json",
        &pretty(schemars::schema_for!(timeline::TimelineReport)),
    );
    check_file(
        "docs/schemas/transitions.schema.json",
        &pretty(schemars::schema_for!(transitions::TransitionsReport)),
    );
}

#[test]
fn doctor_rule_catalog_is_current() {
    let rules = doctor::catalog().expect("the embedded rules parse");
    check_block(
        "docs/doctor.md",
        "doctor rules",
        &catalog_markdown(&rules, &relations()),
    );
}

#[test]
fn sql_schema_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sample.duckdb");
    let sample = repo_root().join("testdata/sample.tar.zst");
    let snapshot = load::open_snapshot(&sample, Some(&db), &NoProgress).expect("sample loads");
    check_block(
        "docs/sql.md",
        "sql schema",
        &schema_markdown(&snapshot.conn).unwrap(),
    );
}

#[test]
fn a_rule_reads_the_tables_its_query_names() {
    let relations = relations();
    assert!(relations.contains("resources") && relations.contains("logs"));
    assert_eq!(
        reads(
            "WITH x AS (SELECT r.conditions FROM resources r JOIN applied_manifest_works a ON true) \
             SELECT (SELECT created_at FROM snapshot), logs FROM x JOIN resources USING (id)",
            &relations
        ),
        ["resources", "applied_manifest_works"]
    );
}
