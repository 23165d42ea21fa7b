//! `mwtrace diff A B` (#18 item 4): the sample bundle against an edited copy of itself. Each
//! kind of change is found and classed (a condition flipped, a resource soft-deleted, an object
//! removed, added, recreated, its spec changed), bookkeeping-only writes are not reported, and
//! nothing is called added or removed where one snapshot did not collect it.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::*;

const KUBE: &str = "kube/mgmt-1";

/// Rewrites an NDJSON file of a bundle tree through `edit`.
fn edit_rows(tree: &Path, file: &str, edit: impl FnOnce(&mut Vec<Value>)) {
    let path = tree.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut rows: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    edit(&mut rows);
    let lines: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

fn named<'a>(rows: &'a mut [Value], name: &str) -> &'a mut Value {
    rows.iter_mut()
        .find(|r| r["metadata"]["name"] == name || r["id"] == name)
        .unwrap_or_else(|| panic!("{name} in the sample"))
}

/// The sample with one change of each class, and one that must not count.
pub(crate) fn edited_sample(env: &Env) -> PathBuf {
    sample_edited(env, "edited", |tree| {
        edit_rows(
            tree,
            &format!("{KUBE}/hypershift.openshift.io/v1beta1/hostedclusters.ndjson"),
            |rows| {
                let conditions = named(rows, "x8y5p7r4g6j9e3v")["status"]["conditions"]
                    .as_array_mut()
                    .unwrap();
                let available = conditions
                    .iter_mut()
                    .find(|c| c["type"] == "Available")
                    .unwrap();
                available["status"] = json!("False");
                available["reason"] = json!("WebhookDown");
            },
        );
        edit_rows(tree, "db/resources.ndjson", |rows| {
            named(rows, R1_HEALTHY)["deleted_at"] = json!("2026-11-21T09:30:00Z");
        });
        edit_rows(
            tree,
            &format!("{KUBE}/apps/v1/deployments.ndjson"),
            |rows| {
                rows.retain(|r| r["metadata"]["name"] != "maestro-e2e-upgrade-test");
                named(rows, "maestro-agent")["spec"]["replicas"] = json!(3);
            },
        );
        edit_rows(tree, &format!("{KUBE}/core/v1/namespaces.ndjson"), |rows| {
            let mut added = rows[0].clone();
            added["metadata"]["name"] = json!("diff-added");
            added["metadata"]["uid"] = json!("00000000-0000-4000-8000-000000000001");
            rows.push(added);
        });
        edit_rows(
            tree,
            &format!("{KUBE}/cluster.open-cluster-management.io/v1/managedclusters.ndjson"),
            |rows| {
                named(rows, "local-cluster")["metadata"]["uid"] =
                    json!("00000000-0000-4000-8000-000000000002");
            },
        );
        bookkeeping_only(tree);
    })
}

/// A write that only moves resourceVersion and managedFields: not a change.
fn bookkeeping_only(tree: &Path) {
    edit_rows(
        tree,
        &format!("{KUBE}/hypershift.openshift.io/v1beta1/nodepools.ndjson"),
        |rows| {
            let meta = &mut named(rows, "x8y5p7r4g6j9e3v-np1")["metadata"];
            meta["resourceVersion"] = json!("999999");
            meta["managedFields"] = json!([{"manager": "diff-test", "operation": "Update"}]);
        },
    );
}

fn diff(env: &Env, a: &Path, b: &Path, more: &[&str]) -> (i32, String, String) {
    let mut args = vec!["diff", a.to_str().unwrap(), b.to_str().unwrap()];
    args.extend_from_slice(more);
    let out = env.run(&args);
    assert_no_panic(&out);
    (out.status.code().unwrap(), stdout(&out), stderr(&out))
}

fn diff_json(env: &Env, a: &Path, b: &Path, more: &[&str]) -> (i32, Value) {
    let mut args = more.to_vec();
    args.extend_from_slice(&["-o", "json"]);
    let (code, out, err) = diff(env, a, b, &args);
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, report)
}

fn change<'a>(report: &'a Value, kind: &str, name: &str) -> Option<&'a Value> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind && c["name"] == name)
}

#[test]
fn each_kind_of_change_is_found_and_classed() {
    let env = Env::new();
    let edited = edited_sample(&env);
    let (code, report) = diff_json(&env, &sample_bundle(), &edited, &[]);
    assert_eq!(code, 1, "differences exit 1: {report:#}");
    assert_eq!(report["schema"], "mwtrace/diff/v1");
    assert_eq!(report["a"]["created_at"], "2026-11-21T10:00:00Z");
    assert_eq!(report["cluster_id"], Value::Null);

    let hc = change(&report, "HostedCluster", "x8y5p7r4g6j9e3v").expect("condition change");
    assert_eq!(hc["class"], "condition");
    assert_eq!(hc["change"], "changed");
    assert_eq!(hc["conditions"][0]["type"], "Available");
    assert_eq!(hc["conditions"][0]["from"]["status"], "True");
    assert_eq!(hc["conditions"][0]["to"]["status"], "False");
    assert_eq!(hc["summary"], "Available True->False (WebhookDown)");
    assert_eq!(
        hc["paths"],
        json!([
            "status.conditions[type=Available].status",
            "status.conditions[type=Available].reason"
        ])
    );

    let deleted = change(&report, "MaestroResource", R1_HEALTHY).expect("soft delete");
    assert_eq!(deleted["class"], "deletion");
    assert_eq!(deleted["source"], "db");
    assert_eq!(deleted["work_name"], R1_WORK);
    assert_eq!(deleted["fields"][0]["field"], "deleted_at");
    assert_eq!(deleted["fields"][0]["from"], Value::Null);
    assert_eq!(deleted["fields"][0]["to"], "2026-11-21T09:30:00Z");

    let removed = change(&report, "Deployment", "maestro-e2e-upgrade-test").expect("removed");
    assert_eq!(removed["class"], "deletion");
    assert_eq!(removed["change"], "removed");

    let recreated = change(&report, "ManagedCluster", "local-cluster").expect("recreated");
    assert_eq!(recreated["class"], "deletion");
    assert_eq!(recreated["change"], "recreated");
    assert_eq!(recreated["fields"][0]["field"], "metadata.uid");

    let spec = change(&report, "Deployment", "maestro-agent").expect("spec change");
    assert_eq!(spec["class"], "spec");
    assert_eq!(spec["paths"], json!(["spec.replicas"]));

    let added = change(&report, "Namespace", "diff-added").expect("added");
    assert_eq!(added["class"], "added");
    assert_eq!(added["change"], "added");

    assert!(
        change(&report, "NodePool", "x8y5p7r4g6j9e3v-np1").is_none(),
        "a resourceVersion/managedFields-only write is no change: {report:#}"
    );
    assert_eq!(report["counts"]["total"], 6, "{report:#}");
    assert_eq!(report["counts"]["condition"], 1);
    assert_eq!(report["counts"]["deletion"], 3);
    assert_eq!(report["counts"]["spec"], 1);
    assert_eq!(report["counts"]["added"], 1);
    assert_eq!(report["not_compared"], json!([]));

    // Most important first.
    let classes: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["class"].as_str().unwrap())
        .collect();
    assert_eq!(
        classes,
        [
            "condition",
            "deletion",
            "deletion",
            "deletion",
            "spec",
            "added"
        ]
    );
}

#[test]
fn the_text_names_both_snapshots_and_each_class() {
    let env = Env::new();
    let edited = edited_sample(&env);
    let (code, text, err) = diff(&env, &sample_bundle(), &edited, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(text.starts_with("mwtrace diff\n  A  "), "{text}");
    assert!(
        text.contains("created 2026-11-21T10:00:00Z (same time as A)"),
        "{text}"
    );
    assert!(
        text.contains("6 differences: 1 condition change, 3 deletions, 1 spec change, 1 added"),
        "{text}"
    );
    let order: Vec<usize> = [
        "CONDITION CHANGES (1)",
        "DELETIONS (3)",
        "SPEC CHANGES (1)",
        "ADDED (1)",
    ]
    .iter()
    .map(|h| text.find(h).unwrap_or_else(|| panic!("{h} in {text}")))
    .collect();
    assert!(order.is_sorted(), "{text}");
    assert!(
        text.contains("Available True->False (WebhookDown)"),
        "{text}"
    );
    assert!(
        text.contains("deleted_at set (2026-11-21T09:30:00Z)"),
        "{text}"
    );
    assert!(text.contains("default/maestro-e2e-upgrade-test"), "{text}");
    assert!(text.contains("changed: spec.replicas"), "{text}");
    assert!(!text.contains("NOT COMPARED"), "{text}");
    assert!(!text.contains("x8y5p7r4g6j9e3v-np1"), "{text}");
}

#[test]
fn identical_snapshots_have_no_differences() {
    let env = Env::new();
    let sample = sample_bundle();
    let (code, text, err) = diff(&env, &sample, &sample, &[]);
    assert_eq!(code, 0, "{text}{err}");
    assert!(text.contains("\nNo differences\n"), "{text}");
    // Another bundle whose only change is bookkeeping: still none.
    let rewritten = sample_edited(&env, "bookkeeping", bookkeeping_only);
    let (code, report) = diff_json(&env, &sample, &rewritten, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["message"], "No differences");
    assert_eq!(report["changes"], json!([]));
    assert_ne!(report["a"]["bundle_sha256"], report["b"]["bundle_sha256"]);
}

#[test]
fn a_snapshot_without_the_db_is_not_compared_with_one_that_has_it() {
    let env = Env::new();
    let no_db = sample_edited(&env, "no-db", |tree| {
        std::fs::remove_dir_all(tree.join("db")).unwrap();
    });
    let (code, report) = diff_json(&env, &sample_bundle(), &no_db, &[]);
    assert!(
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["source"] != "db"),
        "no DB resource is called removed: {report:#}"
    );
    assert_eq!(code, 0, "the objects are the same: {report:#}");
    let db = report["not_compared"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["source"] == "db")
        .expect("the DB is listed as not compared");
    assert_eq!(db["resource"], "resources");
    assert!(
        db["reason"]
            .as_str()
            .unwrap()
            .starts_with("not collected in B"),
        "{db}"
    );
    assert_eq!(report["message"], "No differences (1 source not compared)");

    let (_, text, _) = diff(&env, &no_db, &sample_bundle(), &[]);
    assert!(text.contains("NOT COMPARED (1)"), "{text}");
    assert!(text.contains("not collected in A"), "{text}");
    assert!(!text.contains("ADDED"), "{text}");
}

#[test]
fn a_kind_or_cluster_collected_once_is_not_compared() {
    let env = Env::new();
    let fewer = sample_edited(&env, "fewer", |tree| {
        std::fs::remove_file(tree.join(format!("{KUBE}/apps/v1/deployments.ndjson"))).unwrap();
    });
    let (code, report) = diff_json(&env, &sample_bundle(), &fewer, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(change(&report, "Deployment", "maestro-agent").is_none());
    let not_compared = report["not_compared"].as_array().unwrap();
    assert!(
        not_compared.iter().any(|n| n["cluster"] == "mgmt-1"
            && n["resource"] == "deployments"
            && n["reason"] == "not listed in B"),
        "{report:#}"
    );
}

#[test]
fn cluster_id_keeps_what_belongs_to_that_hosted_cluster() {
    let env = Env::new();
    let edited = edited_sample(&env);
    let (code, report) = diff_json(&env, &sample_bundle(), &edited, &["--cluster-id", CID]);
    assert_eq!(code, 1);
    assert_eq!(report["cluster_id"], CID);
    let names: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["x8y5p7r4g6j9e3v"], "{report:#}");

    let (code, report) = diff_json(
        &env,
        &sample_bundle(),
        &edited,
        &["--cluster-id", "00000000000000000000000000000000"],
    );
    assert_eq!(code, 0, "{report:#}");
    let (_, text, _) = diff(&env, &sample_bundle(), &edited, &["--cluster-id", CID]);
    assert!(
        text.contains(&format!("only hosted cluster {CID}")),
        "{text}"
    );
}

#[test]
fn an_unreadable_snapshot_exits_2() {
    let env = Env::new();
    let missing = env.path("missing.tar.zst");
    let (code, _, err) = diff(&env, &sample_bundle(), &missing, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.tar.zst"), "{err}");
}

#[test]
fn a_cluster_in_one_snapshot_only_is_not_compared() {
    let env = Env::new();
    let more = sample_edited(&env, "more-clusters", |tree| {
        let path = tree.join("manifest.json");
        let mut manifest: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        manifest["clusters"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "mgmt-2", "role": "management", "context": "mgmt-2"}));
        std::fs::write(&path, manifest.to_string()).unwrap();
    });
    let (code, report) = diff_json(&env, &sample_bundle(), &more, &[]);
    assert_eq!(code, 0, "{report:#}");
    let about_mgmt2: Vec<&Value> = report["not_compared"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["cluster"] == "mgmt-2")
        .collect();
    assert_eq!(
        about_mgmt2.len(),
        1,
        "said once for the cluster: {report:#}"
    );
    assert_eq!(about_mgmt2[0]["reason"], "cluster only in B");
    assert_eq!(about_mgmt2[0]["resource"], Value::Null);
}

#[test]
fn values_from_the_bundles_are_escaped_in_text() {
    let env = Env::new();
    let hostile = sample_edited(&env, "hostile", |tree| {
        edit_rows(
            tree,
            &format!("{KUBE}/hypershift.openshift.io/v1beta1/hostedclusters.ndjson"),
            |rows| {
                let hc = named(rows, "x8y5p7r4g6j9e3v");
                let available = hc["status"]["conditions"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|c| c["type"] == "Available")
                    .unwrap();
                available["status"] = json!("False");
                available["reason"] = json!("Down\u{1b}[2J\u{1b}]8;;https://x.example/\u{7}");
                hc["spec"]["x\u{1b}[31m"] = json!(1);
            },
        );
    });
    let (code, text, err) = diff(&env, &sample_bundle(), &hostile, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains("Down\\u{1b}[2J"), "{text}");
    let (_, report) = diff_json(&env, &sample_bundle(), &hostile, &[]);
    let hc = change(&report, "HostedCluster", "x8y5p7r4g6j9e3v").unwrap();
    assert_eq!(
        hc["conditions"][0]["to"]["reason"], "Down\u{1b}[2J\u{1b}]8;;https://x.example/\u{7}",
        "JSON keeps values exact"
    );
}
