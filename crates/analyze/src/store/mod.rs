//! The trace store: the one owner of the trace read model (the documents of [`model`]), where
//! traces read it from, and the facts about the snapshot every trace needs.
//!
//! Two stores hand out the same documents: the trace index file written at load ([`index`],
//! no DuckDB start, the common case) and the loaded database ([`db`]). `trace` walks and
//! renders once, over [`TraceStore`]; what only the database can answer (suggestions, free-text
//! search, op ids, logs) asks for [`TraceStore::connection`], and the index answers
//! [`StoreError::NeedsDatabase`], so the command retries over the database.

pub mod db;
pub mod index;
pub mod model;

use std::cmp::Ordering;

use duckdb::Connection;
use serde::{Deserialize, Serialize};

pub use db::DbStore;
pub use index::IndexStore;
pub use model::*;

/// Why a store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The trace index holds documents by key only; this question needs the database.
    #[error("the trace index cannot answer this (the database must)")]
    NeedsDatabase,
    #[error("trace index unreadable")]
    Index(#[source] std::io::Error),
    #[error("trace document unreadable")]
    Document(#[source] serde_json::Error),
    #[error("database query failed")]
    Db(#[from] duckdb::Error),
}

/// How the works to trace are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorksBy {
    /// Resource ids (in id order).
    Id,
    /// The user's work name (newest first).
    WorkName,
    /// A hosted cluster id (oldest first, the creation order).
    Cid,
}

impl WorksBy {
    /// The column of `work_traces` (and key of the index) that holds the value.
    pub fn column(self) -> &'static str {
        match self {
            WorksBy::Id => "id",
            WorksBy::WorkName => "work_name",
            WorksBy::Cid => "cid",
        }
    }

    fn holds(self, doc: &WorkDoc, value: &str) -> bool {
        match self {
            WorksBy::Id => doc.resource_id == value,
            WorksBy::WorkName => doc.work_name.as_deref() == Some(value),
            WorksBy::Cid => doc.cid.as_deref() == Some(value),
        }
    }

    /// The one order of the works found, whichever store found them: by id; by creation,
    /// newest first for a work name and oldest first for a cluster (unknown creation last),
    /// then by id.
    fn order(self, a: &WorkDoc, b: &WorkDoc) -> Ordering {
        let by_id = a.resource_id.cmp(&b.resource_id);
        let unknown_last = a.created_at.is_none().cmp(&b.created_at.is_none());
        match self {
            WorksBy::Id => by_id,
            WorksBy::WorkName => unknown_last
                .then(b.created_at.cmp(&a.created_at))
                .then(by_id),
            WorksBy::Cid => unknown_last
                .then(a.created_at.cmp(&b.created_at))
                .then(by_id),
        }
    }
}

/// Where traces read the read model from.
pub trait TraceStore {
    /// Facts about the snapshot (when it was taken, its clusters).
    fn facts(&self) -> Result<SnapshotFacts, StoreError>;
    /// The documents of the works whose `by` column is `value`, unordered.
    fn work_docs(&self, by: WorksBy, value: &str) -> Result<Vec<WorkDoc>, StoreError>;
    /// The parts of hosted cluster `cid` (empty when the snapshot holds none).
    fn cluster_doc(&self, cid: &str) -> Result<ClusterDoc, StoreError>;
    /// What names the object `namespace/name` (namespace None when cluster-scoped).
    fn named(&self, namespace: Option<&str>, name: &str) -> Result<NameLinks, StoreError>;
    /// The ownerReferences of the objects with `uid`.
    fn owners_of(&self, uid: &str) -> Result<Owners, StoreError>;
    /// The AppliedManifestWorks and ManifestWork CRs named `name`.
    fn work_object(&self, name: &str) -> Result<WorkLinks, StoreError>;
    /// The database, for what only it can answer; None for the index.
    fn connection(&self) -> Option<&Connection>;

    /// The database, or [`StoreError::NeedsDatabase`].
    fn database(&self) -> Result<&Connection, StoreError> {
        self.connection().ok_or(StoreError::NeedsDatabase)
    }

    /// The works whose `by` column is one of `values`, in the one order of [`WorksBy`]
    /// (per value, in the order the values are given).
    fn works(&self, by: WorksBy, values: &[&str]) -> Result<Vec<WorkDoc>, StoreError> {
        let mut all = Vec::new();
        for &value in values {
            let mut docs: Vec<WorkDoc> = self
                .work_docs(by, value)?
                .into_iter()
                .filter(|d| by.holds(d, value))
                .collect();
            docs.sort_by(|a, b| by.order(a, b));
            all.extend(docs);
        }
        if by == WorksBy::Id {
            all.sort_by(|a, b| by.order(a, b));
            all.dedup_by(|a, b| a.resource_id == b.resource_id);
        }
        Ok(all)
    }
}

/// Facts about the snapshot that every trace needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SnapshotFacts {
    pub created_at: Option<String>,
    pub clusters: Vec<SnapshotCluster>,
    /// What the bundle can show, per source (the `coverage` table).
    pub coverage: Vec<SourceCoverage>,
    /// Which cluster runs which Maestro consumer, as far as the bundle tells.
    pub consumer_clusters: Vec<ConsumerCluster>,
}

/// One source of the bundle and whether it was collected (a row of `coverage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceCoverage {
    /// `db` or `kube`.
    pub source: String,
    pub cluster: Option<String>,
    pub api_group: Option<String>,
    /// The DB table, or the kind's plural resource name.
    pub resource: String,
    pub collected: bool,
    /// The collection error, or why it counts as collected.
    pub detail: Option<String>,
}

/// A Maestro consumer and a cluster it runs on (a row of `consumer_clusters`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerCluster {
    pub consumer: String,
    pub cluster: String,
}

/// A cluster of the bundle, as its manifest names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotCluster {
    pub name: String,
    pub context: Option<String>,
    /// The service cluster, where the Maestro DB runs.
    pub service: bool,
}

impl SnapshotFacts {
    /// None when the bundle holds DB table `table`; else the source to name, "DB table
    /// resources not collected" with the collection error when one was recorded.
    pub fn db_gap(&self, table: &str) -> Option<String> {
        let row = self
            .coverage
            .iter()
            .find(|c| c.source == "db" && c.resource == table);
        match row {
            Some(c) if c.collected => None,
            Some(SourceCoverage {
                detail: Some(error),
                ..
            }) => Some(format!("DB not collected: collection error: {error}")),
            _ if !self
                .coverage
                .iter()
                .any(|c| c.source == "db" && c.collected) =>
            {
                Some("DB not collected".to_string())
            }
            _ => Some(format!("DB table {table} not collected")),
        }
    }

    /// None when the bundle lists `resource` (a plural, e.g. `appliedmanifestworks`) of
    /// `cluster`, or the cluster does not serve it; else the source to name.
    pub fn kube_gap(&self, cluster: &str, resource: &str) -> Option<String> {
        let row = self.coverage.iter().find(|c| {
            c.source == "kube" && c.cluster.as_deref() == Some(cluster) && c.resource == resource
        });
        let what = kind_words(resource);
        match row {
            Some(c) if c.collected => None,
            Some(SourceCoverage {
                detail: Some(error),
                ..
            }) => Some(format!(
                "{what} of {cluster} not collected: collection error: {error}"
            )),
            _ => Some(format!("{what} of {cluster} not collected")),
        }
    }

    /// None when some cluster's `resource` was collected; else every source to name, or that
    /// the bundle holds no management cluster. What may rest on a kind at all (a doctor rule, a
    /// cluster stage); a claim about one cluster uses [`Self::kube_gap`].
    pub fn kind_gap(&self, resource: &str) -> Option<String> {
        let rows: Vec<&SourceCoverage> = self
            .coverage
            .iter()
            .filter(|c| c.source == "kube" && c.resource == resource)
            .collect();
        if rows.iter().any(|c| c.collected) {
            return None;
        }
        if rows.is_empty() {
            // Kinds mwtrace does not list everywhere (namespaces, deployments...) have no
            // coverage row until some cluster's file holds them.
            let reason = match self.clusters.iter().any(|c| !c.service) {
                true => "listed on no management cluster",
                false => "no management cluster in the bundle",
            };
            return Some(format!("{} not collected ({reason})", kind_words(resource)));
        }
        let gaps: Vec<String> = rows
            .iter()
            .filter_map(|c| self.kube_gap(c.cluster.as_deref()?, resource))
            .collect();
        Some(gaps.join("; "))
    }

    /// None when the bundle can show whether a work of `consumer` has an AppliedManifestWork:
    /// the AMWs of every cluster that runs the consumer were collected. Else the source to name.
    pub fn amw_gap(&self, consumer: Option<&str>) -> Option<String> {
        let clusters: Vec<&str> = self
            .consumer_clusters
            .iter()
            .filter(|c| Some(c.consumer.as_str()) == consumer)
            .map(|c| c.cluster.as_str())
            .collect();
        if clusters.is_empty() {
            let consumer = consumer.unwrap_or("?");
            let held: Vec<&str> = self
                .coverage
                .iter()
                .filter(|c| {
                    c.source == "kube" && c.resource == "appliedmanifestworks" && c.collected
                })
                .filter_map(|c| c.cluster.as_deref())
                .collect();
            return Some(if held.is_empty() {
                format!(
                    "AppliedManifestWorks not collected (consumer {consumer}: the bundle holds no management cluster's AppliedManifestWorks)"
                )
            } else {
                format!(
                    "AppliedManifestWorks of consumer {consumer}'s cluster not collected (the bundle holds those of {}, none known to run {consumer})",
                    held.join(", ")
                )
            });
        }
        let gaps: Vec<String> = clusters
            .iter()
            .filter_map(|c| self.kube_gap(c, "appliedmanifestworks"))
            .collect();
        (!gaps.is_empty()).then(|| gaps.join("; "))
    }

    /// The service cluster (where the Maestro DB runs), when the bundle names one.
    pub fn service_cluster(&self) -> Option<&str> {
        self.clusters
            .iter()
            .find(|c| c.service)
            .map(|c| c.name.as_str())
    }

    /// `kubectl --context C` for a cluster of the bundle.
    pub fn kubectl(&self, cluster: &str) -> String {
        let context = self
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .and_then(|c| c.context.clone())
            .unwrap_or_else(|| cluster.to_string());
        format!("kubectl --context {}", crate::shell::shell_word(&context))
    }

    /// The kubectl prefix for the service cluster (where the Maestro DB runs).
    pub fn service_kubectl(&self) -> String {
        match self.service_cluster() {
            Some(name) => self.kubectl(name),
            None => "kubectl".to_string(),
        }
    }

    /// The command that runs `sql` with psql in the maestro-db pod of the service cluster.
    pub fn psql(&self, sql: &str) -> String {
        let svc = self.service_kubectl();
        format!(
            "{svc} -n maestro exec -i $({svc} -n maestro get pods -l name=maestro-db -o name | head -1) -- psql -U maestro -d maestro -c \"{sql}\""
        )
    }
}

/// How a resource is named in a "not collected" message.
fn kind_words(resource: &str) -> String {
    match resource {
        "appliedmanifestworks" => "AppliedManifestWorks".into(),
        "manifestworks" => "ManifestWorks".into(),
        "managedclusters" => "ManagedClusters".into(),
        "hostedclusters" => "HostedClusters".into(),
        "nodepools" => "NodePools".into(),
        other => other.to_string(),
    }
}
