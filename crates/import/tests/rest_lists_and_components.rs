//! Issue 19 items 3 and 4, without DuckDB: Maestro REST lists as ARO HCP runbooks save them
//! (`?size=N` pages, one missing; `deleted_at` at the item's root; `maestro resourcebundle list
//! -o json`) and the Maestro and HyperShift versions found in a must-gather's Deployments and
//! Pods, from the fixtures of testdata/import (gen_issue19.py).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use mwtrace_bundle::progress::NoProgress;
use mwtrace_bundle::{BundleReader, Limits, Manifest};
use mwtrace_import::{ImportPlan, import};
use serde_json::Value;

fn fixture(rel: &str) -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo test"))
        .join("../../testdata/import")
        .join(rel)
}

struct Imported {
    manifest: Manifest,
    files: BTreeMap<String, String>,
    _dir: tempfile::TempDir,
}

impl Imported {
    fn rows(&self, path: &str) -> Vec<Value> {
        self.files[path]
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn run(inputs: &[PathBuf], cluster_name: Option<&str>) -> Imported {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("out.tar.zst");
    let plan = ImportPlan {
        inputs: inputs.to_vec(),
        output: bundle.clone(),
        cluster_name: cluster_name.map(str::to_string),
        redact: true,
        cancel: Arc::new(AtomicBool::new(false)),
    };
    let outcome = import(&plan, &NoProgress).unwrap();
    let reader = BundleReader::open(&bundle, Limits::from_env()).unwrap();
    let mut files = BTreeMap::new();
    reader
        .for_each_file(|file, content| {
            let mut text = String::new();
            content.read_to_string(&mut text).unwrap();
            files.insert(file.path.to_string(), text);
            Ok::<(), mwtrace_bundle::BundleError>(())
        })
        .unwrap();
    Imported {
        manifest: outcome.manifest,
        files,
        _dir: dir,
    }
}

#[test]
fn size_n_pages_merge_their_items_and_a_missing_page_makes_the_table_partial() {
    let imported = run(
        &[
            fixture("rest-pages/resource-bundles-size2-page-1.json"),
            fixture("rest-pages/resource-bundles-size2-page-2.json"),
        ],
        None,
    );
    let rows = imported.rows("db/resources.ndjson");
    let mut ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.sort();
    // B is on both pages: one row.
    assert_eq!(
        ids,
        [
            "0a0a0a0a-0000-5000-8000-00000000000a",
            "0b0b0b0b-0000-5000-8000-00000000000b",
            "0c0c0c0c-0000-5000-8000-00000000000c"
        ]
    );
    let b = rows
        .iter()
        .find(|r| r["id"] == "0b0b0b0b-0000-5000-8000-00000000000b")
        .unwrap();
    assert_eq!(b["deleted_at"], "2026-01-11T09:00:00Z");
    assert_eq!(b["payload"]["metadata"]["name"], "work-b");
    let errors: Vec<(&str, &str)> = imported
        .manifest
        .errors
        .iter()
        .map(|e| (e.source.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "db/resources");
    assert!(
        errors[0]
            .1
            .starts_with("Maestro REST list resource-bundles: 3 of 5 items imported; page 3 of 3 (size 2) missing; db/resources is partial"),
        "{}",
        errors[0].1
    );
}

#[test]
fn the_maestro_cli_list_output_imports_as_rest_pages_do() {
    let imported = run(
        &[fixture("rest-pages/maestro-resourcebundle-list.json")],
        None,
    );
    assert!(
        imported.manifest.errors.is_empty(),
        "{:?}",
        imported.manifest.errors
    );
    let rows = imported.rows("db/resources.ndjson");
    assert_eq!(rows.len(), 2);
    let e = rows
        .iter()
        .find(|r| r["id"] == "0e0e0e0e-0000-5000-8000-00000000000e")
        .unwrap();
    assert_eq!(e["deleted_at"], "2026-01-12T09:30:00Z");
    assert_eq!(e["consumer_name"], "mgmt-1-consumer");
    assert_eq!(
        e["payload"]["data"]["manifests"][0]["data"]["note"],
        "a < b"
    );
    assert!(e["status"].is_null());
}

#[test]
fn components_come_from_must_gather_deployments_and_pods() {
    let imported = run(&[fixture("components/must-gather")], Some("mgmt-1"));
    let components = &imported.manifest.components;
    type Row<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
    );
    let summary: Vec<Row<'_>> = components
        .iter()
        .map(|c| {
            (
                c.cluster.as_str(),
                c.namespace.as_str(),
                c.name.as_str(),
                c.component.as_str(),
                c.version.as_deref(),
                c.digest.as_deref().map(|d| &d[..12]),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "mgmt-1",
                "hypershift",
                "operator",
                "hypershift-operator",
                None,
                Some("sha256:44444")
            ),
            (
                "mgmt-1",
                "maestro",
                "maestro-agent",
                "maestro-agent",
                Some("v0.5.2"),
                Some("sha256:55555")
            ),
        ],
        "{components:?}"
    );
    let agent = &components[1];
    assert_eq!(agent.container, "maestro-agent");
    assert_eq!(
        agent.image,
        "registry.example.io:5000/maestro/maestro:v0.5.2"
    );
    assert!(agent.source.starts_with("import:"), "{}", agent.source);
    assert!(
        agent.source.ends_with("components/must-gather"),
        "{}",
        agent.source
    );

    // Re-importing the bundle keeps them, with their first source.
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.tar.zst");
    let plan = ImportPlan {
        inputs: vec![fixture("components/must-gather")],
        output: first.clone(),
        cluster_name: Some("mgmt-1".into()),
        redact: true,
        cancel: Arc::new(AtomicBool::new(false)),
    };
    import(&plan, &NoProgress).unwrap();
    let again = run(&[first], None);
    assert_eq!(again.manifest.components.len(), 2);
    assert!(
        again
            .manifest
            .components
            .iter()
            .any(|c| c.source.ends_with("components/must-gather") && c.component == "maestro-agent"),
        "{:?}",
        again.manifest.components
    );
}
