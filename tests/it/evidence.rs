//! Answers backed by evidence (issue 15): an older Maestro whose agent named AppliedManifestWorks
//! after the user work name, and bundles that lack a source. A verdict that claims absence rests
//! on what the bundle holds; otherwise it says "not collected" and names the source.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

/// testdata/variants/old-agent (testdata/variants/gen_old_agent.py): the sample as collected
/// from a region whose agent predates maestro PR #434.
fn old_agent_bundle(env: &Env) -> PathBuf {
    pack_tree(
        env,
        &repo().join("testdata/variants/old-agent"),
        "old-agent",
    )
}

fn csv(env: &Env, bundle: &Path, query: &str) -> String {
    let out = env.run(&["sql", bundle.to_str().unwrap(), query, "-o", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

/// R2's work name, shared with a row of consumer mgmt-2 in the old-agent variant.
const R2_WORK: &str = "2qrppk0otds3rdmdcojqcqkqq8f0s591-hc";
const R2_ID: &str = "1ee62e78-d2ca-5c49-8a65-01e695821450";
const R1_ID: &str = "55c61e54-a3f6-563d-9fec-b1fe297bdfdb";

#[test]
fn an_older_agents_amws_link_to_their_rows_by_work_name() {
    let env = Env::new();
    let bundle = old_agent_bundle(&env);
    assert_eq!(
        csv(
            &env,
            &bundle,
            "SELECT manifest_work_name, resource_id, linked_by, layer FROM applied_manifest_works
             WHERE manifest_work_name IN ('2qrppk0otds3rdmdcojqcqkqq8f0s591-hc', 'e44ec579-9646-549a-b679-db8d19d6da37')
             ORDER BY 1"
        ),
        format!(
            "manifest_work_name,resource_id,linked_by,layer\n\
             {R2_WORK},{R2_ID},work_name,1\n\
             e44ec579-9646-549a-b679-db8d19d6da37,{R1_ID},work_name,1\n"
        )
    );
    // Each entry point reaches the AMW: the id, the work name (two rows: one per consumer).
    let (code, report) = env.trace_json(&bundle, &["--resource-id", R2_ID]);
    assert_eq!(code, 0);
    let work = &report["works"][0];
    assert_eq!(work["amw_status"], "present", "{work}");
    assert_eq!(work["applied_manifest_work"]["linked_by"], "work_name");
    assert_ne!(work["state"], "not_applied");
    let (_, by_name) = env.trace_json(&bundle, &["--work-name", R2_WORK]);
    let works = by_name["works"].as_array().unwrap();
    assert_eq!(works.len(), 2, "{by_name}");
    let of = |consumer: &str| works.iter().find(|w| w["consumer"] == consumer).unwrap();
    assert_eq!(
        of("mgmt-1")["applied_manifest_work"]["resource_id"],
        R2_ID,
        "the AMW on mgmt-1 is mgmt-1's row"
    );
    // mgmt-2 is not in the bundle: its row's AMW is not collected, not "not applied".
    let twin = of("mgmt-2");
    assert_eq!(twin["amw_status"], "not_collected", "{twin}");
    assert_ne!(twin["state"], "not_applied");
    let missing = twin["missing_sources"][0].as_str().unwrap();
    assert!(
        missing.contains("not collected") && missing.contains("mgmt-2"),
        "{missing}"
    );
    // From an applied object up to the Maestro row.
    let (code, chain) = env.trace_json(
        &bundle,
        &[
            "--manifest",
            "hostedcluster/ocm-arohcpint-2qrppk0otds3rdmdcojqcqkqq8f0s591/x8y5p7r4g6j9e3v",
        ],
    );
    assert_eq!(code, 0, "{chain}");
    let reached: Vec<&str> = chain["works"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["resource_id"].as_str().unwrap())
        .collect();
    assert!(reached.contains(&R2_ID), "{chain}");
}

#[test]
fn an_older_agent_raises_no_false_orphan_or_never_applied() {
    let env = Env::new();
    let bundle = old_agent_bundle(&env);
    let out = env.run(&["doctor", bundle.to_str().unwrap(), "-o", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fired = |rule: &str| -> Vec<Value> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .cloned()
            .collect()
    };
    assert!(
        fired("orphan-amw-layer1").is_empty(),
        "{:?}",
        fired("orphan-amw-layer1")
    );
    for rule in ["work-never-applied", "work-no-status"] {
        for finding in fired(rule) {
            let id = finding["evidence"]["resource_id"]
                .as_str()
                .unwrap_or_default();
            assert!(
                id != R1_ID && id != R2_ID,
                "{rule} fired on a live work: {finding}"
            );
        }
    }
    // The same bundle as collected from a current agent finds the same problems.
    let current = sample_bundle();
    let out = env.run(&["doctor", current.to_str().unwrap(), "-o", "json"]);
    let sample: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = |r: &Value| -> Vec<String> {
        let mut v: Vec<String> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        rules(&report)
            .iter()
            .filter(|r| r.starts_with("orphan"))
            .count(),
        rules(&sample)
            .iter()
            .filter(|r| r.starts_with("orphan"))
            .count()
    );
}

#[test]
fn a_bundle_without_the_db_says_not_collected_instead_of_not_found() {
    let env = Env::new();
    let bundle = sample_without(&env, "kube-only", "db");
    let (code, report) = env.trace_json(&bundle, &["--resource-id", R2_ID]);
    assert_eq!(code, 1);
    let message = report["message"].as_str().unwrap();
    assert!(message.contains("DB not collected"), "{message}");
    let steps = report["next_steps"].to_string();
    assert!(!steps.contains("typo"), "{steps}");
}

#[test]
fn a_bundle_without_amws_never_says_not_applied() {
    let env = Env::new();
    let bundle = sample_without(
        &env,
        "no-amws",
        "kube/mgmt-1/work.open-cluster-management.io/v1/appliedmanifestworks.ndjson",
    );
    let (_, report) = env.trace_json(&bundle, &["--resource-id", R2_ID]);
    let work = &report["works"][0];
    assert_eq!(work["amw_status"], "not_collected", "{work}");
    let verdict = work["verdict"].as_str().unwrap();
    assert!(!verdict.contains("not applied"), "{verdict}");
    assert_eq!(
        work["missing_sources"][0],
        "AppliedManifestWorks of mgmt-1 not collected"
    );
    let out = env.run(&["trace", bundle.to_str().unwrap(), "--resource-id", R2_ID]);
    assert!(stdout(&out).contains("AppliedManifestWorks of mgmt-1 not collected"));
}

/// The sample bundle without one of its files or directories (`db`, `kube`, a list), packed.
fn sample_without(env: &Env, name: &str, removed: &str) -> PathBuf {
    sample_edited(env, name, |tree| {
        let path = tree.join(removed);
        if path.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        } else {
            std::fs::remove_file(path).unwrap();
        }
    })
}

#[test]
fn doctor_skips_the_rules_whose_sources_were_not_collected_and_says_why() {
    let env = Env::new();
    let bundle = sample_without(&env, "kube-only", "db");
    let out = env.run(&["doctor", bundle.to_str().unwrap(), "-o", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rule = |id: &str| -> Value {
        report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    // A DB rule: skipped, with the source named; no finding claims a missing row.
    let orphan = rule("orphan-amw-layer1");
    assert_eq!(orphan["skipped"], "DB not collected", "{orphan}");
    assert!(
        !report["findings"].to_string().contains("orphan-amw-layer1"),
        "{}",
        report["findings"]
    );
    // A kube rule still runs on the kube side.
    assert_eq!(rule("hostedcluster-unhealthy")["skipped"], Value::Null);
    let text = stdout(&env.run(&["doctor", bundle.to_str().unwrap()]));
    assert!(text.contains("RULES SKIPPED"), "{text}");
    assert!(
        text.contains("work-never-applied: DB not collected"),
        "{text}"
    );
}

#[test]
fn an_object_whose_kind_was_not_collected_is_not_called_absent() {
    let env = Env::new();
    let bundle = sample_without(
        &env,
        "no-deployments",
        "kube/mgmt-1/apps/v1/deployments.ndjson",
    );
    let (_, report) = env.trace_json(
        &bundle,
        &["--manifest", "deployment/default/maestro-e2e-upgrade-test"],
    );
    let hop = &report["chains"][0]["hops"][0];
    assert_eq!(hop["in_snapshot"], false, "{report}");
    assert_eq!(
        hop["note"], "not in the snapshot: deployments of mgmt-1 not collected",
        "{report}"
    );
    // Where the kind was collected, absence is stated plainly.
    let (_, report) = env.trace_json(
        &sample_bundle(),
        &["--manifest", "deployment/default/no-such-deployment"],
    );
    assert_ne!(report["outcome"], "found", "{report}");
}

#[test]
fn a_bundle_without_the_kube_side_says_which_clusters_were_not_collected() {
    let env = Env::new();
    let bundle = sample_without(&env, "db-only", "kube");
    // R6 has no status: without the cluster's AMWs it is unknown, not "not applied".
    let (_, report) = env.trace_json(&bundle, &["--resource-id", R6_PENDING]);
    let work = &report["works"][0];
    assert_eq!(work["amw_status"], "not_collected", "{work}");
    assert_eq!(work["state"], "unknown", "{work}");
    assert_eq!(
        work["missing_sources"][0],
        "AppliedManifestWorks of mgmt-1 not collected"
    );
    // The cluster's kube stages are not collected, not missing.
    let (_, report) = env.trace_json(&bundle, &["--cluster-id", CID]);
    let stages = report["cluster"]["stages"].as_array().unwrap();
    let status = |name: &str| {
        stages
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(
        status("hosted_cluster_available"),
        "not_collected",
        "{report}"
    );
    assert_eq!(status("layer1_applied"), "not_collected", "{report}");
    // Doctor: the AMW rules are skipped, naming the cluster.
    let out = env.run(&["doctor", bundle.to_str().unwrap(), "-o", "json"]);
    let doctor: Value = serde_json::from_slice(&out.stdout).unwrap();
    let orphan = doctor["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "work-never-applied")
        .unwrap();
    assert_eq!(
        orphan["skipped"], "AppliedManifestWorks of mgmt-1 not collected",
        "{orphan}"
    );
}
