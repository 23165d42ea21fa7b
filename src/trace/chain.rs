//! `--manifest KIND/NS/NAME`: from an applied object up to the Maestro resource, hop by hop.
//! Ownership is followed by ownerReference uid (an object may have several AMW owners), and
//! where the object is absent, by AppliedManifestWork `status.appliedResources` and by the
//! manifests recorded in ManifestWorks and in the DB.
//!
//! object -> [owners ...] -> layer-2 AMW -> local-cluster ManifestWork -> layer-1 AMW
//!        -> Maestro resource (work name)

use duckdb::Connection;

use super::kinds::{canonical_kind, resource_of_kind};
use super::model::*;
use super::work::AMW_COLUMNS;
use super::{Context, ManifestRef, keyed, keyed_params, rows, work};

/// Ownership is followed at most this deep (Pod -> ReplicaSet -> Deployment -> AMW -> ... is 6).
const MAX_DEPTH: usize = 16;

pub(crate) fn trace_manifest(
    conn: &Connection,
    ctx: &Context,
    target: &ManifestRef,
    report: &mut TraceReport,
) -> duckdb::Result<()> {
    let kind = canonical_kind(&target.kind)
        .map(str::to_string)
        .unwrap_or_else(|| target.kind.clone());
    let plural = resource_of_kind(&kind)
        .map(str::to_string)
        .unwrap_or_else(|| target.kind.to_ascii_lowercase());
    let ns = target.namespace.as_deref();
    let name = target.name.as_str();

    let objects = rows(
        conn,
        &format!(
            "SELECT cluster, kind, namespace, name, uid FROM objects
             WHERE {} AND (lower(kind) = lower(?) OR resource = lower(?))
               AND namespace IS NOT DISTINCT FROM ?
             ORDER BY cluster",
            keyed("name", 1)
        ),
        keyed_params(&[name], &[Some(&kind), Some(&plural), ns]),
        |r| {
            Ok(Hop {
                role: "object".into(),
                cluster: r.get(0)?,
                kind: r.get(1)?,
                namespace: r.get(2)?,
                name: r.get(3)?,
                uid: r.get(4)?,
                layer: None,
                in_snapshot: true,
                via: None,
                note: None,
            })
        },
    )?;
    let mut chains: Vec<Vec<Hop>> = Vec::new();
    for object in &objects {
        for tail in walk_up(conn, object, 0)? {
            let mut hops = vec![object.clone()];
            hops.extend(tail);
            chains.push(hops);
        }
    }
    if objects.is_empty() {
        // Not in the snapshot: the links that name it still tell where it came from.
        let absent = Hop {
            role: "object".into(),
            cluster: None,
            kind: kind.clone(),
            namespace: ns.map(str::to_string),
            name: name.to_string(),
            uid: None,
            layer: None,
            in_snapshot: false,
            via: None,
            note: Some("not in the snapshot".into()),
        };
        for tail in links_to_absent(conn, &kind, &plural, ns, name)? {
            let mut hops = vec![absent.clone()];
            hops.extend(tail);
            chains.push(hops);
        }
    }
    chains.dedup();

    report.chains = chains
        .into_iter()
        .map(|hops| {
            let top = hops.iter().rev().find(|h| h.role == "maestro_resource");
            Chain {
                resource_id: top.map(|h| h.name.clone()),
                work_name: top.and_then(|h| h.note.clone()),
                hops,
            }
        })
        .collect();
    let mut ids: Vec<String> = report
        .chains
        .iter()
        .filter_map(|c| c.resource_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    report.works = work::trace_works(conn, work::WorksBy::Id, &ids)?;

    let managed = report.chains.iter().any(|c| c.hops.len() > 1);
    if objects.is_empty() && !managed {
        report.outcome = Outcome::NotFound;
        report.message = format!("Manifest {kind}/{} not found", display_ns_name(ns, name));
        report.matches = super::search::suggest(conn, name)?;
        report.next_steps = vec![
            "Verify the manifest details (kind, namespace, name); it may already be deleted".into(),
        ];
    } else if !managed {
        report.outcome = Outcome::NotManaged;
        report.message = format!(
            "{kind}/{} is not managed by any ManifestWork: no AppliedManifestWork owns it or lists it (a standalone resource, or orphaned by its work's delete option)",
            display_ns_name(ns, name)
        );
        for object in &objects {
            if let Some(cluster) = &object.cluster {
                let ns_flag = ns.map(|n| format!(" -n {n}")).unwrap_or_default();
                report.next_steps.push(format!(
                    "{} get {} {name}{ns_flag} -o yaml",
                    ctx.kubectl(cluster),
                    kind.to_ascii_lowercase()
                ));
            }
        }
    } else {
        let reached: Vec<String> = report
            .chains
            .iter()
            .map(|c| match (&c.resource_id, &c.work_name) {
                (Some(id), Some(w)) => format!("work {w} (resource {id})"),
                (Some(id), None) => format!("resource {id}"),
                (None, _) => "no Maestro resource".into(),
            })
            .collect();
        report.message = format!(
            "{kind}/{} traced through {} chain{} to {}",
            display_ns_name(ns, name),
            report.chains.len(),
            if report.chains.len() == 1 { "" } else { "s" },
            reached.join(", ")
        );
        for chain in &report.chains {
            for hop in &chain.hops {
                let Some(cluster) = &hop.cluster else {
                    continue;
                };
                let ns_flag = hop
                    .namespace
                    .as_ref()
                    .map(|n| format!(" -n {n}"))
                    .unwrap_or_default();
                let step = format!(
                    "{} get {} {}{ns_flag} -o yaml",
                    ctx.kubectl(cluster),
                    hop.kind.to_ascii_lowercase(),
                    hop.name
                );
                if hop.role != "maestro_resource" && !report.next_steps.contains(&step) {
                    report.next_steps.push(step);
                }
            }
        }
    }
    Ok(())
}

fn display_ns_name(ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    }
}

/// Every chain from `hop` (an object in the snapshot) up to the top it can reach.
fn walk_up(conn: &Connection, hop: &Hop, depth: usize) -> duckdb::Result<Vec<Vec<Hop>>> {
    if depth >= MAX_DEPTH {
        return Ok(vec![]);
    }
    // An AppliedManifestWork is itself the start of the upward path.
    if hop.kind == "AppliedManifestWork"
        && let Some(amw) = amw_by_name(conn, hop.cluster.as_deref(), &hop.name)?
    {
        return from_amw(conn, &amw, depth);
    }
    let cluster = hop.cluster.clone();
    let Some(uid) = hop.uid.as_deref() else {
        return Ok(vec![]);
    };
    let owners = rows(
        conn,
        &format!(
            "SELECT owner_kind, owner_name, owner_uid, owner_api_version FROM owner_refs
             WHERE {} AND cluster = ?
             ORDER BY owner_kind = 'AppliedManifestWork' DESC, owner_name",
            keyed("child_uid", 1)
        ),
        keyed_params(&[uid], &[cluster.as_deref()]),
        |r| {
            Ok((
                r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        },
    )?;
    let owner_uids: Vec<&str> = owners.iter().filter_map(|o| o.2.as_deref()).collect();
    let present: Vec<(String, Option<String>)> = if owner_uids.is_empty() {
        Vec::new()
    } else {
        rows(
            conn,
            &format!(
                "SELECT uid, namespace FROM objects WHERE {} AND cluster = ?",
                keyed("uid", owner_uids.len())
            ),
            keyed_params(&owner_uids, &[cluster.as_deref()]),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
    };
    let mut chains = Vec::new();
    for (kind, name, uid, api_version) in owners {
        let found = present
            .iter()
            .find(|(u, _)| Some(u) == uid.as_ref())
            .map(|(_, ns)| ns.clone());
        let (present, owner_ns) = (found.is_some(), found.flatten());
        if kind == "AppliedManifestWork"
            && api_version
                .as_deref()
                .is_none_or(|v| v.starts_with("work.open-cluster-management.io"))
        {
            match amw_by_uid_or_name(conn, cluster.as_deref(), uid.as_deref(), &name)? {
                Some(amw) => {
                    let tails = from_amw_via(conn, &amw, depth + 1, "ownerReference (uid)")?;
                    chains.extend(tails);
                }
                None => chains.push(vec![Hop {
                    role: "applied_manifest_work".into(),
                    cluster: cluster.clone(),
                    kind,
                    namespace: None,
                    name,
                    uid,
                    layer: None,
                    in_snapshot: false,
                    via: Some("ownerReference (uid)".into()),
                    note: Some("dangling ownerReference: the AppliedManifestWork is gone".into()),
                }]),
            }
            continue;
        }
        // An ordinary owner (ReplicaSet, Deployment, HostedCluster, ...): keep climbing.
        let owner = Hop {
            role: "owner".into(),
            cluster: cluster.clone(),
            kind,
            namespace: if present {
                owner_ns
            } else {
                hop.namespace.clone()
            },
            name,
            uid,
            layer: None,
            in_snapshot: present,
            via: Some("ownerReference".into()),
            note: (!present).then(|| "owner not in the snapshot".into()),
        };
        let tails = if present {
            walk_up(conn, &owner, depth + 1)?
        } else {
            vec![]
        };
        if tails.is_empty() {
            chains.push(vec![owner]);
        } else {
            for tail in tails {
                let mut hops = vec![owner.clone()];
                hops.extend(tail);
                chains.push(hops);
            }
        }
    }
    // Keep only owner paths that lead somewhere, unless nothing does.
    let leading: Vec<Vec<Hop>> = chains
        .iter()
        .filter(|c| c.iter().any(|h| h.role == "applied_manifest_work"))
        .cloned()
        .collect();
    if !leading.is_empty() {
        return Ok(leading);
    }
    // No AMW ownerReference (orphaned, or owners not collected): appliedResources still tell.
    let listed = rows(
        conn,
        &format!(
            "SELECT DISTINCT cluster, amw_name FROM applied_resources
             WHERE {} AND cluster = ? AND namespace IS NOT DISTINCT FROM ?
               AND resource = (SELECT resource FROM objects WHERE {} AND cluster = ? LIMIT 1)",
            keyed("name", 1),
            keyed("uid", 1)
        ),
        duckdb::params_from_iter([
            Some(hop.name.as_str()),
            Some(hop.name.as_str()),
            cluster.as_deref(),
            hop.namespace.as_deref(),
            Some(uid),
            Some(uid),
            cluster.as_deref(),
        ]),
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    let mut found = Vec::new();
    for (c, amw_name) in listed {
        if let Some(amw) = amw_by_name(conn, Some(&c), &amw_name)? {
            let tails = from_amw_via(conn, &amw, depth + 1, "status.appliedResources")?;
            found.extend(tails);
        }
    }
    if !found.is_empty() {
        return Ok(found);
    }
    Ok(chains.into_iter().filter(|c| !c.is_empty()).collect())
}

/// From an AppliedManifestWork up: layer 1 ends at the Maestro resource, layer 2 continues
/// through the local-cluster ManifestWork.
fn from_amw(conn: &Connection, amw: &AmwRef, depth: usize) -> duckdb::Result<Vec<Vec<Hop>>> {
    let amw_hop = amw_hop(amw, None);
    let Some(work_name) = amw.manifest_work_name.clone() else {
        return Ok(vec![vec![amw_hop]]);
    };
    if amw.layer == 1 {
        return Ok(vec![vec![amw_hop, resource_hop(conn, &work_name)?]]);
    }
    // Layer 2: the ManifestWork CR in local-cluster that this AMW applies.
    let mw = rows(
        conn,
        &format!(
            "SELECT namespace, uid FROM manifest_works WHERE {} AND cluster = ?
             ORDER BY namespace = 'local-cluster' DESC LIMIT 1",
            keyed("name", 1)
        ),
        keyed_params(&[&work_name], &[Some(&amw.cluster)]),
        |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
            ))
        },
    )?
    .into_iter()
    .next();
    let mw_hop = Hop {
        role: "manifest_work".into(),
        cluster: Some(amw.cluster.clone()),
        kind: "ManifestWork".into(),
        namespace: Some(
            mw.as_ref()
                .and_then(|(ns, _)| ns.clone())
                .unwrap_or_else(|| "local-cluster".into()),
        ),
        name: work_name.clone(),
        uid: mw.as_ref().and_then(|(_, uid)| uid.clone()),
        layer: Some(2),
        in_snapshot: mw.is_some(),
        via: Some("spec.manifestWorkName".into()),
        note: mw
            .is_none()
            .then(|| "ManifestWork not in the snapshot".into()),
    };
    let tails = if mw.is_some() {
        walk_up(conn, &mw_hop, depth + 1)?
    } else {
        // Without the CR, the Maestro resource that carries it still names it.
        carriers(conn, mw_hop.namespace.as_deref(), &work_name)?
    };
    if tails.is_empty() {
        return Ok(vec![vec![amw_hop, mw_hop]]);
    }
    Ok(tails
        .into_iter()
        .map(|tail| {
            let mut hops = vec![amw_hop.clone(), mw_hop.clone()];
            hops.extend(tail);
            hops
        })
        .collect())
}

/// The hop of an AppliedManifestWork found in the snapshot.
fn amw_hop(amw: &AmwRef, via: Option<&str>) -> Hop {
    Hop {
        role: "applied_manifest_work".into(),
        cluster: Some(amw.cluster.clone()),
        kind: "AppliedManifestWork".into(),
        namespace: None,
        name: amw.name.clone(),
        uid: amw.uid.clone(),
        layer: Some(amw.layer),
        in_snapshot: true,
        via: via.map(str::to_string),
        note: None,
    }
}

/// The chains above an AppliedManifestWork, the first hop saying how it was reached.
fn from_amw_via(
    conn: &Connection,
    amw: &AmwRef,
    depth: usize,
    via: &str,
) -> duckdb::Result<Vec<Vec<Hop>>> {
    let mut tails = from_amw(conn, amw, depth)?;
    for tail in &mut tails {
        if let Some(first) = tail.first_mut() {
            first.via = Some(via.to_string());
        }
    }
    Ok(tails)
}

/// Maestro resources whose manifests include this ManifestWork (used when its CR is absent).
fn carriers(conn: &Connection, ns: Option<&str>, name: &str) -> duckdb::Result<Vec<Vec<Hop>>> {
    let ids = rows(
        conn,
        &format!(
            "SELECT DISTINCT resource_id FROM resource_manifests
             WHERE {} AND kind = 'ManifestWork' AND namespace IS NOT DISTINCT FROM ?",
            keyed("name", 1)
        ),
        keyed_params(&[name], &[ns]),
        |r| r.get::<_, String>(0),
    )?;
    let mut amws = work::amws_for(conn, &ids)?;
    let mut chains = Vec::new();
    for id in ids {
        let mut hops = Vec::new();
        if let Some(amw) = amws.remove(&id) {
            hops.push(amw_hop(&amw, Some("payload.data.manifests")));
        }
        let mut top = resource_hop(conn, &id)?;
        if hops.is_empty() {
            top.via = Some("payload.data.manifests".into());
        }
        hops.push(top);
        chains.push(hops);
    }
    Ok(chains)
}

/// The Maestro resource hop; `note` carries the work name.
fn resource_hop(conn: &Connection, id: &str) -> duckdb::Result<Hop> {
    let row = rows(
        conn,
        &format!(
            "SELECT work_name, consumer_name FROM resources WHERE {}",
            keyed("id", 1)
        ),
        keyed_params(&[id], &[]),
        |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
            ))
        },
    )?
    .into_iter()
    .next();
    Ok(Hop {
        role: "maestro_resource".into(),
        cluster: None,
        kind: "MaestroResource".into(),
        namespace: row.as_ref().and_then(|(_, consumer)| consumer.clone()),
        name: id.to_string(),
        uid: None,
        layer: None,
        in_snapshot: row.is_some(),
        via: Some("spec.manifestWorkName".into()),
        note: match &row {
            Some((work_name, _)) => work_name.clone(),
            None => None,
        },
    })
}

/// Chains for an object that is not in the snapshot, from the records that name it.
fn links_to_absent(
    conn: &Connection,
    kind: &str,
    plural: &str,
    ns: Option<&str>,
    name: &str,
) -> duckdb::Result<Vec<Vec<Hop>>> {
    let mut chains = Vec::new();
    let listed = rows(
        conn,
        &format!(
            "SELECT DISTINCT cluster, amw_name FROM applied_resources
             WHERE {} AND resource = ? AND namespace IS NOT DISTINCT FROM ?",
            keyed("name", 1)
        ),
        keyed_params(&[name], &[Some(plural), ns]),
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    for (cluster, amw_name) in listed {
        if let Some(amw) = amw_by_name(conn, Some(&cluster), &amw_name)? {
            let tails = from_amw_via(conn, &amw, 1, "status.appliedResources")?;
            chains.extend(tails);
        }
    }
    // Layer-2 manifests recorded in a ManifestWork CR.
    let in_works = rows(
        conn,
        &format!(
            "SELECT DISTINCT cluster, work_namespace, work_name FROM work_manifests
             WHERE {} AND lower(kind) = lower(?) AND namespace IS NOT DISTINCT FROM ?",
            keyed("name", 1)
        ),
        keyed_params(&[name], &[Some(kind), ns]),
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )?;
    for (cluster, work_ns, work_name) in in_works {
        let mw = Hop {
            role: "manifest_work".into(),
            cluster: Some(cluster.clone()),
            kind: "ManifestWork".into(),
            namespace: Some(work_ns.clone()),
            name: work_name.clone(),
            uid: rows(
                conn,
                &format!(
                    "SELECT uid FROM manifest_works WHERE {} AND cluster = ? AND namespace = ?",
                    keyed("name", 1)
                ),
                keyed_params(&[&work_name], &[Some(&cluster), Some(&work_ns)]),
                |r| r.get::<_, Option<String>>(0),
            )?
            .into_iter()
            .next()
            .flatten(),
            layer: Some(2),
            in_snapshot: true,
            via: Some("spec.workload.manifests".into()),
            note: None,
        };
        for tail in walk_up(conn, &mw, 1)? {
            let mut hops = vec![mw.clone()];
            hops.extend(tail);
            chains.push(hops);
        }
    }
    // Manifests in the DB: the resource that should have applied it.
    let in_db = rows(
        conn,
        &format!(
            "SELECT DISTINCT resource_id FROM resource_manifests
             WHERE {} AND lower(kind) = lower(?) AND namespace IS NOT DISTINCT FROM ?",
            keyed("name", 1)
        ),
        keyed_params(&[name], &[Some(kind), ns]),
        |r| r.get::<_, String>(0),
    )?;
    for id in in_db {
        let mut top = resource_hop(conn, &id)?;
        top.via = Some("payload.data.manifests".into());
        chains.push(vec![top]);
    }
    // A chain ending at the same resource through the cluster beats the DB-only one.
    let mut kept: Vec<Vec<Hop>> = Vec::new();
    for chain in chains {
        let top = chain.last().map(|h| h.name.clone());
        let shorter_duplicate =
            chain.len() == 1 && kept.iter().any(|k| k.last().map(|h| h.name.clone()) == top);
        if !shorter_duplicate {
            kept.push(chain);
        }
    }
    Ok(kept)
}

fn amw_by_name(
    conn: &Connection,
    cluster: Option<&str>,
    name: &str,
) -> duckdb::Result<Option<AmwRef>> {
    Ok(rows(
        conn,
        &format!(
            "SELECT {AMW_COLUMNS} FROM applied_manifest_works
             WHERE {} AND (? IS NULL OR cluster = ?) LIMIT 1",
            keyed("name", 1)
        ),
        keyed_params(&[name], &[cluster, cluster]),
        work::amw_ref,
    )?
    .into_iter()
    .next())
}

fn amw_by_uid_or_name(
    conn: &Connection,
    cluster: Option<&str>,
    uid: Option<&str>,
    name: &str,
) -> duckdb::Result<Option<AmwRef>> {
    // By uid when the reference has one, else by name.
    let (column, value) = match uid {
        Some(uid) => ("uid", uid),
        None => ("name", name),
    };
    Ok(rows(
        conn,
        &format!(
            "SELECT {AMW_COLUMNS} FROM applied_manifest_works
             WHERE {} AND (? IS NULL OR cluster = ?) LIMIT 1",
            keyed(column, 1)
        ),
        keyed_params(&[value], &[cluster, cluster]),
        work::amw_ref,
    )?
    .into_iter()
    .next())
}
