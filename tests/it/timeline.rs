//! Object history and the timeline: the sample bundle imported with the Kusto
//! `kubernetesResourceSnapshots` exports of testdata/history/ (a HostedCluster going Available
//! True -> False -> True, a ManifestWork deleted and created again, a ManagedCluster whose
//! lease stopped), loaded as object_history / condition_history / timeline, and told by
//! `mwtrace timeline` as text, JSON and HTML.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;
use crate::import::{fixture, import, sql};

const HC: &str = "x8y5p7r4g6j9e3v";

/// The sample bundle with every history export of testdata/history/.
fn with_history(env: &Env) -> PathBuf {
    let sample = sample_bundle();
    let (code, bundle, err) = import(
        env,
        "with-history.tar.zst",
        &[
            sample.to_str().unwrap(),
            &fixture("testdata/history/snapshots.csv"),
            &fixture("testdata/history/snapshots-nobom.csv"),
            &fixture("testdata/history/snapshots.jsonl"),
            &fixture("testdata/history/snapshots.json"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("history revisions"), "{err}");
    bundle
}

/// The cluster's timeline of the history bundle, written with `--out timeline.html`.
fn html_page(env: &Env) -> PathBuf {
    let bundle = with_history(env);
    let page = env.path("timeline.html");
    let out = env.run(&[
        "timeline",
        bundle.to_str().unwrap(),
        "--cluster-id",
        CID,
        "--out",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    page
}

fn timeline_json(env: &Env, bundle: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["timeline", bundle.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "json"]);
    let out = env.run(&all);
    assert_no_panic(&out);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{all:?}: {e}: {}", stderr(&out)));
    (out.status.code().unwrap(), report)
}

#[test]
fn history_revisions_become_object_and_condition_history() {
    let env = Env::new();
    let bundle = with_history(&env);
    // The HostedCluster's Available condition in four runs, in time order.
    let runs = sql(
        &env,
        &bundle,
        &format!(
            "SELECT status, reason FROM condition_history
             WHERE kind = 'HostedCluster' AND name = '{HC}' AND type = 'Available'
             ORDER BY first_seen"
        ),
    );
    let statuses: Vec<&str> = runs.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["False", "True", "False", "True"], "{runs:?}");
    assert_eq!(runs[2]["reason"], "KubeAPIServerUnavailable");
    // The Update that broke it names the condition among the paths it changed; the first
    // revision has none to compare with.
    let updates = sql(
        &env,
        &bundle,
        &format!(
            "SELECT event, changed_paths FROM object_history
             WHERE kind = 'HostedCluster' AND name = '{HC}' ORDER BY ts"
        ),
    );
    assert_eq!(updates.len(), 4, "{updates:?}");
    assert_eq!(updates[0]["event"], "Add");
    assert!(updates[0]["changed_paths"].is_null());
    // `sql` writes a list as JSON text.
    let broke: Vec<String> =
        serde_json::from_str(updates[2]["changed_paths"].as_str().unwrap()).unwrap();
    assert!(
        broke.contains(&"status.conditions[type=Available].status".to_string()),
        "{broke:?}"
    );
    assert!(
        !broke.iter().any(|p| p.contains("resourceVersion")),
        "{broke:?}"
    );
    // The ManifestWork deleted and created again: two uids, Add Delete Add.
    let work = sql(
        &env,
        &bundle,
        "SELECT event, uid FROM object_history
         WHERE kind = 'ManifestWork' AND namespace = 'local-cluster' ORDER BY ts",
    );
    let events: Vec<&str> = work.iter().map(|r| r["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["Add", "Delete", "Add"], "{work:?}");
    assert_eq!(work[0]["uid"], work[1]["uid"]);
    assert_ne!(work[1]["uid"], work[2]["uid"]);
}

#[test]
fn objects_rebuilt_from_history_are_flagged_and_their_kind_not_listed() {
    let env = Env::new();
    let bundle = with_history(&env);
    // The AzureMachine exists only in the export: reconstructed, and its kind was not listed.
    let rebuilt = sql(
        &env,
        &bundle,
        "SELECT kind, reconstructed_at IS NOT NULL AS rebuilt FROM objects
         WHERE kind IN ('AzureMachine', 'HostedCluster') ORDER BY kind",
    );
    assert_eq!(rebuilt.len(), 2, "{rebuilt:?}");
    assert_eq!(rebuilt[0]["rebuilt"], true, "{rebuilt:?}");
    assert_eq!(rebuilt[1]["rebuilt"], false, "the live HostedCluster wins");
    let coverage = sql(
        &env,
        &bundle,
        "SELECT collected, detail FROM coverage WHERE resource = 'azuremachines'",
    );
    assert_eq!(coverage.len(), 1, "{coverage:?}");
    assert_eq!(coverage[0]["collected"], false);
    assert!(
        coverage[0]["detail"]
            .as_str()
            .unwrap()
            .contains("reconstructed from history"),
        "{coverage:?}"
    );
    // A history-only bundle: the HostedCluster is there (rebuilt), and its kind is not
    // claimed as listed, so nothing is said to be absent from the cluster.
    let (code, only, err) = import(
        &env,
        "history-only.tar.zst",
        &[&fixture("testdata/history/snapshots.csv")],
    );
    assert_eq!(code, 0, "{err}");
    let hc = sql(
        &env,
        &only,
        "SELECT o.name, o.reconstructed_at, c.collected FROM objects o
         JOIN coverage c ON c.cluster = o.cluster AND c.resource = o.resource
         WHERE o.kind = 'HostedCluster'",
    );
    assert_eq!(hc.len(), 1, "{hc:?}");
    assert_eq!(hc[0]["name"], HC);
    assert_eq!(hc[0]["reconstructed_at"], "2026-11-21T09:47:30.002Z");
    assert_eq!(hc[0]["collected"], false);
}

#[test]
fn the_timeline_of_a_cluster_tells_what_happened_in_order() {
    let env = Env::new();
    let bundle = with_history(&env);
    let (code, report) = timeline_json(&env, &bundle, &["--cluster-id", CID]);
    assert_eq!(code, 0);
    assert_eq!(report["schema"], "mwtrace/timeline/v1");
    let entries = report["entries"].as_array().unwrap();
    let times: Vec<&str> = entries.iter().map(|e| e["ts"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "entries are in time order");
    // Facts of every source of the bundle.
    for source in ["db", "cluster", "history"] {
        assert!(
            entries.iter().any(|e| e["source"] == source),
            "no {source} fact"
        );
    }
    let detail = |e: &Value| e["detail"].as_str().unwrap_or_default().to_string();
    // The condition transitions, with the state before and after.
    assert!(
        entries.iter().any(|e| e["event"] == "condition"
            && detail(e).starts_with("Available True->False (KubeAPIServerUnavailable)")),
        "{entries:#?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["event"] == "delete" && e["kind"] == "ManifestWork")
    );
    // The first sign of trouble is the first error, and nothing before it is an error.
    let first = report["first_problem"].as_u64().unwrap() as usize;
    assert_eq!(entries[first]["level"], "error");
    assert!(entries[..first].iter().all(|e| e["level"] != "error"));
    // A condition first seen bad while the object is created is a warning, not trouble; a
    // turn from True to False is.
    let creating = entries
        .iter()
        .find(|e| detail(e).starts_with("Available (new)->False (WaitingForAvailable)"))
        .expect("the HostedCluster's first Available");
    assert_eq!(creating["level"], "warning");
    assert!(
        !detail(&entries[first]).contains("(new)->"),
        "{}",
        entries[first]
    );
    // The history is present: it is not listed among the missing sources.
    let missing = report["missing_sources"].to_string();
    assert!(!missing.contains("object history"), "{missing}");
    // A window keeps only its facts.
    let (_, window) = timeline_json(
        &env,
        &bundle,
        &[
            "--cluster-id",
            CID,
            "--since",
            "2026-11-21T09:30:00Z",
            "--until",
            "2026-11-21T09:35:00Z",
        ],
    );
    let inside = window["entries"].as_array().unwrap();
    assert!(!inside.is_empty() && inside.len() < entries.len());
    assert!(inside.iter().all(|e| {
        let ts = e["ts"].as_str().unwrap();
        ("2026-11-21T09:30:00Z"..="2026-11-21T09:35:00Z").contains(&ts)
    }));
}

#[test]
fn a_timeline_says_which_sources_were_not_collected() {
    let env = Env::new();
    let sample = sample_bundle();
    let out = env.run(&[
        "timeline",
        sample.to_str().unwrap(),
        "--resource-id",
        R3_FAILING,
        "--no-pager",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Not collected"), "{text}");
    assert!(text.contains("object history not collected"), "{text}");
    assert!(text.contains("▶ First sign of trouble"), "{text}");
    assert!(text.contains(R3_FAILING), "{text}");
    // Nothing about an unknown id: exit 1 and a plain message.
    let (code, none) = timeline_json(&env, &sample, &["--resource-id", "no-such-id"]);
    assert_eq!(code, 1);
    assert!(none["entries"].as_array().unwrap().is_empty());
    assert!(
        none["message"]
            .as_str()
            .unwrap()
            .starts_with("no dated fact")
    );
}

#[test]
fn the_html_timeline_is_one_offline_page_with_a_lane_per_object() {
    let env = Env::new();
    let page = html_page(&env);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("default-src 'none'"), "no network by policy");
    // Nothing is fetched: no URL but the SVG namespace.
    let urls = html.matches("http://").count() + html.matches("https://").count();
    assert_eq!(urls, html.matches("http://www.w3.org/2000/svg").count());
    for lane in [
        "MaestroResource",
        "ManifestWork local-cluster/",
        &format!("HostedCluster ocm-arohcpint-{CID}/{HC}"),
        &format!("ManagedCluster {CID}"),
    ] {
        assert!(
            html.contains(&format!("data-lane=\"{lane}")),
            "no lane {lane}"
        );
    }
    assert!(
        html.contains("class=\"bar bad"),
        "a red stretch after Available turned False"
    );
    assert!(html.contains("class=\"bar ok"));
    assert!(
        html.contains("deleted\""),
        "the deleted ManifestWork is dashed"
    );
}

/// Counts the pixels of a PNG close to each given color (Python's standard library only: the
/// screenshot's format is PNG, RGB or RGBA, 8 bits, not interlaced, as Chromium writes it).
const COUNT_COLORS_PY: &str = r#"
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, width, height, channels = 8, b'', 0, 0, 0
while pos < len(data):
    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b'IHDR':
        width, height, depth, color = struct.unpack('>IIBB', body[:10])
        assert depth == 8 and color in (2, 6), (depth, color)
        channels = 3 if color == 2 else 4
    elif kind == b'IDAT':
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * channels
rows, prev, at = [], bytearray(stride), 0
for _ in range(height):
    kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
    at += 1 + stride
    for i in range(stride):
        a = line[i - channels] if i >= channels else 0
        b = prev[i]
        c = prev[i - channels] if i >= channels else 0
        if kind == 1: line[i] = (line[i] + a) & 255
        elif kind == 2: line[i] = (line[i] + b) & 255
        elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
for target in sys.argv[2:]:
    want = [int(target[i:i + 2], 16) for i in (0, 2, 4)]
    n = sum(1 for line in rows for x in range(0, stride, channels)
            if all(abs(line[x + k] - want[k]) <= 12 for k in range(3)))
    print(target, n)
"#;

/// The page as a browser draws it: headless Chromium (`.ci/run` installs Debian's package)
/// takes a screenshot, in which the lanes' bars show in their colors: green while the
/// HostedCluster was Available, red after it turned False.
#[test]
fn the_html_timeline_draws_its_lanes_in_chromium() {
    let env = Env::new();
    let page = html_page(&env);
    let shot = env.path("timeline.png");
    let chromium = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1600,1400",
        ])
        .arg(format!(
            "--user-data-dir={}",
            env.path("chromium").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium (Debian package chromium; .ci/run installs it)");
    assert!(shot.exists(), "no screenshot: {}", stderr(&chromium));
    let counted = std::process::Command::new("python3")
        .args(["-c", COUNT_COLORS_PY])
        .arg(&shot)
        .args(["5cb85c", "d9534f", "31708f"])
        .output()
        .expect("python3");
    let text = stdout(&counted);
    let count = |color: &str| -> usize {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{color} ")))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{text}{}", stderr(&counted)))
    };
    // Bars are 8 pixels high: each color covers at least a short stretch of a lane.
    assert!(count("5cb85c") > 200, "no green bar: {text}");
    assert!(count("d9534f") > 100, "no red bar: {text}");
    assert!(count("31708f") > 50, "no fact diamonds: {text}");
}

/// `trace --at`: the bundle as it stood then, from its history: the HostedCluster unavailable
/// at 09:35 (KubeAPIServerUnavailable) and available again at 09:50; the report says what it
/// rests on.
#[test]
fn a_trace_at_an_earlier_moment_shows_the_objects_as_they_were() {
    let env = Env::new();
    let bundle = with_history(&env);
    let hc = |report: &Value| -> (Value, Value) {
        let cluster = &report["cluster"]["hosted_clusters"][0];
        let available = cluster["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "Available")
            .cloned()
            .unwrap();
        (cluster["healthy"].clone(), available)
    };
    let (_, broken) = env.trace_json(
        &bundle,
        &["--cluster-id", CID, "--at", "2026-11-21T09:35:00Z"],
    );
    let (healthy, available) = hc(&broken);
    assert_eq!(available["status"], "False", "{available}");
    assert_eq!(available["reason"], "KubeAPIServerUnavailable");
    assert_eq!(healthy, false);
    assert!(
        broken["as_of"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-21T09:35:00Z"),
        "{}",
        broken["as_of"]
    );
    assert_eq!(broken["snapshot_created_at"], "2026-11-21T09:35:00Z");
    let (_, mended) = env.trace_json(
        &bundle,
        &["--cluster-id", CID, "--at", "2026-11-21T09:50:00Z"],
    );
    assert_eq!(hc(&mended).1["status"], "True");
    // Now (no --at): no as_of, the snapshot's time.
    let (_, now) = env.trace_json(&bundle, &["--cluster-id", CID]);
    assert!(now.get("as_of").is_none());
    // A bundle without history cannot be rewound: one clear error.
    let out = env.run(&[
        "trace",
        sample_bundle().to_str().unwrap(),
        "--cluster-id",
        CID,
        "--at",
        "1h",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no history revisions"),
        "{}",
        stderr(&out)
    );
}
