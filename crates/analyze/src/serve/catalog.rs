//! Which resources each cluster of the bundle serves (discovery), with their printer columns:
//! the kinds present in `objects`, the CRDs the bundle holds (scope, short names,
//! additionalPrinterColumns, and kinds collected with no object), and the Maestro DB rows as the
//! virtual resource `maestrobundles.mwtrace.local`.

use std::collections::BTreeMap;

use duckdb::Connection;
use serde_json::Value;

use super::ServeError;

/// The group of the virtual `maestrobundles` resource (the Maestro DB's `resources` rows).
pub const MAESTRO_GROUP: &str = "mwtrace.local";

#[derive(Debug, Clone)]
pub struct ClusterInfo {
    pub name: String,
    pub role: String,
}

/// One resource as discovery lists it.
#[derive(Debug, Clone)]
pub struct ApiResource {
    /// "" for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The plural name used in URLs.
    pub resource: String,
    pub singular: String,
    pub short_names: Vec<String>,
    pub namespaced: bool,
    /// The columns of the `Table` format after NAME.
    pub columns: Vec<PrinterColumn>,
    /// True for `maestrobundles`: rows of the `resources` view, not of `objects`.
    pub maestro: bool,
}

impl ApiResource {
    /// `v1` for core, `apps/v1` otherwise.
    pub fn group_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// A `Table` column: kubectl's default columns for core kinds, a CRD's
/// additionalPrinterColumns, AGE otherwise.
#[derive(Debug, Clone)]
pub struct PrinterColumn {
    pub name: String,
    /// OpenAPI type: string, integer, number, boolean, date.
    pub type_: String,
    pub description: String,
    /// 0 shown by default, 1 with `-o wide`.
    pub priority: i64,
    pub source: ColumnSource,
}

#[derive(Debug, Clone)]
pub enum ColumnSource {
    /// A JSONPath over the object (`.status.phase`, `.status.conditions[?(@.type=="Ready")].status`).
    Path(String),
    /// metadata.creationTimestamp as an age before the snapshot.
    Age,
    /// Pods: ready containers / containers.
    PodReady,
    /// Pods: the reason or phase, as kubectl prints STATUS.
    PodStatus,
    /// Pods: the sum of the containers' restart counts.
    PodRestarts,
    /// Deployments, StatefulSets, ReplicaSets: ready / desired replicas.
    Replicas,
}

/// Every cluster of the bundle and the resources it serves, read once at start.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub clusters: Vec<ClusterInfo>,
    /// Per cluster name, sorted by group then resource.
    pub resources: BTreeMap<String, Vec<ApiResource>>,
    /// The snapshot's creation time: ages in tables are counted back from it.
    pub snapshot_at: Option<jiff::Timestamp>,
}

impl Catalog {
    pub fn load(conn: &Connection) -> Result<Catalog, ServeError> {
        let mut catalog = Catalog::default();
        let mut stmt =
            conn.prepare("SELECT name, role FROM clusters ORDER BY (role <> 'management'), name")?;
        // The first management cluster first: it is the kubeconfig's current context.
        let rows = stmt.query_map([], |r| {
            Ok(ClusterInfo {
                name: r.get(0)?,
                role: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            })
        })?;
        for row in rows {
            catalog.clusters.push(row?);
        }
        catalog.snapshot_at = conn
            .query_row("SELECT mw_rfc3339(created_at) FROM snapshot", [], |r| {
                r.get::<_, Option<String>>(0)
            })
            .ok()
            .flatten()
            .and_then(|t| t.parse().ok());

        let crds = crds(conn)?;
        let mut stmt = conn.prepare(
            "SELECT cluster, coalesce(api_group, ''), api_version, kind, resource, \
             bool_or(namespace IS NOT NULL) FROM objects GROUP BY ALL ORDER BY ALL",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
            ))
        })?;
        for row in rows {
            let (cluster, group, api_version, kind, resource, namespaced) = row?;
            let version = api_version
                .rsplit('/')
                .next()
                .unwrap_or(&api_version)
                .to_string();
            let crd = crds
                .get(&(cluster.clone(), group.clone(), resource.clone()))
                .or_else(|| crds.get(&(String::new(), group.clone(), resource.clone())));
            let entry = catalog.resources.entry(cluster).or_default();
            if entry
                .iter()
                .any(|r| r.group == group && r.resource == resource)
            {
                // Two versions of one kind in the bundle: discovery serves the first.
                continue;
            }
            entry.push(resource_of(group, version, kind, resource, namespaced, crd));
        }
        // Kinds collected with no object: served (empty) when a CRD says what they are.
        let mut stmt = conn.prepare(
            "SELECT cluster, coalesce(api_group, ''), resource FROM coverage \
             WHERE source = 'kube' AND collected AND cluster IS NOT NULL ORDER BY ALL",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (cluster, group, resource) = row?;
            let crd = crds
                .get(&(cluster.clone(), group.clone(), resource.clone()))
                .or_else(|| crds.get(&(String::new(), group.clone(), resource.clone())));
            let Some(crd) = crd else { continue };
            let entry = catalog.resources.entry(cluster).or_default();
            if entry
                .iter()
                .any(|r| r.group == group && r.resource == resource)
            {
                continue;
            }
            let version = crd
                .versions
                .first()
                .map(|v| v.0.clone())
                .unwrap_or_default();
            entry.push(resource_of(
                group,
                version,
                crd.kind.clone(),
                resource,
                crd.namespaced,
                Some(crd),
            ));
        }
        let maestro_rows: i64 = conn
            .query_row("SELECT count(*) FROM resources", [], |r| r.get(0))
            .unwrap_or(0);
        for cluster in &catalog.clusters {
            let entry = catalog.resources.entry(cluster.name.clone()).or_default();
            if maestro_rows > 0 {
                entry.push(maestro_resource());
            }
            entry.sort_by(|a, b| (&a.group, &a.resource).cmp(&(&b.group, &b.resource)));
        }
        Ok(catalog)
    }

    /// The resources of one cluster (empty for an unknown cluster).
    pub fn cluster(&self, cluster: &str) -> &[ApiResource] {
        self.resources
            .get(cluster)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn has_cluster(&self, cluster: &str) -> bool {
        self.clusters.iter().any(|c| c.name == cluster)
    }

    /// The resource `resource` of `group/version` in `cluster`.
    pub fn find(
        &self,
        cluster: &str,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Option<&ApiResource> {
        self.cluster(cluster)
            .iter()
            .find(|r| r.group == group && r.version == version && r.resource == resource)
    }
}

/// What a CRD of the bundle says about its resource.
#[derive(Debug)]
struct Crd {
    kind: String,
    singular: String,
    short_names: Vec<String>,
    namespaced: bool,
    /// (version, columns)
    versions: Vec<(String, Vec<PrinterColumn>)>,
}

/// CRDs by (cluster, group, plural), and by ("", group, plural) for any cluster.
fn crds(conn: &Connection) -> Result<BTreeMap<(String, String, String), Crd>, ServeError> {
    let mut out = BTreeMap::new();
    let mut stmt = conn.prepare(
        "SELECT cluster, CAST(object AS VARCHAR) FROM objects \
         WHERE kind = 'CustomResourceDefinition' ORDER BY cluster, name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    for row in rows {
        let (cluster, object) = row?;
        let Some(object) = object.and_then(|o| serde_json::from_str::<Value>(&o).ok()) else {
            continue;
        };
        let spec = &object["spec"];
        let (Some(group), Some(plural)) =
            (spec["group"].as_str(), spec["names"]["plural"].as_str())
        else {
            continue;
        };
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        // v1beta1 CRDs: one list for every version, JSONPath spelled in capitals.
        let shared = spec["additionalPrinterColumns"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut versions = Vec::new();
        for version in spec["versions"].as_array().into_iter().flatten() {
            if version["served"] == Value::Bool(false) {
                continue;
            }
            let columns = version["additionalPrinterColumns"]
                .as_array()
                .unwrap_or(&shared);
            let columns = columns
                .iter()
                .filter_map(|c| {
                    let path = c["jsonPath"].as_str().or(c["JSONPath"].as_str())?;
                    Some(PrinterColumn {
                        name: text(&c["name"]),
                        type_: c["type"].as_str().unwrap_or("string").to_string(),
                        description: text(&c["description"]),
                        priority: c["priority"].as_i64().unwrap_or(0),
                        source: if path == ".metadata.creationTimestamp" {
                            ColumnSource::Age
                        } else {
                            ColumnSource::Path(path.to_string())
                        },
                    })
                })
                .collect();
            versions.push((text(&version["name"]), columns));
        }
        if versions.is_empty()
            && let Some(v) = spec["version"].as_str()
        {
            versions.push((v.to_string(), Vec::new()));
        }
        let crd = || Crd {
            kind: text(&spec["names"]["kind"]),
            singular: text(&spec["names"]["singular"]),
            short_names: spec["names"]["shortNames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
            namespaced: spec["scope"].as_str() != Some("Cluster"),
            versions: versions
                .iter()
                .map(|(v, c)| (v.clone(), c.clone()))
                .collect(),
        };
        out.entry((String::new(), group.to_string(), plural.to_string()))
            .or_insert_with(crd);
        out.insert((cluster, group.to_string(), plural.to_string()), crd());
    }
    Ok(out)
}

fn resource_of(
    group: String,
    version: String,
    kind: String,
    resource: String,
    namespaced: bool,
    crd: Option<&Crd>,
) -> ApiResource {
    let crd_columns = crd.and_then(|c| {
        c.versions
            .iter()
            .find(|(v, _)| *v == version)
            .or(c.versions.first())
            .map(|(_, cols)| cols.clone())
    });
    let columns = match crd_columns {
        Some(cols) if !cols.is_empty() => cols,
        _ => builtin_columns(&group, &kind),
    };
    let (singular, short_names) = match crd {
        Some(c) if !c.singular.is_empty() => (c.singular.clone(), c.short_names.clone()),
        _ => (kind.to_lowercase(), builtin_short_names(&group, &resource)),
    };
    ApiResource {
        namespaced: crd.map(|c| c.namespaced).unwrap_or(namespaced),
        group,
        version,
        kind,
        resource,
        singular,
        short_names,
        columns,
        maestro: false,
    }
}

fn column(name: &str, type_: &str, priority: i64, source: ColumnSource) -> PrinterColumn {
    PrinterColumn {
        name: name.to_string(),
        type_: type_.to_string(),
        description: String::new(),
        priority,
        source,
    }
}

fn path(p: &str) -> ColumnSource {
    ColumnSource::Path(p.to_string())
}

/// kubectl's columns for the core kinds an ARO HCP bundle holds (as the API server prints them).
fn builtin_columns(group: &str, kind: &str) -> Vec<PrinterColumn> {
    let age = column("Age", "date", 0, ColumnSource::Age);
    match (group, kind) {
        ("", "Pod") => vec![
            column("Ready", "string", 0, ColumnSource::PodReady),
            column("Status", "string", 0, ColumnSource::PodStatus),
            column("Restarts", "string", 0, ColumnSource::PodRestarts),
            age,
            column("IP", "string", 1, path(".status.podIP")),
            column("Node", "string", 1, path(".spec.nodeName")),
        ],
        ("", "Namespace") => vec![column("Status", "string", 0, path(".status.phase")), age],
        ("", "Node") => vec![
            column(
                "Status",
                "string",
                0,
                path(".status.conditions[?(@.type==\"Ready\")].status"),
            ),
            age,
            column(
                "Version",
                "string",
                0,
                path(".status.nodeInfo.kubeletVersion"),
            ),
        ],
        ("", "Service") => vec![
            column("Type", "string", 0, path(".spec.type")),
            column("Cluster-IP", "string", 0, path(".spec.clusterIP")),
            age,
        ],
        ("", "ConfigMap") | ("", "Secret") => vec![age],
        ("apps", "Deployment") => vec![
            column("Ready", "string", 0, ColumnSource::Replicas),
            column("Up-to-date", "integer", 0, path(".status.updatedReplicas")),
            column("Available", "integer", 0, path(".status.availableReplicas")),
            age,
        ],
        ("apps", "StatefulSet") | ("apps", "ReplicaSet") => {
            vec![column("Ready", "string", 0, ColumnSource::Replicas), age]
        }
        ("", "Event") | ("events.k8s.io", "Event") => vec![
            column("Type", "string", 0, path(".type")),
            column("Reason", "string", 0, path(".reason")),
            column("Message", "string", 0, path(".message")),
            age,
        ],
        _ => vec![age],
    }
}

fn builtin_short_names(group: &str, resource: &str) -> Vec<String> {
    let names: &[&str] = match (group, resource) {
        ("", "pods") => &["po"],
        ("", "namespaces") => &["ns"],
        ("", "nodes") => &["no"],
        ("", "services") => &["svc"],
        ("", "configmaps") => &["cm"],
        ("", "events") => &["ev"],
        ("apps", "deployments") => &["deploy"],
        ("apps", "statefulsets") => &["sts"],
        ("apps", "replicasets") => &["rs"],
        ("hypershift.openshift.io", "hostedclusters") => &["hc", "hcs"],
        ("hypershift.openshift.io", "nodepools") => &["np", "nps"],
        ("work.open-cluster-management.io", "manifestworks") => &["mw"],
        ("work.open-cluster-management.io", "appliedmanifestworks") => &["amw"],
        ("cluster.open-cluster-management.io", "managedclusters") => &["mcl", "mcls"],
        _ => &[],
    };
    names.iter().map(|s| s.to_string()).collect()
}

/// The Maestro DB rows as `maestrobundles.mwtrace.local/v1`, cluster-scoped, named by id.
fn maestro_resource() -> ApiResource {
    ApiResource {
        group: MAESTRO_GROUP.to_string(),
        version: "v1".to_string(),
        kind: "MaestroBundle".to_string(),
        resource: "maestrobundles".to_string(),
        singular: "maestrobundle".to_string(),
        short_names: vec!["mb".to_string()],
        namespaced: false,
        columns: vec![
            column("Work Name", "string", 0, path(".spec.workName")),
            column("Consumer", "string", 0, path(".spec.consumerName")),
            column("Version", "integer", 0, path(".spec.version")),
            column("Applied", "boolean", 0, path(".status.applied")),
            column("Available", "boolean", 0, path(".status.available")),
            column("Deleted", "boolean", 0, path(".status.deleted")),
            column("Age", "date", 0, ColumnSource::Age),
            column("CID", "string", 1, path(".status.cid")),
            column("Observed", "integer", 1, path(".status.observedVersion")),
        ],
        maestro: true,
    }
}
