//! `mwtrace serve` and `mwtrace shell` (issue 20) with the real kubectl (Debian package
//! `kubernetes-client`) and the kube crate as clients, on the sample bundle plus three pods and
//! a container log.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{CID, Env, assert_no_panic, repo, sample_edited, stderr, stdout};

/// The sample with pods in two namespaces (Running, Failed, Pending) and the agent's log.
fn bundle(env: &Env) -> PathBuf {
    sample_edited(env, "serve", |tree| {
        let pods: Vec<serde_json::Value> = [
            (
                "maestro",
                "maestro-agent-5d8f9c7b6-x2v4n",
                "Running",
                "maestro-agent",
            ),
            (
                "maestro",
                "maestro-agent-5d8f9c7b6-old",
                "Failed",
                "maestro-agent",
            ),
            ("default", "busybox", "Pending", "busybox"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (ns, name, phase, app))| {
            serde_json::json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": ns, "uid": format!("pod-{i}"),
                    "creationTimestamp": "2026-11-21T09:00:00Z", "labels": {"app": app}},
                "spec": {"nodeName": "node-1", "containers": [{"name": app}]},
                "status": {"phase": phase, "podIP": format!("10.0.0.{i}"),
                    "containerStatuses": [{"name": app, "ready": *phase == "Running",
                        "restartCount": i, "state": {"running": {}}}]},
            })
        })
        .collect();
        let rows: String = pods.iter().map(|p| format!("{p}\n")).collect();
        std::fs::write(tree.join("kube/mgmt-1/core/v1/pods.ndjson"), rows).unwrap();
        let pod = "maestro/maestro-agent-5d8f9c7b6-x2v4n";
        let logs = tree.join("logs/mgmt-1").join(pod);
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::copy(
            repo()
                .join("testdata/logs/mgmt-1")
                .join(pod)
                .join("maestro-agent.log"),
            logs.join("maestro-agent.log"),
        )
        .unwrap();
    })
}

/// A running `mwtrace serve`, killed when dropped.
struct Served {
    child: Child,
    kubeconfig: PathBuf,
}

impl Served {
    fn start(env: &Env, bundle: &Path) -> Served {
        let kubeconfig = env.path("kubeconfig");
        let child = Command::new(assert_cmd::cargo::cargo_bin("mwtrace"))
            .env("XDG_CACHE_HOME", env.cache())
            .args(["serve", bundle.to_str().unwrap(), "--kubeconfig-out"])
            .arg(&kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mwtrace serve");
        let mut served = Served { child, kubeconfig };
        let start = Instant::now();
        while !served.kubeconfig.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "serve did not start"
            );
            if let Ok(Some(status)) = served.child.try_wait() {
                panic!("serve exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        served
    }

    fn kubectl(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .env("KUBECONFIG", &self.kubeconfig)
            .args(args)
            .output()
            .expect("kubectl (Debian package kubernetes-client)")
    }

    /// kubectl's stdout, the command having succeeded.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(out.status.success(), "kubectl {args:?}: {}", stderr(&out));
        stdout(&out)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn kubectl_reads_the_snapshot() {
    let env = Env::new();
    let served = Served::start(&env, &bundle(&env));

    let contexts = served.ok(&["config", "get-contexts", "-o", "name"]);
    assert_eq!(contexts, "mgmt-1\nsvc-1\n");
    assert_eq!(served.ok(&["config", "current-context"]), "mgmt-1\n");

    let resources = served.ok(&["api-resources"]);
    for line in ["pods ", "hostedclusters ", "maestrobundles "] {
        assert!(resources.contains(line), "{resources}");
    }

    // get -A: kubectl's columns (Table), NAMESPACE added by kubectl.
    let pods = served.ok(&["get", "pods", "-A"]);
    let lines: Vec<&str> = pods.lines().collect();
    assert_eq!(lines.len(), 4, "{pods}");
    for word in ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"] {
        assert!(lines[0].contains(word), "{pods}");
    }
    assert!(
        lines[1].starts_with("default ") && lines[1].contains("Pending"),
        "{pods}"
    );
    assert!(
        lines[3].contains("maestro-agent-5d8f9c7b6-x2v4n") && lines[3].contains("1/1"),
        "{pods}"
    );
    // The age counts back from the snapshot (2026-11-21T10:00:00Z), not from today.
    assert!(lines[3].trim_end().ends_with("60m"), "{pods}");

    let wide = served.ok(&["get", "pods", "-n", "maestro", "-o", "wide"]);
    assert!(
        wide.contains("IP") && wide.contains("10.0.0.0") && wide.contains("node-1"),
        "{wide}"
    );

    // Label selectors: =, !=, in, notin, exists, !key.
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["get", "pods", "-A", "-o", "name"];
        all.extend_from_slice(args);
        served.ok(&all).lines().map(str::to_string).collect()
    };
    assert_eq!(names(&["-l", "app=busybox"]), ["pod/busybox"]);
    assert_eq!(names(&["-l", "app!=maestro-agent"]), ["pod/busybox"]);
    assert_eq!(names(&["-l", "app in (busybox, nope)"]), ["pod/busybox"]);
    assert_eq!(names(&["-l", "app notin (maestro-agent)"]), ["pod/busybox"]);
    assert_eq!(names(&["-l", "app"]).len(), 3);
    assert!(names(&["-l", "!app"]).is_empty());
    // Field selectors.
    assert_eq!(
        names(&["--field-selector", "status.phase=Running"]),
        ["pod/maestro-agent-5d8f9c7b6-x2v4n"]
    );
    assert_eq!(
        names(&[
            "--field-selector",
            "metadata.namespace=maestro,metadata.name!=maestro-agent-5d8f9c7b6-old"
        ]),
        ["pod/maestro-agent-5d8f9c7b6-x2v4n"]
    );

    // -o json and -o yaml: the objects as collected.
    let list: serde_json::Value =
        serde_json::from_str(&served.ok(&["get", "hostedclusters", "-A", "-o", "json"])).unwrap();
    assert_eq!(list["items"][0]["kind"], "HostedCluster");
    assert_eq!(list["items"][0]["metadata"]["name"], "x8y5p7r4g6j9e3v");
    let yaml = served.ok(&["get", "ns", "maestro", "-o", "yaml"]);
    assert!(
        yaml.contains("kind: Namespace") && yaml.contains("name: maestro"),
        "{yaml}"
    );

    // --chunk-size 2: five namespaces in three pages, each request a page.
    let out = served.kubectl(&["get", "ns", "--chunk-size", "2", "-v6"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 6, "{}", stdout(&out));
    assert_eq!(
        stderr(&out).matches("continue=").count(),
        2,
        "{}",
        stderr(&out)
    );

    // The Maestro DB rows, selected by the payload's labels, with their printer columns.
    let bundles = served.ok(&[
        "get",
        "maestrobundles",
        "-l",
        &format!("api.openshift.com/id={CID}"),
    ]);
    assert!(bundles.starts_with("NAME"), "{bundles}");
    for word in [
        "WORK NAME",
        "CONSUMER",
        "VERSION",
        "APPLIED",
        "AVAILABLE",
        "DELETED",
    ] {
        assert!(bundles.lines().next().unwrap().contains(word), "{bundles}");
    }
    assert!(bundles.contains(&format!("{CID}-hc")), "{bundles}");

    // Logs from the bundle's logs/.
    let log = served.ok(&["logs", "-n", "maestro", "maestro-agent-5d8f9c7b6-x2v4n"]);
    assert!(log.contains("Reconciling ManifestWork"), "{log}");
    let tail = served.ok(&[
        "logs",
        "-n",
        "maestro",
        "maestro-agent-5d8f9c7b6-x2v4n",
        "--tail",
        "1",
    ]);
    assert_eq!(tail.lines().count(), 1, "{tail}");

    // Not found, bad input and writes: Status errors as a live server sends them.
    let out = served.kubectl(&["get", "ns", "nope"]);
    assert!(
        stderr(&out).contains("(NotFound): namespaces \"nope\" not found"),
        "{}",
        stderr(&out)
    );
    let out = served.kubectl(&["get", "pods", "-A", "-l", "app in (x"]);
    assert!(stderr(&out).contains("BadRequest"), "{}", stderr(&out));
    let out = served.kubectl(&["get", "pods", "-A", "--field-selector", "spec.nodeName=x"]);
    assert!(
        stderr(&out).contains("field label not supported"),
        "{}",
        stderr(&out)
    );
    let out = served.kubectl(&["get", "--raw", "/api/v1/namespaces?limit=1&continue=zz"]);
    assert!(
        stderr(&out).contains("invalid continue token"),
        "{}",
        stderr(&out)
    );
    let out = served.kubectl(&["delete", "ns", "maestro"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("MethodNotAllowed"),
        "{}",
        stderr(&out)
    );
    let out = served.kubectl(&["label", "ns", "maestro", "a=b"]);
    assert!(
        stderr(&out).contains("MethodNotAllowed"),
        "{}",
        stderr(&out)
    );
    // watch: ADDED for every object when the client has seen none, then the stream stays open
    // (cut by timeout: exit 124); from the listed version (kubectl get -w), nothing new.
    let watch = |args: &[&str]| {
        Command::new("timeout")
            .arg("3")
            .arg("kubectl")
            .args(args)
            .env("KUBECONFIG", &served.kubeconfig)
            .output()
            .unwrap()
    };
    let out = watch(&["get", "--raw", "/api/v1/namespaces?watch=true"]);
    assert_eq!(out.status.code(), Some(124), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).matches("\"type\":\"ADDED\"").count(),
        5,
        "{}",
        stdout(&out)
    );
    let out = watch(&["get", "ns", "-w", "-o", "name"]);
    assert_eq!(out.status.code(), Some(124), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 5, "{}", stdout(&out));
    // The other context: the service cluster serves the Maestro rows too.
    let svc = served.ok(&["--context", "svc-1", "get", "mb", "-o", "name"]);
    assert_eq!(svc.lines().count(), 8, "{svc}");
}

/// kubectl asks for aggregated discovery first: answered, it learns every group's resources
/// from `/api` and `/apis` alone, without one request per group version.
#[test]
fn discovery_is_aggregated_as_kubectl_asks_for_it() {
    let env = Env::new();
    let served = Served::start(&env, &bundle(&env));
    let cache = env.path("kubectl-cache");
    let out = served.kubectl(&[
        "api-resources",
        "-v=6",
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("hostedclusters "), "{}", stdout(&out));
    let log = stderr(&out);
    let gets: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_once("GET https://").map(|(_, url)| url))
        .collect();
    assert!(
        gets.iter()
            .any(|url| url.contains("/clusters/mgmt-1/apis?")),
        "{log}"
    );
    assert!(
        !gets.iter().any(|url| url.contains("/apis/")),
        "a group version was fetched one by one: {log}"
    );
}

#[test]
fn a_rust_client_lists_in_pages() {
    use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
    let env = Env::new();
    let served = Served::start(&env, &bundle(&env));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (names, pages) = runtime.block_on(async {
        let kubeconfig = kube::config::Kubeconfig::read_from(&served.kubeconfig).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .unwrap();
        let client = kube::Client::try_from(config).unwrap();
        let gvk = GroupVersionKind::gvk(
            "work.open-cluster-management.io",
            "v1",
            "AppliedManifestWork",
        );
        let api: Api<DynamicObject> = Api::all_with(client, &ApiResource::from_gvk(&gvk));
        let (mut names, mut pages, mut token) = (Vec::new(), 0, None::<String>);
        loop {
            let mut params = ListParams::default().limit(3);
            if let Some(t) = &token {
                params = params.continue_token(t);
            }
            let page = api.list(&params).await.unwrap();
            pages += 1;
            names.extend(page.items.iter().filter_map(|o| o.metadata.name.clone()));
            token = page.metadata.continue_.filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
        (names, pages)
    });
    assert_eq!(names.len(), 7, "{names:?}");
    assert_eq!(pages, 3);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn shell_runs_a_command_with_kubeconfig_and_returns_its_exit_code() {
    let env = Env::new();
    let bundle = bundle(&env);
    let out = env.run(&[
        "shell",
        bundle.to_str().unwrap(),
        "-c",
        "kubectl get hostedclusters -A -o name && exit 7",
    ]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "hostedcluster.hypershift.openshift.io/x8y5p7r4g6j9e3v\n"
    );
    let out = env.run(&[
        "shell",
        bundle.to_str().unwrap(),
        "-c",
        "test -n \"$KUBECONFIG\"",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
