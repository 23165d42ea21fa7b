//! Every trace entry point on the sample bundle (testdata/README.md lists its cases).

use serde_json::Value;

use crate::common::*;

fn work<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["works"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["resource_id"] == id)
        .unwrap_or_else(|| panic!("no work {id} in {report:#}"))
}

#[test]
fn resource_id_traces_db_row_amw_and_manifests() {
    let env = Env::new();
    let (code, report) = env.trace_json(&sample_bundle(), &["--resource-id", R1_HEALTHY]);
    assert_eq!(code, 0);
    assert_eq!(report["schema"], "mwtrace/trace/v1");
    assert_eq!(report["outcome"], "found");
    let w = work(&report, R1_HEALTHY);
    assert_eq!(w["work_name"], R1_WORK);
    assert_eq!(w["state"], "applied");
    assert_eq!(w["amw_status"], "present");
    assert_eq!(
        w["applied_manifest_work"]["name"],
        format!("f1d8a1049b93dffc1929d57a719c3a09a4dcbfe0cd6e42840325be3b2dde73c8-{R1_HEALTHY}")
    );
    assert_eq!(w["applied_manifest_work"]["layer"], 1);
    assert_eq!(w["manifests"][0]["kind"], "Deployment");
    assert_eq!(w["manifests"][0]["name"], "maestro-e2e-upgrade-test");
    assert_eq!(w["manifests"][0]["applied"], true);
    // the Deployment is in the snapshot with the uid the AMW recorded
    assert_eq!(w["applied_resources"][0]["resource"], "deployments");
    assert_eq!(w["applied_resources"][0]["in_snapshot"], true);
}

#[test]
fn text_output_follows_the_procedure_layout() {
    let env = Env::new();
    let out = env.run(&[
        "trace",
        sample_bundle().to_str().unwrap(),
        "--resource-id",
        R1_HEALTHY,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "ManifestWork Trace Results",
        &format!("User-Created Work Name: {R1_WORK}"),
        &format!("Resource ID (DB):       {R1_HEALTHY}"),
        "Database Information:",
        "Deleted:  <null> (still active)",
        "Applied Manifests (1 total):",
        "Status: ✓ All 1 manifests successfully applied to cluster",
        "Next steps:",
        "kubectl --context mgmt-1 get appliedmanifestwork f1d8a1049b93",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn work_name_of_a_failing_work_names_the_failing_manifest() {
    let env = Env::new();
    let name = format!("cs-config-{CID}");
    let (code, report) = env.trace_json(&sample_bundle(), &["--work-name", &name]);
    assert_eq!(code, 0);
    let w = work(&report, R3_FAILING);
    assert_eq!(w["state"], "failing");
    let deployment = w["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "Deployment")
        .unwrap();
    assert_eq!(deployment["applied"], false);
    assert_eq!(deployment["reason"], "AppliedManifestFailed");
    assert!(
        deployment["message"]
            .as_str()
            .unwrap()
            .contains("admission webhook")
    );
    assert!(
        w["verdict"]
            .as_str()
            .unwrap()
            .contains("Applied=False (AppliedManifestWorkFailed)")
    );
}

#[test]
fn deleted_work_uses_the_deleted_variant() {
    let env = Env::new();
    let (code, report) = env.trace_json(&sample_bundle(), &["--resource-id", R4_DELETED]);
    assert_eq!(code, 0);
    let w = work(&report, R4_DELETED);
    assert_eq!(w["state"], "deleted");
    assert_eq!(w["amw_status"], "deleted");
    assert!(
        w["deleted_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-20T08:00:00")
    );

    let out = env.run(&[
        "trace",
        sample_bundle().to_str().unwrap(),
        "--resource-id",
        R4_DELETED,
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("ManifestWork Trace Results (DELETED)"),
        "{text}"
    );
    assert!(
        text.contains("AppliedManifestWork:    Not found on cluster (work deleted)"),
        "{text}"
    );
    assert!(text.contains("Original Manifests (from DB):"), "{text}");
    assert!(text.contains("- Job/default/maintenance"), "{text}");
    assert!(
        text.contains("⚠ Work deleted from cluster, data available in DB only"),
        "{text}"
    );
}

#[test]
fn deleted_but_present_and_never_applied_are_told_apart() {
    let env = Env::new();
    let (_, report) = env.trace_json(&sample_bundle(), &["--resource-id", R5_STUCK]);
    let w = work(&report, R5_STUCK);
    assert_eq!(w["state"], "deleting");
    assert_eq!(w["amw_status"], "present");
    assert!(w["verdict"].as_str().unwrap().contains("not confirmed"));

    let (_, report) = env.trace_json(&sample_bundle(), &["--resource-id", R6_PENDING]);
    let w = work(&report, R6_PENDING);
    assert_eq!(w["state"], "not_applied");
    assert_eq!(w["amw_status"], "not_applied");
    let out = env.run(&[
        "trace",
        sample_bundle().to_str().unwrap(),
        "--resource-id",
        R6_PENDING,
    ]);
    assert!(stdout(&out).contains("Not found on cluster (not applied yet)"));
}

#[test]
fn layer2_object_walks_the_whole_chain_hop_by_hop() {
    let env = Env::new();
    let target = format!("hc/{HC_NAMESPACE}/x8y5p7r4g6j9e3v");
    let (code, report) = env.trace_json(&sample_bundle(), &["--manifest", &target]);
    assert_eq!(code, 0, "{report:#}");
    let chains = report["chains"].as_array().unwrap();
    assert_eq!(chains.len(), 1, "{report:#}");
    let hops: Vec<(String, Option<i64>)> = chains[0]["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["role"].as_str().unwrap().to_string(), h["layer"].as_i64()))
        .collect();
    assert_eq!(
        hops,
        vec![
            ("object".into(), None),
            ("applied_manifest_work".into(), Some(2)),
            ("manifest_work".into(), Some(2)),
            ("applied_manifest_work".into(), Some(1)),
            ("maestro_resource".into(), None),
        ]
    );
    assert_eq!(chains[0]["resource_id"], R2_HCP);
    assert_eq!(chains[0]["work_name"], format!("{CID}-hc"));
    assert_eq!(chains[0]["hops"][2]["name"], CID);
    assert_eq!(report["works"][0]["resource_id"], R2_HCP);
    // the layer-2 ManifestWork and its AMW are part of the work's trace
    let nested = &report["works"][0]["nested_works"][0];
    assert_eq!(nested["name"], CID);
    assert_eq!(nested["applied_manifest_work"]["layer"], 2);

    let out = env.run(&[
        "trace",
        sample_bundle().to_str().unwrap(),
        "--manifest",
        &target,
    ]);
    let text = stdout(&out);
    assert!(text.contains("[1] HostedCluster x8y5p7r4g6j9e3v"), "{text}");
    assert!(
        text.contains(
            "[3] ManifestWork 2qrppk0otds3rdmdcojqcqkqq8f0s591 in local-cluster [layer 2]"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!("[5] MaestroResource {R2_HCP}")),
        "{text}"
    );
}

#[test]
fn kind_is_case_insensitive_singular_plural_or_short() {
    let env = Env::new();
    for kind in ["deploy", "Deployments", "deployment"] {
        let target = format!("{kind}/default/maestro-e2e-upgrade-test");
        let (code, report) = env.trace_json(&sample_bundle(), &["--manifest", &target]);
        assert_eq!(code, 0, "{kind}");
        assert_eq!(report["chains"][0]["resource_id"], R1_HEALTHY, "{kind}");
        assert_eq!(
            report["chains"][0]["hops"][1]["via"],
            "ownerReference (uid)"
        );
    }
    // cluster-scoped: KIND/NAME
    let (code, report) = env.trace_json(
        &sample_bundle(),
        &["--manifest", &format!("ns/{HC_NAMESPACE}")],
    );
    assert_eq!(code, 0);
    assert_eq!(report["chains"][0]["resource_id"], R2_HCP);
}

#[test]
fn object_absent_from_snapshot_is_found_through_applied_resources() {
    let env = Env::new();
    let (code, report) = env.trace_json(
        &sample_bundle(),
        &["--manifest", "cm/default/legacy-config"],
    );
    assert_eq!(code, 0, "{report:#}");
    let chain = &report["chains"][0];
    assert_eq!(chain["hops"][0]["in_snapshot"], false);
    assert_eq!(chain["hops"][1]["via"], "status.appliedResources");
    assert_eq!(chain["resource_id"], R7_STRING_META);
    assert_eq!(chain["work_name"], "legacy-string-metadata");
}

#[test]
fn unmanaged_and_unknown_objects_exit_1() {
    let env = Env::new();
    let (code, report) = env.trace_json(
        &sample_bundle(),
        &["--manifest", "deploy/maestro/maestro-agent"],
    );
    assert_eq!(code, 1);
    assert_eq!(report["outcome"], "not_managed");
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .contains("not managed by any ManifestWork")
    );

    let (code, report) = env.trace_json(
        &sample_bundle(),
        &["--manifest", "deploy/default/no-such-thing"],
    );
    assert_eq!(code, 1);
    assert_eq!(report["outcome"], "not_found");
    assert_eq!(
        report["message"],
        "Manifest Deployment/default/no-such-thing not found"
    );
}

#[test]
fn unknown_resource_id_suggests_partial_matches() {
    let env = Env::new();
    let (code, report) = env.trace_json(&sample_bundle(), &["--work-name", "stuck-deletion"]);
    assert_eq!(code, 1);
    assert_eq!(report["outcome"], "not_found");
    let suggested: Vec<&str> = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert!(suggested.contains(&"stuck-deletion-demo"), "{suggested:?}");
    let out = env.run(&[
        "trace",
        sample_bundle().to_str().unwrap(),
        "--resource-id",
        "55c61e54-0000",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("No resource found with this ID/name"),
        "{text}"
    );
    assert!(
        text.contains("Did you mean:") && text.contains(R1_HEALTHY),
        "{text}"
    );
}

#[test]
fn cluster_id_reports_every_layer_and_the_first_failing_stage() {
    let env = Env::new();
    let (code, report) = env.trace_json(&sample_bundle(), &["--cluster-id", CID]);
    assert_eq!(code, 0);
    let c = &report["cluster"];
    let ids: Vec<&str> = c["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&R2_HCP) && ids.contains(&R3_FAILING),
        "{ids:?}"
    );
    assert_eq!(c["manifest_works"][0]["name"], CID);
    assert_eq!(c["manifest_works"][0]["applied_manifest_work"]["layer"], 2);
    assert_eq!(c["hosted_clusters"][0]["name"], "x8y5p7r4g6j9e3v");
    assert_eq!(c["hosted_clusters"][0]["healthy"], true);
    assert_eq!(c["node_pools"][0]["name"], "x8y5p7r4g6j9e3v-np1");
    assert_eq!(c["managed_clusters"][0]["name"], CID);
    let conditions = c["managed_clusters"][0]["conditions"].as_array().unwrap();
    assert!(
        conditions
            .iter()
            .any(|k| k["type"] == "ManagedClusterJoined" && k["status"] == "True")
    );
    // the failing cs-config bundle is the first hop that fails
    assert_eq!(c["first_failing_stage"], "layer1_applied");
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .contains(&format!("cs-config-{CID}"))
    );
}

#[test]
fn search_ranks_exact_then_prefix_then_substring_and_says_what_matched() {
    let env = Env::new();
    let (code, report) = env.trace_json(&sample_bundle(), &["--search", "LEGACY"]);
    assert_eq!(code, 0);
    let matches = report["matches"].as_array().unwrap();
    let work_names: Vec<&str> = matches
        .iter()
        .filter(|m| m["what"] == "work_name")
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        work_names,
        vec!["legacy-single-configmap", "legacy-string-metadata"]
    );
    assert!(matches.iter().all(|m| m["rank"] == 1 || m["rank"] == 2));
    let (_, report) = env.trace_json(&sample_bundle(), &["--search", "pending-work"]);
    assert_eq!(report["matches"][0]["rank"], 0);
    assert_eq!(report["matches"][0]["what"], "work_name");
    assert_eq!(
        report["matches"][0]["trace"],
        format!(
            "mwtrace trace {} --work-name pending-work",
            sample_bundle().display()
        )
    );
}

#[test]
fn yaml_output_carries_the_same_report() {
    let env = Env::new();
    let out = env.run(&[
        "trace",
        sample_bundle().to_str().unwrap(),
        "--resource-id",
        R1_HEALTHY,
        "-o",
        "yaml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report: mwtrace_analyze::trace::TraceReport =
        serde_saphyr::from_slice(&out.stdout).unwrap();
    assert_eq!(report.works[0].resource_id, R1_HEALTHY);
    assert_eq!(
        report.works[0].state,
        mwtrace_analyze::trace::WorkState::Applied
    );
}

#[test]
fn several_resources_with_one_work_name_are_all_shown() {
    let env = Env::new();
    let bundle = env.path("two.tar.zst");
    let row = |id: &str, consumer: &str| {
        serde_json::json!({"id": id, "consumer_name": consumer, "version": 1,
            "created_at": "2026-11-20T10:00:00Z",
            "payload": {"metadata": {"name": "shared-name"}, "data": {"manifests": []}}})
    };
    write_bundle(
        &bundle,
        &[(
            "db/resources.ndjson",
            vec![row("id-a", "mgmt-1"), row("id-b", "mgmt-2")],
        )],
    );
    let (code, report) = env.trace_json(&bundle, &["--work-name", "shared-name"]);
    assert_eq!(code, 0);
    let consumers: Vec<&str> = report["works"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["consumer"].as_str().unwrap())
        .collect();
    assert_eq!(consumers.len(), 2);
    assert!(consumers.contains(&"mgmt-1") && consumers.contains(&"mgmt-2"));
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .starts_with("Multiple resources found (2)")
    );
}

#[test]
fn fail_on_exits_1_when_the_traced_work_is_failing_at_that_level() {
    let env = Env::new();
    let bundle = sample_bundle();
    let code = |args: &[&str]| {
        let mut all = vec!["trace", bundle.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = env.run(&all);
        assert_no_panic(&out);
        out.status.code().unwrap()
    };
    // R3 is failing (Applied=False): critical.
    assert_eq!(
        code(&["--resource-id", R3_FAILING, "--fail-on", "critical"]),
        1
    );
    assert_eq!(code(&["--resource-id", R3_FAILING]), 0);
    // R1 is applied and available: nothing fails it.
    assert_eq!(
        code(&["--resource-id", R1_HEALTHY, "--fail-on", "warning"]),
        0
    );
    // The cluster's creation flow has a failing stage (R3's bundle).
    assert_eq!(code(&["--cluster-id", CID, "--fail-on", "critical"]), 1);
    assert_eq!(code(&["--cluster-id", CID]), 0);
    let out = env.run(&[
        "trace",
        bundle.to_str().unwrap(),
        "--resource-id",
        R1_HEALTHY,
        "--fail-on",
        "sometimes",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn search_matches_the_cluster_labels_support_uses_and_says_how_many() {
    let env = Env::new();
    // The ARM/CS name of the sample's hosted cluster, only in its labels.
    let (code, report) = env.trace_json(&sample_bundle(), &["--search", "my-cluster"]);
    assert_eq!(code, 0, "{report}");
    let labels: Vec<&Value> = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["what"] == "label")
        .collect();
    assert!(!labels.is_empty(), "{report}");
    assert!(
        labels.iter().all(|m| m["trace"]
            .as_str()
            .unwrap()
            .ends_with(&format!("--cluster-id {CID}"))),
        "{labels:?}"
    );
    // More matches than are shown: the message says so.
    let rows: Vec<Value> = (0..60)
        .map(|i| {
            let id = format!("00000000-0000-0000-0000-{i:012}");
            serde_json::json!({"id": id, "consumer_name": "mgmt-1", "created_at": "2026-11-21T09:00:00Z",
                "payload": {"metadata": {"name": format!("bulk-work-{i}")}, "data": {"manifests": []}}})
        })
        .collect();
    let bulk = env.path("bulk.tar.zst");
    write_bundle(&bulk, &[("db/resources.ndjson", rows)]);
    let (_, report) = env.trace_json(&bulk, &["--search", "bulk-work"]);
    let shown = report["matches"].as_array().unwrap().len();
    let message = report["message"].as_str().unwrap();
    assert_eq!(
        message,
        format!("60 matches for \"bulk-work\", showing the best {shown}")
    );
    assert!(shown < 60);
}

#[test]
fn cluster_id_names_the_failing_reason_and_first_traces_that_hop() {
    let env = Env::new();
    let (code, report) = env.trace_json(&sample_bundle(), &["--cluster-id", CID]);
    assert_eq!(code, 0);
    let message = report["message"].as_str().unwrap();
    // R3's failing manifest is named with its reason, inline.
    let stage = report["cluster"]["first_failing_stage"].as_str().unwrap();
    assert!(message.contains(stage), "{message}");
    assert!(message.contains('(') && message.contains(':'), "{message}");
    let first = report["next_steps"][0].as_str().unwrap();
    assert!(
        first.starts_with(&format!("mwtrace trace {} ", sample_bundle().display())),
        "{first}"
    );
    // An unknown cluster id: suggestions, no empty skeleton.
    let (code, report) = env.trace_json(&sample_bundle(), &["--cluster-id", "2qrppk0otds3"]);
    assert_eq!(code, 1);
    assert_eq!(report["cluster"], Value::Null, "{report}");
    assert!(
        !report["matches"].as_array().unwrap().is_empty(),
        "{report}"
    );
}

/// Issue 16 (part): names from bundle data are shell-quoted in the commands a trace suggests.
#[test]
fn suggested_commands_quote_names_from_the_bundle() {
    let env = Env::new();
    let id = "6f1c1a52-0000-5000-8000-000000000001";
    let hostile = "x-$(touch /tmp/pwned)";
    let bundle = env.path("hostile.tar.zst");
    write_bundle(
        &bundle,
        &[
            (
                "db/resources.ndjson",
                vec![serde_json::json!({"id": id, "consumer_name": "mgmt-1",
                    "created_at": "2026-11-21T09:00:00Z",
                    "payload": {"metadata": {"name": "w"}, "data": {"manifests": []}}})],
            ),
            (
                "kube/mgmt-1/work.open-cluster-management.io/v1/appliedmanifestworks.ndjson",
                vec![
                    serde_json::json!({"apiVersion": "work.open-cluster-management.io/v1",
                    "kind": "AppliedManifestWork",
                    "metadata": {"name": hostile, "uid": "u-1"},
                    "spec": {"hubHash": "h", "manifestWorkName": id}}),
                ],
            ),
        ],
    );
    let (_, report) = env.trace_json(&bundle, &["--resource-id", id]);
    assert_eq!(
        report["next_steps"][0],
        format!("kubectl --context mgmt-1 get appliedmanifestwork '{hostile}' -o yaml"),
        "{report}"
    );
    // Search suggestions are commands too.
    let (_, report) = env.trace_json(&bundle, &["--search", "touch"]);
    let traces: Vec<&str> = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["trace"].as_str().unwrap())
        .collect();
    assert!(
        traces.contains(
            &format!(
                "mwtrace trace {} --manifest 'appliedmanifestwork/{hostile}'",
                bundle.display()
            )
            .as_str()
        ),
        "{traces:?}"
    );
}

#[test]
fn text_times_carry_their_age_before_the_snapshot_and_json_keeps_rfc3339() {
    let env = Env::new();
    let sample = sample_bundle();
    let out = env.run(&["trace", sample.to_str().unwrap(), "--resource-id", R5_STUCK]);
    let text = stdout(&out);
    assert!(
        text.contains("Created:  2026-11-21T06:30:44Z (3h29m before the snapshot)"),
        "{text}"
    );
    assert!(
        text.contains("Deleted:  2026-11-21T07:00:00Z (3h before the snapshot)"),
        "{text}"
    );
    let (_, json) = env.trace_json(&sample, &["--resource-id", R5_STUCK]);
    assert_eq!(json["works"][0]["created_at"], "2026-11-21T06:30:44Z");
    assert_eq!(json["snapshot_created_at"], "2026-11-21T10:00:00Z");
}

#[test]
fn local_shows_text_times_in_the_readers_zone_and_leaves_json_in_utc() {
    let env = Env::new();
    let sample = sample_bundle();
    let s = sample.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = env
            .cmd()
            .args(args)
            .env("TZ", "Asia/Tokyo")
            .output()
            .unwrap();
        stdout(&out)
    };
    let text = run(&["trace", s, "--resource-id", R5_STUCK, "--local"]);
    assert!(
        text.contains("Created:  2026-11-21 15:30:44 +09:00 (3h29m before the snapshot)"),
        "{text}"
    );
    assert!(!text.contains("2026-11-21T06:30:44Z"), "{text}");
    let utc = run(&["trace", s, "--resource-id", R5_STUCK]);
    assert!(utc.contains("Created:  2026-11-21T06:30:44Z"), "{utc}");
    let json = run(&[
        "trace",
        s,
        "--resource-id",
        R5_STUCK,
        "--local",
        "-o",
        "json",
    ]);
    assert!(
        json.contains("\"created_at\": \"2026-11-21T06:30:44Z\""),
        "{json}"
    );
    let doctor = run(&["doctor", s, "--local"]);
    assert!(
        doctor.contains("snapshot of 2026-11-21 19:00:00 +09:00"),
        "{doctor}"
    );
}
