//! Snapshots of every command's text output on the sample bundles (insta; review a change with
//! `cargo insta review`, or `INSTA_UPDATE=always` then `git diff`): what an engineer reads, kept
//! from drifting unnoticed. Piped (the tests' stdout is a pipe): no color, no pager, plain
//! tables; the terminal case (narrow, 80 columns) runs under util-linux `script`.

use crate::common::*;

fn text(env: &Env, args: &[&str]) -> String {
    let out = env.run(args);
    assert_no_panic(&out);
    portable(env, &stdout(&out))
}

/// Paths as they read on any checkout: the repository is `<repo>`, the test's directory `<tmp>`.
fn portable(env: &Env, text: &str) -> String {
    text.replace(env.dir.path().to_str().unwrap(), "<tmp>")
        .replace(repo().to_str().unwrap(), "<repo>")
}

#[test]
fn trace_texts() {
    let env = Env::new();
    let sample = sample_bundle();
    let s = sample.to_str().unwrap();
    let manifest = format!("hc/{HC_NAMESPACE}/x8y5p7r4g6j9e3v");
    insta::assert_snapshot!(
        "trace_healthy",
        text(&env, &["trace", s, "--resource-id", R1_HEALTHY])
    );
    insta::assert_snapshot!(
        "trace_failing",
        text(&env, &["trace", s, "--resource-id", R3_FAILING])
    );
    insta::assert_snapshot!(
        "trace_stuck",
        text(&env, &["trace", s, "--resource-id", R5_STUCK])
    );
    insta::assert_snapshot!(
        "trace_deleted",
        text(&env, &["trace", s, "--resource-id", R4_DELETED])
    );
    insta::assert_snapshot!(
        "trace_not_found",
        text(&env, &["trace", s, "--resource-id", "nope"])
    );
    insta::assert_snapshot!(
        "trace_manifest",
        text(&env, &["trace", s, "--manifest", &manifest])
    );
    insta::assert_snapshot!(
        "trace_cluster",
        text(&env, &["trace", s, "--cluster-id", CID])
    );
    insta::assert_snapshot!(
        "trace_search",
        text(&env, &["trace", s, "--search", "stuck"])
    );
}

#[test]
fn doctor_info_schema_and_cache_texts() {
    let env = Env::new();
    let sample = sample_bundle();
    let s = sample.to_str().unwrap();
    insta::assert_snapshot!("doctor", text(&env, &["doctor", s]));
    insta::assert_snapshot!("doctor_brief", text(&env, &["doctor", s, "--brief"]));
    insta::assert_snapshot!("doctor_rules", text(&env, &["doctor", "--list-rules"]));
    insta::assert_snapshot!("info", text(&env, &["info", s]));
    insta::assert_snapshot!("schema", text(&env, &["schema", s]));
}

#[test]
fn logs_and_sql_texts() {
    let env = Env::new();
    let bundle = crate::logs::logs_bundle(&env);
    let b = bundle.to_str().unwrap();
    insta::assert_snapshot!(
        "logs_warnings",
        text(&env, &["logs", b, "--level", "warning"])
    );
    let sample = sample_bundle();
    let query = "SELECT id, work_name, consumer, created_at, deleted_at FROM resources ORDER BY id";
    insta::assert_snapshot!(
        "sql_piped",
        text(&env, &["sql", sample.to_str().unwrap(), query])
    );
}

#[test]
fn sql_table_on_a_narrow_terminal() {
    let env = Env::new();
    let sample = sample_bundle();
    env.run(&["info", sample.to_str().unwrap()]);
    env.run(&["sql", sample.to_str().unwrap(), "SELECT 1"]);
    let query = "SELECT id, payload::VARCHAR AS payload FROM resources ORDER BY id LIMIT 3";
    let shown = Terminal::new(&env).columns(80).run(&format!(
        "sql {} '{query}' --no-pager --color never",
        sample.display()
    ));
    let text = portable(&env, &shown);
    insta::assert_snapshot!("sql_terminal_80", text);
}
