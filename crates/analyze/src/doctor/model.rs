//! The doctor report: what `mwtrace doctor -o json|yaml` prints. This is a stable, documented
//! schema (`schema: "mwtrace/doctor/v1"`); fields are only ever added. Absent values are `null`.
//! `--list-rules -o json|yaml` prints the catalog (`schema: "mwtrace/doctor-rules/v1"`).
//!
//! ```text
//! { schema: "mwtrace/doctor/v1",
//!   snapshot: { path, sha256, created_at },
//!   summary: { line, rules, critical, warning, info, failed_rules },
//!   findings: [ { rule, severity: critical | warning | info, title, message,
//!                 evidence: { <column>: <JSON value>, ... },   (the rule's evidence columns, in order)
//!                 next_steps: [string] } ],                     (commands for the live system)
//!   rules: [ { id, severity, title, explanation, next_step, findings, error } ] }
//! ```
//! Findings are ordered by severity (critical first), then by the catalog's order, then as the
//! rule's query returns them. Times in evidence are RFC 3339 UTC; ages are relative to
//! `snapshot.created_at`, never to the reader's clock.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const SCHEMA: &str = "mwtrace/doctor/v1";
pub const CATALOG_SCHEMA: &str = "mwtrace/doctor-rules/v1";

/// How bad a finding is. Ordered: `Info < Warning < Critical`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing, usually benign (a dead server replica's row, a legacy row without status).
    Info,
    /// Inconsistent or suspicious state that may need action.
    Warning,
    /// Something is broken and will not heal by itself.
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct DoctorReport {
    /// Always `mwtrace/doctor/v1`.
    pub schema: String,
    pub snapshot: SnapshotRef,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// Every rule that ran, in catalog order, with its number of findings.
    pub rules: Vec<RuleResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct SnapshotRef {
    /// The bundle as named on the command line.
    pub path: String,
    pub sha256: String,
    /// The bundle's creation time: every age and threshold is relative to it.
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Summary {
    /// The one-line summary the text output starts with.
    pub line: String,
    /// Number of rules run.
    pub rules: usize,
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
    /// Rules whose query failed (see `rules[].error`); the report is then incomplete.
    pub failed_rules: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Finding {
    /// The rule's id, e.g. `work-not-applied`.
    pub rule: String,
    pub severity: Severity,
    /// The rule's title.
    pub title: String,
    /// One line saying what is wrong with which object.
    pub message: String,
    /// The rule's evidence columns, in the rule's order, as JSON values.
    pub evidence: Map<String, Value>,
    /// Commands to run next on the live system (or offline with mwtrace).
    pub next_steps: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct RuleResult {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub explanation: String,
    pub next_step: String,
    /// Number of findings.
    pub findings: usize,
    /// Why the rule's query failed, when it did.
    pub error: Option<String>,
    /// Why the rule did not run: a source it needs was not collected ("DB not collected"), or
    /// the component version it `requires` is outside its range.
    #[serde(default)]
    pub skipped: Option<String>,
    /// For a rule gated on a component version (`requires:`): the range and what the bundle
    /// recorded, "applies to maestro-agent < 0.6.0; version not collected".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<String>,
}

/// `--list-rules -o json|yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Catalog {
    /// Always `mwtrace/doctor-rules/v1`.
    pub schema: String,
    pub rules: Vec<RuleInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct RuleInfo {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub explanation: String,
    pub next_step: String,
    /// Command templates as written in the rule: `{column}` is filled from the finding's row,
    /// `{snapshot}` with the bundle; `kubectl` runs on the finding's `cluster`.
    pub commands: Vec<CommandInfo>,
    /// Template of each finding's message.
    pub message: String,
    /// Columns shown as evidence.
    pub evidence: Vec<String>,
    /// File of the rule in the source tree (`crates/analyze/src/doctor/rules/<id>.sql`).
    pub file: String,
    /// The query: runs as is with `mwtrace sql SNAPSHOT "..."`.
    pub sql: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct CommandInfo {
    /// `kubectl` (management cluster of the finding), `kubectl_service` (service cluster),
    /// `psql` (the Maestro DB, through the maestro-db pod) or `mwtrace` (offline, on the bundle).
    pub kind: String,
    pub template: String,
}
