//! Container logs (issue 6): the fixtures of testdata/logs/ in every format, packed into a bundle
//! with testdata/logs-bundle/ (manifest and DB rows), parsed at load into the `logs` table;
//! `trace --logs` through the Maestro server and agent logs; `mwtrace logs` filters; the log
//! signature rules firing on their fixtures; and `collect --logs` against fake API servers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::*;
use crate::fake_kube::{Cluster, FakeKube, write_kubeconfig};
use crate::snapshot::*;

const R2: &str = R2_HCP;
const OP2: &str = "e6317c0b-4c48-4ae5-836e-09b0d4c22763";
const R6: &str = R6_PENDING;
const OP6: &str = "7d0c4e1a-9b2f-4c3d-8e5f-6a7b8c9d0e1f";
const SERVER_A: &str = "maestro-6c9d8b7f4d-7xk2p";
const AGENT: &str = "maestro-agent-5d8f9c7b6-x2v4n";

/// testdata/logs-bundle/ with testdata/logs/ as its logs/, packed by `mwtrace pack`.
pub(crate) fn logs_bundle(env: &Env) -> PathBuf {
    let tree = env.path("logs-bundle");
    copy_tree(&repo().join("testdata/logs-bundle"), &tree);
    copy_tree(&repo().join("testdata/logs"), &tree.join("logs"));
    pack_tree(env, &tree, "logs")
}

/// Rows of a one-column CSV whose value joins the columns with `|`.
fn csv_rows(csv: &str) -> Vec<Vec<String>> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let value = match l.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => l.to_string(),
            };
            value.split('|').map(str::to_string).collect()
        })
        .collect()
}

/// A query whose columns are joined with `|` into one CSV column (no quoting to undo).
fn query(env: &Env, bundle: &Path, columns: &str, rest: &str) -> Vec<Vec<String>> {
    csv_rows(&sql_csv(
        env,
        bundle,
        &format!("SELECT concat_ws('|', {columns}) FROM logs {rest}"),
    ))
}

#[test]
fn every_format_is_parsed_with_stack_traces_attached() {
    let env = Env::new();
    let bundle = logs_bundle(&env);
    // Formats, per file.
    let formats = query(
        &env,
        &bundle,
        "pod, container, string_agg(DISTINCT format, ',' ORDER BY format)",
        "GROUP BY pod, container ORDER BY pod, container",
    );
    let formats: BTreeMap<String, String> = formats
        .into_iter()
        .map(|r| (format!("{}/{}", r[0], r[1]), r[2].clone()))
        .collect();
    let manager = "amr-observer-controller-manager-6f7d9c";
    assert_eq!(
        formats[&format!("{manager}/manager")],
        "console,plain,stdlog"
    );
    assert_eq!(formats[&format!("{manager}/manager.previous")], "json,klog");
    assert_eq!(formats["amr-persister-5c8b7d9f4-k2j7q/persister"], "json");
    assert_eq!(formats["logfmt-app-0/app"], "logfmt,plain");
    assert_eq!(formats["cri-app-0/app"], "json,plain");
    assert_eq!(formats[&format!("{SERVER_A}/service")], "klog");
    assert_eq!(formats[&format!("{AGENT}/maestro-agent")], "klog");

    // zap console: a 503 with its stack frames (9 lines) in raw; the next entry starts at 19.
    let rows = query(
        &env,
        &bundle,
        "line, level, logger, msg, coalesce(fields ->> 'error', ''), len(string_split(raw, chr(10)))",
        &format!(
            "WHERE pod = '{manager}' AND container = 'manager' AND line IN (10, 19) ORDER BY line"
        ),
    );
    assert_eq!(
        rows,
        [
            [
                "10",
                "error",
                "httpclient",
                "",
                "request failed with status 503",
                "9"
            ],
            [
                "19",
                "warn",
                "httpclient.circuitbreaker",
                "circuit breaker is open, not sending CloudEvent",
                "",
                "1"
            ],
        ]
    );
    // klog glued to klog, and two zap JSON objects on one line: two entries each, same line.
    let rows = query(
        &env,
        &bundle,
        "line, level, format, msg",
        "WHERE container = 'manager.previous' AND line IN (4, 5) ORDER BY line, ts",
    );
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(rows[0][..3], ["4", "error", "klog"]);
    assert!(rows[0][3].ends_with("i/o timeout"), "{rows:?}");
    assert_eq!(rows[1][..3], ["4", "info", "klog"]);
    assert_eq!(
        rows[2][..4],
        ["5", "error", "json", "problem running manager"]
    );
    assert_eq!(rows[3][..3], ["5", "info", "json"]);
    // klog F with a goroutine dump; the year comes from the snapshot (2026).
    let rows = query(
        &env,
        &bundle,
        "strftime(ts, '%Y-%m-%d'), level, len(string_split(raw, chr(10)))",
        "WHERE container = 'manager.previous' AND line = 6",
    );
    assert_eq!(rows, [["2026-05-30", "fatal", "8"]]);
    // A Go panic behind runtime timestamps: its own entry, goroutines attached.
    let rows = query(
        &env,
        &bundle,
        "line, level, len(string_split(raw, chr(10)))",
        &format!("WHERE pod = '{SERVER_A}' AND container = 'service.previous' AND level = 'panic'"),
    );
    assert_eq!(rows, [["3", "panic", "8"]]);
    // CRI: a JSON entry split over a partial (P) and a final (F) record, an unparseable line
    // kept raw, the runtime's time on plain lines.
    let rows = query(
        &env,
        &bundle,
        "line, format, coalesce(level, '-'), msg, strftime(ts, '%H:%M:%S')",
        "WHERE pod = 'cri-app-0' ORDER BY line",
    );
    assert_eq!(rows[1][..4], ["2", "json", "warn", "slow request"]);
    assert_eq!(rows[2][..4], ["4", "plain", "-", "{not json at all"]);
    assert_eq!(rows[2][4], "09:40:02");
    // logfmt: level, message, fields and the op-id.
    let rows = query(
        &env,
        &bundle,
        "level, msg, fields ->> 'err', op_id",
        "WHERE pod = 'logfmt-app-0' AND line = 4",
    );
    assert_eq!(rows[0][0..2], ["error", "x509 verification failed"]);
    assert!(rows[0][2].starts_with("x509: certificate has expired"));
    assert_eq!(rows[0][3], "4f1c2b3a-5d6e-4f70-8192-a3b4c5d6e7f8");
    // Go's log package.
    let rows = query(
        &env,
        &bundle,
        "format, strftime(ts, '%Y-%m-%dT%H:%M:%S'), msg",
        &format!("WHERE pod = '{manager}' AND container = 'manager' AND line = 1"),
    );
    assert_eq!(
        rows,
        [[
            "stdlog",
            "2023-06-28T19:09:06",
            "No certs appended, using system certs only"
        ]]
    );
}

#[test]
fn identifiers_and_components_are_extracted_for_joins() {
    let env = Env::new();
    let bundle = logs_bundle(&env);
    // Joins straight to the DB rows: the op-id of R2 in resources.op_id.
    let rows = query(
        &env,
        &bundle,
        "component, count(*)",
        &format!(
            "WHERE op_id = (SELECT op_id FROM resources WHERE id = '{R2}') GROUP BY component ORDER BY component"
        ),
    );
    assert_eq!(
        rows,
        [
            ["clusters-service", "1"],
            ["maestro-agent", "3"],
            ["maestro-server", "6"]
        ]
    );
    // The agent's printed extensions map gives the resource id, the op-id, and (from the
    // metadata extension) the agent-side work name, which is the resource id.
    let rows = query(
        &env,
        &bundle,
        "resource_id, op_id, work_name, cid",
        &format!("WHERE pod = '{AGENT}' AND line = 1"),
    );
    assert_eq!(rows, [[R2, OP2, R2, CID]]);
    // Clusters Service's zap fields.
    let rows = query(
        &env,
        &bundle,
        "op_id, work_name, cid",
        "WHERE component = 'clusters-service' AND line = 3",
    );
    assert_eq!(rows, [[OP6, "pending-work", CID]]);
    let out = env.run(&["schema", bundle.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(text.contains("\nlogs ("), "{text}");
    assert!(
        text.contains("derived: Maestro resource id (resourceID/resourceid keys"),
        "{text}"
    );
}

fn stage<'a>(logs: &'a Value, name: &str) -> &'a Value {
    logs["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no stage {name}"))
}

#[test]
fn an_op_id_is_traced_across_server_and_agent_logs() {
    let env = Env::new();
    let bundle = logs_bundle(&env);
    let (code, report) = env.trace_json(&bundle, &["--op-id", OP2, "--logs"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["query"]["kind"], "op-id");
    assert_eq!(report["works"][0]["resource_id"], R2);
    let logs = &report["logs"];
    assert_eq!(logs["first_missing_stage"], Value::Null, "{logs:#}");
    assert_eq!(logs["last_stage_seen"], "sent_to_subscribers");
    assert!(
        logs["verdict"]
            .as_str()
            .unwrap()
            .starts_with("Every stage is logged")
    );
    let names: Vec<&str> = logs["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "received_from_client",
            "published",
            "sent_to_agent",
            "received_by_agent",
            "applied_by_agent",
            "status_sent_by_agent",
            "status_received",
            "status_updated",
            "status_broadcast",
            "sent_to_subscribers"
        ]
    );
    // Evidence from both sides, in time order.
    let received = stage(logs, "received_by_agent");
    assert_eq!(received["evidence"][0]["pod"], AGENT);
    assert_eq!(received["first_ts"], "2026-11-21T09:12:30.152417Z");
    assert_eq!(stage(logs, "published")["evidence"][0]["pod"], SERVER_A);
    // The apply line names the ManifestWork, not the resource id: it comes with the one
    // bundle whose manifests name local-cluster/2qrppk0otds3rdmdcojqcqkqq8f0s591.
    let applied = stage(logs, "applied_by_agent");
    assert_eq!(applied["count"], 1, "{applied:#}");
    assert_eq!(applied["first_ts"], "2026-11-21T09:12:30.170112Z");
    assert_eq!(applied["evidence"][0]["msg"], "Server side applied");
    assert_eq!(
        stage(logs, "status_broadcast")["count"],
        2,
        "both replicas broadcast"
    );
    let timeline = logs["timeline"].as_array().unwrap();
    let times: Vec<&str> = timeline.iter().map(|l| l["ts"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    // The op's own lines only: not the create of 08:40 (another op-id), but Clusters Service's
    // request and the benign lines of the other replica.
    assert_eq!(timeline.len(), 15, "{timeline:#?}");
    assert_eq!(timeline[0]["component"], "clusters-service");
    assert!(
        timeline
            .iter()
            .any(|l| l["note"].as_str().is_some_and(|n| n.starts_with("normal")))
    );
    assert!(logs["errors"].as_array().unwrap().is_empty());

    // The text rendering lists the stages and the timeline.
    let out = env.run(&["trace", bundle.to_str().unwrap(), "--op-id", OP2, "--logs"]);
    let text = stdout(&out);
    assert!(
        text.contains("Request in the logs (server and agent):"),
        "{text}"
    );
    assert!(text.contains("✓ 4   agent received the event"), "{text}");
    assert!(text.contains("✓ 5   agent acted on the cluster"), "{text}");
    assert!(text.contains("Every stage is logged"), "{text}");
    assert!(text.contains("Timeline:"), "{text}");
}

#[test]
fn a_request_stuck_on_the_server_names_the_first_missing_stage() {
    let env = Env::new();
    let bundle = logs_bundle(&env);
    let (code, report) = env.trace_json(&bundle, &["--resource-id", R6, "--logs"]);
    assert_eq!(code, 0);
    let logs = &report["logs"];
    assert_eq!(logs["op_ids"], json!([OP6]));
    assert_eq!(logs["first_missing_stage"], "sent_to_agent");
    assert_eq!(logs["last_stage_seen"], "published");
    // The server logs -v=2 (other requests have the stage), so it did not happen.
    assert!(
        stage(logs, "sent_to_agent")["note"]
            .as_str()
            .unwrap()
            .contains("did not happen"),
        "{logs:#}"
    );
    assert_eq!(logs["errors"][0]["msg"], "Failed to publish resource");
    assert!(
        logs["errors"][0]["error"]
            .as_str()
            .unwrap()
            .contains("maestro-mqtt.maestro:1883: connect: connection refused")
    );
    assert!(logs["verdict"].as_str().unwrap().starts_with(
        "First missing stage: sent_to_agent (server sent the event to the agent); last stage logged: published"
    ));
    assert!(
        report["next_steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("logs -l app=maestro")),
        "{report:#}"
    );
}

#[test]
fn logs_are_optional_in_the_trace_report() {
    let env = Env::new();
    let bundle = logs_bundle(&env);
    let (code, report) = env.trace_json(&bundle, &["--resource-id", R2]);
    assert_eq!(code, 0);
    assert_eq!(report["logs"], Value::Null);
    // A bundle collected without logs says so.
    let (code, report) = env.trace_json(&sample_bundle(), &["--resource-id", R1_HEALTHY, "--logs"]);
    assert_eq!(code, 0);
    assert!(
        report["logs"]["verdict"]
            .as_str()
            .unwrap()
            .contains("no logs"),
        "{report:#}"
    );
    // An op-id only the logs know: found through them (exit 0) with no DB work.
    let (code, report) = env.trace_json(
        &bundle,
        &["--op-id", "4f1c2b3a-5d6e-4f70-8192-a3b4c5d6e7f8", "--logs"],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["works"], json!([]));
    assert_eq!(report["logs"]["lines"], 1);
    // --logs does not go with --search.
    let out = env.run(&["trace", bundle.to_str().unwrap(), "--search", "x", "--logs"]);
    assert_eq!(out.status.code(), Some(2));
}

fn logs_cmd(env: &Env, bundle: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec!["logs", bundle.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = env.run(&all);
    assert_no_panic(&out);
    (out.status.code().unwrap(), stdout(&out))
}

fn logs_json(env: &Env, bundle: &Path, args: &[&str]) -> Vec<mwtrace_analyze::log_query::LogLine> {
    let mut all = args.to_vec();
    all.extend_from_slice(&["-o", "json"]);
    let (code, out) = logs_cmd(env, bundle, &all);
    assert!(code == 0 || code == 1, "{out}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn the_logs_command_filters_and_prints_text_or_json() {
    let env = Env::new();
    let bundle = logs_bundle(&env);
    // --level: error and worse.
    let lines = logs_json(&env, &bundle, &["--level", "error"]);
    assert!(lines.len() >= 15, "{}", lines.len());
    assert!(
        lines
            .iter()
            .all(|l| matches!(l.level.as_deref(), Some("error" | "panic" | "fatal")))
    );
    // --resource-id with --pod: the agent's three lines about R2.
    let lines = logs_json(
        &env,
        &bundle,
        &["--resource-id", R2, "--pod", "maestro-agent"],
    );
    let msgs: Vec<&str> = lines.iter().map(|l| l.msg.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "Received event",
            "Reconciling ManifestWork",
            "Sending event"
        ]
    );
    // --op-id.
    let lines = logs_json(&env, &bundle, &["--op-id", OP6]);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0].component.as_deref(), Some("clusters-service"));
    // --grep on the raw text; --since relative to the snapshot (10:00), --until absolute.
    let lines = logs_json(
        &env,
        &bundle,
        &[
            "--grep",
            "(?i)CONNECTION REFUSED",
            "--since",
            "1h",
            "--until",
            "2026-11-21T09:50:00Z",
        ],
    );
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0].pod, "clusters-service-7f9c8d6b5-m2x8k");
    assert_eq!(lines[0].ts.as_deref(), Some("2026-11-21T09:41:17.533912Z"));
    // --limit, and time order with untimed entries at their neighbour's place.
    let lines = logs_json(&env, &bundle, &["--pod", "logfmt-app", "--limit", "10"]);
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[5].level.as_deref(), Some("panic"));
    assert_eq!(lines[5].ts, None);

    // Text: one entry per line, fields as key=value, stack traces indented.
    let (code, text) = logs_cmd(&env, &bundle, &["--pod", SERVER_A, "--level", "panic"]);
    assert_eq!(code, 0);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "2026-11-21T08:59:58.771120Z PANIC svc-1/{SERVER_A}/service.previous  panic: runtime error"
        )),
        "{text}"
    );
    assert!(
        text.contains("\n    2026-11-21T08:59:58.771155103Z goroutine 412 [running]:"),
        "{text}"
    );
    let (_, text) = logs_cmd(&env, &bundle, &["--op-id", OP6, "--level", "error"]);
    assert!(
        text.contains("Failed to publish resource err=\"failed to publish event: dial tcp maestro-mqtt.maestro:1883: connect: connection refused\""),
        "{text}"
    );

    // Nothing: exit 1 with a word on stderr; a bad regex: exit 2.
    let out = env.run(&["logs", bundle.to_str().unwrap(), "--resource-id", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no log entry matches"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["logs", bundle.to_str().unwrap(), "--grep", "("]);
    assert_eq!(out.status.code(), Some(2));
    let out = env.run(&["logs", bundle.to_str().unwrap(), "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    // A snapshot without logs.
    let out = env.run(&["logs", sample_bundle().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("holds no logs"), "{}", stderr(&out));
}

/// The signature rules are doctor rules (src/doctor/rules/log-*.sql); each finds its fixture
/// when run by the doctor's engine.
#[test]
fn each_log_signature_fires_on_its_fixture() {
    let env = Env::new();
    let bundle = logs_bundle(&env);
    let rules: Vec<mwtrace_analyze::doctor::Rule> = mwtrace_analyze::doctor::catalog()
        .unwrap()
        .into_iter()
        .filter(|r| r.meta.id.starts_with("log-"))
        .collect();
    assert_eq!(rules.len(), 7);
    let db = env.path("logs.duckdb");
    let snapshot = mwtrace_analyze::load::open_snapshot(
        &bundle,
        Some(&db),
        &mwtrace_bundle::progress::NoProgress,
    )
    .unwrap();
    let report = mwtrace_analyze::doctor::run(
        &snapshot.conn,
        &rules,
        &mwtrace_analyze::doctor::SnapshotSource {
            path: "logs.tar.zst",
            sha256: &snapshot.bundle_sha256,
        },
    )
    .unwrap();
    for result in &report.rules {
        assert_eq!(result.error, None, "{}", result.id);
    }
    let found = |rule: &str, pod: &str| -> Vec<&mwtrace_analyze::doctor::Finding> {
        report
            .findings
            .iter()
            .filter(|f| f.rule == rule && f.evidence["pod"] == pod)
            .collect()
    };
    let persister = "amr-persister-5c8b7d9f4-k2j7q";
    let manager = "amr-observer-controller-manager-6f7d9c";

    let refused = found("log-connection-refused", persister);
    let targets: Vec<&Value> = refused.iter().map(|f| &f.evidence["target"]).collect();
    assert_eq!(
        targets,
        [
            "amr-graphql-app.metadata-store.svc.cluster.local",
            "metadata-store-app.metadata-store.svc.cluster.local"
        ]
    );
    let server = found("log-connection-refused", SERVER_A);
    assert_eq!(server[0].evidence["target"], "maestro-mqtt.maestro");
    assert!(
        server[0]
            .message
            .contains("connections refused by maestro-mqtt.maestro")
    );

    let scheme = found("log-endpoint-no-scheme", manager);
    assert_eq!(
        scheme[0].evidence["endpoint"],
        "amr-persister.example.com/healthz"
    );
    assert_eq!(scheme[0].evidence["count"], 2);
    assert_eq!(scheme[0].severity.as_str(), "critical");

    let leader = found("log-leader-election-lost", manager);
    assert_eq!(leader.len(), 1);
    assert_eq!(leader[0].evidence["restarted"], true);
    assert_eq!(leader[0].evidence["count"], 4);
    assert!(
        leader[0]
            .next_steps
            .iter()
            .any(|s| s.contains("restartCount")),
        "{:?}",
        leader[0].next_steps
    );

    let http = found("log-http-5xx", manager);
    assert_eq!(http[0].evidence["breaker_open"], true);
    assert_eq!(http[0].evidence["count"], 3);

    let tls: Vec<&Value> = report
        .findings
        .iter()
        .filter(|f| f.rule == "log-tls-errors")
        .map(|f| &f.evidence["pod"])
        .collect();
    assert_eq!(tls, ["logfmt-app-0", AGENT]);

    let timeouts = report
        .findings
        .iter()
        .filter(|f| f.rule == "log-timeouts")
        .count();
    assert_eq!(timeouts, 5);
    assert_eq!(found("log-timeouts", "cri-app-0").len(), 1);

    let exists = found("log-already-exists", persister);
    assert_eq!(exists[0].severity.as_str(), "info");
    assert_eq!(exists[0].evidence["count"], 2);
    // Nothing about Maestro's healthy request fires anything.
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.evidence["pod"] != "maestro-6c9d8b7f4d-q8n5w" || f.rule == "log-timeouts")
    );
}

fn pod(namespace: &str, name: &str, app: &str, containers: &[(&str, u32)]) -> Value {
    let specs: Vec<Value> = containers.iter().map(|(c, _)| json!({"name": c})).collect();
    let statuses: Vec<Value> = containers
        .iter()
        .map(|(c, restarts)| {
            let mut s = json!({"name": c, "ready": true, "restartCount": restarts,
                               "image": "quay.io/x/y:1", "imageID": ""});
            if *restarts > 0 {
                s["lastState"] = json!({"terminated": {"exitCode": 2, "reason": "Error"}});
            }
            s
        })
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": namespace, "labels": {"app": app}},
           "spec": {"containers": specs},
           "status": {"phase": "Running", "containerStatuses": statuses}})
}

fn fixture(path: &str) -> String {
    std::fs::read_to_string(repo().join("testdata/logs").join(path)).unwrap()
}

#[test]
fn collect_logs_streams_server_agent_and_clusters_service_logs() {
    let env = Env::new();
    let mut svc = Cluster::from_fixture(&env.path("none"), "token-svc");
    svc.pods = vec![
        pod("maestro", SERVER_A, "maestro", &[("service", 1)]),
        pod(
            "maestro",
            "maestro-6c9d8b7f4d-q8n5w",
            "maestro",
            &[("service", 0)],
        ),
        // Not a server pod: another label.
        pod("maestro", "maestro-db-0", "maestro-db", &[("postgres", 0)]),
        pod(
            "clusters-service",
            "clusters-service-7f9c8d6b5-m2x8k",
            "clusters-service",
            &[("service", 0)],
        ),
    ];
    let a = format!("maestro/{SERVER_A}/service");
    svc.logs
        .insert(a.clone(), fixture(&format!("svc-1/{a}.log")));
    svc.logs.insert(
        format!("{a}/previous"),
        fixture(&format!("svc-1/{a}.previous.log")),
    );
    // The second replica's kubelet fails.
    svc.failing_logs
        .insert("maestro/maestro-6c9d8b7f4d-q8n5w/service".into());
    let cs = "clusters-service/clusters-service-7f9c8d6b5-m2x8k/service";
    // Secrets in a served log are redacted as import redacts them.
    let token = "eyJhbGciOiJSUzI1NiJ9abcdefghijklmnop";
    let secret_lines = format!(
        "2026-11-21T09:30:00.000000000Z I1121 09:30:00.000000 1 http.go:1] Authorization: Bearer {token}\n\
         2026-11-21T09:30:01.000000000Z I1121 09:30:01.000000 1 db.go:1] connecting password=hunter2 sslmode=require\n"
    );
    svc.logs.insert(
        cs.into(),
        fixture(&format!("svc-1/{cs}.log")) + &secret_lines,
    );

    let mut mgmt = Cluster::from_fixture(&repo().join("testdata/sample/kube/mgmt-1"), "token-mgmt");
    mgmt.pods = vec![pod(
        "maestro",
        AGENT,
        "maestro-agent",
        &[("maestro-agent", 0)],
    )];
    let agent = format!("maestro/{AGENT}/maestro-agent");
    mgmt.logs
        .insert(agent.clone(), fixture(&format!("mgmt-1/{agent}.log")));

    let (svc, mgmt) = (FakeKube::start(svc), FakeKube::start(mgmt));
    let kubeconfig = env.path("kubeconfig");
    write_kubeconfig(
        &kubeconfig,
        &[
            ("svc-1", svc.url(), "token-svc"),
            ("mgmt-1", mgmt.url(), "token-mgmt"),
        ],
    );
    let bundle = env.path("collected.tar.zst");
    let k = kubeconfig.to_str().unwrap();
    let out = collect(
        &env,
        &bundle,
        &[
            "--svc-kubeconfig",
            k,
            "--svc-context",
            "svc-1",
            "--mgmt-kubeconfig",
            k,
            "--mgmt-context",
            "mgmt-1",
            "--db",
            "none",
            "--logs",
            "--since",
            "6h0m0s",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "the failing log makes it partial: {}",
        stderr(&out)
    );

    // The files, byte for byte as served.
    let files = files(&bundle);
    let expect = [
        (format!("logs/svc-1/{a}.log"), format!("svc-1/{a}.log")),
        (
            format!("logs/svc-1/{a}.previous.log"),
            format!("svc-1/{a}.previous.log"),
        ),
        (
            format!("logs/mgmt-1/{agent}.log"),
            format!("mgmt-1/{agent}.log"),
        ),
    ];
    for (path, source) in &expect {
        let got = files
            .get(path)
            .unwrap_or_else(|| panic!("no {path} in {:?}", files.keys()));
        assert_eq!(String::from_utf8_lossy(got), fixture(source), "{path}");
    }
    let served = fixture(&format!("svc-1/{cs}.log"));
    let collected = String::from_utf8_lossy(&files[&format!("logs/svc-1/{cs}.log")]).into_owned();
    let redacted_lines = collected
        .strip_prefix(&served)
        .expect("ordinary lines kept as served");
    assert!(
        !redacted_lines.contains(token) && !redacted_lines.contains("hunter2"),
        "{redacted_lines}"
    );
    assert!(
        redacted_lines.contains(&format!(
            "Authorization: Bearer {}\n",
            mwtrace_bundle::redact::marker(token.len())
        )) && redacted_lines.ends_with(" sslmode=require\n"),
        "{redacted_lines}"
    );
    let log_files: Vec<&String> = files.keys().filter(|p| p.starts_with("logs/")).collect();
    assert_eq!(log_files.len(), 4, "{log_files:?}");

    // The failing container is one recorded error; everything else went through.
    let manifest = manifest(&bundle);
    let notes = manifest["notes"].to_string();
    assert!(
        notes.contains("2 secret values in the log redacted"),
        "the redaction is noted on its source: {notes}"
    );
    let errors = manifest["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{manifest:#}");
    assert_eq!(
        errors[0]["source"],
        "logs/svc-1/maestro/maestro-6c9d8b7f4d-q8n5w/service"
    );
    assert!(
        errors[0]["message"].as_str().unwrap().contains("500"),
        "{manifest:#}"
    );

    // Requests: only GETs, the labels asked, previous only for the restarted container, the
    // window and the runtime timestamps on every log request.
    let svc_requests = svc.requests();
    assert!(svc_requests.iter().all(|r| r.method == "GET"));
    let lists: Vec<(String, String)> = svc_requests
        .iter()
        .filter(|r| r.path.ends_with("/pods"))
        .map(|r| (r.path.clone(), r.query["labelSelector"].clone()))
        .collect();
    assert_eq!(
        lists,
        [
            (
                "/api/v1/namespaces/maestro/pods".to_string(),
                "app=maestro".to_string()
            ),
            (
                "/api/v1/namespaces/clusters-service/pods".to_string(),
                "app=clusters-service".to_string()
            ),
        ]
    );
    let log_requests: Vec<_> = svc_requests
        .iter()
        .chain(mgmt.requests().iter())
        .filter(|r| r.path.ends_with("/log"))
        .cloned()
        .collect();
    assert_eq!(log_requests.len(), 5);
    for r in &log_requests {
        assert_eq!(r.query["sinceSeconds"], "21600", "{r:?}");
        assert_eq!(r.query["timestamps"], "true", "{r:?}");
    }
    let previous: Vec<&str> = log_requests
        .iter()
        .filter(|r| r.query.get("previous").map(String::as_str) == Some("true"))
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(
        previous,
        [format!("/api/v1/namespaces/maestro/pods/{SERVER_A}/log")]
    );

    // The collected bundle loads and traces like the fixture bundle.
    let (code, report) = env.trace_json(&bundle, &["--op-id", OP2, "--logs"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["logs"]["last_stage_seen"], "sent_to_subscribers");
    assert_eq!(stage(&report["logs"], "received_by_agent")["status"], "ok");
}

#[test]
fn collect_logs_notes_absent_clusters_service_and_skips_failed_clusters() {
    let env = Env::new();
    let mut svc = Cluster::from_fixture(&env.path("none"), "token-svc");
    svc.pods = vec![pod("maestro", "maestro-0", "maestro", &[("service", 0)])];
    svc.logs
        .insert("maestro/maestro-0/service".into(), "plain line\n".into());
    let svc = FakeKube::start(svc);
    let closed = crate::pg::closed_port();
    let kubeconfig = env.path("kubeconfig");
    write_kubeconfig(
        &kubeconfig,
        &[
            ("svc-1", svc.url(), "token-svc"),
            ("mgmt-down", format!("http://127.0.0.1:{closed}"), "token-x"),
        ],
    );
    let bundle = env.path("collected.tar.zst");
    let k = kubeconfig.to_str().unwrap();
    let out = collect(
        &env,
        &bundle,
        &[
            "--svc-kubeconfig",
            k,
            "--svc-context",
            "svc-1",
            "--mgmt-kubeconfig",
            k,
            "--mgmt-context",
            "mgmt-down",
            "--db",
            "none",
            "--logs",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let manifest = manifest(&bundle);
    let sources: Vec<&str> = manifest["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        ["kube/mgmt-down"],
        "one error for the dead cluster: {manifest:#}"
    );
    let notes = manifest["notes"].to_string();
    assert!(notes.contains("logs/svc-1/clusters-service"), "{notes}");
    assert!(notes.contains("not present"), "{notes}");
    assert!(notes.contains("logs/mgmt-down/maestro"), "{notes}");
    // Default window: 24 h.
    let since: Vec<String> = svc
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/log"))
        .map(|r| r.query["sinceSeconds"].clone())
        .collect();
    assert_eq!(since, ["86400"]);
    assert!(files(&bundle).contains_key("logs/svc-1/maestro/maestro-0/service.log"));
}
