//! The ARO HCP runbook rules of `doctor` (issue 19 item 2): each fires exactly on its planted
//! case in testdata/variants/runbook (testdata/variants/gen_runbook.py) with its evidence, none
//! fires on testdata/variants/runbook-healthy (every case just under its threshold), and each is
//! skipped, naming the missing source, when the bundle did not collect what it rests on.

use std::path::{Path, PathBuf};

use mwtrace_analyze::doctor::DoctorReport;
use serde_json::{Value, json};

use crate::common::*;
use crate::doctor::assert_findings;

const MGMT_HUB1: &str = "f1d8a1049b93dffc1929d57a719c3a09a4dcbfe0cd6e42840325be3b2dde73c8";
const R4_RECREATED: &str = "b0c39bf5-4475-5028-872c-51f883f6bec9";
const CID_E: &str = "e5orphaned0hcp0namespaces0bndle5";
const CID_F: &str = "f6managedcluster0stuck0detach066";
const CID_G: &str = "g7namespace0stuck0terminating077";

/// The rules whose only planted case is in testdata/variants/runbook.
pub const PLANTED_IN_RUNBOOK_ONLY: &[&str] = &[
    "work-undelivered",
    "deleted-work-recreated",
    "delete-event-stale",
    "hcp-namespaces-orphaned",
    "namespace-stuck-terminating",
    "managedcluster-stuck-detaching",
];

fn tree(name: &str) -> PathBuf {
    repo().join("testdata/variants").join(name)
}

fn doctor_json(env: &Env, bundle: &Path) -> DoctorReport {
    let out = env.run(&["doctor", bundle.to_str().unwrap(), "-o", "json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)))
}

/// What each runbook rule must find in testdata/variants/runbook (the generator's R1-R8), and
/// creation-flow's report of cid E, whose local-cluster ManifestWork is gone.
pub fn runbook_expectations() -> Vec<(&'static str, Value)> {
    vec![
        (
            "work-undelivered",
            json!({"resource_id": "585516e6-6761-5d9b-b6a1-bbe07e514027",
                   "work_name": "r1-undelivered", "consumer": "mgmt-2",
                   "created_at": "2026-11-21T09:00:00Z", "age": "01:00:00",
                   "last_event": "Create at 2026-11-21T09:00:00Z, published at 2026-11-21T09:00:00Z"}),
        ),
        (
            "events-not-reconciled",
            json!({"consumer": "mgmt-2", "unpublished": 2, "event_type": "Create",
                   "work_name": "r2-pending-a", "created_at": "2026-11-21T09:50:00Z",
                   "age": "00:10:00"}),
        ),
        (
            "delete-event-stale",
            json!({"resource_id": "9e1a8c2f-09d9-5042-9494-2926acaafaa8", "work_name": null,
                   "created_at": "2026-11-21T08:00:00Z", "age": "02:00:00",
                   "resource_state": "gone (hard-deleted)"}),
        ),
        (
            "delete-event-stale",
            json!({"work_name": "r3-long-deleted", "consumer": "mgmt-2", "age": "03:00:00",
                   "deleted_at": "2026-11-21T07:00:00Z",
                   "resource_state": "soft-deleted since 2026-11-21T07:00:00Z"}),
        ),
        (
            "deleted-work-recreated",
            json!({"resource_id": R4_RECREATED, "work_name": "r4-recreated",
                   "deleted_at": "2026-11-21T08:00:00Z", "object_kind": "AppliedManifestWork",
                   "object": format!("{MGMT_HUB1}-{R4_RECREATED}"), "cluster": "mgmt-1",
                   "object_created_at": "2026-11-21T09:00:00Z", "created_after": "01:00:00"}),
        ),
        (
            "deleted-work-recreated",
            json!({"work_name": "r4b-carries-work", "object_kind": "ManifestWork",
                   "object": "local-cluster/r4b-work", "cluster": "mgmt-1",
                   "object_created_at": "2026-11-21T09:10:00Z", "created_after": "01:10:00"}),
        ),
        (
            "hcp-namespaces-orphaned",
            json!({"work_name": format!("{CID_E}-00-hcp-namespaces"), "cid": CID_E,
                   "consumer": "mgmt-1", "deleted_others": 2,
                   "last_other_deleted_at": "2026-11-21T08:30:00Z",
                   "other_bundles": [format!("{CID_E}-config"), format!("{CID_E}-hc")]}),
        ),
        (
            "creation-flow",
            json!({"cid": CID_E, "first_failing_stage": "local_cluster_manifestworks",
                   "stage_status": "missing"}),
        ),
        (
            "managedcluster-stuck-detaching",
            json!({"cluster": "mgmt-1", "name": CID_F, "cid": CID_F,
                   "deleted_at": "2026-11-21T08:00:00Z", "age": "02:00:00",
                   "addon_finalizers": "addon.open-cluster-management.io/addon-pre-delete",
                   "cleanup_finalizers": "cluster.open-cluster-management.io/api-resource-cleanup",
                   "other_finalizers": "none",
                   "addons": "work-manager (addon.open-cluster-management.io/addon-pre-delete)"}),
        ),
        (
            "namespace-stuck-terminating",
            json!({"cluster": "mgmt-1", "name": format!("ocm-arohcpint-{CID_G}-g7hc"),
                   "cid": CID_G, "phase": "Terminating", "age": "01:30:00",
                   "finalizers": "none", "spec_finalizers": "kubernetes",
                   "held_by": "NamespaceContentRemaining=True (SomeResourcesRemain): Some resources are remaining: hostedcontrolplanes.hypershift.openshift.io has 1 resource instances; NamespaceFinalizersRemaining=True (SomeFinalizersRemain): Some content in the namespace has finalizers remaining: hypershift.openshift.io/finalizer in 1 resource instances; spec finalizers kubernetes"}),
        ),
        (
            "work-spec-not-observed",
            json!({"work_name": "r8-stale-status", "version": 2, "observed_version": 1,
                   "updated_at": "2026-11-21T09:52:00Z", "age": "00:08:00"}),
        ),
    ]
}

#[test]
fn each_runbook_rule_fires_on_its_planted_case() {
    let env = Env::new();
    let bundle = pack_tree(&env, &tree("runbook"), "runbook");
    let report = doctor_json(&env, &bundle);
    assert_findings(&report, &runbook_expectations());

    let path = bundle.to_str().unwrap();
    let steps = |rule: &str, key: &str, value: &str| -> Vec<String> {
        report
            .findings
            .iter()
            .find(|f| f.rule == rule && f.evidence.get(key) == Some(&json!(value)))
            .unwrap_or_else(|| panic!("{rule} {key}={value}"))
            .next_steps
            .clone()
    };
    // The message says the count and the oldest; the logs are read back to the oldest event.
    let pending = report
        .findings
        .iter()
        .find(|f| f.rule == "events-not-reconciled")
        .unwrap();
    assert!(
        pending.message.starts_with(
            "2 spec events of consumer mgmt-2 not published; the oldest, Create of r2-pending-a, was created 10m before the snapshot"
        ),
        "{}",
        pending.message
    );
    assert!(
        pending.next_steps[2].starts_with(
            "kubectl --context svc-1 logs -n maestro deployment/maestro --since=2h | grep "
        ),
        "{:?}",
        pending.next_steps
    );
    // Each recreated object gets the command of its kind, with the bundle's context.
    let amw = steps(
        "deleted-work-recreated",
        "object_kind",
        "AppliedManifestWork",
    );
    assert_eq!(
        amw[0],
        format!("mwtrace trace {path} --resource-id {R4_RECREATED}")
    );
    assert_eq!(
        amw[1],
        format!(
            "kubectl --context mgmt-1 get appliedmanifestwork {MGMT_HUB1}-{R4_RECREATED} -o yaml"
        )
    );
    assert!(
        amw.iter().all(|s| !s.contains("get manifestwork ")),
        "{amw:?}"
    );
    let mw = steps("deleted-work-recreated", "object_kind", "ManifestWork");
    assert!(
        mw.contains(
            &"kubectl --context mgmt-1 get manifestwork -n local-cluster r4b-work -o yaml"
                .to_string()
        ),
        "{mw:?}"
    );
    let mc = steps("managedcluster-stuck-detaching", "name", CID_F);
    assert_eq!(
        mc[..2],
        [
            format!("kubectl --context mgmt-1 get managedcluster {CID_F} -o yaml"),
            format!("kubectl --context mgmt-1 get managedclusteraddons -n {CID_F} -o yaml"),
        ]
    );
    let ns = steps("namespace-stuck-terminating", "cid", CID_G);
    assert_eq!(
        ns[1],
        format!(
            "kubectl --context mgmt-1 get namespace ocm-arohcpint-{CID_G}-g7hc -o jsonpath='{{.status.conditions}}'"
        )
    );
    assert_eq!(ns[2], format!("mwtrace trace {path} --cluster-id {CID_G}"));
}

#[test]
fn no_runbook_rule_fires_on_the_healthy_fixture() {
    let env = Env::new();
    let bundle = pack_tree(&env, &tree("runbook-healthy"), "runbook-healthy");
    let report = doctor_json(&env, &bundle);
    assert_findings(&report, &[]);
    assert!(
        report.rules.iter().all(|r| r.skipped.is_none()),
        "{:#?}",
        report.rules
    );
}

#[test]
fn each_runbook_rule_is_skipped_naming_its_missing_source() {
    let env = Env::new();
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "db/events.ndjson",
            &[
                "work-undelivered",
                "events-not-reconciled",
                "delete-event-stale",
            ],
            "events",
        ),
        ("db/consumers.ndjson", &["work-undelivered"], "consumers"),
        (
            "db/resources.ndjson",
            &[
                "work-undelivered",
                "delete-event-stale",
                "deleted-work-recreated",
                "hcp-namespaces-orphaned",
                "work-spec-not-observed",
            ],
            "resources",
        ),
        (
            "kube/mgmt-1/work.open-cluster-management.io/v1/appliedmanifestworks.ndjson",
            &["deleted-work-recreated"],
            "appliedmanifestwork",
        ),
        (
            "kube/mgmt-1/cluster.open-cluster-management.io/v1/managedclusters.ndjson",
            &["managedcluster-stuck-detaching"],
            "managedcluster",
        ),
        (
            "kube/mgmt-1/core/v1/namespaces.ndjson",
            &["namespace-stuck-terminating"],
            "namespace",
        ),
    ];
    for (i, (file, rules, source)) in cases.iter().enumerate() {
        let dir = env.path(&format!("runbook-without-{i}"));
        copy_tree(&tree("runbook"), &dir);
        std::fs::remove_file(dir.join(file)).unwrap();
        let bundle = pack_tree(&env, &dir, &format!("runbook-without-{i}"));
        let report = doctor_json(&env, &bundle);
        for rule in *rules {
            let result = report.rules.iter().find(|r| r.id == *rule).unwrap();
            let why = result
                .skipped
                .as_deref()
                .unwrap_or_else(|| panic!("{rule} not skipped without {file}"));
            assert!(
                why.to_lowercase().contains(source),
                "{rule} without {file}: {why}"
            );
            // The bundle has management clusters: the reason must not say it has none.
            assert!(
                !why.contains("no management cluster in the bundle"),
                "{rule} without {file}: {why}"
            );
            assert!(
                report.findings.iter().all(|f| f.rule != *rule),
                "{rule} found something without {file}"
            );
        }
    }
}

/// work-undelivered rests on coverage: a consumer whose cluster's AppliedManifestWorks are in
/// the bundle is left to work-never-applied (no AMW) and work-no-status (an AMW); once they are
/// not, its bundles without status are reported as undelivered, and the other two say nothing.
#[test]
fn work_undelivered_covers_only_consumers_whose_amws_were_not_collected() {
    let env = Env::new();
    let planted = repo().join("testdata/doctor/planted");
    let dir = env.path("planted-without-amws");
    copy_tree(&planted, &dir);
    std::fs::remove_file(
        dir.join("kube/mgmt-1/work.open-cluster-management.io/v1/appliedmanifestworks.ndjson"),
    )
    .unwrap();
    let bundle = pack_tree(&env, &dir, "planted-without-amws");
    let report = doctor_json(&env, &bundle);
    let undelivered: Vec<&Value> = report
        .findings
        .iter()
        .filter(|f| f.rule == "work-undelivered")
        .map(|f| &f.evidence["work_name"])
        .collect();
    // p3-never-applied (no AMW) and p5-no-status (an AMW) have no status and no pending event.
    assert_eq!(
        undelivered,
        [&json!("p5-no-status"), &json!("p3-never-applied")],
        "{:#?}",
        report.findings
    );
    for rule in ["work-never-applied", "work-no-status"] {
        let result = report.rules.iter().find(|r| r.id == rule).unwrap();
        assert!(result.skipped.is_some(), "{rule}: {result:?}");
    }

    let report = doctor_json(&env, &pack_tree(&env, &planted, "planted"));
    assert!(
        report.findings.iter().all(|f| f.rule != "work-undelivered"),
        "{:#?}",
        report.findings
    );
}
