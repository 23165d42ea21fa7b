//! Issue 15: every SQL statement mwtrace suggests (`psql ... -c "..."` next steps of traces and
//! doctor findings) runs against a real PostgreSQL holding Maestro's schema and the sample
//! rows: a suggestion that fails at 3 a.m. leads nowhere.

use serde_json::Value;

use crate::common::*;
use crate::maestro_db::load_current;
use crate::pg::Pg;

/// The SQL of each `psql ... -c "SQL"` among `steps`.
fn psql_statements(steps: &[String]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|s| {
            let at = s.find(" -c \"")?;
            let sql = s[at + 5..].strip_suffix('"')?;
            Some(sql.to_string())
        })
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_suggested_sql_runs_against_maestros_schema() {
    let env = Env::new();
    let bundle = sample_bundle();
    let mut steps: Vec<String> = Vec::new();
    for args in [
        vec!["--resource-id", "55c61e54-0000"],
        vec!["--work-name", "no-such-work"],
        vec!["--work-name", "pending-work"],
        vec!["--resource-id", R4_DELETED],
        vec!["--resource-id", R6_PENDING],
        vec!["--cluster-id", CID],
    ] {
        let (_, report) = env.trace_json(&bundle, &args);
        steps.extend(strings(&report["next_steps"]));
    }
    // The sample's findings, and those of the runbook rules (testdata/variants/runbook).
    let runbook = pack_tree(&env, &repo().join("testdata/variants/runbook"), "runbook");
    for bundle in [&bundle, &runbook] {
        let out = env.run(&["doctor", bundle.to_str().unwrap(), "-o", "json"]);
        let doctor: Value = serde_json::from_slice(&out.stdout).unwrap();
        for finding in doctor["findings"].as_array().unwrap() {
            steps.extend(strings(&finding["next_steps"]));
        }
    }
    let statements = psql_statements(&steps);
    assert!(
        statements.len() >= 8,
        "{} statements in {steps:#?}",
        statements.len()
    );

    let pg = Pg::start();
    load_current(&pg);
    for sql in &statements {
        // psql_ok fails the test, naming the statement, when PostgreSQL refuses it.
        pg.psql_ok("maestro", &format!("{sql};"));
    }
}
