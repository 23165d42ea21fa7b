//! Requests to responses: `/clusters/<name>` picks the cluster (a path without it is the current
//! context's), then discovery, `get`, `list`, `watch` and pod logs as the API server answers them.
//! Every write verb is refused with 405 and a `Status` body; bad input is a `Status`, never a
//! panic. DuckDB work runs on the blocking pool.

use std::sync::Arc;

use hyper::body::{Bytes, Incoming};
use hyper::header::{ACCEPT, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use mwtrace_analyze::serve::{
    self as query, ApiResource, FieldSelector, LabelSelector, ListQuery, LogQuery,
};
use serde_json::{Value, json};

use super::State;
use super::body::Payload;
use super::http::{decode, error, json_response_as, not_found, ok_json, query_pairs, status};

/// The resourceVersion of every list: the snapshot never changes, so one version says it all.
const FROZEN_RV: &str = "1";

pub(crate) async fn handle(state: Arc<State>, req: Request<Incoming>) -> Response<Payload> {
    let method = req.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!("mwtrace serve is read-only: {method} is not allowed on a snapshot"),
            None,
        );
    }
    let path = req.uri().path().to_string();
    let params = query_pairs(req.uri().query());
    let accept = req
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    tokio::task::spawn_blocking(move || route(&state, &path, &Params(params), &accept))
        .await
        .unwrap_or_else(|_| {
            status(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "the request failed",
                None,
            )
        })
}

struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }
}

fn route(state: &State, path: &str, params: &Params, accept: &str) -> Response<Payload> {
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let mut rest: Vec<&str> = segments.iter().map(String::as_str).collect();
    let cluster = if rest.len() >= 2 && rest[0] == "clusters" {
        let name = rest[1].to_string();
        rest.drain(..2);
        name
    } else {
        match state.catalog.clusters.first() {
            Some(c) => c.name.clone(),
            None => return not_found("the snapshot has no cluster"),
        }
    };
    if !state.catalog.has_cluster(&cluster) {
        return not_found(&format!("cluster {cluster:?} is not in the snapshot"));
    }
    if let (["api"] | ["apis"], Some(version)) = (rest.as_slice(), aggregated_discovery(accept)) {
        let core = rest == ["api"];
        return json_response_as(
            StatusCode::OK,
            group_discovery(state, &cluster, core, version).to_string(),
            &format!("application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"),
        );
    }
    match rest.as_slice() {
        [] => ok_json(&json!({"paths": ["/api", "/api/v1", "/apis", "/version"]})),
        ["version"] => ok_json(&json!({
            "major": "1", "minor": "32", "gitVersion": "v1.32.0-mwtrace",
            "gitCommit": "", "gitTreeState": "clean", "buildDate": "",
            "goVersion": "", "compiler": "mwtrace", "platform": "snapshot/offline",
        })),
        ["api"] => ok_json(&json!({
            "kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [],
        })),
        ["apis"] => ok_json(&group_list(state, &cluster)),
        ["api", "v1"] => ok_json(&resource_list(state, &cluster, "", "v1")),
        ["apis", group] => match group_list(state, &cluster)["groups"]
            .as_array()
            .and_then(|gs| gs.iter().find(|g| g["name"] == *group))
        {
            Some(g) => {
                let mut g = g.clone();
                g["kind"] = json!("APIGroup");
                g["apiVersion"] = json!("v1");
                ok_json(&g)
            }
            None => not_found("the server could not find the requested resource"),
        },
        ["apis", group, version] => {
            if state
                .catalog
                .cluster(&cluster)
                .iter()
                .any(|r| r.group == *group && r.version == *version)
            {
                ok_json(&resource_list(state, &cluster, group, version))
            } else {
                not_found("the server could not find the requested resource")
            }
        }
        ["api", "v1", tail @ ..] => {
            resource_request(state, &cluster, "", "v1", tail, params, accept)
        }
        ["apis", group, version, tail @ ..] => {
            resource_request(state, &cluster, group, version, tail, params, accept)
        }
        _ => not_found("the server could not find the requested resource"),
    }
}

/// The groups of a cluster's resources (the core group "" included), each with its versions,
/// in the catalog's order: the first version is the preferred one.
fn groups(state: &State, cluster: &str) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for r in state.catalog.cluster(cluster) {
        match groups.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, versions)) if !versions.contains(&r.version) => {
                versions.push(r.version.clone())
            }
            Some(_) => {}
            None => groups.push((r.group.clone(), vec![r.version.clone()])),
        }
    }
    groups
}

fn group_list(state: &State, cluster: &str) -> Value {
    let groups: Vec<Value> = groups(state, cluster)
        .into_iter()
        .filter(|(name, _)| !name.is_empty())
        .map(|(name, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
                .collect();
            json!({"name": name, "versions": versions, "preferredVersion": versions[0]})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The aggregated discovery version an `Accept` header asks for (`v2`, or `v2beta1` of kubectl
/// 1.26 to 1.29), in the client's order of preference; None when it wants the legacy documents.
fn aggregated_discovery(accept: &str) -> Option<&'static str> {
    accept.split(',').find_map(|media| {
        let params: Vec<(&str, &str)> = media
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .collect();
        let has = |key: &str, value: &str| params.contains(&(key, value));
        if !has("g", "apidiscovery.k8s.io") || !has("as", "APIGroupDiscoveryList") {
            return None;
        }
        ["v2", "v2beta1"].into_iter().find(|v| has("v", v))
    })
}

/// `APIGroupDiscoveryList`: every group of `/apis` (or the core group of `/api`) with its
/// resources in one document, so a client needs two requests for discovery, not one per group.
fn group_discovery(state: &State, cluster: &str, core: bool, version: &str) -> Value {
    let resources = state.catalog.cluster(cluster);
    let items: Vec<Value> = groups(state, cluster)
        .into_iter()
        .filter(|(name, _)| name.is_empty() == core)
        .map(|(name, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|v| {
                    let listed: Vec<Value> = resources
                        .iter()
                        .filter(|r| r.group == name && r.version == *v)
                        .map(discovered_resource)
                        .collect();
                    json!({"version": v, "resources": listed, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": name, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format!("apidiscovery.k8s.io/{version}"),
        "metadata": {},
        "items": items,
    })
}

/// One resource of an aggregated discovery document (`APIResourceDiscovery`).
fn discovered_resource(r: &ApiResource) -> Value {
    let kind = json!({"group": r.group, "version": r.version, "kind": r.kind});
    let subresources = if serves_log(r) {
        json!([{"subresource": "log", "responseKind": kind, "verbs": ["get"]}])
    } else {
        json!([])
    };
    json!({
        "resource": r.resource,
        "responseKind": kind,
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": ["get", "list", "watch"],
        "shortNames": r.short_names,
        "subresources": subresources,
    })
}

/// Core pods, the one resource with a subresource here: `log`, from the bundle's logs.
fn serves_log(r: &ApiResource) -> bool {
    r.group.is_empty() && r.resource == "pods"
}

fn resource_list(state: &State, cluster: &str, group: &str, version: &str) -> Value {
    let mut resources = Vec::new();
    for r in state
        .catalog
        .cluster(cluster)
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        resources.push(json!({
            "name": r.resource, "singularName": r.singular, "namespaced": r.namespaced,
            "kind": r.kind, "verbs": ["get", "list", "watch"], "shortNames": r.short_names,
        }));
        if serves_log(r) {
            resources.push(json!({
                "name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod",
                "verbs": ["get"],
            }));
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

fn resource_request(
    state: &State,
    cluster: &str,
    group: &str,
    version: &str,
    tail: &[&str],
    params: &Params,
    accept: &str,
) -> Response<Payload> {
    let (namespace, tail) = match tail {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(*ns), rest),
        _ => (None, tail),
    };
    let (resource, name, sub) = match tail {
        [r] => (*r, None, None),
        [r, n] => (*r, Some(*n), None),
        [r, n, s] => (*r, Some(*n), Some(*s)),
        _ => return not_found("the server could not find the requested resource"),
    };
    let Some(res) = state.catalog.find(cluster, group, version, resource) else {
        return not_found("the server could not find the requested resource");
    };
    if namespace.is_some() && !res.namespaced {
        return not_found("the server could not find the requested resource");
    }
    if let Some(sub) = sub {
        return match (
            res.group.as_str(),
            res.resource.as_str(),
            sub,
            namespace,
            name,
        ) {
            ("", "pods", "log", Some(ns), Some(pod)) => pod_log(state, cluster, ns, pod, params),
            _ => not_found("the server could not find the requested resource"),
        };
    }
    let labels = match LabelSelector::parse(params.get("labelSelector").unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    let pods = res.group.is_empty() && res.resource == "pods";
    let fields = match FieldSelector::parse(params.get("fieldSelector").unwrap_or(""), pods) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    let limit = match params.get("limit").filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => match l.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return status(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("invalid limit {l:?}"),
                    None,
                );
            }
        },
    };
    let watch = params.flag("watch");
    let q = ListQuery {
        cluster,
        resource: res,
        namespace,
        name,
        labels,
        fields,
        limit: if watch || name.is_some() { None } else { limit },
        continue_token: if name.is_some() {
            None
        } else {
            params.get("continue")
        },
    };
    let page = match state.db.with(|conn| query::list(conn, &q)) {
        Ok(Ok(page)) => page,
        Ok(Err(e)) => return error(e),
        Err(e) => return error(e.into()),
    };
    let table = accept.contains("as=Table");
    if watch {
        return watch_events(page.items, params, table.then_some((res, state)));
    }
    if let Some(name) = name {
        let Some(item) = page.items.into_iter().next() else {
            let what = if res.group.is_empty() {
                res.resource.clone()
            } else {
                format!("{}.{}", res.resource, res.group)
            };
            return status(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("{what} \"{name}\" not found"),
                Some(json!({"name": name, "group": res.group, "kind": res.resource})),
            );
        };
        if table {
            return object_response(table_of(state, res, vec![item], None, params));
        }
        return object_response(item.object);
    }
    if table {
        return object_response(table_of(
            state,
            res,
            page.items,
            page.continue_token,
            params,
        ));
    }
    let mut metadata = json!({"resourceVersion": FROZEN_RV});
    if let Some(token) = &page.continue_token {
        metadata["continue"] = json!(token);
    }
    let mut body =
        String::with_capacity(page.items.iter().map(|i| i.object.len() + 1).sum::<usize>() + 256);
    body.push_str(&format!(
        "{{\"kind\":{},\"apiVersion\":{},\"metadata\":{},\"items\":[",
        json!(format!("{}List", res.kind)),
        json!(res.group_version()),
        metadata
    ));
    for (i, item) in page.items.into_iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&item.object);
    }
    body.push_str("]}");
    object_response(body)
}

fn object_response(body: impl Into<Bytes>) -> Response<Payload> {
    super::http::json_response(StatusCode::OK, body)
}

/// The `Table` kubectl prints: NAME and the resource's columns, each row with the object's
/// metadata (or the object with `includeObject=Object`). Written row by row, each object freed
/// once its row is out: a 50,000-row table is never held twice.
fn table_of(
    state: &State,
    res: &ApiResource,
    items: Vec<query::Item>,
    continue_token: Option<String>,
    params: &Params,
) -> Vec<u8> {
    let mut columns = vec![json!({
        "name": "Name", "type": "string", "format": "name", "priority": 0,
        "description": "Name must be unique within a namespace.",
    })];
    for c in &res.columns {
        columns.push(json!({
            "name": c.name, "type": c.type_, "format": "", "description": c.description,
            "priority": c.priority,
        }));
    }
    let mut metadata = json!({"resourceVersion": FROZEN_RV});
    if let Some(token) = continue_token {
        metadata["continue"] = json!(token);
    }
    let include = params.get("includeObject").unwrap_or("Metadata");
    let mut body = Vec::with_capacity(items.len() * 256 + 1024);
    body.extend_from_slice(b"{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":");
    body.extend_from_slice(metadata.to_string().as_bytes());
    body.extend_from_slice(b",\"columnDefinitions\":");
    body.extend_from_slice(Value::from(columns).to_string().as_bytes());
    body.extend_from_slice(b",\"rows\":[");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let mut object: Value = serde_json::from_str(&item.object).unwrap_or(Value::Null);
        drop(item);
        let cells = query::cells(res, &object, state.catalog.snapshot_at);
        let embedded = match include {
            "None" => Value::Null,
            "Object" => object,
            _ => json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": object.get_mut("metadata").map(Value::take).unwrap_or(json!({})),
            }),
        };
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut body, &json!({"cells": cells, "object": embedded}));
    }
    body.extend_from_slice(b"]}");
    body
}

/// A watch: ADDED for every object when the client has seen nothing yet (no resourceVersion,
/// "0", or sendInitialEvents), nothing when it listed already (the snapshot never changes);
/// then the stream stays open.
fn watch_events(
    items: Vec<query::Item>,
    params: &Params,
    table: Option<(&ApiResource, &State)>,
) -> Response<Payload> {
    let initial = params.flag("sendInitialEvents")
        || matches!(params.get("resourceVersion"), None | Some("" | "0"));
    let mut chunks = Vec::new();
    if initial {
        for item in items {
            let object = match table {
                // kubectl get -w asks for Table rows as watch objects.
                Some((res, state)) => {
                    String::from_utf8_lossy(&table_of(state, res, vec![item], None, params))
                        .into_owned()
                }
                None => item.object,
            };
            chunks.push(Bytes::from(format!(
                "{{\"type\":\"ADDED\",\"object\":{object}}}\n"
            )));
        }
    }
    if params.flag("sendInitialEvents") {
        let bookmark = json!({"type": "BOOKMARK", "object": {"metadata": {
            "resourceVersion": FROZEN_RV,
            "annotations": {"k8s.io/initial-events-end": "true"}}}});
        chunks.push(Bytes::from(format!("{bookmark}\n")));
    }
    Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, "application/json")
        .body(Payload::held_open(chunks))
        .unwrap_or_else(|_| Response::new(Payload::full(Bytes::new())))
}

fn pod_log(
    state: &State,
    cluster: &str,
    namespace: &str,
    pod: &str,
    params: &Params,
) -> Response<Payload> {
    let tail_lines = match params.get("tailLines").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match t.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => {
                return status(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("invalid tailLines {t:?}"),
                    None,
                );
            }
        },
    };
    let q = LogQuery {
        cluster,
        namespace,
        pod,
        container: params.get("container"),
        previous: params.flag("previous"),
        tail_lines,
    };
    match state.db.with(|conn| query::pod_log(conn, &q)) {
        Ok(Ok(text)) => Response::builder()
            .status(StatusCode::OK)
            .header(CONTENT_TYPE, "text/plain")
            .body(Payload::full(text))
            .unwrap_or_else(|_| Response::new(Payload::full(Bytes::new()))),
        Ok(Err(e)) => error(e),
        Err(e) => error(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::aggregated_discovery;

    #[test]
    fn the_aggregated_discovery_version_is_read_from_accept() {
        let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,\
                       application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,\
                       application/json";
        assert_eq!(aggregated_discovery(kubectl), Some("v2"));
        let older = "application/json; g=apidiscovery.k8s.io; v=v2beta1; as=APIGroupDiscoveryList";
        assert_eq!(aggregated_discovery(older), Some("v2beta1"));
        assert_eq!(aggregated_discovery("application/json"), None);
        let other = "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList";
        assert_eq!(aggregated_discovery(other), None);
    }
}
