//! Issue 18 item 1: Kusto `kubernetesResourceSnapshots` exports (CSV with and without BOM, JSON
//! lines with the object as a string, the web UI's JSON array), `hcpctl must-gather query` logs
//! and Kusto log exports, imported into `history/`, `kube/` (reconstructed) and `logs/`, from the
//! fixtures of testdata/history/ (gen_history.py).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use mwtrace_bundle::history::RECONSTRUCTED_AT;
use mwtrace_bundle::progress::NoProgress;
use mwtrace_bundle::{BundleReader, Limits, Manifest};
use mwtrace_import::{ImportOutcome, ImportPlan, import};
use serde_json::Value;

const CID: &str = "2qrppk0otds3rdmdcojqcqkqq8f0s591";
const HC_UID: &str = "ba1cbf82-9ced-405c-b77b-a0667681c171";
const MW_OLD_UID: &str = "5b0e3c52-8f3e-4a8e-9d2c-2b7f4e61a0c9";
const MW_NEW_UID: &str = "1acbd7bc-20da-4ed2-90af-7b893ef9d8a9";

fn fixtures() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo test"))
        .join("../../testdata/history")
}

fn snapshot_files() -> Vec<PathBuf> {
    [
        "snapshots.csv",
        "snapshots-nobom.csv",
        "snapshots.jsonl",
        "snapshots.json",
    ]
    .iter()
    .map(|f| fixtures().join(f))
    .collect()
}

struct Imported {
    outcome: ImportOutcome,
    files: BTreeMap<String, String>,
    bundle: PathBuf,
    _dir: tempfile::TempDir,
}

impl Imported {
    fn manifest(&self) -> &Manifest {
        &self.outcome.manifest
    }

    fn lines(&self, path: &str) -> Vec<Value> {
        let text = self
            .files
            .get(path)
            .unwrap_or_else(|| panic!("{path} not in {:?}", self.files.keys()));
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn events(&self, path: &str) -> Vec<String> {
        self.lines(path)
            .iter()
            .map(|r| r["event"].as_str().unwrap().to_string())
            .collect()
    }

    fn errors(&self) -> Vec<String> {
        self.manifest()
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.source, e.message))
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
        outcome,
        files,
        bundle,
        _dir: dir,
    }
}

const HC_HISTORY: &str = "history/mgmt-1/hypershift.openshift.io/v1beta1/hostedclusters.ndjson";
const HC_KUBE: &str = "kube/mgmt-1/hypershift.openshift.io/v1beta1/hostedclusters.ndjson";
const MW_HISTORY: &str = "history/mgmt-1/work.open-cluster-management.io/v1/manifestworks.ndjson";
const MW_KUBE: &str = "kube/mgmt-1/work.open-cluster-management.io/v1/manifestworks.ndjson";
const SECRET_HISTORY: &str = "history/mgmt-1/core/v1/secrets.ndjson";

#[test]
fn each_snapshot_layout_is_recognized_by_content_and_imported() {
    // CSV with a BOM (the header still names the columns), CRLF line ends.
    let csv = run(&[fixtures().join("snapshots.csv")], None);
    assert_eq!(csv.errors(), Vec::<String>::new());
    assert_eq!(
        csv.events(HC_HISTORY),
        ["Add", "Update", "Update", "Update"]
    );
    let nodepools = "history/mgmt-1/hypershift.openshift.io/v1beta1/nodepools.ndjson";
    assert_eq!(csv.events(nodepools), ["Add"]);
    assert_eq!(csv.outcome.revisions, 5);
    assert!(
        csv.outcome.inputs[0]
            .found
            .contains("Kusto kubernetesResourceSnapshots")
    );
    // The file's rows name their cluster: mgmt-1, a management cluster of the bundle.
    let clusters: Vec<(&str, &str)> = csv
        .manifest()
        .clusters
        .iter()
        .map(|c| (c.name.as_str(), c.role.as_str()))
        .collect();
    assert_eq!(clusters, [("mgmt-1", "management")]);
    let record = csv.manifest().file(HC_HISTORY).unwrap();
    assert_eq!(record.rows, Some(4));

    // CSV without a BOM.
    let nobom = run(&[fixtures().join("snapshots-nobom.csv")], None);
    assert_eq!(nobom.errors(), Vec::<String>::new());
    assert_eq!(
        nobom.events("history/mgmt-1/cluster.open-cluster-management.io/v1/managedclusters.ndjson"),
        ["Add", "Update", "Update", "Update"]
    );
    assert_eq!(
        nobom.events("history/mgmt-1/core/v1/namespaces.ndjson"),
        ["Add"]
    );

    // JSON lines, the object a JSON string; ADDED / DELETED / Added / MODIFIED normalized.
    let jsonl = run(&[fixtures().join("snapshots.jsonl")], None);
    assert_eq!(jsonl.errors(), Vec::<String>::new());
    assert_eq!(jsonl.events(MW_HISTORY), ["Add", "Delete", "Add"]);
    assert_eq!(jsonl.events(SECRET_HISTORY), ["Add", "Update"]);
    let first = &jsonl.lines(MW_HISTORY)[0];
    assert_eq!(first["ts"], "2026-11-21T08:35:02Z");
    assert_eq!(
        first["object"]["metadata"]["uid"], MW_OLD_UID,
        "decoded, not a string"
    );
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["ts", "event", "object"]);

    // The web UI's JSON array, the object a JSON value; "Modified" is an Update.
    let array = run(&[fixtures().join("snapshots.json")], None);
    assert_eq!(array.errors(), Vec::<String>::new());
    assert_eq!(array.events(nodepools), ["Update"]);
    let machines = "history/mgmt-1/infrastructure.cluster.x-k8s.io/v1beta1/azuremachines.ndjson";
    assert_eq!(array.events(machines), ["Add", "Update"]);
    // A kind mwtrace does not know: its plural guessed, and a note names it.
    assert!(
        array
            .manifest()
            .notes
            .iter()
            .any(|n| n.message.contains("AzureMachine (azuremachines)")),
        "{:?}",
        array.manifest().notes
    );
}

#[test]
fn every_revision_of_the_secret_is_redacted() {
    let all = run(&snapshot_files(), None);
    let revisions = all.lines(SECRET_HISTORY);
    assert_eq!(revisions.len(), 2);
    for revision in &revisions {
        let value = revision["object"]["data"][".dockerconfigjson"]
            .as_str()
            .unwrap();
        assert!(value.starts_with("<redacted by mwtrace: "), "{value}");
    }
    let kube: Vec<Value> = all.lines("kube/mgmt-1/core/v1/secrets.ndjson");
    let value = kube[0]["object"].clone();
    assert!(value.is_null(), "a kube/ line is the object itself");
    assert!(
        kube[0]["data"][".dockerconfigjson"]
            .as_str()
            .unwrap()
            .starts_with("<redacted by mwtrace: ")
    );
    assert!(all.outcome.redacted >= 2, "{}", all.outcome.redacted);
    assert!(!all.files.values().any(|t| t.contains("c2VjcmV0LXRva2Vu")));
}

#[test]
fn the_last_revision_of_each_object_is_reconstructed_unless_deleted() {
    let all = run(&snapshot_files(), None);
    assert_eq!(all.errors(), Vec::<String>::new());
    assert_eq!(all.outcome.revisions, 4 + 1 + 4 + 1 + 3 + 2 + 1 + 2);
    // The HostedCluster as its last Update left it, Available again, with the annotation.
    let hc = all.lines(HC_KUBE);
    assert_eq!(hc.len(), 1);
    let hc = &hc[0];
    assert_eq!(hc["metadata"]["uid"], HC_UID);
    assert_eq!(
        hc["metadata"]["annotations"][RECONSTRUCTED_AT],
        "2026-11-21T09:47:30.002Z"
    );
    let available = hc["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Available")
        .unwrap();
    assert_eq!(available["status"], "True");
    assert_eq!(available["lastTransitionTime"], "2026-11-21T09:47:30Z");
    // Available True -> False -> True over the three Updates, in the history.
    let statuses: Vec<String> = all
        .lines(HC_HISTORY)
        .iter()
        .map(|r| {
            r["object"]["status"]["conditions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["type"] == "Available")
                .map(|c| c["status"].as_str().unwrap().to_string())
                .unwrap()
        })
        .collect();
    assert_eq!(statuses, ["False", "True", "False", "True"]);
    // The ManifestWork deleted and recreated: the new uid only; the deleted one is gone.
    let mws = all.lines(MW_KUBE);
    assert_eq!(mws.len(), 1);
    assert_eq!(mws[0]["metadata"]["uid"], MW_NEW_UID);
    assert_eq!(mws[0]["metadata"]["name"], CID);
    assert!(!all.files[MW_KUBE].contains(MW_OLD_UID));
    // The NodePool from its later revision (the JSON array), though read after the CSV.
    let np = all.lines("kube/mgmt-1/hypershift.openshift.io/v1beta1/nodepools.ndjson");
    assert_eq!(np[0]["status"]["conditions"][0]["status"], "True");
    assert_eq!(all.outcome.reconstructed, 7);
    assert!(
        all.manifest()
            .notes
            .iter()
            .any(|n| n.message.starts_with("7 objects under kube/ reconstructed"))
    );
}

#[test]
fn a_live_object_of_the_same_import_wins_over_the_reconstruction() {
    let dir = tempfile::tempdir().unwrap();
    // A must-gather-like PATH named after the cluster: its objects go to mgmt-1.
    let gather = dir.path().join("mgmt-1");
    std::fs::create_dir(&gather).unwrap();
    let live = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "hypershift.openshift.io/v1beta1", "kind": "HostedCluster",
         "metadata": {"name": "x8y5p7r4g6j9e3v", "namespace": format!("ocm-arohcpint-{CID}"),
                      "uid": HC_UID, "resourceVersion": "782399999"}},
        // Same kind, namespace and name as the history's ManagedCluster, another uid.
        {"apiVersion": "cluster.open-cluster-management.io/v1", "kind": "ManagedCluster",
         "metadata": {"name": CID, "uid": "00000000-0000-4000-8000-000000000001"}}]});
    std::fs::write(gather.join("live.json"), live.to_string()).unwrap();
    let mut inputs = snapshot_files();
    inputs.push(gather);
    let all = run(&inputs, None);
    let hc = all.lines(HC_KUBE);
    assert_eq!(hc.len(), 1);
    assert_eq!(hc[0]["metadata"]["resourceVersion"], "782399999");
    assert!(hc[0]["metadata"].get("annotations").is_none());
    let mc = all.lines("kube/mgmt-1/cluster.open-cluster-management.io/v1/managedclusters.ndjson");
    assert_eq!(mc.len(), 1);
    assert_eq!(
        mc[0]["metadata"]["uid"],
        "00000000-0000-4000-8000-000000000001"
    );
    assert_eq!(all.outcome.reconstructed, 5);
    // The history itself is all there.
    assert_eq!(all.events(HC_HISTORY).len(), 4);
}

#[test]
fn malformed_rows_are_one_error_each_and_the_rest_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let object = r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns-a","uid":"u-a"}}"#;
    let quoted = object.replace('"', "\"\"");
    let csv = format!(
        "timestamp,environment,region,cluster,event,apiVersion,objectKind,namespace,name,uid,object\n\
         2026-11-21T09:00:00Z,int,uksouth,mgmt-1,Add,v1,Namespace,,ns-a,u-a,\"{quoted}\"\n\
         2026-11-21T09:01:00Z,int,uksouth,mgmt-1,Update,v1,Namespace,,ns-a,u-a,\"{{not json\"\n\
         2026-11-21T09:02:00Z,int,uksouth,mgmt-1,Bookmark,v1,Namespace,,ns-a,u-a,\"{quoted}\"\n\
         ,int,uksouth,mgmt-1,Update,v1,Namespace,,ns-a,u-a,\"{quoted}\"\n\
         2026-11-21T09:04:00Z,int,uksouth,mgmt-1,\"Update\",v1,Namespace,,ns-a,u-a,\"{quoted}\"\n"
    );
    let csv_path = dir.path().join("export.csv");
    std::fs::write(&csv_path, csv).unwrap();
    let row = |ts: &str, event: &str, object: &str| {
        serde_json::json!({"timestamp": ts, "cluster": "mgmt-1", "event": event,
            "apiVersion": "v1", "objectKind": "Namespace", "name": "ns-b", "uid": "u-b",
            "object": object})
        .to_string()
    };
    let mut jsonl = String::new();
    for line in [
        row("2026-11-21T09:00:00Z", "ADDED", object),
        row("2026-11-21T09:01:00Z", "MODIFIED", "{\"metadata\": "),
        row("2026-11-21T09:02:00Z", "ERROR", object),
        serde_json::json!({"cluster": "mgmt-1", "event": "Update", "objectKind": "Namespace",
            "object": object})
        .to_string(),
        row("2026-11-21T09:04:00Z", "MODIFIED", object),
    ] {
        jsonl.push_str(&line);
        jsonl.push('\n');
    }
    let jsonl_path = dir.path().join("export.jsonl");
    std::fs::write(&jsonl_path, jsonl).unwrap();

    let all = run(&[csv_path.clone(), jsonl_path.clone()], None);
    let errors = all.errors();
    let csv_name = csv_path.display().to_string();
    let jsonl_name = jsonl_path.display().to_string();
    assert_eq!(errors.len(), 6, "{errors:#?}");
    assert!(errors[0].starts_with(&format!("{csv_name}: line 3: object is not valid JSON")));
    assert!(errors[1].starts_with(&format!("{csv_name}: line 4: unknown event \"Bookmark\"")));
    assert_eq!(errors[2], format!("{csv_name}: line 5: no timestamp"));
    assert!(errors[3].starts_with(&format!("{jsonl_name}: line 2: object is not valid JSON")));
    assert!(errors[4].starts_with(&format!("{jsonl_name}: line 3: unknown event \"ERROR\"")));
    assert_eq!(errors[5], format!("{jsonl_name}: line 4: no timestamp"));
    assert_eq!(
        all.events("history/mgmt-1/core/v1/namespaces.ndjson"),
        ["Add", "Update", "Add", "Update"]
    );
    assert_eq!(all.lines("kube/mgmt-1/core/v1/namespaces.ndjson").len(), 2);
}

/// A log line beyond the log parser's bound (1 MiB) is cut there, as must-gather logs are.
#[test]
fn a_huge_log_row_is_cut_at_the_log_line_limit() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x".repeat(3 << 20);
    let mut text = String::new();
    for log in [huge.as_str(), "after"] {
        let line = serde_json::json!({"timestamp": "2026-11-21T09:00:00Z", "log": log,
            "cluster": "mgmt-1", "namespace_name": "maestro", "container_name": "service",
            "pod_name": "maestro-1"});
        text.push_str(&line.to_string());
        text.push('\n');
    }
    let path = dir.path().join("mgmt-1_maestro_service_maestro-1.jsonl");
    std::fs::write(&path, text).unwrap();
    let all = run(&[path], None);
    let log = &all.files["logs/mgmt-1/maestro/maestro-1/service.log"];
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].ends_with(" [mwtrace: line cut at 1 MiB]"));
    assert_eq!(lines[1], "2026-11-21T09:00:00Z after");
    assert_eq!(all.errors().len(), 1, "{:?}", all.errors());
    assert!(all.errors()[0].contains("longer than 1048576 bytes"));
}

#[test]
fn container_logs_are_imported_from_both_log_layouts_with_timestamps() {
    let query = fixtures().join("must-gather-query");
    let all = run(&[query], None);
    assert_eq!(all.errors(), Vec::<String>::new());
    // hcpctl must-gather query: the rows name cluster, namespace, container and pod.
    let agent = &all.files["logs/mgmt-1/maestro/maestro-agent-5d8f9c7b6-x2v4n/maestro-agent.log"];
    let lines: Vec<&str> = agent.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("2026-11-21T09:12:30.152417304Z I1121 09:12:30.152380       1 baseclient.go:245] \"Received event\""));
    // No pod named: the placeholder.
    let server = &all.files["logs/svc-1/maestro/unknown-pod/service.log"];
    assert_eq!(server.lines().count(), 2);
    // TIMESTAMP, pod_name, log: the PATH's cluster, the placeholder namespace and container;
    // a password in a log line is redacted.
    let kusto = &all.files["logs/must-gather-query/unknown-namespace/maestro-6c9d8b7f4d-q8n5w/unknown-container.log"];
    assert!(kusto.starts_with("2026-11-21T09:41:17.533102Z E1121 09:41:17.533102"));
    assert!(
        kusto.contains("db_password=<redacted by mwtrace: "),
        "{kusto}"
    );
    assert!(!kusto.contains("hunter2"));
    // The log parser reads the time of each line from its prefix.
    let mut parser = mwtrace_logs::EntryParser::new(mwtrace_logs::Context { reference: None });
    let mut entries = Vec::new();
    for (i, line) in agent.lines().enumerate() {
        parser.push(i as u64 + 1, line, &mut entries);
    }
    parser.finish(&mut entries);
    let times: Vec<String> = entries.iter().map(|e| e.ts.unwrap().to_string()).collect();
    assert_eq!(
        times,
        [
            "2026-11-21T09:12:30.152417304Z",
            "2026-11-21T09:12:30.161204113Z",
            "2026-11-21T09:31:06.0041Z"
        ]
    );
    let report = &all.outcome.inputs[0];
    assert_eq!(report.logs, 3);
    assert!(report.found.contains("Kusto container logs"));
}

#[test]
fn reimporting_a_bundle_carries_its_history_over() {
    let first = run(&snapshot_files(), None);
    let second = run(std::slice::from_ref(&first.bundle), None);
    assert_eq!(second.errors(), Vec::<String>::new());
    for (path, text) in &first.files {
        if path.starts_with("history/") {
            assert_eq!(second.files.get(path), Some(text), "{path}");
        }
    }
    assert_eq!(second.outcome.revisions, first.outcome.revisions);
    // The reconstructed objects come back as they were (live copies now), not twice.
    assert_eq!(second.files[HC_KUBE], first.files[HC_KUBE]);
    assert_eq!(second.outcome.reconstructed, 0);
}
