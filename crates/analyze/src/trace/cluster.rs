//! `--cluster-id CID`: everything for one hosted cluster, and the ARO HCP creation flow stage
//! by stage (aro-hcp-cluster-creation-flow.md): bundles in the DB -> layer-1 AMWs -> local-cluster
//! ManifestWorks applied -> layer-2 AMWs -> HostedCluster available -> NodePools ready ->
//! ManagedCluster joined and available. The first stage missing or failing is named.

use super::model::*;
use super::work;
use crate::shell::shell_word;
use crate::store::{ClusterDoc, SnapshotFacts, StoreError, TraceStore, WorksBy};

pub(crate) fn trace_cluster(
    store: &dyn TraceStore,
    ctx: &SnapshotFacts,
    cid: &str,
    report: &mut TraceReport,
) -> Result<(), StoreError> {
    let works = work::works(store, ctx, WorksBy::Cid, &[cid])?;
    let doc = store.cluster_doc(cid)?;
    if !report_cluster(ctx, cid, works, doc, report) {
        report.matches = super::search::suggest(store.database()?, cid)?;
    }
    Ok(())
}

/// Fills `report` with the cluster trace of `cid`; false when nothing belongs to it.
fn report_cluster(
    ctx: &SnapshotFacts,
    cid: &str,
    works: Vec<WorkTrace>,
    doc: ClusterDoc,
    report: &mut TraceReport,
) -> bool {
    let resources: Vec<WorkSummary> = works
        .iter()
        .map(|w| WorkSummary {
            resource_id: w.resource_id.clone(),
            work_name: w.work_name.clone(),
            state: w.state,
            applied_manifest_work: w.applied_manifest_work.clone(),
            manifests: w
                .manifests
                .iter()
                .map(|m| {
                    format!(
                        "{}/{}{}",
                        m.kind.as_deref().unwrap_or("?"),
                        m.namespace
                            .as_ref()
                            .map(|n| format!("{n}/"))
                            .unwrap_or_default(),
                        m.name.as_deref().unwrap_or("?")
                    )
                })
                .collect(),
        })
        .collect();
    let ClusterDoc {
        manifest_works,
        hosted_clusters,
        node_pools,
        managed_clusters,
    } = doc;
    let stages = stages(
        ctx,
        &works,
        &resources,
        &manifest_works,
        &hosted_clusters,
        &node_pools,
        &managed_clusters,
    );
    // What the bundle did not collect is not the failing stage.
    let first_failing = stages
        .iter()
        .find(|s| s.status != "ok" && s.status != "not_collected")
        .map(|s| s.name.clone());
    let anything = !resources.is_empty()
        || !manifest_works.is_empty()
        || !hosted_clusters.is_empty()
        || !managed_clusters.is_empty();
    if !anything {
        report.outcome = Outcome::NotFound;
        report.message = format!("Nothing in the snapshot belongs to hosted cluster {cid}");
    } else {
        let not_collected: Vec<&str> = stages
            .iter()
            .filter(|s| s.status == "not_collected")
            .map(|s| s.name.as_str())
            .collect();
        report.message = match &first_failing {
            None if !not_collected.is_empty() => format!(
                "✓ Hosted cluster {cid}: every collected stage of the creation flow passes; not collected: {}",
                not_collected.join(", ")
            ),
            None => format!("✓ Hosted cluster {cid}: every stage of the creation flow passes"),
            Some(stage) => {
                let s = stages
                    .iter()
                    .find(|s| &s.name == stage)
                    .expect("named stage");
                format!(
                    "✗ Hosted cluster {cid}: first stage {} is {}: {}",
                    s.name, s.status, s.detail
                )
            }
        };
        for hc in &hosted_clusters {
            report.next_steps.push(format!(
                "{} get hostedcluster -n {} {} -o yaml",
                ctx.kubectl(&hc.cluster),
                shell_word(hc.namespace.as_deref().unwrap_or("")),
                shell_word(&hc.name)
            ));
        }
        for mw in manifest_works
            .iter()
            .filter(|m| m.applied != Some(true) || m.available != Some(true))
        {
            if let Some(cluster) = &mw.cluster {
                report.next_steps.push(format!(
                    "{} get manifestwork -n {} {} -o yaml",
                    ctx.kubectl(cluster),
                    shell_word(&mw.namespace),
                    shell_word(&mw.name)
                ));
            }
        }
        for mc in &managed_clusters {
            report.next_steps.push(format!(
                "{} get managedcluster {} -o yaml",
                ctx.kubectl(&mc.cluster),
                shell_word(&mc.name)
            ));
        }
    }
    if let Some(step) = first_failing.as_deref().and_then(|stage| {
        trace_of_stage(
            stage,
            &works,
            &resources,
            &manifest_works,
            &hosted_clusters,
            &node_pools,
            &managed_clusters,
        )
    }) {
        report.next_steps.insert(0, step);
    }
    if !anything {
        // Nothing to show: the suggestions say where to look instead.
        return false;
    }
    report.cluster = Some(ClusterTrace {
        cid: cid.to_string(),
        resources,
        manifest_works,
        hosted_clusters,
        node_pools,
        managed_clusters,
        stages,
        first_failing_stage: first_failing,
    });
    anything
}

/// The trace of the hop a failing stage names: `mwtrace trace SNAPSHOT ...` (the command fills
/// in the bundle's path).
fn trace_of_stage(
    stage: &str,
    works: &[WorkTrace],
    resources: &[WorkSummary],
    manifest_works: &[NestedWork],
    hosted: &[ObjectStatus],
    pools: &[ObjectStatus],
    managed: &[ObjectStatus],
) -> Option<String> {
    let unhealthy = |objects: &[ObjectStatus], kind: &str| {
        objects.iter().find(|o| o.healthy != Some(true)).map(|o| {
            let ns = o
                .namespace
                .as_ref()
                .map(|n| format!("{n}/"))
                .unwrap_or_default();
            shell_word(&format!("--manifest={kind}/{ns}{}", o.name))
        })
    };
    let entry = match stage {
        "layer1_applied" => resources
            .iter()
            .find(|r| {
                r.applied_manifest_work.is_none()
                    || matches!(r.state, WorkState::Failing | WorkState::Deleting)
            })
            .or_else(|| resources.first())
            .map(|r| format!("--resource-id {}", shell_word(&r.resource_id))),
        "local_cluster_manifestworks" | "layer2_applied" => manifest_works
            .iter()
            .find(|w| !w.in_snapshot || w.applied != Some(true) || w.available != Some(true))
            .map(|w| {
                shell_word(&format!(
                    "--manifest=manifestwork/{}/{}",
                    w.namespace, w.name
                ))
            }),
        "hosted_cluster_available" => unhealthy(hosted, "hostedcluster"),
        "node_pools_ready" => unhealthy(pools, "nodepool"),
        "managed_cluster_joined_available" => unhealthy(managed, "managedcluster"),
        _ => works
            .first()
            .map(|w| format!("--resource-id {}", w.resource_id)),
    }?;
    Some(format!("mwtrace trace SNAPSHOT {entry}"))
}

/// Why a work fails, from its first failing manifest (else its failing condition).
fn failing_reason(work: &WorkTrace) -> Option<String> {
    let manifest = work
        .manifests
        .iter()
        .find(|m| m.applied == Some(false) || m.available == Some(false));
    if let Some(m) = manifest {
        let what = format!(
            "{} {}{}",
            m.kind.as_deref().unwrap_or("?"),
            m.namespace
                .as_ref()
                .map(|n| format!("{n}/"))
                .unwrap_or_default(),
            m.name.as_deref().unwrap_or("?")
        );
        let why = m
            .message
            .as_deref()
            .or(m.reason.as_deref())
            .unwrap_or("no reason");
        return Some(format!("{what}: {why}"));
    }
    work.conditions
        .iter()
        .find(|c| {
            c.status.as_deref() != Some("True") && (c.type_ == "Applied" || c.type_ == "Available")
        })
        .map(|c| {
            format!(
                "{}={}: {}",
                c.type_,
                c.status.as_deref().unwrap_or("?"),
                c.message
                    .as_deref()
                    .or(c.reason.as_deref())
                    .unwrap_or("no reason")
            )
        })
}

fn stage(name: &str, status: &str, detail: String) -> Stage {
    Stage {
        name: name.to_string(),
        status: status.to_string(),
        detail,
    }
}

fn stages(
    ctx: &SnapshotFacts,
    traces: &[WorkTrace],
    resources: &[WorkSummary],
    works: &[NestedWork],
    hosted: &[ObjectStatus],
    pools: &[ObjectStatus],
    managed: &[ObjectStatus],
) -> Vec<Stage> {
    let mut out = Vec::new();
    let live: Vec<&WorkSummary> = resources
        .iter()
        .filter(|r| !matches!(r.state, WorkState::Deleted))
        .collect();
    out.push(match live.len() {
        0 => stage(
            "maestro_bundles",
            "missing",
            "no Maestro resource with this cid in the DB".into(),
        ),
        n => stage(
            "maestro_bundles",
            "ok",
            format!("{n} resource bundles in the DB"),
        ),
    });
    let without_amw: Vec<&str> = live
        .iter()
        .filter(|r| r.applied_manifest_work.is_none())
        .map(|r| r.work_name.as_deref().unwrap_or(&r.resource_id))
        .collect();
    // Each failing work with the reason of its first failing manifest, inline.
    let failing: Vec<String> = live
        .iter()
        .filter(|r| matches!(r.state, WorkState::Failing | WorkState::Deleting))
        .map(|r| {
            let name = r.work_name.as_deref().unwrap_or(&r.resource_id);
            let reason = traces
                .iter()
                .find(|t| t.resource_id == r.resource_id)
                .and_then(failing_reason);
            match reason {
                Some(reason) => format!("{name} ({reason})"),
                None => name.to_string(),
            }
        })
        .collect();
    let not_collected: Vec<&str> = traces
        .iter()
        .filter(|t| t.amw_status == AmwStatus::NotCollected)
        .flat_map(|t| t.missing_sources.iter().map(String::as_str))
        .collect();
    out.push(if live.is_empty() {
        stage("layer1_applied", "missing", "no bundle to apply".into())
    } else if !without_amw.is_empty() && !not_collected.is_empty() {
        let mut sources = not_collected.clone();
        sources.sort();
        sources.dedup();
        stage("layer1_applied", "not_collected", sources.join("; "))
    } else if !without_amw.is_empty() {
        stage(
            "layer1_applied",
            "missing",
            format!(
                "no layer-1 AppliedManifestWork for {}",
                without_amw.join(", ")
            ),
        )
    } else if !failing.is_empty() {
        stage(
            "layer1_applied",
            "failing",
            format!("failing in the DB status: {}", failing.join(", ")),
        )
    } else {
        stage(
            "layer1_applied",
            "ok",
            format!("{} layer-1 AppliedManifestWorks", live.len()),
        )
    });
    let absent: Vec<&str> = works
        .iter()
        .filter(|w| !w.in_snapshot)
        .map(|w| w.name.as_str())
        .collect();
    let bad: Vec<&str> = works
        .iter()
        .filter(|w| w.in_snapshot && (w.applied != Some(true) || w.available != Some(true)))
        .map(|w| w.name.as_str())
        .collect();
    out.push(if works.is_empty() {
        stage(
            "local_cluster_manifestworks",
            "missing",
            "no local-cluster ManifestWork for this cid".into(),
        )
    } else if !absent.is_empty() {
        stage(
            "local_cluster_manifestworks",
            "missing",
            format!("not on the cluster: {}", absent.join(", ")),
        )
    } else if !bad.is_empty() {
        stage(
            "local_cluster_manifestworks",
            "failing",
            format!("not applied or not available: {}", bad.join(", ")),
        )
    } else {
        stage(
            "local_cluster_manifestworks",
            "ok",
            format!("{} ManifestWorks applied and available", works.len()),
        )
    });
    let no_amw2: Vec<&str> = works
        .iter()
        .filter(|w| w.in_snapshot && w.applied_manifest_work.is_none())
        .map(|w| w.name.as_str())
        .collect();
    out.push(if works.is_empty() {
        stage(
            "layer2_applied",
            "missing",
            "no local-cluster ManifestWork to apply".into(),
        )
    } else if !no_amw2.is_empty() {
        stage(
            "layer2_applied",
            "missing",
            format!("no layer-2 AppliedManifestWork for {}", no_amw2.join(", ")),
        )
    } else {
        stage(
            "layer2_applied",
            "ok",
            format!("{} layer-2 AppliedManifestWorks", works.len()),
        )
    });
    out.push(object_stage(
        ctx,
        "hosted_cluster_available",
        "HostedCluster",
        hosted,
        &["Available", "Degraded"],
    ));
    out.push(object_stage(
        ctx,
        "node_pools_ready",
        "NodePool",
        pools,
        &["Ready"],
    ));
    out.push(object_stage(
        ctx,
        "managed_cluster_joined_available",
        "ManagedCluster",
        managed,
        &["ManagedClusterJoined", "ManagedClusterConditionAvailable"],
    ));
    out
}

fn object_stage(
    ctx: &SnapshotFacts,
    name: &str,
    kind: &str,
    objects: &[ObjectStatus],
    keys: &[&str],
) -> Stage {
    if objects.is_empty() {
        // Missing only where the kind was collected; else the bundle cannot tell.
        let resource = format!("{}s", kind.to_ascii_lowercase());
        if let Some(gap) = ctx.kind_gap(&resource) {
            return stage(name, "not_collected", gap);
        }
        return stage(name, "missing", format!("no {kind} in the snapshot"));
    }
    let unhealthy: Vec<String> = objects
        .iter()
        .filter(|o| o.healthy != Some(true))
        .map(|o| {
            let why: Vec<String> = o
                .conditions
                .iter()
                .filter(|c| keys.contains(&c.type_.as_str()))
                .map(|c| {
                    format!(
                        "{}={}{}",
                        c.type_,
                        c.status.as_deref().unwrap_or("?"),
                        c.reason
                            .as_ref()
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            let why = if why.is_empty() {
                "no conditions".to_string()
            } else {
                why.join(", ")
            };
            format!("{} {}: {why}", kind, o.name)
        })
        .collect();
    if unhealthy.is_empty() {
        stage(name, "ok", format!("{} {kind} healthy", objects.len()))
    } else {
        stage(name, "failing", unhealthy.join("; "))
    }
}
