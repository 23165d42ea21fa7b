//! `mwtrace transitions`: the seven-layer matrix over Maestro server and agent logs written in
//! the formats the pods print (klog with runtime timestamps, and zap JSON with `"resourceid"`),
//! on the logs bundle's DB rows (R2: a ManifestWork `local-cluster/<cid>`; R6: a ConfigMap
//! `default/pending-config`; both on consumer mgmt-1).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::*;

const R2: &str = "1ee62e78-d2ca-5c49-8a65-01e695821450";
const R6: &str = "3b323507-abeb-59db-b706-b04472f4eb5f";
const CID: &str = "2qrppk0otds3rdmdcojqcqkqq8f0s591";
const SERVER_LOG: &str = "logs/svc-1/maestro/maestro-6c9d8b7f4d-7xk2p/service.log";
const AGENT_LOG: &str = "logs/mgmt-1/maestro/maestro-agent-5d8f9c7b6-x2v4n/maestro-agent.log";
const SPEC: &str = "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.update_request";
const STATUS: &str =
    "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request";

fn klog(second: u32, file: &str, rest: &str) -> String {
    format!(
        "2026-11-21T09:12:{second:02}.100000000Z I1121 09:12:{second:02}.100000       1 {file}] {rest}\n"
    )
}

/// The server's lines for one request of `rid` and its status coming back (layers 1, 2, 6, 7
/// and the stages between them); layer 1 in zap JSON, as Maestro logs with `--log-format json`.
fn server_request(rid: &str, second: u32, status: bool) -> String {
    let mut out = format!(
        "2026-11-21T09:12:{second:02}.000000000Z {}\n",
        json!({"level": "info", "ts": format!("2026-11-21T09:12:{second:02}.000Z"),
               "caller": "grpc_server.go:214", "msg": "receive the event from client",
               "eventType": SPEC, "resourceid": rid, "resourceversion": 2})
    );
    out += &klog(
        second,
        "source_client.go:153",
        &format!("\"Publishing resource for db row update\" resourceID=\"{rid}\""),
    );
    out += &klog(
        second,
        "baseclient.go:162",
        &format!(
            "\"Sending event\" eventType=\"{SPEC}\" extensions=map[clustername:mgmt-1 resourceid:{rid} resourceversion:2]"
        ),
    );
    if status {
        out += &klog(
            second + 1,
            "event_server.go:187",
            &format!(
                "\"received status update for resource\" resourceID=\"{rid}\" statusType=\"{STATUS}\""
            ),
        );
        out += &klog(
            second + 1,
            "resource.go:211",
            &format!("\"Updating resource status\" resourceID=\"{rid}\" version=2"),
        );
        out += &klog(
            second + 1,
            "grpc_server.go:311",
            &format!(
                "\"send the event to status subscribers\" eventType=\"{STATUS}\" extensions=map[clustername:mgmt-1 resourceid:{rid} resourceversion:2] subscribers=1"
            ),
        );
    }
    out
}

/// The agent's lines for one request: received (with the resource id), the apply line (only
/// the object's name, as the work agent logs it), and the status sent back when `status`.
fn agent_request(rid: &str, object: (&str, &str, &str), second: u32, status: bool) -> String {
    let (resource, namespace, name) = object;
    let mut out = klog(
        second,
        "baseclient.go:245",
        &format!(
            "\"Received event\" eventType=\"{SPEC}\" extensions=map[clustername:mgmt-1 originalsource:maestro resourceid:{rid}]"
        ),
    );
    out += &klog(
        second,
        "server_side_apply.go:95",
        &format!(
            "\"Server side applied\" gvr=\"{resource}\" resourceNamespace=\"{namespace}\" resourceName=\"{name}\" fieldManager=\"work-agent\""
        ),
    );
    if status {
        out += &klog(
            second + 1,
            "baseclient.go:162",
            &format!(
                "\"Sending event\" eventType=\"{STATUS}\" extensions=map[clustername:mgmt-1 originalsource:maestro resourceid:{rid} resourceversion:2 sequenceid:1]"
            ),
        );
    }
    out
}

const R2_OBJECT: (&str, &str, &str) = (
    "work.open-cluster-management.io/v1, Resource=manifestworks",
    "local-cluster",
    CID,
);
const R6_OBJECT: (&str, &str, &str) = ("/v1, Resource=configmaps", "default", "pending-config");

/// The logs bundle's manifest and DB rows with these logs (an absent agent log: no agent
/// logs collected), packed.
fn bundle(env: &Env, name: &str, server: &str, agent: Option<&str>) -> PathBuf {
    bundle_with(env, name, server, agent, |_| {})
}

fn bundle_with(
    env: &Env,
    name: &str,
    server: &str,
    agent: Option<&str>,
    edit: impl FnOnce(&Path),
) -> PathBuf {
    let tree = env.path(name);
    copy_tree(&repo().join("testdata/logs-bundle"), &tree);
    let mut files = vec![(SERVER_LOG, server)];
    if let Some(agent) = agent {
        files.push((AGENT_LOG, agent));
    }
    for (path, text) in files {
        let path = tree.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    edit(&tree);
    pack_tree(env, &tree, name)
}

fn transitions(env: &Env, bundle: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["transitions", bundle.to_str().unwrap(), "-o", "json"];
    all.extend_from_slice(args);
    let out = env.run(&all);
    assert_no_panic(&out);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (out.status.code().unwrap(), report)
}

fn row<'a>(report: &'a Value, rid: &str) -> &'a Value {
    report["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["resource_id"] == rid)
        .unwrap_or_else(|| panic!("no row for {rid}: {report:#}"))
}

#[test]
fn a_healthy_bundle_has_every_layer_equal() {
    let env = Env::new();
    let server = server_request(R2, 10, true) + &server_request(R2, 20, true);
    let agent = agent_request(R2, R2_OBJECT, 10, true) + &agent_request(R2, R2_OBJECT, 20, true);
    let bundle = bundle(&env, "healthy", &server, Some(&agent));
    let (code, report) = transitions(&env, &bundle, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["server_logs"], "collected");
    assert_eq!(report["agent_logs"], "collected");
    let r2 = row(&report, R2);
    assert_eq!(r2["layers"], json!([2, 2, 2, 2, 2, 2, 2]), "{report:#}");
    assert_eq!(r2["first_broken_layer"], Value::Null);
    assert_eq!(r2["work_name"], format!("{CID}-hc"));
    assert_eq!(r2["cid"], CID);
    assert_eq!(r2["in_db"], true);
    // R6 has no line: it is listed (a DB row), with zeros that break nothing.
    assert_eq!(row(&report, R6)["layers"], json!([0, 0, 0, 0, 0, 0, 0]));
    assert_eq!(report["broken"], 0);
    assert_eq!(report["totals"], json!([2, 2, 2, 2, 2, 2, 2]));
    // The text: aligned rows, the totals line, the legend.
    let out = env.run(&["transitions", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("2 bundles, 0 breaking the expectations"),
        "{text}"
    );
    let line = text.lines().find(|l| l.starts_with(R2)).unwrap();
    assert!(line.ends_with("2  2  2  2  2  2  2  ok"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("TOTAL")), "{text}");
    assert!(text.contains("within 10% or 1"), "{text}");
}

#[test]
fn the_agent_never_received_the_spec() {
    let env = Env::new();
    // The agent logs (another bundle's request), but nothing of R2's.
    let server = server_request(R2, 10, false) + &server_request(R6, 30, true);
    let agent = agent_request(R6, R6_OBJECT, 30, true);
    let bundle = bundle(&env, "never-received", &server, Some(&agent));
    let (code, report) = transitions(&env, &bundle, &[]);
    assert_eq!(code, 0, "findings alone never fail the command");
    let r2 = row(&report, R2);
    assert_eq!(r2["layers"], json!([1, 1, 0, 0, 0, 0, 0]));
    assert_eq!(r2["first_broken_layer"], 3);
    assert_eq!(r2["broken"], "the agent never received the spec");
    assert_eq!(row(&report, R6)["first_broken_layer"], Value::Null);
    assert_eq!(report["bundles"][0]["resource_id"], R2, "broken rows first");
    let out = env.run(&["transitions", bundle.to_str().unwrap()]);
    assert!(
        stdout(&out).contains("3: the agent never received the spec"),
        "{}",
        stdout(&out)
    );
    // doctor --fail-on's convention: exit 1 only when asked.
    let out = env.run(&["transitions", bundle.to_str().unwrap(), "--fail-on-broken"]);
    assert_eq!(out.status.code(), Some(1));
    let (code, report) = transitions(&env, &bundle, &["--resource-id", R6, "--fail-on-broken"]);
    assert_eq!(code, 0);
    assert_eq!(report["bundles"].as_array().unwrap().len(), 1);
}

#[test]
fn the_status_was_not_sent_back() {
    let env = Env::new();
    let server = server_request(R2, 10, false);
    let agent = agent_request(R2, R2_OBJECT, 10, false);
    let bundle = bundle(&env, "no-status", &server, Some(&agent));
    let (_, report) = transitions(&env, &bundle, &["--cluster-id", CID]);
    let r2 = row(&report, R2);
    assert_eq!(r2["layers"], json!([1, 1, 1, 1, 0, 0, 0]));
    assert_eq!(r2["first_broken_layer"], 5);
    assert_eq!(r2["broken"], "the agent never sent the status back");
    // --cluster-id: R6 carries no cid label, so only R2 is listed.
    assert_eq!(report["bundles"].as_array().unwrap().len(), 1, "{report:#}");
}

#[test]
fn missing_agent_logs_are_not_collected_and_never_blamed() {
    let env = Env::new();
    let server = server_request(R2, 10, true);
    let bundle = bundle(&env, "no-agent", &server, None);
    let (code, report) = transitions(&env, &bundle, &["--resource-id", R2]);
    assert_eq!(code, 0);
    assert_eq!(report["agent_logs"], "not_collected");
    let r2 = row(&report, R2);
    assert_eq!(r2["layers"], json!([1, 1, null, null, null, 1, 1]));
    assert_eq!(r2["coverage"][2], "not_collected");
    assert_eq!(r2["first_broken_layer"], Value::Null, "{report:#}");
    assert_eq!(report["totals"], json!([1, 1, null, null, null, 1, 1]));
    let out = env.run(&["transitions", bundle.to_str().unwrap(), "--resource-id", R2]);
    let text = stdout(&out);
    let line = text.lines().find(|l| l.starts_with(R2)).unwrap();
    assert!(line.ends_with("1  1  -  -  -  1  1  ok"), "{text}");
    assert!(text.contains("agent logs: not collected"), "{text}");
    // Not in the DB nor in the logs: not found.
    let (code, report) = transitions(
        &env,
        &bundle,
        &["--resource-id", "00000000-0000-5000-8000-000000000000"],
    );
    assert_eq!(code, 1);
    assert_eq!(report["bundles"], json!([]));
}

#[test]
fn agent_lines_with_only_the_object_name_are_attributed() {
    let env = Env::new();
    let server = server_request(R2, 10, true) + &server_request(R6, 30, true);
    // R6's object is applied by R6 alone; "shared-config" by R6 and its copy (ambiguous).
    let agent = agent_request(R2, R2_OBJECT, 10, true)
        + &agent_request(R6, R6_OBJECT, 30, true)
        + &klog(
            40,
            "server_side_apply.go:95",
            "\"Server side applied\" gvr=\"/v1, Resource=configmaps\" resourceNamespace=\"default\" resourceName=\"shared-config\" fieldManager=\"work-agent\"",
        );
    let bundle = bundle_with(&env, "by-name", &server, Some(&agent), |tree| {
        // A third bundle that also carries default/shared-config, and so does R6.
        let path = tree.join("db/resources.ndjson");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rows: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let r6 = rows.iter_mut().find(|r| r["id"] == R6).unwrap();
        let shared = json!({"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"name": "shared-config", "namespace": "default"}});
        r6["payload"]["data"]["manifests"]
            .as_array_mut()
            .unwrap()
            .push(shared.clone());
        let mut copy = r6.clone();
        copy["id"] = json!("0f0e0d0c-0b0a-5909-8807-060504030201");
        copy["payload"]["data"]["manifests"] = json!([shared]);
        rows.push(copy);
        let out: String = rows.iter().map(|r| format!("{r}\n")).collect();
        std::fs::write(path, out).unwrap();
    });
    let (_, report) = transitions(&env, &bundle, &[]);
    let r2 = row(&report, R2);
    assert_eq!(r2["layers"], json!([1, 1, 1, 1, 1, 1, 1]), "{report:#}");
    assert_eq!(r2["attributed_by_name"], 1);
    let r6 = row(&report, R6);
    assert_eq!(r6["layers"], json!([1, 1, 1, 1, 1, 1, 1]), "{report:#}");
    assert_eq!(r6["attributed_by_name"], 1);
    assert_eq!(report["unattributed"], json!([0, 0, 0, 1, 0, 0, 0]));
    let text = stdout(&env.run(&["transitions", bundle.to_str().unwrap()]));
    assert!(text.contains("attributed by the object name"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("UNATTRIBUTED")),
        "{text}"
    );
}

#[test]
fn an_id_seen_only_in_the_logs_is_flagged() {
    let env = Env::new();
    let ghost = "9a9b9c9d-1111-5222-8333-444455556666";
    let server = server_request(ghost, 10, false);
    let bundle = bundle(&env, "ghost", &server, Some(""));
    let (_, report) = transitions(&env, &bundle, &[]);
    let g = row(&report, ghost);
    assert_eq!(g["in_db"], false);
    // An empty agent log is a collected agent log: the spec never reached the agent.
    assert_eq!(g["first_broken_layer"], 3, "{report:#}");
    let text = stdout(&env.run(&["transitions", bundle.to_str().unwrap()]));
    assert!(
        text.contains("not in the DB: seen only in the logs"),
        "{text}"
    );
}

/// `trace --logs` and `transitions` count the same lines: one matcher.
#[test]
fn trace_logs_and_transitions_agree() {
    let env = Env::new();
    let bundle = crate::logs::logs_bundle(&env);
    let (_, report) = transitions(&env, &bundle, &["--resource-id", R2]);
    let layers = row(&report, R2)["layers"].clone();
    let (_, trace) = env.trace_json(&bundle, &["--resource-id", R2, "--logs"]);
    let count = |name: &str| {
        trace["logs"]["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["count"]
            .clone()
    };
    for (i, name) in report["layer_definitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .enumerate()
    {
        if name == "applied_by_agent" {
            continue;
        }
        assert_eq!(layers[i], count(name), "layer {} ({name})", i + 1);
    }
}
