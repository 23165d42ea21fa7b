//! The trace read model: the documents the loader assembles for every resource, hosted cluster
//! and link key, as both stores hand them out. The trace index stores them as JSON; the database
//! assembles the same JSON on demand (`db.rs`). Traces decide states and verdicts from them.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A resource's trace as the loader assembled it: the parts of a trace's `WorkTrace`, and the DB
/// status facts its state is decided from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkDoc {
    pub resource_id: String,
    pub work_name: Option<String>,
    pub consumer: Option<String>,
    pub source: Option<String>,
    pub cid: Option<String>,
    pub version: Option<i64>,
    pub observed_version: Option<i64>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
    pub applied: Option<bool>,
    pub available: Option<bool>,
    pub has_status: Option<bool>,
    pub conditions: Vec<Condition>,
    pub manifests: Vec<ManifestStatus>,
    pub applied_manifest_work: Option<AmwRef>,
    pub applied_resources: Vec<AppliedResource>,
    pub nested_works: Vec<NestedWork>,
}

/// A hosted cluster's parts as the loader assembled them (derive.sql, cluster_traces).
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct ClusterDoc {
    /// Its ManifestWorks by name, then those its resources carry that the snapshot lacks.
    pub manifest_works: Vec<NestedWork>,
    pub hosted_clusters: Vec<ObjectStatus>,
    pub node_pools: Vec<ObjectStatus>,
    pub managed_clusters: Vec<ObjectStatus>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Condition {
    /// Empty when the condition has none: a bad row is shown, not fatal (load_issues names it).
    #[serde(rename = "type", default, deserialize_with = "null_as_empty")]
    pub type_: String,
    pub status: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub last_transition_time: Option<String>,
}

/// A string that may be null or absent in the document, read as empty.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[derive(
    Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema,
)]
pub struct AmwRef {
    pub cluster: String,
    pub name: String,
    pub uid: Option<String>,
    pub hub_hash: Option<String>,
    pub manifest_work_name: Option<String>,
    pub layer: i64,
    /// The DB row a layer-1 AMW belongs to (None for layer 2, or when it cannot be decided).
    #[serde(default)]
    pub resource_id: Option<String>,
    /// How the AMW was linked to its row: `resource_id` (current Maestro), `work_name` (an
    /// agent before maestro PR #434) or `work_name_ambiguous` (several rows share the name).
    #[serde(default)]
    pub linked_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ManifestStatus {
    pub ordinal: i64,
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub applied: Option<bool>,
    pub available: Option<bool>,
    pub reason: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct AppliedResource {
    pub group: Option<String>,
    pub version: Option<String>,
    pub resource: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub uid: Option<String>,
    /// Whether the snapshot holds the object, and with the same uid; null when the snapshot
    /// did not collect that kind.
    pub in_snapshot: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct NestedWork {
    pub cluster: Option<String>,
    pub namespace: String,
    pub name: String,
    pub applied: Option<bool>,
    pub available: Option<bool>,
    /// Whether the ManifestWork CR is in the snapshot.
    pub in_snapshot: bool,
    pub applied_manifest_work: Option<AmwRef>,
    pub manifests: Vec<ManifestStatus>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ObjectStatus {
    pub cluster: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub uid: Option<String>,
    /// Whether the object is healthy by its kind's key conditions.
    pub healthy: Option<bool>,
    pub conditions: Vec<Condition>,
}

/// What names an object: by its namespace (None when cluster-scoped) and name.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NameLinks {
    pub namespace: Option<String>,
    pub name: String,
    /// Objects of the snapshot with this namespace and name.
    pub objects: Vec<NamedObject>,
    /// AppliedManifestWorks whose `status.appliedResources` lists it.
    pub applied_by: Vec<AppliedBy>,
    /// ManifestWork CRs whose `spec.workload.manifests` holds it.
    pub in_works: Vec<InWork>,
    /// Maestro resources whose payload manifests hold it.
    pub in_resources: Vec<InResource>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct NamedObject {
    pub cluster: Option<String>,
    pub kind: Option<String>,
    pub resource: Option<String>,
    pub uid: Option<String>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct AppliedBy {
    pub cluster: Option<String>,
    pub amw_name: Option<String>,
    pub resource: Option<String>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct InWork {
    pub cluster: Option<String>,
    pub work_namespace: Option<String>,
    pub work_name: Option<String>,
    pub kind: Option<String>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct InResource {
    pub resource_id: Option<String>,
    pub kind: Option<String>,
}

/// The ownerReferences of the objects with a uid.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Owners {
    pub uid: String,
    pub owners: Vec<Owner>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Owner {
    pub cluster: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub uid: Option<String>,
    pub api_version: Option<String>,
}

/// The AppliedManifestWorks and ManifestWork CRs with a name.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorkLinks {
    pub name: String,
    pub amws: Vec<AmwRef>,
    pub manifest_works: Vec<WorkCr>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct WorkCr {
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub uid: Option<String>,
}

/// A link document: parsed from its JSON, then put in order (the SQL aggregates in no
/// particular order), so that the index and the database give the same walk.
pub trait LinkDocument: DeserializeOwned + Default {
    fn normalized(self) -> Self;

    fn parse(json: &str) -> serde_json::Result<Self> {
        Ok(serde_json::from_str::<Self>(json)?.normalized())
    }
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

impl LinkDocument for NameLinks {
    fn normalized(self) -> Self {
        NameLinks {
            objects: sorted(self.objects),
            applied_by: sorted(self.applied_by),
            in_works: sorted(self.in_works),
            in_resources: sorted(self.in_resources),
            ..self
        }
    }
}

impl LinkDocument for Owners {
    fn normalized(self) -> Self {
        Owners {
            owners: sorted(self.owners),
            ..self
        }
    }
}

impl LinkDocument for WorkLinks {
    fn normalized(self) -> Self {
        WorkLinks {
            amws: sorted(self.amws),
            manifest_works: sorted(self.manifest_works),
            ..self
        }
    }
}
