//! An in-process fake Kubernetes API server, so the collector's cluster code runs end to end
//! (kubeconfig, token auth, discovery, paged lists) without a cluster (STYLE.md §1.12, as kube's
//! own `mock_tests.rs`).
//!
//! Plain HTTP/1.1 on 127.0.0.1 (the kube client accepts `http://` servers), one thread accepting
//! and one per connection, every response closing its connection. It serves what the collector
//! asks for: discovery (`/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`) and lists across
//! all namespaces (`/apis/<group>/<version>/<plural>`) with `limit` and `continue`, a fixed
//! small page size whatever the limit asked (so the collector's 250 still needs continue tokens),
//! `fieldSelector=metadata.name=...`, 401 without the cluster's bearer token, 403 for chosen
//! kinds, 404 for absent groups. Every request is logged, so tests can count pages and prove
//! that nothing but GET was sent.
//!
//! For the components of a collection it serves `get` of Deployments
//! (`/apis/apps/v1/namespaces/<ns>/deployments/<name>`), 403 when `deployments` is forbidden.
//!
//! For `collect --logs` it also serves pods (`/api/v1/namespaces/<ns>/pods?labelSelector=k=v`)
//! and their logs (`/api/v1/namespaces/<ns>/pods/<pod>/log?container=..&previous=..`) as plain
//! text, a chosen log answering 500.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// A kind the fake server can serve.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
}

/// The kinds the collector reads from a management cluster.
pub const KINDS: [Kind; 5] = [
    Kind {
        group: "work.open-cluster-management.io",
        version: "v1",
        kind: "AppliedManifestWork",
        plural: "appliedmanifestworks",
        singular: "appliedmanifestwork",
        namespaced: false,
    },
    Kind {
        group: "work.open-cluster-management.io",
        version: "v1",
        kind: "ManifestWork",
        plural: "manifestworks",
        singular: "manifestwork",
        namespaced: true,
    },
    Kind {
        group: "cluster.open-cluster-management.io",
        version: "v1",
        kind: "ManagedCluster",
        plural: "managedclusters",
        singular: "managedcluster",
        namespaced: false,
    },
    Kind {
        group: "hypershift.openshift.io",
        version: "v1beta1",
        kind: "HostedCluster",
        plural: "hostedclusters",
        singular: "hostedcluster",
        namespaced: true,
    },
    Kind {
        group: "hypershift.openshift.io",
        version: "v1beta1",
        kind: "NodePool",
        plural: "nodepools",
        singular: "nodepool",
        namespaced: true,
    },
];

pub fn kind_of(plural: &str) -> Kind {
    *KINDS
        .iter()
        .find(|k| k.plural == plural)
        .unwrap_or_else(|| panic!("unknown kind {plural}"))
}

/// What one fake cluster holds and how it misbehaves.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// The bearer token the server accepts.
    pub token: String,
    /// Objects by plural, as the API stores them (with apiVersion and kind).
    pub objects: BTreeMap<&'static str, Vec<Value>>,
    /// Plurals whose list answers 403.
    pub forbidden: BTreeSet<&'static str>,
    /// API groups the cluster does not serve (CRD absent): discovery and lists answer 404.
    pub absent_groups: BTreeSet<&'static str>,
    /// Items per page, whatever `limit` asks.
    pub page_size: usize,
    /// Pods (core/v1), served by namespace and label selector.
    pub pods: Vec<Value>,
    /// Log text by `<namespace>/<pod>/<container>`, `.../<container>/previous` for the
    /// previous instance.
    pub logs: BTreeMap<String, String>,
    /// Log keys (as in `logs`) whose request answers 500.
    pub failing_logs: BTreeSet<String>,
    /// Deployments (apps/v1), served by `get` only.
    pub deployments: Vec<Value>,
}

impl Cluster {
    /// The five kinds from an unpacked bundle's cluster folder (`kube/<cluster>/<group>/<version>/<plural>.ndjson`).
    pub fn from_fixture(dir: &Path, token: &str) -> Cluster {
        let mut objects = BTreeMap::new();
        for kind in KINDS {
            let path = dir
                .join(kind.group)
                .join(kind.version)
                .join(format!("{}.ndjson", kind.plural));
            let items = if path.exists() {
                crate::maestro_db::ndjson(&path)
            } else {
                Vec::new()
            };
            objects.insert(kind.plural, items);
        }
        Cluster {
            token: token.to_string(),
            objects,
            forbidden: BTreeSet::new(),
            absent_groups: BTreeSet::new(),
            page_size: 2,
            pods: Vec::new(),
            logs: BTreeMap::new(),
            failing_logs: BTreeSet::new(),
            deployments: Vec::new(),
        }
    }

    fn serves(&self, group: &str, version: &str) -> bool {
        !self.absent_groups.contains(group)
            && KINDS
                .iter()
                .any(|k| k.group == group && k.version == version)
    }
}

/// One request the server answered.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub status: u16,
}

pub struct FakeKube {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeKube {
    pub fn start(cluster: Cluster) -> FakeKube {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake API server");
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let cluster = Arc::new(cluster);
        let thread = {
            let (log, stop) = (log.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (cluster, log) = (cluster.clone(), log.clone());
                    std::thread::spawn(move || {
                        let _ = serve(stream, &cluster, &log);
                    });
                }
            })
        };
        FakeKube {
            addr,
            log,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// The list requests of one kind, in order.
    pub fn lists_of(&self, plural: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.ends_with(&format!("/{plural}")))
            .collect()
    }
}

impl Drop for FakeKube {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request, answers it, closes the connection.
fn serve(stream: TcpStream, cluster: &Cluster, log: &Mutex<Vec<Request>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(()); // the wake-up connection of Drop
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if length > 0 {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
    }
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_string(), parse_query(query)),
        None => (target.clone(), BTreeMap::new()),
    };
    if let Some((status, text)) = route_log(
        cluster,
        &method,
        &path,
        &query,
        headers.get("authorization"),
    ) {
        log.lock().unwrap().push(Request {
            method,
            path,
            query,
            status,
        });
        let mut stream = stream;
        let content_type = if status == 200 {
            "text/plain"
        } else {
            "application/json"
        };
        write!(
            stream,
            "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
            if status == 200 { "OK" } else { "Error" },
            text.len()
        )?;
        stream.flush()?;
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return Ok(());
    }
    let (status, body) = route(
        cluster,
        &method,
        &path,
        &query,
        headers.get("authorization"),
    );
    log.lock().unwrap().push(Request {
        method,
        path,
        query,
        status,
    });
    let body = body.to_string();
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        _ => "Error",
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()?;
    let _ = stream.shutdown(std::net::Shutdown::Both);
    Ok(())
}

fn status(code: u16, reason: &str, message: &str) -> (u16, Value) {
    (
        code,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": message, "reason": reason, "code": code}),
    )
}

fn not_found() -> (u16, Value) {
    status(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
}

fn route(
    cluster: &Cluster,
    method: &str,
    path: &str,
    query: &BTreeMap<String, String>,
    auth: Option<&String>,
) -> (u16, Value) {
    if auth.map(String::as_str) != Some(format!("Bearer {}", cluster.token).as_str()) {
        return status(401, "Unauthorized", "Unauthorized");
    }
    if method != "GET" {
        return status(
            405,
            "MethodNotAllowed",
            &format!("{method} is not allowed by the fake API server"),
        );
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api"] => (
            200,
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
        ),
        ["api", "v1"] => (
            200,
            json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": []}),
        ),
        ["apis"] => {
            let mut groups: Vec<Value> = Vec::new();
            for kind in KINDS {
                if cluster.absent_groups.contains(kind.group)
                    || groups.iter().any(|g| g["name"] == kind.group)
                {
                    continue;
                }
                let gv = json!({"groupVersion": format!("{}/{}", kind.group, kind.version), "version": kind.version});
                groups.push(
                    json!({"name": kind.group, "versions": [gv.clone()], "preferredVersion": gv}),
                );
            }
            (
                200,
                json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
            )
        }
        ["apis", group, version] if cluster.serves(group, version) => {
            let resources: Vec<Value> = KINDS
                .iter()
                .filter(|k| k.group == *group && k.version == *version)
                .map(|k| {
                    json!({"name": k.plural, "singularName": k.singular, "namespaced": k.namespaced,
                           "kind": k.kind, "verbs": ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]})
                })
                .collect();
            (
                200,
                json!({"kind": "APIResourceList", "apiVersion": "v1",
                       "groupVersion": format!("{group}/{version}"), "resources": resources}),
            )
        }
        ["api", "v1", "namespaces", ns, "pods"] => pods(cluster, ns, query),
        ["apis", "apps", "v1", "namespaces", ns, "deployments", name] => {
            if cluster.forbidden.contains("deployments") {
                return status(403, "Forbidden", "deployments.apps is forbidden");
            }
            cluster
                .deployments
                .iter()
                .find(|d| d["metadata"]["namespace"] == *ns && d["metadata"]["name"] == *name)
                .map(|d| (200, d.clone()))
                .unwrap_or_else(not_found)
        }
        ["apis", group, version, plural] if cluster.serves(group, version) => {
            list(cluster, group, version, plural, None, query)
        }
        ["apis", group, version, "namespaces", ns, plural] if cluster.serves(group, version) => {
            list(cluster, group, version, plural, Some(*ns), query)
        }
        _ => not_found(),
    }
}

fn list(
    cluster: &Cluster,
    group: &str,
    version: &str,
    plural: &str,
    namespace: Option<&str>,
    query: &BTreeMap<String, String>,
) -> (u16, Value) {
    let Some(kind) = KINDS
        .iter()
        .find(|k| k.group == group && k.version == version && k.plural == plural)
    else {
        return not_found();
    };
    if cluster.forbidden.contains(kind.plural) {
        let scope = match namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".into(),
        };
        return status(
            403,
            "Forbidden",
            &format!(
                "{plural}.{group} is forbidden: User \"system:serviceaccount:mwtrace:collector\" cannot list resource \"{plural}\" in API group \"{group}\" {scope}"
            ),
        );
    }
    let name_selector = query
        .get("fieldSelector")
        .and_then(|s| s.strip_prefix("metadata.name="))
        .map(str::to_string);
    let items: Vec<Value> = cluster
        .objects
        .get(kind.plural)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
        .filter(|o| {
            name_selector
                .as_ref()
                .is_none_or(|n| o["metadata"]["name"] == n.as_str())
        })
        .collect();
    let offset = match query.get("continue") {
        None => 0,
        Some(token) => match token
            .strip_prefix("fake-continue-")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(offset) if offset <= items.len() => offset,
            _ => return status(410, "Expired", "the provided continue parameter is too old"),
        },
    };
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let take = limit.min(cluster.page_size).min(items.len() - offset);
    let page: Vec<Value> = items[offset..offset + take]
        .iter()
        .map(|o| {
            // The list API of a built-in kind leaves apiVersion and kind out of the items; the
            // collector must set them.
            let mut o = o.clone();
            if let Some(map) = o.as_object_mut() {
                map.remove("apiVersion");
                map.remove("kind");
            }
            o
        })
        .collect();
    let mut metadata = json!({"resourceVersion": "424242"});
    if offset + take < items.len() {
        metadata["continue"] = format!("fake-continue-{}", offset + take).into();
        metadata["remainingItemCount"] = (items.len() - offset - take).into();
    }
    (
        200,
        json!({"apiVersion": format!("{group}/{version}"), "kind": format!("{}List", kind.kind),
               "metadata": metadata, "items": page}),
    )
}

/// Pods of a namespace matching `labelSelector` (equality terms joined by commas).
fn pods(cluster: &Cluster, namespace: &str, query: &BTreeMap<String, String>) -> (u16, Value) {
    let terms: Vec<(String, String)> = query
        .get("labelSelector")
        .map(|s| {
            s.split(',')
                .filter_map(|t| t.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let items: Vec<Value> = cluster
        .pods
        .iter()
        .filter(|p| p["metadata"]["namespace"] == namespace)
        .filter(|p| {
            terms
                .iter()
                .all(|(k, v)| p["metadata"]["labels"][k.as_str()] == v.as_str())
        })
        .cloned()
        .collect();
    (
        200,
        json!({"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "4242"},
               "items": items}),
    )
}

/// `GET /api/v1/namespaces/<ns>/pods/<pod>/log`: the stored text, 400 for a previous instance
/// that does not exist, 404 for an unknown pod or container, 500 when told to fail.
fn route_log(
    cluster: &Cluster,
    method: &str,
    path: &str,
    query: &BTreeMap<String, String>,
    auth: Option<&String>,
) -> Option<(u16, String)> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let ["api", "v1", "namespaces", ns, "pods", pod, "log"] = segments.as_slice() else {
        return None;
    };
    let error = |code: u16, message: &str| {
        let (code, body) = status(code, "Error", message);
        Some((code, body.to_string()))
    };
    if auth.map(String::as_str) != Some(format!("Bearer {}", cluster.token).as_str()) {
        return error(401, "Unauthorized");
    }
    if method != "GET" {
        return error(405, "not allowed");
    }
    let container = query.get("container").cloned().unwrap_or_default();
    let previous = query.get("previous").map(String::as_str) == Some("true");
    let key = if previous {
        format!("{ns}/{pod}/{container}/previous")
    } else {
        format!("{ns}/{pod}/{container}")
    };
    if cluster.failing_logs.contains(&key) {
        return error(
            500,
            &format!("container \"{container}\" in pod \"{pod}\": the kubelet is unreachable"),
        );
    }
    match cluster.logs.get(&key) {
        Some(text) => Some((200, text.clone())),
        None if previous => error(
            400,
            &format!("previous terminated container \"{container}\" in pod \"{pod}\" not found"),
        ),
        None => error(404, &format!("pods \"{pod}\" not found")),
    }
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// Percent-decoding of a query component (`+` is a space).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A kubeconfig file with one context per (name, server URL, token); the cluster and user of a
/// context are named after it.
pub fn write_kubeconfig(path: &Path, contexts: &[(&str, String, &str)]) {
    let clusters: Vec<Value> = contexts
        .iter()
        .map(|(name, server, _)| json!({"name": name, "cluster": {"server": server}}))
        .collect();
    let users: Vec<Value> = contexts
        .iter()
        .map(|(name, _, token)| json!({"name": format!("{name}-user"), "user": {"token": token}}))
        .collect();
    let ctxs: Vec<Value> = contexts
        .iter()
        .map(|(name, _, _)| json!({"name": name, "context": {"cluster": name, "user": format!("{name}-user")}}))
        .collect();
    let config = json!({"apiVersion": "v1", "kind": "Config", "preferences": {},
                        "clusters": clusters, "users": users, "contexts": ctxs,
                        "current-context": contexts.first().map(|c| c.0).unwrap_or_default()});
    std::fs::write(path, serde_json::to_string_pretty(&config).unwrap()).expect("write kubeconfig");
}

#[test]
fn query_components_are_percent_decoded() {
    let q = parse_query("limit=250&fieldSelector=metadata.name%3Dabc&continue=fake-continue-2&x");
    assert_eq!(q["fieldSelector"], "metadata.name=abc");
    assert_eq!(q["limit"], "250");
    assert_eq!(q["continue"], "fake-continue-2");
    assert_eq!(q["x"], "");
    assert_eq!(decode("a%2"), "a%2");
}
