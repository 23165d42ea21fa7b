//! The trace of one Maestro resource: its DB row, manifests and per-manifest status, its
//! layer-1 AppliedManifestWork and what that applied, and the layer-2 ManifestWorks it carries.

use duckdb::{Connection, params};

use super::model::*;
use super::{Context, conditions_of, rows, search};

/// Fills `report` with the traces of `ids`, or with suggestions when there are none.
pub(crate) fn trace_ids(
    conn: &Connection,
    ctx: &Context,
    ids: &[String],
    report: &mut TraceReport,
    asked: &str,
) -> duckdb::Result<()> {
    if ids.is_empty() {
        report.outcome = Outcome::NotFound;
        report.message = format!("No resource found with this ID/name: {asked}");
        report.matches = search::suggest(conn, asked)?;
        report.next_steps = not_found_steps(conn, ctx, asked);
        return Ok(());
    }
    for id in ids {
        if let Some(work) = trace_work(conn, id)? {
            report.works.push(work);
        }
    }
    report.message = match report.works.as_slice() {
        [one] => one.verdict.clone(),
        many => format!(
            "Multiple resources found ({}): each is shown; use --resource-id to pick one",
            many.len()
        ),
    };
    report.next_steps = work_steps(conn, ctx, &report.works);
    Ok(())
}

pub(crate) fn trace_work(conn: &Connection, id: &str) -> duckdb::Result<Option<WorkTrace>> {
    let found = rows(
        conn,
        "SELECT id, work_name, consumer_name, source, cid, version, observed_version,
                mw_rfc3339(created_at), mw_rfc3339(updated_at), mw_rfc3339(deleted_at),
                applied, available, has_status
         FROM resources WHERE id = ?",
        [id],
        |r| {
            Ok((
                WorkTrace {
                    resource_id: r.get(0)?,
                    work_name: r.get(1)?,
                    consumer: r.get(2)?,
                    source: r.get(3)?,
                    cid: r.get(4)?,
                    version: r.get(5)?,
                    observed_version: r.get(6)?,
                    created_at: r.get(7)?,
                    updated_at: r.get(8)?,
                    deleted_at: r.get(9)?,
                    state: WorkState::Unknown,
                    conditions: Vec::new(),
                    applied_manifest_work: None,
                    amw_status: AmwStatus::NotApplied,
                    manifests: Vec::new(),
                    applied_resources: Vec::new(),
                    nested_works: Vec::new(),
                    verdict: String::new(),
                },
                r.get::<_, Option<bool>>(10)?,
                r.get::<_, Option<bool>>(11)?,
                r.get::<_, Option<bool>>(12)?.unwrap_or(false),
            ))
        },
    )?;
    let Some((mut work, applied, available, has_status)) = found.into_iter().next() else {
        return Ok(None);
    };
    work.conditions = conditions_of(
        conn,
        "SELECT type, status, reason, message, mw_rfc3339(last_transition_time)
         FROM resource_conditions WHERE resource_id = ?",
        [id],
    )?;
    work.manifests = resource_manifests(conn, id)?;
    work.applied_manifest_work = amw_for(conn, id, None)?;
    if let Some(amw) = &work.applied_manifest_work {
        work.applied_resources = applied_resources(conn, &amw.cluster, &amw.name)?;
    }
    work.amw_status = match (&work.applied_manifest_work, &work.deleted_at) {
        (Some(_), _) => AmwStatus::Present,
        (None, Some(_)) => AmwStatus::Deleted,
        (None, None) => AmwStatus::NotApplied,
    };
    work.nested_works = nested_works(conn, &work)?;
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
    work.verdict = verdict(&work, failing_manifests);
    Ok(Some(work))
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

pub(crate) fn resource_manifests(
    conn: &Connection,
    id: &str,
) -> duckdb::Result<Vec<ManifestStatus>> {
    rows(
        conn,
        "SELECT ordinal, api_version, kind, namespace, name, applied, available, reason, message
         FROM resource_manifests WHERE resource_id = ? ORDER BY ordinal",
        [id],
        manifest_status,
    )
}

fn manifest_status(r: &duckdb::Row<'_>) -> duckdb::Result<ManifestStatus> {
    Ok(ManifestStatus {
        ordinal: r.get(0)?,
        api_version: r.get(1)?,
        kind: r.get(2)?,
        namespace: r.get(3)?,
        name: r.get(4)?,
        applied: r.get(5)?,
        available: r.get(6)?,
        reason: r.get(7)?,
        message: r.get(8)?,
    })
}

/// The AppliedManifestWork whose spec.manifestWorkName is `work_name` (on `cluster` if given).
pub(crate) fn amw_for(
    conn: &Connection,
    work_name: &str,
    cluster: Option<&str>,
) -> duckdb::Result<Option<AmwRef>> {
    Ok(rows(
        conn,
        "SELECT cluster, name, uid, hub_hash, manifest_work_name, layer
         FROM applied_manifest_works
         WHERE manifest_work_name = ? AND (? IS NULL OR cluster = ?)
         ORDER BY cluster, name LIMIT 1",
        params![work_name, cluster, cluster],
        amw_ref,
    )?
    .into_iter()
    .next())
}

pub(crate) fn amw_ref(r: &duckdb::Row<'_>) -> duckdb::Result<AmwRef> {
    Ok(AmwRef {
        cluster: r.get(0)?,
        name: r.get(1)?,
        uid: r.get(2)?,
        hub_hash: r.get(3)?,
        manifest_work_name: r.get(4)?,
        layer: r.get(5)?,
    })
}

fn applied_resources(
    conn: &Connection,
    cluster: &str,
    amw: &str,
) -> duckdb::Result<Vec<AppliedResource>> {
    rows(
        conn,
        "SELECT a.\"group\", a.version, a.resource, a.namespace, a.name, a.uid, a.in_snapshot
         FROM applied_resources a WHERE a.cluster = ? AND a.amw_name = ?
         ORDER BY a.\"group\", a.resource, a.namespace, a.name",
        params![cluster, amw],
        |r| {
            Ok(AppliedResource {
                group: r.get(0)?,
                version: r.get(1)?,
                resource: r.get(2)?,
                namespace: r.get(3)?,
                name: r.get(4)?,
                uid: r.get(5)?,
                in_snapshot: r.get(6)?,
            })
        },
    )
}

/// ManifestWorks among the resource's manifests, each with its CR and layer-2 AMW.
fn nested_works(conn: &Connection, work: &WorkTrace) -> duckdb::Result<Vec<NestedWork>> {
    let mut nested = Vec::new();
    for manifest in &work.manifests {
        if manifest.kind.as_deref() != Some("ManifestWork") {
            continue;
        }
        let (Some(ns), Some(name)) = (&manifest.namespace, &manifest.name) else {
            continue;
        };
        let preferred = work
            .applied_manifest_work
            .as_ref()
            .map(|a| a.cluster.as_str());
        nested.push(nested_work(conn, ns, name, preferred)?);
    }
    Ok(nested)
}

/// A ManifestWork CR (layer 2) with its status and AppliedManifestWork.
pub(crate) fn nested_work(
    conn: &Connection,
    namespace: &str,
    name: &str,
    cluster: Option<&str>,
) -> duckdb::Result<NestedWork> {
    let cr = rows(
        conn,
        "SELECT cluster, applied, available FROM manifest_works
         WHERE namespace = ? AND name = ? ORDER BY (cluster = ?) DESC NULLS LAST, cluster LIMIT 1",
        params![namespace, name, cluster],
        |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)),
    )?
    .into_iter()
    .next();
    let (cr_cluster, applied, available) = match &cr {
        Some((c, a, v)) => (Some(c.clone()), *a, *v),
        None => (cluster.map(str::to_string), None, None),
    };
    let amw = rows(
        conn,
        "SELECT cluster, name, uid, hub_hash, manifest_work_name, layer
         FROM applied_manifest_works
         WHERE manifest_work_name = ? AND layer = 2 AND (? IS NULL OR cluster = ?)
         ORDER BY cluster, name LIMIT 1",
        params![name, cr_cluster, cr_cluster],
        amw_ref,
    )?
    .into_iter()
    .next();
    let manifests = rows(
        conn,
        "SELECT ordinal, api_version, kind, namespace, name, applied, available, NULL::VARCHAR, message
         FROM work_manifests WHERE work_namespace = ? AND work_name = ?
           AND (? IS NULL OR cluster = ?) ORDER BY ordinal",
        params![namespace, name, cr_cluster, cr_cluster],
        manifest_status,
    )?;
    Ok(NestedWork {
        cluster: cr_cluster,
        namespace: namespace.to_string(),
        name: name.to_string(),
        applied,
        available,
        in_snapshot: cr.is_some(),
        applied_manifest_work: amw,
        manifests,
    })
}

fn work_steps(conn: &Connection, ctx: &Context, works: &[WorkTrace]) -> Vec<String> {
    let mut steps = Vec::new();
    let svc = ctx.service_kubectl(conn);
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
                steps.push(ctx.psql(
                    conn,
                    &format!("SELECT id, deleted_at, jsonb_pretty(payload) FROM resources WHERE id = '{id}'"),
                ));
                if work.state == WorkState::NotApplied {
                    steps.push(ctx.psql(
                        conn,
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

fn not_found_steps(conn: &Connection, ctx: &Context, asked: &str) -> Vec<String> {
    vec![
        "Verify the ID/name; check for typos (suggestions above are partial matches)".to_string(),
        ctx.psql(
            conn,
            &format!(
                "SELECT id, payload->'metadata'->>'name' AS name, created_at, deleted_at FROM resources WHERE payload->'metadata'->>'name' LIKE '%{}%' ORDER BY created_at DESC LIMIT 10",
                asked.replace(['\'', '"', '$', '`', '\\'], "")
            ),
        ),
    ]
}
