//! `--manifest KIND/NS/NAME`: from an applied object up to the Maestro resource, hop by hop.
//! Ownership is followed by ownerReference uid (an object may have several AMW owners), and
//! where the object is absent, by AppliedManifestWork `status.appliedResources` and by the
//! manifests recorded in ManifestWorks and in the DB.
//!
//! object -> [owners ...] -> layer-2 AMW -> local-cluster ManifestWork -> layer-1 AMW
//!        -> Maestro resource (work name)
//!
//! The walk reads link documents from a [`TraceStore`]: the trace index, or the database.
//! Where several rows match, the documents' order decides (they are sorted), as the SQL's
//! ORDER BY did before the index held them.

use mwtrace_bundle::kinds::{canonical_kind, resource_of_kind};

use super::model::*;
use super::{ManifestRef, work};
use crate::store::{
    AppliedBy, NameLinks, NamedObject, SnapshotFacts, StoreError, TraceStore, WorksBy,
};

/// Ownership is followed at most this deep (Pod -> ReplicaSet -> Deployment -> AMW -> ... is 6).
const MAX_DEPTH: usize = 16;

/// Fills `report` with the chains of `target`. Nothing found leaves `report.matches` to the
/// caller, who has the database to suggest from.
pub(crate) fn trace_manifest(
    links: &dyn TraceStore,
    ctx: &SnapshotFacts,
    target: &ManifestRef,
    report: &mut TraceReport,
) -> Result<(), StoreError> {
    let kind = canonical_kind(&target.kind)
        .map(str::to_string)
        .unwrap_or_else(|| target.kind.clone());
    let plural = resource_of_kind(&kind)
        .map(str::to_string)
        .unwrap_or_else(|| target.kind.to_ascii_lowercase());
    let ns = target.namespace.as_deref();
    let name = target.name.as_str();

    let named = links.named(ns, name)?;
    let objects: Vec<Hop> = named
        .objects
        .iter()
        .filter(|o| {
            same_text(o.kind.as_deref(), &kind)
                || o.resource.as_deref() == Some(&plural.to_lowercase())
        })
        .map(|o| Hop {
            role: "object".into(),
            cluster: o.cluster.clone(),
            kind: o.kind.clone().unwrap_or_default(),
            namespace: ns.map(str::to_string),
            name: name.to_string(),
            uid: o.uid.clone(),
            layer: None,
            in_snapshot: true,
            via: None,
            note: None,
        })
        .collect();
    let mut chains: Vec<Vec<Hop>> = Vec::new();
    for object in &objects {
        for tail in walk_up(links, object, 0)? {
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
            note: Some(absence_note(ctx, &plural)),
        };
        for tail in links_to_absent(links, &named, &kind, &plural)? {
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
                // The note of a resource in the snapshot is its work name; else it says why not.
                work_name: top.filter(|h| h.in_snapshot).and_then(|h| h.note.clone()),
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
    for id in &ids {
        report.works.extend(resource(links, id)?);
    }

    let managed = report.chains.iter().any(|c| c.hops.len() > 1);
    if objects.is_empty() && !managed {
        report.outcome = Outcome::NotFound;
        // The caller adds suggestions (they need the database).
        report.message = format!("Manifest {kind}/{} not found", display_ns_name(ns, name));
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

/// The trace of the Maestro resource `id`, when the snapshot holds it.
fn resource(links: &dyn TraceStore, id: &str) -> Result<Option<WorkTrace>, StoreError> {
    let facts = links.facts()?;
    Ok(work::works(links, &facts, WorksBy::Id, &[id])?
        .into_iter()
        .next())
}

fn display_ns_name(ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    }
}

/// SQL's `lower(a) = lower(b)`: NULL matches nothing.
fn same_text(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.to_lowercase() == b.to_lowercase())
}

/// SQL's `a = b`: NULL matches nothing.
fn same(a: &Option<String>, b: Option<&str>) -> bool {
    a.is_some() && a.as_deref() == b
}

/// Every chain from `hop` (an object in the snapshot) up to the top it can reach.
fn walk_up(links: &dyn TraceStore, hop: &Hop, depth: usize) -> Result<Vec<Vec<Hop>>, StoreError> {
    if depth >= MAX_DEPTH {
        return Ok(vec![]);
    }
    // An AppliedManifestWork is itself the start of the upward path.
    if hop.kind == "AppliedManifestWork"
        && let Some(amw) = amw_by_name(links, hop.cluster.as_deref(), &hop.name)?
    {
        return from_amw(links, &amw, depth);
    }
    let cluster = hop.cluster.as_deref();
    let Some(uid) = hop.uid.as_deref() else {
        return Ok(vec![]);
    };
    let owned = links.owners_of(uid)?;
    let mut owners: Vec<_> = owned
        .owners
        .iter()
        .filter(|o| same(&o.cluster, cluster))
        .collect();
    // AppliedManifestWork owners first, then by name.
    owners.sort_by_key(|o| {
        (
            o.kind.as_deref() != Some("AppliedManifestWork"),
            o.name.is_none(),
            o.name.clone(),
        )
    });
    let mut chains = Vec::new();
    for owner in owners {
        let kind = owner.kind.clone().unwrap_or_default();
        let name = owner.name.clone().unwrap_or_default();
        let uid = owner.uid.clone();
        if kind == "AppliedManifestWork"
            && owner
                .api_version
                .as_deref()
                .is_none_or(|v| v.starts_with("work.open-cluster-management.io"))
        {
            match amw_by_uid_or_name(links, cluster, uid.as_deref(), &name)? {
                Some(amw) => {
                    let tails = from_amw_via(links, &amw, depth + 1, "ownerReference (uid)")?;
                    chains.extend(tails);
                }
                None => chains.push(vec![Hop {
                    role: "applied_manifest_work".into(),
                    cluster: hop.cluster.clone(),
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
        let found = match uid.as_deref() {
            Some(owner_uid) => find_owner(links, hop, owner_uid, &name)?,
            None => None,
        };
        let present = found.is_some();
        let owner = Hop {
            role: "owner".into(),
            cluster: hop.cluster.clone(),
            kind,
            namespace: match found {
                Some(namespace) => namespace,
                None => hop.namespace.clone(),
            },
            name,
            uid,
            layer: None,
            in_snapshot: present,
            via: Some("ownerReference".into()),
            note: (!present).then(|| "owner not in the snapshot".into()),
        };
        let tails = if present {
            walk_up(links, &owner, depth + 1)?
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
    let named = links.named(hop.namespace.as_deref(), &hop.name)?;
    let resource = named
        .objects
        .iter()
        .find(|o| same(&o.cluster, cluster) && o.uid.as_deref() == Some(uid))
        .and_then(|o| o.resource.clone());
    let listed = applied_by(&named, |a| {
        same(&a.cluster, cluster) && resource.is_some() && a.resource == resource
    });
    let mut found = Vec::new();
    for (c, amw_name) in listed {
        if let Some(amw) = amw_by_name(links, Some(c), amw_name)? {
            let tails = from_amw_via(links, &amw, depth + 1, "status.appliedResources")?;
            found.extend(tails);
        }
    }
    if !found.is_empty() {
        return Ok(found);
    }
    Ok(chains.into_iter().filter(|c| !c.is_empty()).collect())
}

/// The namespace of the owner `uid` named `name` of `hop`, when the snapshot holds it (None
/// inside: cluster-scoped). Owners are in their object's namespace or cluster-scoped.
fn find_owner(
    links: &dyn TraceStore,
    hop: &Hop,
    uid: &str,
    name: &str,
) -> Result<Option<Option<String>>, StoreError> {
    let mut namespaces = vec![hop.namespace.as_deref()];
    if hop.namespace.is_some() {
        namespaces.push(None);
    }
    for namespace in namespaces {
        let named = links.named(namespace, name)?;
        let here = |o: &NamedObject| {
            same(&o.cluster, hop.cluster.as_deref()) && o.uid.as_deref() == Some(uid)
        };
        if named.objects.iter().any(here) {
            return Ok(Some(namespace.map(str::to_string)));
        }
    }
    Ok(None)
}

/// The distinct (cluster, AMW name) of the AppliedManifestWorks listing `named` that `keep`.
fn applied_by(named: &NameLinks, keep: impl Fn(&AppliedBy) -> bool) -> Vec<(&str, &str)> {
    let mut listed: Vec<(&str, &str)> = named
        .applied_by
        .iter()
        .filter(|a| keep(a))
        .filter_map(|a| Some((a.cluster.as_deref()?, a.amw_name.as_deref()?)))
        .collect();
    listed.dedup();
    listed
}

/// From an AppliedManifestWork up: layer 1 ends at the Maestro resource, layer 2 continues
/// through the local-cluster ManifestWork.
fn from_amw(
    links: &dyn TraceStore,
    amw: &AmwRef,
    depth: usize,
) -> Result<Vec<Vec<Hop>>, StoreError> {
    let amw_hop = amw_hop(amw, None);
    let Some(work_name) = amw.manifest_work_name.clone() else {
        return Ok(vec![vec![amw_hop]]);
    };
    if amw.layer == 1 {
        // Linked by resource id or, with an older agent, by work name; an ambiguous work
        // name links to no row.
        let hop = match amw.resource_id.as_deref() {
            Some(id) => resource_hop(links, id)?,
            None => unlinked_maestro_hop(links, amw, &work_name)?,
        };
        return Ok(vec![vec![amw_hop, hop]]);
    }
    // Layer 2: the ManifestWork CR that this AMW applies, in local-cluster when there.
    let crs = links.work_object(&work_name)?.manifest_works;
    let on_cluster = || {
        crs.iter()
            .filter(|cr| same(&cr.cluster, Some(&amw.cluster)))
    };
    let mw = on_cluster()
        .find(|cr| cr.namespace.as_deref() == Some("local-cluster"))
        .or_else(|| on_cluster().next());
    let mw_hop = Hop {
        role: "manifest_work".into(),
        cluster: Some(amw.cluster.clone()),
        kind: "ManifestWork".into(),
        namespace: Some(
            mw.and_then(|cr| cr.namespace.clone())
                .unwrap_or_else(|| "local-cluster".into()),
        ),
        name: work_name.clone(),
        uid: mw.and_then(|cr| cr.uid.clone()),
        layer: Some(2),
        in_snapshot: mw.is_some(),
        via: Some("spec.manifestWorkName".into()),
        note: mw
            .is_none()
            .then(|| "ManifestWork not in the snapshot".into()),
    };
    let tails = if mw.is_some() {
        walk_up(links, &mw_hop, depth + 1)?
    } else {
        // Without the CR, the Maestro resource that carries it still names it.
        carriers(links, mw_hop.namespace.as_deref(), &work_name)?
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
    links: &dyn TraceStore,
    amw: &AmwRef,
    depth: usize,
    via: &str,
) -> Result<Vec<Vec<Hop>>, StoreError> {
    let mut tails = from_amw(links, amw, depth)?;
    for tail in &mut tails {
        if let Some(first) = tail.first_mut() {
            first.via = Some(via.to_string());
        }
    }
    Ok(tails)
}

/// The distinct ids of the Maestro resources whose manifests include `named` as a `kind`.
fn carrying_resources<'a>(named: &'a NameLinks, kind: &str) -> Vec<&'a str> {
    let mut ids: Vec<&str> = named
        .in_resources
        .iter()
        .filter(|m| same_text(m.kind.as_deref(), kind))
        .filter_map(|m| m.resource_id.as_deref())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Maestro resources whose manifests include this ManifestWork (used when its CR is absent).
fn carriers(
    links: &dyn TraceStore,
    ns: Option<&str>,
    name: &str,
) -> Result<Vec<Vec<Hop>>, StoreError> {
    let named = links.named(ns, name)?;
    let mut chains = Vec::new();
    for id in carrying_resources(&named, "ManifestWork") {
        let work = resource(links, id)?;
        let mut hops = Vec::new();
        if let Some(amw) = work.as_ref().and_then(|w| w.applied_manifest_work.as_ref()) {
            hops.push(amw_hop(amw, Some("payload.data.manifests")));
        }
        let mut top = maestro_hop(id, work.as_ref());
        if hops.is_empty() {
            top.via = Some("payload.data.manifests".into());
        }
        hops.push(top);
        chains.push(hops);
    }
    Ok(chains)
}

/// The Maestro resource hop of `id`; `note` carries the work name.
fn resource_hop(links: &dyn TraceStore, id: &str) -> Result<Hop, StoreError> {
    Ok(maestro_hop(id, resource(links, id)?.as_ref()))
}

/// The Maestro resource of a layer-1 AMW linked to no DB row: named by its manifestWorkName,
/// with why no row is shown (the DB not collected, several rows sharing the work name, or none).
fn unlinked_maestro_hop(
    links: &dyn TraceStore,
    amw: &AmwRef,
    work_name: &str,
) -> Result<Hop, StoreError> {
    let facts = links.facts()?;
    let note = if amw.linked_by.as_deref() == Some("work_name_ambiguous") {
        "several DB rows have this work name and none runs on this cluster's consumer: cannot tell which".to_string()
    } else if let Some(gap) = facts.db_gap("resources") {
        gap
    } else {
        "no DB row with this id or work name (hard-deleted, or another Maestro's)".to_string()
    };
    Ok(Hop {
        note: Some(note),
        ..maestro_hop(work_name, None)
    })
}

fn maestro_hop(id: &str, work: Option<&WorkTrace>) -> Hop {
    Hop {
        role: "maestro_resource".into(),
        cluster: None,
        kind: "MaestroResource".into(),
        namespace: work.and_then(|w| w.consumer.clone()),
        name: id.to_string(),
        uid: None,
        layer: None,
        in_snapshot: work.is_some(),
        via: Some("spec.manifestWorkName".into()),
        note: work.and_then(|w| w.work_name.clone()),
    }
}

/// Why an object is not in the snapshot: absent where its kind was collected, else the
/// sources that were not ("configmaps of mgmt-1 not collected").
fn absence_note(ctx: &SnapshotFacts, plural: &str) -> String {
    let clusters: Vec<&str> = ctx
        .clusters
        .iter()
        .filter(|c| !c.service)
        .map(|c| c.name.as_str())
        .collect();
    let gaps: Vec<String> = clusters
        .iter()
        .filter_map(|c| {
            let listed = ctx.coverage.iter().any(|k| {
                k.source == "kube" && k.cluster.as_deref() == Some(*c) && k.resource == plural
            });
            // A kind without a coverage row was never listed on that cluster.
            match listed {
                true => ctx.kube_gap(c, plural),
                false => Some(format!("{plural} of {c} not collected")),
            }
        })
        .collect();
    if clusters.is_empty() || gaps.len() == clusters.len() {
        return match gaps.is_empty() {
            true => format!(
                "not in the snapshot: {plural} not collected (no management cluster in the bundle)"
            ),
            false => format!("not in the snapshot: {}", gaps.join("; ")),
        };
    }
    "not in the snapshot".to_string()
}

/// Chains for an object that is not in the snapshot, from the records that name it.
fn links_to_absent(
    links: &dyn TraceStore,
    named: &NameLinks,
    kind: &str,
    plural: &str,
) -> Result<Vec<Vec<Hop>>, StoreError> {
    let mut chains = Vec::new();
    for (cluster, amw_name) in applied_by(named, |a| a.resource.as_deref() == Some(plural)) {
        if let Some(amw) = amw_by_name(links, Some(cluster), amw_name)? {
            let tails = from_amw_via(links, &amw, 1, "status.appliedResources")?;
            chains.extend(tails);
        }
    }
    // Layer-2 manifests recorded in a ManifestWork CR.
    let mut in_works: Vec<(&str, &str, &str)> = named
        .in_works
        .iter()
        .filter(|w| same_text(w.kind.as_deref(), kind))
        .filter_map(|w| {
            Some((
                w.cluster.as_deref()?,
                w.work_namespace.as_deref()?,
                w.work_name.as_deref()?,
            ))
        })
        .collect();
    in_works.dedup();
    for (cluster, work_ns, work_name) in in_works {
        let uid = links
            .work_object(work_name)?
            .manifest_works
            .into_iter()
            .find(|cr| same(&cr.cluster, Some(cluster)) && same(&cr.namespace, Some(work_ns)))
            .and_then(|cr| cr.uid);
        let mw = Hop {
            role: "manifest_work".into(),
            cluster: Some(cluster.to_string()),
            kind: "ManifestWork".into(),
            namespace: Some(work_ns.to_string()),
            name: work_name.to_string(),
            uid,
            layer: Some(2),
            in_snapshot: true,
            via: Some("spec.workload.manifests".into()),
            note: None,
        };
        for tail in walk_up(links, &mw, 1)? {
            let mut hops = vec![mw.clone()];
            hops.extend(tail);
            chains.push(hops);
        }
    }
    // Manifests in the DB: the resource that should have applied it.
    for id in carrying_resources(named, kind) {
        let mut top = resource_hop(links, id)?;
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

/// The first AppliedManifestWork named `name`, on `cluster` when given.
fn amw_by_name(
    links: &dyn TraceStore,
    cluster: Option<&str>,
    name: &str,
) -> Result<Option<AmwRef>, StoreError> {
    let amws = links.work_object(name)?.amws;
    Ok(amws
        .into_iter()
        .find(|a| cluster.is_none_or(|c| a.cluster == c)))
}

/// The AppliedManifestWork an ownerReference names: by name, and by uid when it has one.
fn amw_by_uid_or_name(
    links: &dyn TraceStore,
    cluster: Option<&str>,
    uid: Option<&str>,
    name: &str,
) -> Result<Option<AmwRef>, StoreError> {
    let amws = links.work_object(name)?.amws;
    Ok(amws.into_iter().find(|a| {
        cluster.is_none_or(|c| a.cluster == c) && uid.is_none_or(|u| a.uid.as_deref() == Some(u))
    }))
}
