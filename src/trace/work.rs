//! The trace of Maestro resources: each one's DB row, manifests and per-manifest status, its
//! layer-1 AppliedManifestWork and what that applied, and the layer-2 ManifestWorks it carries.
//! The loader assembles these parts for every resource (derive.sql, `work_traces`), so a trace
//! reads one row per resource; the state and verdict are decided here.

use duckdb::Connection;
use serde::Deserialize;

use super::model::*;
use super::{Context, keyed, keyed_params, parse_doc, rows, search};
use crate::load::index::{Key, TraceIndex};

/// How the works to trace are found.
#[derive(Debug, Clone, Copy)]
pub(crate) enum WorksBy {
    /// Resource ids (kept in id order).
    Id,
    /// The user's work name (newest first).
    WorkName,
    /// A hosted cluster id (oldest first, the creation order).
    Cid,
}

impl WorksBy {
    fn column(self) -> &'static str {
        match self {
            WorksBy::Id => "id",
            WorksBy::WorkName => "work_name",
            WorksBy::Cid => "cid",
        }
    }

    fn order(self) -> &'static str {
        match self {
            WorksBy::Id => "id",
            WorksBy::WorkName => "created_at DESC, id",
            WorksBy::Cid => "created_at, id",
        }
    }
}

/// A resource's trace as the loader assembled it: the parts of [`WorkTrace`], and the DB
/// status facts its state is decided from.
#[derive(Deserialize)]
struct WorkDoc {
    resource_id: String,
    work_name: Option<String>,
    consumer: Option<String>,
    source: Option<String>,
    cid: Option<String>,
    version: Option<i64>,
    observed_version: Option<i64>,
    created_at: Option<String>,
    updated_at: Option<String>,
    deleted_at: Option<String>,
    applied: Option<bool>,
    available: Option<bool>,
    has_status: Option<bool>,
    conditions: Vec<Condition>,
    manifests: Vec<ManifestStatus>,
    applied_manifest_work: Option<AmwRef>,
    applied_resources: Vec<AppliedResource>,
    nested_works: Vec<NestedWork>,
}

/// Fills `report` with `works`, or with suggestions for `asked` when there are none.
pub(crate) fn report_works(
    conn: &Connection,
    ctx: &Context,
    works: Vec<WorkTrace>,
    report: &mut TraceReport,
    asked: &str,
) -> duckdb::Result<()> {
    if works.is_empty() {
        report.outcome = Outcome::NotFound;
        report.message = format!("No resource found with this ID/name: {asked}");
        report.matches = search::suggest(conn, asked)?;
        report.next_steps = not_found_steps(ctx, asked);
        return Ok(());
    }
    report_works_found(ctx, works, report);
    Ok(())
}

/// Fills `report` with `works` when there are some; None when the database must answer.
pub(crate) fn report_works_found(
    ctx: &Context,
    works: Vec<WorkTrace>,
    report: &mut TraceReport,
) -> Option<()> {
    if works.is_empty() {
        return None;
    }
    report.works = works;
    report.message = match report.works.as_slice() {
        [one] => one.verdict.clone(),
        many => format!(
            "Multiple resources found ({}): each is shown; use --resource-id to pick one",
            many.len()
        ),
    };
    report.next_steps = work_steps(ctx, &report.works);
    Some(())
}

/// The traces of the resources whose `by` column is `value`, from the trace index, in the
/// database's order; None when the index cannot be read.
pub(crate) fn indexed_works(
    index: &TraceIndex,
    by: WorksBy,
    value: &str,
) -> Option<Vec<WorkTrace>> {
    let key = match by {
        WorksBy::Id => Key::ResourceId(value),
        WorksBy::WorkName => Key::WorkName(value),
        WorksBy::Cid => Key::WorkCid(value),
    };
    let mut docs = Vec::new();
    for doc in index.docs(key).ok()? {
        let doc: WorkDoc = serde_json::from_str(&doc).ok()?;
        // Keys are hashes: keep only the documents of the value asked.
        let matches = match by {
            WorksBy::Id => doc.resource_id == value,
            WorksBy::WorkName => doc.work_name.as_deref() == Some(value),
            WorksBy::Cid => doc.cid.as_deref() == Some(value),
        };
        if matches {
            docs.push(doc);
        }
    }
    // The database orders by created_at (NULLs last), then id.
    let created = |d: &WorkDoc| (d.created_at.is_none(), d.created_at.clone());
    match by {
        WorksBy::Id => docs.sort_by(|a, b| a.resource_id.cmp(&b.resource_id)),
        WorksBy::WorkName => docs.sort_by(|a, b| {
            let (a_null, a_at) = created(a);
            let (b_null, b_at) = created(b);
            a_null
                .cmp(&b_null)
                .then(b_at.cmp(&a_at))
                .then(a.resource_id.cmp(&b.resource_id))
        }),
        WorksBy::Cid => docs.sort_by(|a, b| {
            created(a)
                .cmp(&created(b))
                .then(a.resource_id.cmp(&b.resource_id))
        }),
    }
    Some(docs.into_iter().map(work_trace).collect())
}

/// The traces of the resources whose `by` column is one of `values`.
pub(crate) fn trace_works<S: AsRef<str>>(
    conn: &Connection,
    by: WorksBy,
    values: &[S],
) -> duckdb::Result<Vec<WorkTrace>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let docs = rows(
        conn,
        &format!(
            "SELECT trace FROM work_traces WHERE {} ORDER BY {}",
            keyed(by.column(), values.len()),
            by.order()
        ),
        keyed_params(values, &[]),
        |r| r.get::<_, String>(0),
    )?;
    docs.iter()
        .map(|doc| parse_doc::<WorkDoc>(doc).map(work_trace))
        .collect()
}

fn work_trace(doc: WorkDoc) -> WorkTrace {
    let mut work = WorkTrace {
        resource_id: doc.resource_id,
        work_name: doc.work_name,
        consumer: doc.consumer,
        source: doc.source,
        cid: doc.cid,
        version: doc.version,
        observed_version: doc.observed_version,
        created_at: doc.created_at,
        updated_at: doc.updated_at,
        deleted_at: doc.deleted_at,
        state: WorkState::Unknown,
        conditions: doc.conditions,
        applied_manifest_work: doc.applied_manifest_work,
        amw_status: AmwStatus::NotApplied,
        manifests: doc.manifests,
        applied_resources: doc.applied_resources,
        nested_works: doc.nested_works,
        verdict: String::new(),
    };
    finish(
        &mut work,
        doc.applied,
        doc.available,
        doc.has_status.unwrap_or(false),
    );
    work
}

/// The state and verdict of a work whose parts are filled in.
fn finish(work: &mut WorkTrace, applied: Option<bool>, available: Option<bool>, has_status: bool) {
    work.amw_status = match (&work.applied_manifest_work, &work.deleted_at) {
        (Some(_), _) => AmwStatus::Present,
        (None, Some(_)) => AmwStatus::Deleted,
        (None, None) => AmwStatus::NotApplied,
    };
    let failing_manifests = work
        .manifests
        .iter()
        .filter(|m| m.applied == Some(false) || m.available == Some(false))
        .count();
    work.state = match (&work.deleted_at, work.amw_status) {
        (Some(_), AmwStatus::Present) => WorkState::Deleting,
        (Some(_), _) => WorkState::Deleted,
        _ if !has_status && work.amw_status == AmwStatus::Present => WorkState::Unknown,
        _ if !has_status => WorkState::NotApplied,
        _ if applied == Some(false) || available == Some(false) || failing_manifests > 0 => {
            WorkState::Failing
        }
        _ if applied == Some(true) => WorkState::Applied,
        _ => WorkState::Unknown,
    };
    work.verdict = verdict(work, failing_manifests);
}

fn verdict(work: &WorkTrace, failing: usize) -> String {
    let n = work.manifests.len();
    match work.state {
        WorkState::Applied => format!("✓ All {n} manifests successfully applied to cluster"),
        WorkState::Failing => {
            let failing_condition = |t: &str| {
                work.conditions
                    .iter()
                    .find(|c| c.type_ == t && c.status.as_deref() != Some("True"))
            };
            let bad = failing_condition("Applied")
                .or_else(|| failing_condition("Available"))
                .map(|c| {
                    format!(
                        "{}={} ({})",
                        c.type_,
                        c.status.as_deref().unwrap_or("?"),
                        c.reason.as_deref().unwrap_or("no reason")
                    )
                })
                .unwrap_or_else(|| "manifest conditions failing".into());
            format!("✗ Work failing: {bad}; {failing} of {n} manifests failing")
        }
        WorkState::Deleted => "⚠ Work deleted from cluster, data available in DB only".into(),
        WorkState::Deleting => format!(
            "⚠ Deleted in the DB at {} but the AppliedManifestWork is still on the cluster: the agent has not confirmed the deletion",
            work.deleted_at.as_deref().unwrap_or("?")
        ),
        WorkState::NotApplied => {
            "⚠ Work not applied to cluster yet: no AppliedManifestWork and no status from the agent"
                .into()
        }
        WorkState::Unknown => {
            "? AppliedManifestWork present but the DB holds no status for this work".into()
        }
    }
}

fn work_steps(ctx: &Context, works: &[WorkTrace]) -> Vec<String> {
    let mut steps = Vec::new();
    let svc = ctx.service_kubectl();
    for work in works {
        let id = &work.resource_id;
        match &work.applied_manifest_work {
            Some(amw) => {
                let kubectl = ctx.kubectl(&amw.cluster);
                steps.push(format!(
                    "{kubectl} get appliedmanifestwork {} -o yaml",
                    amw.name
                ));
                for m in work
                    .manifests
                    .iter()
                    .filter(|m| m.applied != Some(true))
                    .take(3)
                {
                    if let (Some(kind), Some(name)) = (&m.kind, &m.name) {
                        let ns = m
                            .namespace
                            .as_ref()
                            .map(|n| format!(" -n {n}"))
                            .unwrap_or_default();
                        steps.push(format!(
                            "{kubectl} get {} {name}{ns} -o yaml",
                            kind.to_ascii_lowercase()
                        ));
                    }
                }
                for nested in &work.nested_works {
                    steps.push(format!(
                        "{kubectl} get manifestwork -n {} {} -o yaml",
                        nested.namespace, nested.name
                    ));
                }
                if matches!(
                    work.state,
                    WorkState::Failing | WorkState::Deleting | WorkState::Unknown
                ) {
                    steps.push(format!(
                        "{kubectl} logs -n maestro -l app=maestro-agent --since=1h | grep {id}"
                    ));
                }
            }
            None => {
                steps.push(ctx.psql(&format!(
                    "SELECT id, deleted_at, jsonb_pretty(payload) FROM resources WHERE id = '{id}'"
                )));
                if work.state == WorkState::NotApplied {
                    steps.push(ctx.psql(
                        &format!("SELECT event_type, created_at, reconciled_date FROM events WHERE source_id = '{id}'"),
                    ));
                    steps.push(format!(
                        "{svc} logs -n maestro -l app=maestro --since=1h | grep {id}"
                    ));
                }
            }
        }
    }
    steps
}

fn not_found_steps(ctx: &Context, asked: &str) -> Vec<String> {
    vec![
        "Verify the ID/name; check for typos (suggestions above are partial matches)".to_string(),
        ctx.psql(
            &format!(
                "SELECT id, payload->'metadata'->>'name' AS name, created_at, deleted_at FROM resources WHERE payload->'metadata'->>'name' LIKE '%{}%' ORDER BY created_at DESC LIMIT 10",
                asked.replace(['\'', '"', '$', '`', '\\'], "")
            ),
        ),
    ]
}
