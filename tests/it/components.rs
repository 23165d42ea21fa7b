//! Issue 19 items 3 and 4 end to end: `collect` records the Maestro agent and HyperShift
//! operator images it can `get` (a forbidden get is an error entry, the bundle is written),
//! `info` shows them and the `components` table holds them (empty for older bundles), a doctor
//! rule gated with `requires:` is skipped, run or annotated by the recorded version, and a REST
//! list with a page missing makes `coverage` say the resources table is partial.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::*;
use crate::fake_kube::{Cluster, FakeKube, write_kubeconfig};
use crate::import::sql;
use crate::snapshot::collect;
use mwtrace_analyze::doctor::{Rule, RuleResult, SnapshotSource};

const AGENT_IMAGE: &str = "registry.example.io:5000/maestro/maestro:v0.5.2";
const OPERATOR_DIGEST: &str =
    "sha256:4444444444444444444444444444444444444444444444444444444444444444";

fn deployment(namespace: &str, name: &str, containers: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": namespace, "uid": format!("uid-{name}")},
           "spec": {"selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}},
                                 "spec": {"containers": containers}}}})
}

fn fake(token: &str) -> Cluster {
    Cluster::from_fixture(&repo().join("testdata/sample/kube/mgmt-1"), token)
}

#[test]
fn collect_records_component_images_and_a_forbidden_get_is_an_error() {
    let env = Env::new();
    let mut a = fake("token-a");
    a.deployments = vec![
        deployment(
            "maestro",
            "maestro-agent",
            json!([{"name": "maestro-agent", "image": AGENT_IMAGE},
                   {"name": "kube-rbac-proxy", "image": "registry.redhat.io/kube-rbac-proxy:v4.15"}]),
        ),
        deployment(
            "hypershift",
            "operator",
            json!([{"name": "operator",
                    "image": format!("quay.io/acm-d/rhtap-hypershift-operator@{OPERATOR_DIGEST}")}]),
        ),
    ];
    let mut b = fake("token-b");
    b.forbidden.insert("deployments");
    let (a, b) = (FakeKube::start(a), FakeKube::start(b));
    let kubeconfig = env.path("mgmt.kubeconfig");
    write_kubeconfig(
        &kubeconfig,
        &[
            ("mgmt-a", a.url(), "token-a"),
            ("mgmt-b", b.url(), "token-b"),
        ],
    );
    let bundle = env.path("components.tar.zst");
    let out = collect(
        &env,
        &bundle,
        &[
            "--mgmt-kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--mgmt-context",
            "mgmt-a",
            "--mgmt-context",
            "mgmt-b",
            "--db",
            "none",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        a.requests()
            .iter()
            .chain(b.requests().iter())
            .all(|r| r.method == "GET")
    );

    let info = env.run(&["info", bundle.to_str().unwrap(), "-o", "json"]);
    let info: Value = serde_json::from_slice(&info.stdout).unwrap();
    let components = info["components"].as_array().unwrap();
    assert_eq!(components.len(), 2, "{components:?}");
    assert_eq!(
        components[0],
        json!({"cluster": "mgmt-a", "namespace": "maestro", "name": "maestro-agent",
               "component": "maestro-agent", "container": "maestro-agent", "image": AGENT_IMAGE,
               "version": "v0.5.2", "digest": null, "source": "collect"})
    );
    assert_eq!(components[1]["component"], "hypershift-operator");
    assert_eq!(components[1]["version"], Value::Null);
    assert_eq!(components[1]["digest"], OPERATOR_DIGEST);
    assert_eq!(info["manifest"]["components"], info["components"]);
    let errors: Vec<String> = info["manifest"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["source"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        errors.iter().any(|e| e.starts_with(
            "components/mgmt-b/maestro/maestro-agent: deployment maestro/maestro-agent"
        ) && e.contains("403")),
        "{errors:?}"
    );
    // The rest of mgmt-b was collected.
    assert!(
        !errors.iter().any(|e| e.starts_with("kube/mgmt-b")),
        "{errors:?}"
    );

    let text = stdout(&env.run(&["info", bundle.to_str().unwrap()]));
    assert!(text.contains("\nComponents (2):\n"), "{text}");
    assert!(
        text.contains("  maestro-agent        version v0.5.2     digest -                    mgmt-a/maestro/maestro-agent container maestro-agent\n"),
        "{text}"
    );
    assert!(
        text.contains("digest sha256:444444444444… mgmt-a/hypershift/operator"),
        "{text}"
    );
    assert!(
        text.contains(&format!("image {AGENT_IMAGE}  (collect)")),
        "{text}"
    );

    let rows = sql(
        &env,
        &bundle,
        "SELECT cluster, component, version, digest IS NOT NULL AS pinned FROM components ORDER BY component",
    );
    assert_eq!(
        rows,
        [
            json!({"cluster": "mgmt-a", "component": "hypershift-operator", "version": null, "pinned": true}),
            json!({"cluster": "mgmt-a", "component": "maestro-agent", "version": "v0.5.2", "pinned": false}),
        ]
    );
}

#[test]
fn bundles_without_components_load_with_an_empty_table() {
    let env = Env::new();
    let bundle = sample_bundle();
    let rows = sql(&env, &bundle, "SELECT count(*) AS n FROM components");
    assert_eq!(rows, [json!({"n": 0})]);
    let text = stdout(&env.run(&["info", bundle.to_str().unwrap()]));
    assert!(text.contains("\nComponents: none recorded"), "{text}");
}

/// The sample bundle with the agent at `version` (None: no components recorded).
fn sample_with_agent(env: &Env, name: &str, version: Option<&str>) -> std::path::PathBuf {
    sample_edited(env, name, |tree: &Path| {
        let path = tree.join("manifest.json");
        let mut manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if let Some(version) = version {
            manifest["components"] = json!([{"cluster": "mgmt-1", "namespace": "maestro",
                "name": "maestro-agent", "component": "maestro-agent", "container": "maestro-agent",
                "image": format!("quay.io/maestro/maestro:{version}"), "version": version,
                "digest": null, "source": "collect"}]);
        }
        std::fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    })
}

const GATED_RULE: &str = r#"-- id: agent-bug-before-0-6
-- severity: warning
-- requires: {component: maestro-agent, version: "<0.6.0"}
-- title: A bug fixed in maestro-agent 0.6.0
-- explanation: Planted for the test.
-- next_step: Upgrade the agent.
-- message: "{thing}"
-- evidence: [thing]
SELECT 'found' AS thing
"#;

fn gated(env: &Env, bundle: &Path) -> (RuleResult, usize, String) {
    let rule = Rule::parse("agent-bug-before-0-6.sql", GATED_RULE).unwrap();
    let db = env.path(&format!(
        "{}.duckdb",
        bundle.file_stem().unwrap().to_string_lossy()
    ));
    let snapshot = mwtrace_analyze::load::open_snapshot(
        bundle,
        Some(&db),
        &mwtrace_bundle::progress::NoProgress,
    )
    .unwrap();
    let report = mwtrace_analyze::doctor::run(
        &snapshot.conn,
        &[rule],
        &SnapshotSource {
            path: "gated.tar.zst",
            sha256: &snapshot.bundle_sha256,
        },
    )
    .unwrap();
    let text = mwtrace_analyze::doctor::render::report(&report);
    (report.rules[0].clone(), report.findings.len(), text)
}

#[test]
fn a_rule_gated_on_a_version_range_is_skipped_run_or_marked_version_not_collected() {
    let env = Env::new();

    let fixed = sample_with_agent(&env, "fixed", Some("v0.6.1"));
    let (result, findings, text) = gated(&env, &fixed);
    assert_eq!(findings, 0);
    assert_eq!(
        result.skipped.as_deref(),
        Some("v0.6.1 on mgmt-1 is outside maestro-agent < 0.6.0")
    );
    assert!(
        text.contains("RULES SKIPPED: THE COMPONENT VERSION IS OUTSIDE THEIR RANGE (1)\n  agent-bug-before-0-6: v0.6.1 on mgmt-1 is outside maestro-agent < 0.6.0"),
        "{text}"
    );

    let affected = sample_with_agent(&env, "affected", Some("0.5.2"));
    let (result, findings, text) = gated(&env, &affected);
    assert_eq!((findings, result.skipped.as_deref()), (1, None));
    assert_eq!(
        result.applies_to.as_deref(),
        Some("applies to maestro-agent < 0.6.0; found 0.5.2 on mgmt-1")
    );
    assert!(
        text.contains("agent-bug-before-0-6: A bug fixed in maestro-agent 0.6.0\n  applies to maestro-agent < 0.6.0; found 0.5.2 on mgmt-1\n"),
        "{text}"
    );

    let unknown = sample_with_agent(&env, "unknown", None);
    let (result, findings, text) = gated(&env, &unknown);
    assert_eq!((findings, result.skipped.as_deref()), (1, None));
    assert_eq!(
        result.applies_to.as_deref(),
        Some("applies to maestro-agent < 0.6.0; version not collected")
    );
    assert!(
        text.contains("  applies to maestro-agent < 0.6.0; version not collected\n"),
        "{text}"
    );

    let commit = sample_with_agent(&env, "commit", Some("8c1b0f5"));
    let (result, findings, _) = gated(&env, &commit);
    assert_eq!(findings, 1);
    assert_eq!(
        result.applies_to.as_deref(),
        Some("applies to maestro-agent < 0.6.0; version not known (8c1b0f5)")
    );
}

#[test]
fn a_requires_gate_names_a_known_component_and_a_version_range() {
    let bad_component = GATED_RULE.replace("maestro-agent, version", "maestro-agnet, version");
    let error = Rule::parse("agent-bug-before-0-6.sql", &bad_component).unwrap_err();
    assert!(
        error.reason.starts_with("requires component \"maestro-agnet\": expected one of maestro-server, maestro-agent, hypershift-operator"),
        "{error}"
    );
    let bad_range = GATED_RULE.replace("\"<0.6.0\"", "\"0.6.0\"");
    let error = Rule::parse("agent-bug-before-0-6.sql", &bad_range).unwrap_err();
    assert!(error.reason.starts_with("requires version: "), "{error}");
}

#[test]
fn a_rest_list_with_a_page_missing_is_partial_in_coverage() {
    let env = Env::new();
    let bundle = env.path("pages.tar.zst");
    let out = env.run(&[
        "import",
        repo()
            .join("testdata/import/rest-pages/resource-bundles-size2-page-1.json")
            .to_str()
            .unwrap(),
        repo()
            .join("testdata/import/rest-pages/resource-bundles-size2-page-2.json")
            .to_str()
            .unwrap(),
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rows = sql(
        &env,
        &bundle,
        "SELECT collected, detail FROM coverage WHERE source = 'db' AND resource = 'resources'",
    );
    assert_eq!(rows.len(), 1);
    // The rows imported are there, but the table is not "collected": an absence in it
    // proves nothing.
    assert_eq!(rows[0]["collected"], false, "{rows:?}");
    let detail = rows[0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Maestro REST list resource-bundles: 3 of 5 items imported; page 3 of 3 (size 2) missing"),
        "{detail}"
    );
    let deleted = sql(
        &env,
        &bundle,
        "SELECT count(*) AS n FROM resources WHERE is_deleted",
    );
    assert_eq!(deleted, [json!({"n": 1})]);
}
