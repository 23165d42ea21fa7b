//! `mwtrace collect` against fake management clusters (tests/it/fake_kube.rs) reached through a
//! kubeconfig file with two contexts, alone and together with a private PostgreSQL: paged lists,
//! an absent CRD, a forbidden kind, an unreachable cluster, and round trips to a trace.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::common::*;
use crate::fake_kube::{Cluster, FakeKube, KINDS, kind_of, write_kubeconfig};
use crate::maestro_db::{base64, load_current};
use crate::pg::Pg;
use crate::snapshot::*;

/// A Secret value planted in a ManifestWork of cluster mgmt-a.
const PLANTED_KUBE: [&str; 2] = ["TOPSECRET-kube-1", "TOPSECRET-kube-2"];

const AMW_LAYER2: &str = "693878cf92962a92dbcc58fc304c6875de0f922dc99bb5418ca0a7a39cb2843d-2qrppk0otds3rdmdcojqcqkqq8f0s591";

fn fixture_dir() -> PathBuf {
    repo().join("testdata/sample/kube/mgmt-1")
}

/// A ManifestWork that carries a Secret (spec.workload.manifests), as a hub would hold one.
fn planted_work() -> Value {
    json!({"apiVersion": "work.open-cluster-management.io/v1", "kind": "ManifestWork",
           "metadata": {"name": "planted-secret-work", "namespace": "local-cluster",
                        "uid": "5ec2e7a1-aaaa-4bbb-8ccc-000000000002", "resourceVersion": "900",
                        "creationTimestamp": "2026-11-21T09:40:00Z"},
           "spec": {"workload": {"manifests": [
               {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pull", "namespace": "default"},
                "data": {"token": base64(PLANTED_KUBE[0])}, "stringData": {"password": PLANTED_KUBE[1]}}]}}})
}

/// Everything of the sample cluster, plus the planted ManifestWork.
fn cluster_a() -> Cluster {
    let mut cluster = Cluster::from_fixture(&fixture_dir(), "token-a");
    cluster
        .objects
        .get_mut("manifestworks")
        .unwrap()
        .push(planted_work());
    cluster
}

/// The sample's work objects; HyperShift is not installed and ManagedClusters are forbidden.
fn cluster_b() -> Cluster {
    let mut cluster = Cluster::from_fixture(&fixture_dir(), "token-b");
    cluster.absent_groups.insert("hypershift.openshift.io");
    cluster.forbidden.insert("managedclusters");
    cluster
}

fn bundle_path(cluster: &str, plural: &str) -> String {
    let kind = kind_of(plural);
    format!(
        "kube/{cluster}/{}/{}/{plural}.ndjson",
        kind.group, kind.version
    )
}

/// What the bundle must hold for a kind: the server's objects, redacted.
fn expected_objects(cluster: &Cluster, plural: &str) -> Vec<Value> {
    cluster.objects[plural]
        .iter()
        .cloned()
        .map(|mut o| {
            mwtrace_bundle::redact::redact(&mut o);
            o
        })
        .collect()
}

fn str_arg(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

struct TwoClusters {
    a: FakeKube,
    b: FakeKube,
    kubeconfig: PathBuf,
}

fn two_clusters(env: &Env) -> TwoClusters {
    let a = FakeKube::start(cluster_a());
    let b = FakeKube::start(cluster_b());
    let kubeconfig = env.path("mgmt.kubeconfig");
    write_kubeconfig(
        &kubeconfig,
        &[
            ("mgmt-a", a.url(), "token-a"),
            ("mgmt-b", b.url(), "token-b"),
        ],
    );
    TwoClusters { a, b, kubeconfig }
}

fn collect_two(
    env: &Env,
    clusters: &TwoClusters,
    bundle: &std::path::Path,
) -> std::process::Output {
    collect(
        env,
        bundle,
        &[
            "--mgmt-kubeconfig",
            str_arg(&clusters.kubeconfig),
            "--mgmt-context",
            "mgmt-a",
            "--mgmt-context",
            "mgmt-b",
            "--db",
            "none",
        ],
    )
}

#[test]
fn two_contexts_paged_lists_absent_crd_and_forbidden_kind() {
    let env = Env::new();
    let clusters = two_clusters(&env);
    let bundle = env.path("kube.tar.zst");
    let out = collect_two(&env, &clusters, &bundle);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the 403 makes it a partial collection: {}",
        stderr(&out)
    );
    let files = files(&bundle);

    // mgmt-a: every object of every kind, exactly as served, with apiVersion and kind set
    // although the list items came without them.
    let a = cluster_a();
    for kind in KINDS {
        let path = bundle_path("mgmt-a", kind.plural);
        let got = rows(&files, &path).unwrap_or_else(|| panic!("no {path}"));
        assert_eq!(got.len(), a.objects[kind.plural].len(), "{path}");
        assert_eq!(
            multiset(&got),
            multiset(&expected_objects(&a, kind.plural)),
            "{path}"
        );
        for object in &got {
            assert_eq!(
                object["apiVersion"],
                format!("{}/{}", kind.group, kind.version)
            );
            assert_eq!(object["kind"], kind.kind);
        }
        // Pagination: the server gives 2 items a page whatever the limit, so every page was
        // fetched with the continue token of the one before.
        let lists = clusters.a.lists_of(kind.plural);
        let pages = a.objects[kind.plural].len().div_ceil(2).max(1);
        assert_eq!(lists.len(), pages, "pages of {}", kind.plural);
        assert_eq!(lists[0].query.get("limit").map(String::as_str), Some("250"));
        assert_eq!(lists[0].query.get("continue"), None);
        for (i, list) in lists.iter().enumerate().skip(1) {
            assert_eq!(
                list.query.get("continue"),
                Some(&format!("fake-continue-{}", 2 * i))
            );
        }
    }
    assert_eq!(
        clusters.a.lists_of("appliedmanifestworks").len(),
        4,
        "7 AMWs take 4 pages"
    );

    // mgmt-b: the work objects; HyperShift absent is a note, the forbidden kind an error, and
    // neither leaves a file behind.
    let b = cluster_b();
    for plural in ["appliedmanifestworks", "manifestworks"] {
        let got = rows(&files, &bundle_path("mgmt-b", plural)).unwrap();
        assert_eq!(multiset(&got), multiset(&expected_objects(&b, plural)));
    }
    for plural in ["hostedclusters", "nodepools", "managedclusters"] {
        assert!(
            !files.contains_key(&bundle_path("mgmt-b", plural)),
            "{plural} of mgmt-b"
        );
    }

    let manifest = manifest(&bundle);
    let errors = manifest["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "only the 403 is an error: {manifest:#}");
    assert_eq!(
        errors[0]["source"],
        "kube/mgmt-b/cluster.open-cluster-management.io/v1/managedclusters"
    );
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("403") && message.contains("forbidden"),
        "{message}"
    );
    let notes: Vec<(String, String)> = manifest["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["source"].as_str().unwrap().to_string(),
                n["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for plural in ["hostedclusters", "nodepools"] {
        let source = format!("kube/mgmt-b/hypershift.openshift.io/v1beta1/{plural}");
        let note = notes
            .iter()
            .find(|(s, _)| *s == source)
            .unwrap_or_else(|| panic!("no note for {source}: {notes:?}"));
        assert!(note.1.contains("absent"), "{note:?}");
    }
    assert!(
        !notes.iter().any(|(s, _)| s.starts_with("kube/mgmt-a")),
        "{notes:?}"
    );
    assert!(
        manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["path"].as_str().unwrap().starts_with("db/"))
    );

    let clusters_in_manifest: Vec<(String, String, String)> = manifest["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["role"].as_str().unwrap().to_string(),
                c["server"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(clusters_in_manifest.len(), 2);
    assert_eq!(
        (
            clusters_in_manifest[0].0.as_str(),
            clusters_in_manifest[0].1.as_str()
        ),
        ("mgmt-a", "management")
    );
    assert!(
        clusters_in_manifest[0].2.starts_with(&clusters.a.url()),
        "{clusters_in_manifest:?}"
    );
    assert_eq!(clusters_in_manifest[1].0, "mgmt-b");
    assert!(
        clusters_in_manifest[1].2.starts_with(&clusters.b.url()),
        "{clusters_in_manifest:?}"
    );

    // Read-only and authenticated: GETs only, each with the context's token.
    for (name, server) in [("mgmt-a", &clusters.a), ("mgmt-b", &clusters.b)] {
        for request in server.requests() {
            assert_eq!(request.method, "GET", "{name}: {request:?}");
            assert_ne!(request.status, 401, "{name}: {request:?}");
        }
    }

    // The Secret inside the ManifestWork did not leave the cluster.
    let text: String = entries(&bundle)
        .into_iter()
        .map(|(_, c)| String::from_utf8_lossy(&c).into_owned())
        .collect();
    for planted in PLANTED_KUBE {
        assert!(
            !text.contains(planted) && !text.contains(&base64(planted)),
            "{planted} leaked"
        );
    }
    let work = rows(&files, &bundle_path("mgmt-a", "manifestworks"))
        .unwrap()
        .into_iter()
        .find(|w| w["metadata"]["name"] == "planted-secret-work")
        .unwrap();
    let secret = &work["spec"]["workload"]["manifests"][0];
    assert!(
        mwtrace_bundle::redact::is_marker(secret["data"]["token"].as_str().unwrap()),
        "{secret}"
    );

    assert!(stderr(&out).contains("managedclusters"), "{}", stderr(&out));
}

#[test]
fn kube_only_bundle_traces_a_hosted_cluster_up_to_the_layer1_amw() {
    let env = Env::new();
    let clusters = two_clusters(&env);
    let bundle = env.path("kube.tar.zst");
    let out = collect_two(&env, &clusters, &bundle);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));

    let target = format!("hc/{HC_NAMESPACE}/x8y5p7r4g6j9e3v");
    let (code, report) = env.trace_json(&bundle, &["--manifest", &target]);
    assert_eq!(code, 0, "{report:#}");
    let chains = report["chains"].as_array().unwrap();
    assert_eq!(
        chains.len(),
        1,
        "the HostedCluster exists on mgmt-a only: {report:#}"
    );
    let hops: Vec<(String, Option<i64>, bool)> = chains[0]["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["role"].as_str().unwrap().to_string(),
                h["layer"].as_i64(),
                h["in_snapshot"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        hops,
        vec![
            ("object".into(), None, true),
            ("applied_manifest_work".into(), Some(2), true),
            ("manifest_work".into(), Some(2), true),
            ("applied_manifest_work".into(), Some(1), true),
            // No DB in this bundle: the layer-1 AMW names the resource id, nothing more.
            ("maestro_resource".into(), None, false),
        ]
    );
    let hop = chains[0]["hops"].as_array().unwrap();
    assert_eq!(hop[0]["cluster"], "mgmt-a");
    assert_eq!(hop[0]["kind"], "HostedCluster");
    assert_eq!(hop[1]["name"], AMW_LAYER2);
    assert_eq!(hop[2]["name"], CID);
    assert_eq!(hop[2]["namespace"], "local-cluster");
    assert_eq!(
        hop[3]["name"],
        format!("f1d8a1049b93dffc1929d57a719c3a09a4dcbfe0cd6e42840325be3b2dde73c8-{R2_HCP}")
    );
    assert_eq!(chains[0]["resource_id"], R2_HCP);
    assert_eq!(chains[0]["work_name"], Value::Null);
}

#[test]
fn an_unreachable_cluster_is_an_error_and_the_other_is_collected() {
    let env = Env::new();
    let a = FakeKube::start(cluster_a());
    let closed = crate::pg::closed_port();
    let kubeconfig = env.path("mgmt.kubeconfig");
    write_kubeconfig(
        &kubeconfig,
        &[
            ("mgmt-down", format!("http://127.0.0.1:{closed}"), "token-x"),
            ("mgmt-a", a.url(), "token-a"),
        ],
    );
    let bundle = env.path("partial.tar.zst");
    let out = collect(
        &env,
        &bundle,
        &[
            "--mgmt-kubeconfig",
            str_arg(&kubeconfig),
            "--mgmt-context",
            "mgmt-down",
            "--mgmt-context",
            "mgmt-a",
            "--db",
            "none",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));

    let manifest = manifest(&bundle);
    let errors = manifest["errors"].as_array().unwrap();
    assert!(!errors.is_empty(), "{manifest:#}");
    for error in errors {
        assert!(
            error["source"]
                .as_str()
                .unwrap()
                .starts_with("kube/mgmt-down"),
            "{error}"
        );
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    let files = files(&bundle);
    assert!(!files.keys().any(|p| p.starts_with("kube/mgmt-down/")));
    let cluster = cluster_a();
    for kind in KINDS {
        let got = rows(&files, &bundle_path("mgmt-a", kind.plural)).unwrap();
        assert_eq!(
            got.len(),
            cluster.objects[kind.plural].len(),
            "{}",
            kind.plural
        );
    }
    let names: Vec<&str> = manifest["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["mgmt-down", "mgmt-a"]);
}

#[test]
fn database_and_cluster_together_trace_the_full_chain() {
    let pg = Pg::start();
    load_current(&pg);
    let env = Env::new();
    let a = FakeKube::start(cluster_a());
    let kubeconfig = env.path("mgmt.kubeconfig");
    write_kubeconfig(&kubeconfig, &[("mgmt-a", a.url(), "token-a")]);
    let bundle = env.path("full.tar.zst");
    let out = collect(
        &env,
        &bundle,
        &[
            "--db",
            &pg.url(),
            "--mgmt-kubeconfig",
            str_arg(&kubeconfig),
            "--mgmt-context",
            "mgmt-a",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(manifest(&bundle)["errors"], json!([]));

    let target = format!("hc/{HC_NAMESPACE}/x8y5p7r4g6j9e3v");
    let (code, report) = env.trace_json(&bundle, &["--manifest", &target]);
    assert_eq!(code, 0, "{report:#}");
    let chain = &report["chains"][0];
    let last = chain["hops"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["role"], "maestro_resource");
    assert_eq!(last["in_snapshot"], true);
    assert_eq!(last["name"], R2_HCP);
    assert_eq!(chain["resource_id"], R2_HCP);
    assert_eq!(chain["work_name"], format!("{CID}-hc"));
    assert_eq!(chain["hops"].as_array().unwrap().len(), 5);
    assert_eq!(report["works"][0]["resource_id"], R2_HCP);
    assert_eq!(report["works"][0]["nested_works"][0]["name"], CID);
    assert_eq!(
        report["works"][0]["nested_works"][0]["applied_manifest_work"]["layer"],
        2
    );

    let (code, report) = env.trace_json(&bundle, &["--resource-id", R1_HEALTHY]);
    assert_eq!(code, 0, "{report:#}");
    let work = &report["works"][0];
    assert_eq!(work["work_name"], R1_WORK);
    assert_eq!(work["amw_status"], "present");
    assert_eq!(
        work["applied_manifest_work"]["name"],
        format!("f1d8a1049b93dffc1929d57a719c3a09a4dcbfe0cd6e42840325be3b2dde73c8-{R1_HEALTHY}")
    );
    let out = env.run(&["trace", str_arg(&bundle), "--manifest", &target]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains(&format!("[5] MaestroResource {R2_HCP}")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn cluster_id_scopes_database_and_cluster_objects() {
    let pg = Pg::start();
    load_current(&pg);
    let env = Env::new();
    let a = FakeKube::start(cluster_a());
    let kubeconfig = env.path("mgmt.kubeconfig");
    write_kubeconfig(&kubeconfig, &[("mgmt-a", a.url(), "token-a")]);
    let bundle = env.path("incident.tar.zst");
    let out = collect(
        &env,
        &bundle,
        &[
            "--db",
            &pg.url(),
            "--mgmt-kubeconfig",
            str_arg(&kubeconfig),
            "--mgmt-context",
            "mgmt-a",
            "--cluster-id",
            CID,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files = files(&bundle);
    let names = |plural: &str| -> BTreeSet<String> {
        rows(&files, &bundle_path("mgmt-a", plural))
            .unwrap()
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    let set =
        |items: &[&str]| -> BTreeSet<String> { items.iter().map(|s| s.to_string()).collect() };
    let h1 = "f1d8a1049b93dffc1929d57a719c3a09a4dcbfe0cd6e42840325be3b2dde73c8";
    let (amw_r2, amw_r3) = (format!("{h1}-{R2_HCP}"), format!("{h1}-{R3_FAILING}"));
    assert_eq!(
        names("appliedmanifestworks"),
        set(&[amw_r2.as_str(), amw_r3.as_str(), AMW_LAYER2])
    );
    assert_eq!(names("manifestworks"), set(&[CID]));
    assert_eq!(names("managedclusters"), set(&[CID]));
    assert_eq!(names("hostedclusters"), set(&["x8y5p7r4g6j9e3v"]));
    assert_eq!(names("nodepools"), set(&["x8y5p7r4g6j9e3v-np1"]));
    let ids: BTreeSet<String> = rows(&files, "db/resources.ndjson")
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, set(&[R2_HCP, R3_FAILING]));
    // The ManagedCluster is selected on the server, not filtered after a full list.
    let mc = a.lists_of("managedclusters");
    assert_eq!(
        mc[0].query.get("fieldSelector").map(String::as_str),
        Some(format!("metadata.name={CID}").as_str())
    );

    let (code, report) = env.trace_json(&bundle, &["--cluster-id", CID]);
    assert_eq!(code, 0, "{report:#}");
}
