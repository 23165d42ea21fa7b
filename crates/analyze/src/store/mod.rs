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
        format!("kubectl --context {context}")
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
