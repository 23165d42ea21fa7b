//! The trace of Maestro resources: each one's DB row, manifests and per-manifest status, its
//! layer-1 AppliedManifestWork and what that applied, and the layer-2 ManifestWorks it carries.
//! The loader assembles these parts for every resource (derive.sql, `work_traces`), so a trace
//! reads one row per resource; the state and verdict are decided here.

use super::model::*;
use super::search;
use crate::shell::{psql_safe, shell_word};
use crate::store::{SnapshotFacts, StoreError, TraceStore, WorkDoc, WorksBy};

/// Fills `report` with `works`, or, when there are none, says why: the DB was not collected,
/// or nothing has that value in the column `by` (with suggestions for `asked`).
pub(crate) fn report_works(
    store: &dyn TraceStore,
    ctx: &SnapshotFacts,
    works: Vec<WorkTrace>,
    report: &mut TraceReport,
    by: WorksBy,
    asked: &str,
) -> Result<(), StoreError> {
    if works.is_empty() {
        report.outcome = Outcome::NotFound;
        if let Some(gap) = ctx.db_gap("resources") {
            // Nothing to suggest from, and no typo to suspect: say what is missing.
            report.message = format!("{gap}: cannot look up {asked} in this snapshot");
            report.next_steps = vec![lookup_on_live_db(ctx, by, asked)];
            return Ok(());
        }
        report.message = format!("No resource found with this ID/name: {asked}");
        report.matches = search::suggest(store.database()?, asked)?;
        report.next_steps = not_found_steps(ctx, by, asked, !report.matches.is_empty());
        return Ok(());
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
    Ok(())
}

/// The traces of the resources whose `by` column is one of `values`.
pub(crate) fn works(
    store: &dyn TraceStore,
    facts: &SnapshotFacts,
    by: WorksBy,
    values: &[&str],
) -> Result<Vec<WorkTrace>, StoreError> {
    Ok(store
        .works(by, values)?
        .into_iter()
        .map(|doc| work_trace(doc, facts))
        .collect())
}

fn work_trace(doc: WorkDoc, facts: &SnapshotFacts) -> WorkTrace {
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
        missing_sources: Vec::new(),
    };
    if work.applied_manifest_work.is_none() {
        work.missing_sources
            .extend(facts.amw_gap(work.consumer.as_deref()));
    }
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
        // Absent from a bundle that does not hold the cluster's AMWs is not evidence.
        (None, _) if !work.missing_sources.is_empty() => AmwStatus::NotCollected,
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
        _ if !has_status && work.amw_status == AmwStatus::NotCollected => WorkState::Unknown,
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
        WorkState::Deleted if work.amw_status == AmwStatus::NotCollected => format!(
            "⚠ Deleted in the DB at {}; {}: cannot tell whether the agent removed it from the cluster",
            work.deleted_at.as_deref().unwrap_or("?"),
            work.missing_sources.join("; ")
        ),
        WorkState::Deleted => "⚠ Work deleted from cluster, data available in DB only".into(),
        WorkState::Deleting => format!(
            "⚠ Deleted in the DB at {} but the AppliedManifestWork is still on the cluster: the agent has not confirmed the deletion",
            work.deleted_at.as_deref().unwrap_or("?")
        ),
        WorkState::NotApplied => {
            "⚠ Work not applied to cluster yet: no AppliedManifestWork and no status from the agent"
                .into()
        }
        WorkState::Unknown if work.amw_status == AmwStatus::NotCollected => format!(
            "? No status from the agent in the DB, and {}: cannot tell whether it was applied",
            work.missing_sources.join("; ")
        ),
        WorkState::Unknown => {
            "? AppliedManifestWork present but the DB holds no status for this work".into()
        }
    }
}

/// Next steps for `works`; every value from the bundle is one shell word (`shell_word`), and a
/// value that cannot sit inside `psql -c "..."` unchanged drops that step.
fn work_steps(ctx: &SnapshotFacts, works: &[WorkTrace]) -> Vec<String> {
    let mut steps = Vec::new();
    let svc = ctx.service_kubectl();
    for work in works {
        let id = shell_word(&work.resource_id);
        let sql_id = psql_safe(&work.resource_id).then_some(work.resource_id.as_str());
        match &work.applied_manifest_work {
            Some(amw) => {
                let kubectl = ctx.kubectl(&amw.cluster);
                steps.push(format!(
                    "{kubectl} get appliedmanifestwork {} -o yaml",
                    shell_word(&amw.name)
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
                            .map(|n| format!(" -n {}", shell_word(n)))
                            .unwrap_or_default();
                        steps.push(format!(
                            "{kubectl} get {} {}{ns} -o yaml",
                            shell_word(&kind.to_ascii_lowercase()),
                            shell_word(name)
                        ));
                    }
                }
                for nested in &work.nested_works {
                    steps.push(format!(
                        "{kubectl} get manifestwork -n {} {} -o yaml",
                        shell_word(&nested.namespace),
                        shell_word(&nested.name)
                    ));
                }
                if matches!(
                    work.state,
                    WorkState::Failing | WorkState::Deleting | WorkState::Unknown
                ) {
                    steps.push(format!(
                        "{kubectl} logs -n maestro -l app=maestro-agent --since=1h | grep -F -- {id}"
                    ));
                }
            }
            None => {
                if let Some(sql_id) = sql_id {
                    steps.push(ctx.psql(&format!(
                        "SELECT id, deleted_at, jsonb_pretty(payload) FROM resources WHERE id = '{sql_id}'"
                    )));
                }
                if work.state == WorkState::NotApplied {
                    if let Some(sql_id) = sql_id {
                        steps.push(ctx.psql(&format!(
                            "SELECT event_type, created_at, reconciled_date FROM events WHERE source_id = '{sql_id}'"
                        )));
                    }
                    steps.push(format!(
                        "{svc} logs -n maestro -l app=maestro --since=1h | grep -F -- {id}"
                    ));
                }
            }
        }
    }
    steps
}

fn not_found_steps(ctx: &SnapshotFacts, by: WorksBy, asked: &str, suggested: bool) -> Vec<String> {
    let check = match suggested {
        true => "Verify the ID/name; check for typos (the suggestions above are partial matches)",
        false => "Verify the ID/name: nothing in the snapshot is even a partial match",
    };
    vec![check.to_string(), lookup_on_live_db(ctx, by, asked)]
}

/// The psql query that looks `asked` up in the live DB, in the column of the entry point:
/// the id for a resource id, the user work name for a work name, the cid label for a cluster.
fn lookup_on_live_db(ctx: &SnapshotFacts, by: WorksBy, asked: &str) -> String {
    let value = asked.trim().replace(['\'', '"', '$', '`', '\\'], "");
    let filter = match by {
        WorksBy::Id => format!("id::text LIKE '%{}%'", value.to_lowercase()),
        WorksBy::WorkName => format!("payload->'metadata'->>'name' LIKE '%{value}%'"),
        WorksBy::Cid => {
            format!("payload->'metadata'->'labels'->>'api.openshift.com/id' = '{value}'")
        }
    };
    ctx.psql(&format!(
        "SELECT id, payload->'metadata'->>'name' AS name, created_at, deleted_at FROM resources WHERE {filter} ORDER BY created_at DESC LIMIT 10"
    ))
}
