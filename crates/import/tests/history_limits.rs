//! Hostile Kusto exports stay within the import limits (crates/import/src/limits.rs): a CSV
//! record or a JSON line beyond `MWTRACE_MAX_DOCUMENT_BYTES` is one error naming the file and
//! line, and is never held whole. Its own test binary: the limit is read once per process, and
//! this one lowers it to 1 MiB so that the inputs stay small.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use mwtrace_bundle::progress::NoProgress;
use mwtrace_import::{ImportPlan, import};

const ROW: &str =
    "timestamp,environment,region,cluster,event,apiVersion,objectKind,namespace,name,uid,object\n";

fn namespace_row(name: &str, padding: usize) -> String {
    let object = format!(
        r#"{{"apiVersion":"v1","kind":"Namespace","metadata":{{"name":"{name}","uid":"u-{name}","annotations":{{"pad":"{}"}}}}}}"#,
        "p".repeat(padding)
    );
    format!(
        "2026-11-21T09:00:00Z,int,uksouth,mgmt-1,Add,v1,Namespace,,{name},u-{name},\"{}\"\n",
        object.replace('"', "\"\"")
    )
}

#[test]
fn records_beyond_the_document_limit_are_refused_one_error_each() {
    // SAFETY: the only test of this binary, before any import reads the limits.
    unsafe { std::env::set_var("MWTRACE_MAX_DOCUMENT_BYTES", (1 << 20).to_string()) };
    let dir = tempfile::tempdir().unwrap();
    // CSV: a good row, a 3 MiB row (the file stops there: a quoted field cannot be skipped).
    let csv = format!(
        "{ROW}{}{}{}",
        namespace_row("a", 10),
        namespace_row("big", 3 << 20),
        namespace_row("c", 10)
    );
    let csv_path = dir.path().join("big.csv");
    std::fs::write(&csv_path, csv).unwrap();
    // JSON lines: a 3 MiB line between two good ones; the line after it is read.
    let line = |name: &str, padding: usize| {
        serde_json::json!({"timestamp": "2026-11-21T09:00:00Z", "cluster": "mgmt-1",
            "event": "Add", "apiVersion": "v1", "objectKind": "Namespace", "name": name,
            "object": {"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": name, "annotations": {"pad": "p".repeat(padding)}}}})
        .to_string()
    };
    let jsonl = [line("d", 10), line("huge", 3 << 20), line("e", 10)].join("\n");
    let jsonl_path = dir.path().join("big.jsonl");
    std::fs::write(&jsonl_path, jsonl).unwrap();

    let plan = ImportPlan {
        inputs: vec![csv_path.clone(), jsonl_path.clone()],
        output: dir.path().join("out.tar.zst"),
        cluster_name: None,
        redact: true,
        cancel: Arc::new(AtomicBool::new(false)),
    };
    let outcome = import(&plan, &NoProgress).unwrap();
    let errors: Vec<String> = outcome
        .manifest
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.source, e.message))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(
        errors[0],
        format!(
            "{}: line 3: value larger than 1048576 bytes: not read (MWTRACE_MAX_DOCUMENT_BYTES raises the limit); the rest of the file is not read",
            csv_path.display()
        )
    );
    assert_eq!(
        errors[1],
        format!(
            "{}: line 2: value larger than 1048576 bytes: not read (MWTRACE_MAX_DOCUMENT_BYTES raises the limit)",
            jsonl_path.display()
        )
    );
    // a, d and e imported.
    assert_eq!(outcome.revisions, 3);
}
