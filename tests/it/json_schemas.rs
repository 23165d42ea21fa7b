//! The published JSON Schemas (docs/schemas/, generated from the output types by
//! crates/analyze/tests/docs.rs) accept what the binary really prints: every trace entry point
//! and outcome, doctor, its rule catalog, and logs.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// A validator of one published schema: Python's `jsonschema` (the reference implementation;
/// `.ci/run` installs it when missing). The `jsonschema` crate would do, but its proc-macro
/// dependencies change features that DuckDB's build script shares, which rebuilds DuckDB.
struct Validator {
    schema: std::path::PathBuf,
}

fn validator(name: &str) -> Validator {
    let schema = repo().join("docs/schemas").join(name);
    assert!(schema.exists(), "{name}");
    Validator { schema }
}

const VALIDATE_PY: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
errors = sorted(Draft202012Validator(schema).iter_errors(json.load(sys.stdin)), key=str)
for e in errors[:10]:
    print(f"{e.message} at /{'/'.join(map(str, e.absolute_path))}")
sys.exit(1 if errors else 0)
"#;

fn assert_valid(validator: &Validator, what: &str, document: &Value) {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args(["-c", VALIDATE_PY])
        .arg(&validator.schema)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(document.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{what} does not match {}:\n{}{}",
        validator.schema.display(),
        stdout(&out),
        stderr(&out)
    );
}

fn json_of(env: &Env, args: &[&str]) -> Value {
    let out = env.run(args);
    assert_no_panic(&out);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stderr(&out)))
}

#[test]
fn trace_outputs_match_the_trace_schema() {
    let env = Env::new();
    let schema = validator("trace.schema.json");
    let sample = sample_bundle();
    let manifest = format!("hostedcluster/{HC_NAMESPACE}/x8y5p7r4g6j9e3v");
    let queries: Vec<Vec<&str>> = vec![
        vec!["--resource-id", R1_HEALTHY],
        vec!["--resource-id", R3_FAILING],
        vec!["--resource-id", R4_DELETED],
        vec!["--resource-id", R5_STUCK],
        vec!["--resource-id", "no-such-id"],
        vec!["--manifest", &manifest],
        vec!["--manifest", "configmap/default/not-managed-anywhere"],
        vec!["--cluster-id", CID],
        vec!["--search", "x8y5"],
    ];
    for query in &queries {
        let (_, report) = env.trace_json(&sample, query);
        assert_valid(&schema, &format!("trace {query:?}"), &report);
    }
    let logs = crate::logs::logs_bundle(&env);
    let (_, report) = env.trace_json(&logs, &["--resource-id", R2_HCP, "--logs"]);
    assert!(report["logs"].is_object(), "--logs adds its section");
    assert_valid(&schema, "trace --logs", &report);
}

#[test]
fn doctor_and_logs_outputs_match_their_schemas() {
    let env = Env::new();
    let logs_bundle = crate::logs::logs_bundle(&env);
    let path = |p: &Path| p.to_str().unwrap().to_string();
    for bundle in [sample_bundle(), logs_bundle.clone()] {
        let report = json_of(&env, &["doctor", &path(&bundle), "-o", "json"]);
        assert!(!report["findings"].as_array().unwrap().is_empty());
        assert_valid(&validator("doctor.schema.json"), "doctor", &report);
    }
    let catalog = json_of(&env, &["doctor", "--list-rules", "-o", "json"]);
    assert_valid(
        &validator("doctor-rules.schema.json"),
        "doctor --list-rules",
        &catalog,
    );
    let lines = json_of(&env, &["logs", &path(&logs_bundle), "-o", "json"]);
    assert!(lines.as_array().unwrap().len() > 10);
    assert_valid(&validator("logs.schema.json"), "logs", &lines);
}

#[test]
fn diff_output_matches_its_schema() {
    let env = Env::new();
    let schema = validator("diff.schema.json");
    let sample = sample_bundle();
    let path = |p: &Path| p.to_str().unwrap().to_string();
    let edited = crate::diff::edited_sample(&env);
    let no_db = sample_edited(&env, "no-db", |tree| {
        std::fs::remove_dir_all(tree.join("db")).unwrap();
    });
    for (b, more) in [
        (&edited, vec![]),
        (&edited, vec!["--cluster-id", CID]),
        (&no_db, vec![]),
        (&sample, vec![]),
    ] {
        let mut args = vec!["diff".to_string(), path(&sample), path(b)];
        args.extend(more.iter().map(|s| s.to_string()));
        args.extend(["-o".to_string(), "json".to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let report = json_of(&env, &args);
        assert_valid(&schema, &format!("{args:?}"), &report);
    }
}
