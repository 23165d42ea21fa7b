//! The trace report: what `mwtrace trace -o json|yaml` prints. This is a stable, documented
//! schema (`schema: "mwtrace/trace/v1"`); fields are only ever added. Absent values are `null`.

use serde::{Deserialize, Serialize};

use crate::doctor::Severity;
pub use crate::store::model::{
    AmwRef, AppliedResource, Condition, ManifestStatus, NestedWork, ObjectStatus,
};

pub const SCHEMA: &str = "mwtrace/trace/v1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct TraceReport {
    /// Always `mwtrace/trace/v1`.
    pub schema: String,
    pub query: QueryEcho,
    pub outcome: Outcome,
    /// One line saying what was found, or what was not.
    pub message: String,
    /// The snapshot's creation time: ages are relative to it.
    pub snapshot_created_at: Option<String>,
    /// Maestro resources traced (resource id, work name, or the works owning a manifest).
    pub works: Vec<WorkTrace>,
    /// For `--manifest`: the chain from the object up to the Maestro resource, one per owner.
    pub chains: Vec<Chain>,
    /// For `--cluster-id`.
    pub cluster: Option<ClusterTrace>,
    /// For `--search`, and suggestions when nothing was found.
    pub matches: Vec<SearchMatch>,
    /// Commands to run next on the live system.
    pub next_steps: Vec<String>,
    /// With `--logs`: the request's lifecycle in the container logs; null otherwise.
    #[serde(default)]
    pub logs: Option<LogTrace>,
    /// With `--at`: what the trace is as of, and what it rests on (objects from their history
    /// revisions in force then, the DB as at the snapshot); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

impl TraceReport {
    /// How bad what was traced is, for `trace --fail-on`: critical when a work is failing or
    /// a stage of the cluster's creation flow fails; warning when a work is stuck in deletion,
    /// not applied, or of unknown state, or a stage is missing. What the bundle did not
    /// collect is not a failure. None when all is well.
    pub fn severity(&self) -> Option<Severity> {
        let of_state = |state: WorkState| match state {
            WorkState::Failing => Some(Severity::Critical),
            WorkState::Deleting | WorkState::NotApplied | WorkState::Unknown => {
                Some(Severity::Warning)
            }
            WorkState::Applied | WorkState::Deleted => None,
        };
        let works = self.works.iter().map(|w| of_state(w.state));
        let stages = self
            .cluster
            .iter()
            .flat_map(|c| &c.stages)
            .map(|s| match s.status.as_str() {
                "failing" => Some(Severity::Critical),
                "missing" => Some(Severity::Warning),
                _ => None,
            });
        works.chain(stages).flatten().max()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct QueryEcho {
    /// `resource-id`, `work-name`, `op-id`, `manifest`, `cluster-id` or `search`.
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Exit 0.
    Found,
    /// Exit 1: nothing matched (see `matches` for partial-name suggestions).
    NotFound,
    /// Exit 1: the object exists but no ManifestWork manages it.
    NotManaged,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct WorkTrace {
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
    pub state: WorkState,
    /// Work-level conditions of the DB status.
    pub conditions: Vec<Condition>,
    /// The layer-1 AppliedManifestWork, when on the cluster.
    pub applied_manifest_work: Option<AmwRef>,
    /// `present`, `deleted` (gone after deletion), `not_applied` (never applied yet), or
    /// `not_collected` (the bundle cannot show it: see `missing_sources`).
    pub amw_status: AmwStatus,
    /// The manifests from the DB with their per-manifest status.
    pub manifests: Vec<ManifestStatus>,
    /// What the AppliedManifestWork says it applied.
    pub applied_resources: Vec<AppliedResource>,
    /// ManifestWorks in this bundle that another agent applies (layer 2), with their own AMW.
    pub nested_works: Vec<NestedWork>,
    pub verdict: String,
    /// The sources this trace needed that the bundle does not hold, each named ("AppliedManifestWorks
    /// of mgmt-2 not collected"); no verdict claims an absence they would have to show.
    #[serde(default)]
    pub missing_sources: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkState {
    /// Applied and available.
    Applied,
    /// Applied=False, Available=False, or a manifest failing.
    Failing,
    /// No status and no AppliedManifestWork yet.
    NotApplied,
    /// Deleted in the DB and gone from the cluster.
    Deleted,
    /// Deleted in the DB, still on the cluster (deletion not confirmed).
    Deleting,
    /// An AppliedManifestWork exists but the DB has no status.
    Unknown,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AmwStatus {
    Present,
    Deleted,
    NotApplied,
    /// The AppliedManifestWorks of the work's cluster are not in the bundle.
    NotCollected,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Chain {
    pub hops: Vec<Hop>,
    /// The Maestro resource at the top of the chain, when reached.
    pub resource_id: Option<String>,
    pub work_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Hop {
    /// `object`, `owner`, `applied_manifest_work`, `manifest_work`, `maestro_resource`.
    pub role: String,
    pub cluster: Option<String>,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub uid: Option<String>,
    pub layer: Option<i64>,
    /// Whether this hop was found in the snapshot (false: known only from a link).
    pub in_snapshot: bool,
    /// How this hop was reached from the previous one.
    pub via: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ClusterTrace {
    pub cid: String,
    pub resources: Vec<WorkSummary>,
    pub manifest_works: Vec<NestedWork>,
    pub hosted_clusters: Vec<ObjectStatus>,
    pub node_pools: Vec<ObjectStatus>,
    pub managed_clusters: Vec<ObjectStatus>,
    pub stages: Vec<Stage>,
    /// Name of the first stage that is missing or failing; null when all pass.
    pub first_failing_stage: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct WorkSummary {
    pub resource_id: String,
    pub work_name: Option<String>,
    pub state: WorkState,
    pub applied_manifest_work: Option<AmwRef>,
    pub manifests: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Stage {
    pub name: String,
    /// `ok`, `failing` or `missing`.
    pub status: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct SearchMatch {
    /// Lower is better: 0 exact, 1 prefix, 2 substring.
    pub rank: i64,
    /// `resource_id`, `work_name`, `cid`, `manifest`, `object`, `applied_manifest_work`.
    pub what: String,
    pub value: String,
    pub detail: String,
    /// The trace command that follows this match.
    pub trace: String,
}

/// A request traced through the Maestro server and agent logs (`trace --logs`), stage by stage
/// as the trace-resource-request procedure greps them (maestro-data-model.md §5).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LogTrace {
    /// Resource ids whose log lines were gathered.
    pub resource_ids: Vec<String>,
    /// Operation ids (op-id) whose log lines were gathered.
    pub op_ids: Vec<String>,
    /// Log entries gathered (the timeline holds at most [`LogTrace::TIMELINE_MAX`]).
    pub lines: i64,
    /// Log entries in the whole snapshot; 0 means it was collected without logs.
    pub snapshot_lines: i64,
    /// Every stage in request order, found or missing.
    pub stages: Vec<LogStage>,
    /// Name of the first stage with no log line; null when every stage is logged.
    pub first_missing_stage: Option<String>,
    /// Name of the last stage (in request order) that has a log line.
    pub last_stage_seen: Option<String>,
    /// One line: where the request stopped, or that it went through.
    pub verdict: String,
    /// Error-level lines and known Maestro failure messages among the gathered lines.
    pub errors: Vec<LogEvidence>,
    /// The gathered lines in time order.
    pub timeline: Vec<LogEvidence>,
    /// Log files the load cut (`load_issues`, kind `log_truncated`): a stage or line not found
    /// may lie past the cut, so the verdict does not claim it was never logged.
    #[serde(default)]
    pub truncated_files: Vec<String>,
}

impl LogTrace {
    pub const TIMELINE_MAX: usize = 500;
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LogStage {
    /// `received_from_client`, `published`, `sent_to_agent`, `received_by_agent`,
    /// `status_sent_by_agent`, `status_received`, `status_updated`, `status_broadcast`,
    /// `sent_to_subscribers`.
    pub name: String,
    /// The message the stage is recognised by.
    pub title: String,
    /// `maestro-server` or `maestro-agent`.
    pub component: String,
    /// `ok` or `missing`.
    pub status: String,
    /// Matching log entries.
    pub count: i64,
    /// Time of the first matching entry.
    pub first_ts: Option<String>,
    /// Why a missing stage may still have happened (verbosity), when it applies.
    pub note: Option<String>,
    /// Up to three matching entries.
    pub evidence: Vec<LogEvidence>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LogEvidence {
    /// RFC 3339, UTC, microseconds.
    pub ts: Option<String>,
    pub cluster: String,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// First line of the entry in its file.
    pub line: i64,
    pub level: Option<String>,
    pub component: Option<String>,
    pub msg: String,
    /// The `err`/`error` field, when the entry has one.
    pub error: Option<String>,
    /// The stage this entry is evidence of.
    pub stage: Option<String>,
    /// Known-benign messages say so here.
    pub note: Option<String>,
    /// The entry as written (stack traces included).
    pub raw: String,
}
