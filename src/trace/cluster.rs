//! `--cluster-id CID`: everything for one hosted cluster, and the ARO HCP creation flow stage
//! by stage (aro-hcp-cluster-creation-flow.md): bundles in the DB -> layer-1 AMWs -> local-cluster
//! ManifestWorks applied -> layer-2 AMWs -> HostedCluster available -> NodePools ready ->
//! ManagedCluster joined and available. The first stage missing or failing is named.

use duckdb::{Connection, params};

use super::model::*;
use super::{Context, conditions_of, rows, work};

pub(crate) fn trace_cluster(
    conn: &Connection,
    ctx: &Context,
    cid: &str,
    report: &mut TraceReport,
) -> duckdb::Result<()> {
    let ids = rows(
        conn,
        "SELECT id FROM resources WHERE cid = ? ORDER BY created_at, id",
        [cid],
        |r| r.get::<_, String>(0),
    )?;
    let mut resources = Vec::new();
    let mut carried: Vec<(String, String)> = Vec::new();
    for id in &ids {
        if let Some(w) = work::trace_work(conn, id)? {
            for m in &w.manifests {
                if m.kind.as_deref() == Some("ManifestWork")
                    && let (Some(ns), Some(name)) = (&m.namespace, &m.name)
                {
                    carried.push((ns.clone(), name.clone()));
                }
            }
            resources.push(WorkSummary {
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
            });
        }
    }
    // ManifestWorks of this cid in the snapshot, plus those the bundles carry but are absent.
    let mut works = rows(
        conn,
        "SELECT namespace, name FROM manifest_works WHERE cid = ? ORDER BY name",
        [cid],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    for c in carried {
        if !works.contains(&c) {
            works.push(c);
        }
    }
    let mut manifest_works = Vec::new();
    for (ns, name) in &works {
        manifest_works.push(work::nested_work(conn, ns, name, None)?);
    }
    let hosted_clusters = objects_with_conditions(
        conn,
        "SELECT cluster, 'HostedCluster', namespace, name, uid, available AND NOT coalesce(degraded, false)
         FROM hosted_clusters WHERE cid = ? ORDER BY cluster, namespace, name",
        cid,
    )?;
    let node_pools = objects_with_conditions(
        conn,
        "SELECT cluster, 'NodePool', namespace, name, uid, ready
         FROM node_pools WHERE cid = ? ORDER BY cluster, namespace, name",
        cid,
    )?;
    let managed_clusters = objects_with_conditions(
        conn,
        "SELECT cluster, 'ManagedCluster', NULL::VARCHAR, name, uid, joined AND available
         FROM managed_clusters WHERE cid = ? ORDER BY cluster, name",
        cid,
    )?;

    let stages = stages(
        &resources,
        &manifest_works,
        &hosted_clusters,
        &node_pools,
        &managed_clusters,
    );
    let first_failing = stages
        .iter()
        .find(|s| s.status != "ok")
        .map(|s| s.name.clone());
    let anything = !resources.is_empty()
        || !manifest_works.is_empty()
        || !hosted_clusters.is_empty()
        || !managed_clusters.is_empty();
    if !anything {
        report.outcome = Outcome::NotFound;
        report.message = format!("Nothing in the snapshot belongs to hosted cluster {cid}");
        report.matches = super::search::suggest(conn, cid)?;
    } else {
        report.message = match &first_failing {
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
                hc.namespace.as_deref().unwrap_or(""),
                hc.name
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
                    mw.namespace,
                    mw.name
                ));
            }
        }
        for mc in &managed_clusters {
            report.next_steps.push(format!(
                "{} get managedcluster {} -o yaml",
                ctx.kubectl(&mc.cluster),
                mc.name
            ));
        }
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
    Ok(())
}

fn objects_with_conditions(
    conn: &Connection,
    sql: &str,
    cid: &str,
) -> duckdb::Result<Vec<ObjectStatus>> {
    let mut objects = rows(conn, sql, [cid], |r| {
        Ok(ObjectStatus {
            cluster: r.get(0)?,
            kind: r.get(1)?,
            namespace: r.get(2)?,
            name: r.get(3)?,
            uid: r.get(4)?,
            healthy: r.get(5)?,
            conditions: Vec::new(),
        })
    })?;
    for o in &mut objects {
        o.conditions = conditions_of(
            conn,
            "SELECT type, status, reason, message, mw_rfc3339(last_transition_time)
             FROM conditions WHERE source = 'object' AND cluster = ? AND kind = ?
               AND namespace IS NOT DISTINCT FROM ? AND name = ? ORDER BY type",
            params![o.cluster, o.kind, o.namespace, o.name],
        )?;
    }
    Ok(objects)
}

fn stage(name: &str, status: &str, detail: String) -> Stage {
    Stage {
        name: name.to_string(),
        status: status.to_string(),
        detail,
    }
}

fn stages(
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
    let failing: Vec<&str> = live
        .iter()
        .filter(|r| matches!(r.state, WorkState::Failing | WorkState::Deleting))
        .map(|r| r.work_name.as_deref().unwrap_or(&r.resource_id))
        .collect();
    out.push(if live.is_empty() {
        stage("layer1_applied", "missing", "no bundle to apply".into())
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
        "hosted_cluster_available",
        "HostedCluster",
        hosted,
        &["Available", "Degraded"],
    ));
    out.push(object_stage(
        "node_pools_ready",
        "NodePool",
        pools,
        &["Ready"],
    ));
    out.push(object_stage(
        "managed_cluster_joined_available",
        "ManagedCluster",
        managed,
        &["ManagedClusterJoined", "ManagedClusterConditionAvailable"],
    ));
    out
}

fn object_stage(name: &str, kind: &str, objects: &[ObjectStatus], keys: &[&str]) -> Stage {
    if objects.is_empty() {
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
