//! The published JSON Schemas (docs/schemas/, generated from the output types by
//! crates/analyze/tests/docs.rs) accept what the binary really prints: every trace entry point
//! and outcome, doctor, its rule catalog, and logs.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// A compiled validator of one published schema (JSON Schema 2020-12, as schemars writes it).
struct Validator {
    name: String,
    compiled: jsonschema::Validator,
}

fn validator(name: &str) -> Validator {
    let path = repo().join("docs/schemas").join(name);
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).expect(name)).expect(name);
    jsonschema::meta::validate(&schema)
        .unwrap_or_else(|e| panic!("{name} is no valid schema: {e}"));
    let compiled = jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{name}: {e}"));
    Validator {
        name: name.to_string(),
        compiled,
    }
}

/// The schema's complaints about `document`, at most ten.
fn errors(validator: &Validator, document: &Value) -> Vec<String> {
    validator
        .compiled
        .iter_errors(document)
        .take(10)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn assert_valid(validator: &Validator, what: &str, document: &Value) {
    let errors = errors(validator, document);
    assert!(
        errors.is_empty(),
        "{what} does not match docs/schemas/{}:\n{}",
        validator.name,
        errors.join("\n")
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

/// The schemas are strict enough to catch a changed output: a missing required field, a
/// number where text belongs, an outcome outside the documented set.
#[test]
fn the_trace_schema_rejects_outputs_that_drift() {
    let env = Env::new();
    let schema = validator("trace.schema.json");
    let (_, report) = env.trace_json(&sample_bundle(), &["--resource-id", R1_HEALTHY]);
    assert!(errors(&schema, &report).is_empty());
    let drifted = |edit: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut changed = report.clone();
        edit(changed.as_object_mut().unwrap());
        errors(&schema, &changed)
    };
    let missing = drifted(&|r| drop(r.remove("next_steps")));
    assert!(
        missing.iter().any(|e| e.contains("next_steps")),
        "{missing:?}"
    );
    let retyped = drifted(&|r| drop(r.insert("message".into(), Value::from(42))));
    assert!(
        retyped.iter().any(|e| e.contains("/message")),
        "{retyped:?}"
    );
    let unknown = drifted(&|r| drop(r.insert("outcome".into(), Value::from("maybe"))));
    assert!(
        unknown.iter().any(|e| e.contains("/outcome")),
        "{unknown:?}"
    );
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

#[test]
fn transitions_output_matches_its_schema() {
    let env = Env::new();
    let schema = validator("transitions.schema.json");
    let logs = crate::logs::logs_bundle(&env);
    let sample = sample_bundle();
    for (bundle, more) in [
        (&logs, vec![]),
        (
            &logs,
            vec!["--resource-id", "1ee62e78-d2ca-5c49-8a65-01e695821450"],
        ),
        (&sample, vec!["--cluster-id", CID]),
    ] {
        let mut args = vec!["transitions", bundle.to_str().unwrap(), "-o", "json"];
        args.extend(more);
        let report = json_of(&env, &args);
        assert_valid(&schema, &format!("{args:?}"), &report);
    }
}
