//! `doctor` (issue 5): every rule fires on its planted case in testdata/doctor/planted with the
//! right evidence and nothing else fires there; no rule fires on testdata/doctor/healthy; the
//! sample bundle's known problems are found; `--fail-on`, `--list-rules` and the output formats.

use std::path::{Path, PathBuf};

use mwtrace_analyze::doctor::{Catalog, DoctorReport, Finding, Severity};
use serde_json::{Value, json};

use crate::common::*;

/// Packs a tree of testdata/doctor/ into a bundle in the test's directory.
fn packed(env: &Env, tree: &str) -> PathBuf {
    pack_tree(env, &repo().join("testdata/doctor").join(tree), tree)
}

fn doctor_json(env: &Env, bundle: &Path, extra: &[&str]) -> (i32, DoctorReport) {
    let mut args = vec!["doctor", bundle.to_str().unwrap(), "-o", "json"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    assert_no_panic(&out);
    let report: DoctorReport = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (out.status.code().unwrap(), report)
}

/// Checks that the findings of each rule are exactly the expected ones: each expectation (a
/// subset of the evidence) matches one finding of its rule, and no finding is left over.
pub(crate) fn assert_findings(report: &DoctorReport, expected: &[(&str, Value)]) {
    let failed: Vec<_> = report.rules.iter().filter(|r| r.error.is_some()).collect();
    assert!(failed.is_empty(), "rules failed: {failed:#?}");
    let mut left: Vec<&Finding> = report.findings.iter().collect();
    for (rule, evidence) in expected {
        let wanted = evidence.as_object().expect("evidence object");
        let position = left.iter().position(|f| {
            f.rule == *rule && wanted.iter().all(|(k, v)| f.evidence.get(k) == Some(v))
        });
        match position {
            Some(i) => {
                left.remove(i);
            }
            None => panic!(
                "{rule}: no finding with {evidence}; findings of the rule: {:#?}",
                report
                    .findings
                    .iter()
                    .filter(|f| f.rule == *rule)
                    .map(|f| &f.evidence)
                    .collect::<Vec<_>>()
            ),
        }
    }
    assert!(
        left.is_empty(),
        "unexpected findings: {:#?}",
        left.iter()
            .map(|f| (&f.rule, &f.message))
            .collect::<Vec<_>>()
    );
}

/// No `{column}` placeholder is left unfilled in messages and commands.
fn assert_filled(report: &DoctorReport) {
    let placeholder = regex::Regex::new(r"\{[a-z_][a-z0-9_]*\}").unwrap();
    for f in &report.findings {
        assert!(
            !placeholder.is_match(&f.message),
            "{}: {}",
            f.rule,
            f.message
        );
        for step in &f.next_steps {
            assert!(!placeholder.is_match(step), "{}: {step}", f.rule);
        }
    }
}

const MGMT_HUB1: &str = "f1d8a1049b93dffc1929d57a719c3a09a4dcbfe0cd6e42840325be3b2dde73c8";
const CID_B: &str = "b2managedcluster0never0imported2";
const CID_C: &str = "c3unhealthy0hostedcluster0np0mc3";

/// The planted cases (testdata/doctor/README.md), one per rule; creation-flow also reports cid
/// C, whose HostedCluster, NodePool and ManagedCluster are the cases of the three object rules.
fn planted_expectations() -> Vec<(&'static str, Value)> {
    vec![
        (
            "work-not-applied",
            json!({"work_name": "p1-not-applied", "applied_status": "False",
                   "applied_reason": "AppliedManifestWorkFailed", "manifest_count": 2,
                   "failing_manifests": "Deployment default/p1-app: AppliedManifestFailed: Failed to apply manifest: Apply failed with 1 conflict: conflict with \"kubectl-edit\": .spec.replicas"}),
        ),
        (
            "work-not-available",
            json!({"work_name": "p2-not-available", "available_status": "Unknown",
                   "available_reason": "ResourcesStatusUnknown",
                   "unavailable_manifests": "Deployment default/p2-app: FetchingResourceFailed: deployments.apps \"p2-app\" is forbidden"}),
        ),
        (
            "work-never-applied",
            json!({"work_name": "p3-never-applied", "consumer": "mgmt-1", "age": "01:00:00",
                   "last_event": "Create at 2026-11-21T09:00:00Z, published at 2026-11-21T09:00:00Z"}),
        ),
        (
            "work-spec-not-observed",
            json!({"work_name": "p4-spec-not-observed", "version": 3, "observed_version": 2,
                   "age": "00:30:00"}),
        ),
        (
            "work-no-status",
            json!({"work_name": "p5-no-status", "cluster": "mgmt-1", "applied_count": 1}),
        ),
        (
            "deletion-stuck",
            json!({"work_name": "p6-stuck-deletion", "deleted_at": "2026-11-21T08:00:00Z",
                   "age": "02:00:00", "cluster": "mgmt-1", "applied_count": 1,
                   "delete_event": "published 2026-11-21T08:00:00Z"}),
        ),
        (
            "deletion-unconfirmed",
            json!({"work_name": "p7-unconfirmed", "age": "04:00:00",
                   "delete_event_published": "2026-11-21T06:00:00Z"}),
        ),
        (
            "delete-event-not-reconciled",
            json!({"work_name": "p8-delete-unpublished", "consumer": "mgmt-2", "age": "01:00:00",
                   "resource_state": "soft-deleted at 2026-11-21T09:00:00Z"}),
        ),
        (
            "delete-event-retired",
            json!({"work_name": "p9-delete-retired", "waited": "01:00:00", "amw_present": false}),
        ),
        (
            "events-not-reconciled",
            json!({"work_name": "p10-create-unpublished", "event_type": "Create",
                   "age": "00:29:59"}),
        ),
        (
            "manifestwork-not-applied",
            json!({"namespace": "local-cluster", "name": "p11-work", "applied_status": "False",
                   "failing_manifests": "ConfigMap default/p11-config: Failed to apply manifest: namespaces \"default\" is forbidden"}),
        ),
        (
            "manifestwork-not-available",
            json!({"name": "p12-work", "available_status": "Unknown",
                   "unavailable_manifests": "ConfigMap default/p12-config"}),
        ),
        (
            "orphan-amw-layer1",
            json!({"manifest_work_name": "321eda8f-8f36-5988-b303-5c1af30d3426",
                   "amw_name": format!("{MGMT_HUB1}-321eda8f-8f36-5988-b303-5c1af30d3426"),
                   "applied_count": 1, "status_delete_at": "2026-11-20T10:00:00Z"}),
        ),
        (
            "orphan-amw-layer2",
            json!({"manifest_work_name": "p14-gone-work", "applied_count": 1,
                   "eviction_start_time": null}),
        ),
        (
            "applied-resources-drift",
            json!({"layer": 1, "work": "p15-drift", "missing": "ConfigMap default/p15-b",
                   "extra": "configmaps default/p15-old"}),
        ),
        (
            "applied-uid-mismatch",
            json!({"resource": "configmaps", "object": "default/p16-config",
                   "live_created_at": "2026-11-21T09:00:00Z", "live_owned_by_amw": false}),
        ),
        (
            "applied-object-missing",
            json!({"resource": "configmaps", "object": "default/p17-config", "layer": 1}),
        ),
        (
            "amw-evicting",
            json!({"manifest_work_name": "p18-work", "layer": 2,
                   "eviction_start_time": "2026-11-21T09:15:00Z", "age": "00:45:00"}),
        ),
        (
            "object-deletion-stuck",
            json!({"kind": "HostedCluster",
                   "object": "ocm-arohcpint-d4hostedcluster0stuck0deleting04/d4hc",
                   "age": "02:00:00", "finalizers": "hypershift.openshift.io/finalizer"}),
        ),
        (
            "creation-flow",
            json!({"cid": CID_B, "first_failing_stage": "managed_cluster_joined_available",
                   "stage_status": "missing",
                   "stages": "maestro_bundles ok -> layer1_applied ok -> local_cluster_manifestworks ok -> layer2_applied ok -> hosted_cluster_available ok -> managed_cluster_joined_available missing"}),
        ),
        (
            "creation-flow",
            json!({"cid": CID_C, "first_failing_stage": "maestro_bundles",
                   "stage_status": "missing"}),
        ),
        (
            "hostedcluster-unhealthy",
            json!({"name": "c3hc", "cid": CID_C, "available_status": "False",
                   "available_reason": "KubeAPIServerUnavailable", "degraded_status": "True",
                   "degraded_reason": "UnavailableReplicas"}),
        ),
        (
            "nodepool-not-ready",
            json!({"name": "c3hc-np1", "cid": CID_C, "ready_status": "False",
                   "ready_reason": "WaitingForAvailableMachines",
                   "machines_message": "VM provisioning failed: SkuNotAvailable"}),
        ),
        (
            "managedcluster-unhealthy",
            json!({"name": CID_C, "joined_status": "True", "available_status": "Unknown",
                   "available_reason": "ManagedClusterLeaseUpdateStopped"}),
        ),
        (
            "resource-unknown-consumer",
            json!({"consumer": "mgmt-retired", "resources": 2, "deleted": 0}),
        ),
        (
            "server-instance-stale",
            json!({"instance": "maestro-maestro-6f5d4c3b2-zzzzz", "ready": false,
                   "age": "1 day 03:59:58"}),
        ),
        (
            "collection-errors",
            json!({"source": "kube/mgmt-1/addon.open-cluster-management.io/v1alpha1/managedclusteraddons"}),
        ),
    ]
}

fn dead_server_expectations() -> Vec<(&'static str, Value)> {
    vec![(
        "no-live-server-instance",
        json!({"instances": 2, "last_instance": "maestro-maestro-7d9f8c6b5-fghij",
               "last_heartbeat": "2026-11-21T09:41:30Z", "age": "00:18:30"}),
    )]
}

#[test]
fn each_rule_fires_on_its_planted_case_with_its_evidence() {
    let env = Env::new();
    let bundle = packed(&env, "planted");
    let (code, report) = doctor_json(&env, &bundle, &[]);
    assert_eq!(
        code, 0,
        "no --fail-on: findings do not change the exit code"
    );
    assert_eq!(report.schema, "mwtrace/doctor/v1");
    assert_eq!(
        report.snapshot.created_at.as_deref(),
        Some("2026-11-21T10:00:00Z")
    );
    assert_findings(&report, &planted_expectations());
    assert_filled(&report);
    assert_eq!(
        (
            report.summary.critical,
            report.summary.warning,
            report.summary.info
        ),
        (8, 17, 2)
    );
    // Findings come worst first.
    let severities: Vec<Severity> = report.findings.iter().map(|f| f.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(severities, sorted);

    // Next steps are commands for the live system, with the bundle's contexts and values.
    let path = bundle.to_str().unwrap();
    let steps = |rule: &str| -> Vec<String> {
        report
            .findings
            .iter()
            .find(|f| f.rule == rule)
            .unwrap()
            .next_steps
            .clone()
    };
    let p1 = steps("work-not-applied");
    assert_eq!(
        p1[0],
        format!("mwtrace trace {path} --resource-id e2a93bf8-bc38-5087-ae3f-56154c2f9de4")
    );
    assert_eq!(
        p1[1],
        format!(
            "kubectl --context mgmt-1 get appliedmanifestwork {MGMT_HUB1}-e2a93bf8-bc38-5087-ae3f-56154c2f9de4 -o yaml"
        )
    );
    assert!(
        p1[3].starts_with("kubectl --context svc-1 -n maestro exec -i")
            && p1[3].ends_with(
                "-c \"SELECT jsonb_pretty(status) FROM resources WHERE id = 'e2a93bf8-bc38-5087-ae3f-56154c2f9de4'\""
            ),
        "{p1:?}"
    );
    // A namespaced object gets the namespaced command only; `{.status...}` jsonpaths survive.
    let p16 = steps("applied-uid-mismatch");
    assert_eq!(
        p16[0],
        "kubectl --context mgmt-1 get configmaps -n default p16-config -o yaml"
    );
    assert!(
        p16[1].ends_with("-o jsonpath='{.status.appliedResources}'"),
        "{p16:?}"
    );
    assert_eq!(p16.len(), 2, "{p16:?}");
    // A finding without a cid drops the command that needs one.
    assert!(
        steps("manifestwork-not-applied")
            .iter()
            .all(|s| !s.contains("--cluster-id")),
    );
}

#[test]
fn every_rule_has_a_planted_case() {
    let env = Env::new();
    let out = env.run(&["doctor", "--list-rules", "-o", "json"]);
    let catalog: Catalog = serde_json::from_slice(&out.stdout).unwrap();
    let runbook = crate::doctor_runbook::runbook_expectations();
    let planted: Vec<&str> = planted_expectations()
        .iter()
        .chain(dead_server_expectations().iter())
        .chain(runbook.iter())
        .map(|(rule, _)| *rule)
        .collect();
    // Log signatures are planted in testdata/logs (tests/it/logs.rs checks each one).
    for rule in catalog.rules.iter().filter(|r| !r.id.starts_with("log-")) {
        assert!(
            planted.contains(&rule.id.as_str()),
            "{}: no planted case in testdata/doctor nor testdata/variants/runbook",
            rule.id
        );
    }
}

#[test]
fn no_rule_fires_on_a_healthy_bundle() {
    let env = Env::new();
    let bundle = packed(&env, "healthy");
    let (code, report) = doctor_json(&env, &bundle, &["--fail-on", "warning"]);
    assert_findings(&report, &[]);
    assert_eq!(code, 0);
    assert_eq!(report.summary.rules, report.rules.len());
    assert!(report.rules.iter().all(|r| r.findings == 0));

    let out = env.run(&["doctor", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "No findings: {} rules pass on the snapshot of 2026-11-21T10:00:00Z\n",
            report.rules.len()
        )
    );
}

#[test]
fn no_live_server_instance_fires_when_every_heartbeat_is_old() {
    let env = Env::new();
    let bundle = packed(&env, "dead-server");
    let (code, report) = doctor_json(&env, &bundle, &["--fail-on", "critical"]);
    assert_findings(&report, &dead_server_expectations());
    assert_eq!(code, 1);
    assert_eq!(report.findings[0].severity, Severity::Critical);
    assert_filled(&report);
}

#[test]
fn the_sample_bundles_known_problems_are_found() {
    let env = Env::new();
    let (code, report) = doctor_json(&env, &sample_bundle(), &[]);
    assert_eq!(code, 0);
    assert_findings(
        &report,
        &[
            (
                "work-not-applied",
                json!({"resource_id": R3_FAILING, "applied_status": "False",
                       "failing_manifests": "Deployment ocm-arohcpint-2qrppk0otds3rdmdcojqcqkqq8f0s591/capi-provider: AppliedManifestFailed: Failed to apply manifest: admission webhook \"validate.example.io\" denied the request: image not allowed"}),
            ),
            (
                "deletion-stuck",
                json!({"resource_id": R5_STUCK, "age": "03:00:00",
                       "delete_event": "created 2026-11-21T07:00:00Z, not published"}),
            ),
            (
                "delete-event-stale",
                json!({"resource_id": R5_STUCK,
                       "resource_state": "soft-deleted since 2026-11-21T07:00:00Z"}),
            ),
            (
                "creation-flow",
                json!({"cid": CID, "first_failing_stage": "layer1_applied",
                       "stage_status": "failing",
                       "detail": "failing in the DB status: cs-config-2qrppk0otds3rdmdcojqcqkqq8f0s591"}),
            ),
            ("work-no-status", json!({"resource_id": R7_STRING_META})),
            (
                "server-instance-stale",
                json!({"instance": "maestro-maestro-6c9d8b7f4d-q8n5w", "age": "16:17:54"}),
            ),
        ],
    );
    assert_filled(&report);
}

#[test]
fn text_output_starts_with_the_summary_and_groups_by_severity() {
    let env = Env::new();
    let bundle = packed(&env, "planted");
    let out = env.run(&["doctor", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "8 critical, 17 warning, 2 info from 40 rules on the snapshot of 2026-11-21T10:00:00Z\n"
        ),
        "{text}"
    );
    let critical = text.find("\nCRITICAL (8)\n").expect("critical group");
    let warning = text.find("\nWARNING (17)\n").expect("warning group");
    let info = text.find("\nINFO (2)\n").expect("info group");
    assert!(critical < warning && warning < info);
    let rule = text
        .find("✗ work-not-applied: Maestro work not applied")
        .unwrap();
    assert!(rule > critical && rule < warning);
    assert!(text.contains("\n  why:  The agent reported"), "{text}");
    assert!(
        text.contains("  • p1-not-applied: Applied=False (AppliedManifestWorkFailed); failing: Deployment default/p1-app"),
        "{text}"
    );
    assert!(
        text.contains("      $ kubectl --context mgmt-1 get appliedmanifestwork"),
        "{text}"
    );
    assert!(text.contains("⚠ orphan-amw-layer2:"), "{text}");
    assert!(text.contains("ℹ server-instance-stale:"), "{text}");

    let out = env.run(&["doctor", bundle.to_str().unwrap(), "-o", "yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let yaml: serde_json::Value = serde_saphyr::from_slice(&out.stdout).unwrap();
    assert_eq!(yaml["schema"], serde_json::Value::from("mwtrace/doctor/v1"));
}

#[test]
fn fail_on_sets_exit_1_at_that_level_or_worse() {
    let env = Env::new();
    // A healthy bundle with one failed source: its only finding is a warning.
    let dir = env.path("warning-only");
    copy_dir(&repo().join("testdata/doctor/healthy"), &dir);
    let manifest_path = dir.join("manifest.json");
    let mut manifest: Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    manifest["errors"] = json!([{"source": "kube/mgmt-1", "message": "cluster unreachable"}]);
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let warning_only = pack_tree(&env, &dir, "warning-only");
    let planted = packed(&env, "planted");

    let code = |bundle: &Path, args: &[&str]| {
        let mut all = vec!["doctor", bundle.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = env.run(&all);
        assert_no_panic(&out);
        out.status.code().unwrap()
    };
    assert_eq!(code(&warning_only, &[]), 0);
    assert_eq!(code(&warning_only, &["--fail-on", "critical"]), 0);
    assert_eq!(code(&warning_only, &["--fail-on", "warning"]), 1);
    assert_eq!(code(&planted, &["--fail-on", "critical"]), 1);
    assert_eq!(code(&planted, &["--fail-on", "warning", "-o", "json"]), 1);
    assert_eq!(code(&planted, &["--fail-on", "fatal"]), 2);
    let (_, report) = doctor_json(&env, &warning_only, &[]);
    assert_findings(
        &report,
        &[(
            "collection-errors",
            json!({"source": "kube/mgmt-1", "error": "cluster unreachable"}),
        )],
    );
}

#[test]
fn list_rules_prints_the_catalog_without_a_snapshot() {
    let env = Env::new();
    let out = env.run(&["doctor", "--list-rules"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("40 rules"), "{text}");
    for (id, severity) in [
        ("work-not-applied", "CRITICAL"),
        ("orphan-amw-layer1", "WARNING"),
        ("server-instance-stale", "INFO"),
    ] {
        let at = text.find(&format!(" {id}: ")).expect(id);
        let group = text.find(&format!("\n{severity} (")).expect(severity);
        assert!(group < at, "{id} under {severity}");
    }

    let out = env.run(&["doctor", "--list-rules", "-o", "json"]);
    let catalog: Catalog = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(catalog.schema, "mwtrace/doctor-rules/v1");
    assert_eq!(catalog.rules.len(), 40);
    let rule = catalog
        .rules
        .iter()
        .find(|r| r.id == "deletion-stuck")
        .unwrap();
    assert_eq!(rule.severity, Severity::Critical);
    assert_eq!(
        rule.file,
        "crates/analyze/src/doctor/rules/deletion-stuck.sql"
    );
    assert!(rule.sql.starts_with("WITH delete_event AS"), "{}", rule.sql);
    assert!(rule.evidence.contains(&"age".to_string()));
    assert!(
        rule.commands
            .iter()
            .any(|c| c.kind == "kubectl" && c.template.contains("{amw_name}"))
    );

    let out = env.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(2), "a snapshot is required");
}

#[test]
fn each_rule_file_runs_as_is_with_mwtrace_sql() {
    let env = Env::new();
    let planted = packed(&env, "planted");
    let dead_server = packed(&env, "dead-server");
    let runbook = pack_tree(&env, &repo().join("testdata/variants/runbook"), "runbook");
    let logs = crate::logs::logs_bundle(&env);
    let out = env.run(&["doctor", "--list-rules", "-o", "json"]);
    let catalog: Catalog = serde_json::from_slice(&out.stdout).unwrap();
    for rule in &catalog.rules {
        let bundle = if rule.id == "no-live-server-instance" {
            &dead_server
        } else if rule.id.starts_with("log-") {
            &logs
        } else if crate::doctor_runbook::PLANTED_IN_RUNBOOK_ONLY.contains(&rule.id.as_str()) {
            &runbook
        } else {
            &planted
        };
        let text = std::fs::read_to_string(repo().join(&rule.file)).unwrap();
        // `--`: the file starts with `--` comments, which clap would take for an option.
        let out = env.run(&["sql", bundle.to_str().unwrap(), "-o", "ndjson", "--", &text]);
        assert_eq!(out.status.code(), Some(0), "{}: {}", rule.id, stderr(&out));
        assert!(!stdout(&out).is_empty(), "{}: no row on its case", rule.id);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn doctor_scans_first_and_filters_by_rule_severity_and_cluster() {
    let env = Env::new();
    let sample = sample_bundle();
    let path = sample.to_str().unwrap();

    // --brief: the summary line, then one line per finding with its age as people say it.
    let brief = env.run(&["doctor", path, "--brief"]);
    assert_eq!(brief.status.code(), Some(0), "{}", stderr(&brief));
    let text = stdout(&brief);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("3 critical, 1 warning, 2 info from"),
        "{text}"
    );
    let stuck = lines
        .iter()
        .find(|l| l.contains("deletion-stuck"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        stuck.contains("critical") && stuck.contains(" 3h ") && stuck.contains(R5_STUCK),
        "{stuck}"
    );
    assert!(!text.contains("why:"), "no details with --brief: {text}");
    assert!(
        !text.contains("03:00:00"),
        "ages never read like times of day: {text}"
    );

    // The full report starts with the same index, then the details.
    let full = stdout(&env.run(&["doctor", path]));
    assert!(
        full.starts_with(&text[..text.find("\n\n").unwrap()]),
        "{full}"
    );
    assert!(full.contains("3h before the snapshot (03:00:00)"), "{full}");

    // Filters keep the matching findings; the summary says how many of how many.
    let json = |args: &[&str]| -> Value {
        let mut all = vec!["doctor", path, "-o", "json"];
        all.extend_from_slice(args);
        serde_json::from_slice(&env.run(&all).stdout).unwrap()
    };
    let rules_of = |report: &Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let by_rule = json(&["--rule", "deletion-stuck", "--rule", "work-no-status"]);
    assert_eq!(rules_of(&by_rule), ["deletion-stuck", "work-no-status"]);
    assert!(
        by_rule["summary"]["line"]
            .as_str()
            .unwrap()
            .ends_with("(2 of 6 findings match the filters)"),
        "{by_rule:#}"
    );
    let warning_up = json(&["--severity", "warning"]);
    assert_eq!(warning_up["summary"]["info"], 0);
    assert_eq!(rules_of(&warning_up).len(), 4);
    let of_cluster = json(&["--cluster-id", CID, "--severity", "critical"]);
    assert_eq!(rules_of(&of_cluster), ["work-not-applied", "creation-flow"]);

    // --fail-on judges what the filters kept.
    let info_only = env.run(&[
        "doctor",
        path,
        "--severity",
        "info",
        "--rule",
        "work-no-status",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(info_only.status.code(), Some(0), "{}", stdout(&info_only));

    let unknown = env.run(&["doctor", path, "--rule", "no-such-rule"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("--rule no-such-rule: no such rule"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn logs_accept_the_severity_words_doctor_uses() {
    let env = Env::new();
    let bundle = crate::logs::logs_bundle(&env);
    let warn = env.run(&[
        "logs",
        bundle.to_str().unwrap(),
        "--level",
        "warn",
        "-o",
        "json",
    ]);
    let warning = env.run(&[
        "logs",
        bundle.to_str().unwrap(),
        "--level",
        "warning",
        "-o",
        "json",
    ]);
    assert_eq!(warning.status.code(), Some(0), "{}", stderr(&warning));
    assert_eq!(warn.stdout, warning.stdout);
    assert!(!warning.stdout.is_empty());
}

#[test]
fn color_marks_severities_when_asked_and_never_in_a_pipe_by_default() {
    let env = Env::new();
    let sample = sample_bundle();
    let path = sample.to_str().unwrap();
    let plain = stdout(&env.run(&["doctor", path, "--brief"]));
    assert!(
        !plain.contains('\u{1b}'),
        "piped output has no color: {plain}"
    );
    let colored = stdout(&env.run(&["doctor", path, "--brief", "--color", "always"]));
    assert!(
        colored.contains("\u{1b}[1;31m✗ critical\u{1b}[0m"),
        "{colored}"
    );
    assert!(
        colored.contains("\u{1b}[33m⚠ warning\u{1b}[0m"),
        "{colored}"
    );
    // Without the codes, the text is the same.
    let stripped = regex::Regex::new("\u{1b}\\[[0-9;]*m")
        .unwrap()
        .replace_all(&colored, "");
    assert_eq!(stripped, plain);
    let never = stdout(&env.run(&["doctor", path, "--brief", "--color", "never"]));
    assert_eq!(never, plain);
}

/// Two management clusters, the AppliedManifestWorks listed on mgmt-2 only: the sample's
/// bundles run on mgmt-1, so the absence of their layer-1 AMWs proves nothing, and the
/// creation flow does not call them missing (it would with "some AMW file in the bundle").
#[test]
fn the_creation_flow_claims_no_missing_amw_where_its_cluster_was_not_listed() {
    let env = Env::new();
    let bundle = sample_edited(&env, "amws-elsewhere", |tree| {
        let from = tree.join("kube/mgmt-1/work.open-cluster-management.io");
        let to = tree.join("kube/mgmt-2/work.open-cluster-management.io/v1");
        std::fs::create_dir_all(&to).unwrap();
        std::fs::remove_file(from.join("v1/appliedmanifestworks.ndjson")).unwrap();
        let unrelated = serde_json::json!({
            "apiVersion": "work.open-cluster-management.io/v1",
            "kind": "AppliedManifestWork",
            "metadata": {"name": "0123abcd-unrelated-work", "uid": "9b1f6a36-0d4e-4c35-9d8e-2f7f0e5c1a11"},
            "spec": {"hubHash": "0123abcd", "manifestWorkName": "unrelated-work", "agentID": "mgmt-2"}
        });
        std::fs::write(
            to.join("appliedmanifestworks.ndjson"),
            format!("{unrelated}\n"),
        )
        .unwrap();
        let path = tree.join("manifest.json");
        let mut manifest: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        manifest["clusters"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"name": "mgmt-2", "role": "management"}));
        std::fs::write(&path, manifest.to_string()).unwrap();
    });
    let (_, report) = doctor_json(&env, &bundle, &["--rule", "creation-flow"]);
    let flow: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "creation-flow")
        .collect();
    assert!(!flow.is_empty(), "{:?}", report.rules);
    for finding in flow {
        let text = serde_json::to_string(&finding.evidence).unwrap();
        assert!(
            !text.contains("no layer-1 AppliedManifestWork"),
            "a claim without evidence: {text}"
        );
    }
}
