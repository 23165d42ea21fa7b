#!/usr/bin/env python3
"""Writes testdata/variants/runbook/ and testdata/variants/runbook-healthy/: the ARO HCP
runbook scenarios of `mwtrace doctor` (issue 19 item 2), on top of the healthy management
cluster of testdata/doctor/gen.py (same helpers, same snapshot time 2026-11-21T10:00:00Z).

    python3 testdata/variants/gen_runbook.py

runbook/ plants one case per runbook rule (tests/it/doctor_runbook.rs holds the evidence each
must produce, and checks nothing else fires):

  R1 work-undelivered          `r1-undelivered` (consumer mgmt-2, whose cluster is not in the
                               bundle): created 09:00, Create published, status NULL.
  R2 events-not-reconciled     consumer mgmt-2: Create of `r2-pending-a` (09:50) and of
                               `r2-pending-b` (09:54) unpublished: count 2, oldest r2-pending-a.
  R3 delete-event-stale        a Delete (08:00) of resource `r3-gone`, hard-deleted; a Delete
                               (07:00) of `r3-long-deleted` (mgmt-2), soft-deleted at 07:00.
  R4 deleted-work-recreated    `r4-recreated` deleted at 08:00 (Delete published), its layer-1
                               AMW created at 09:00; `r4b-carries-work` (deleted at 08:00,
                               StatusDelete received) carries ManifestWork local-cluster/r4b-work,
                               created at 09:10.
  R5 hcp-namespaces-orphaned   cid E: `<E>-00-hcp-namespaces` (label containsNamespaces=true)
                               live and applied, `<E>-hc` and `<E>-config` deleted at 08:00 and
                               08:30 (confirmed). creation-flow reports cid E too (its
                               local-cluster ManifestWork is gone), as it reports every cid with a
                               live bundle whose flow is incomplete.
  R6 managedcluster-stuck-detaching
                               ManagedCluster <F> deleting since 08:00 with the api-resource-cleanup
                               and addon-pre-delete finalizers; ManagedClusterAddOn <F>/work-manager
                               left, with its own finalizer.
  R7 namespace-stuck-terminating
                               Namespace ocm-arohcpint-<G>-g7hc deleting since 08:30,
                               NamespaceContentRemaining and NamespaceFinalizersRemaining True.
  R8 work-spec-not-observed    `r8-stale-status`: version 2, the status reports 1, updated 09:52
                               (8 minutes: over the 5-minute threshold).

runbook-healthy/ holds the same kinds of objects just under each threshold (none may fire): a
bundle of mgmt-2 8 minutes old without status, a Create 4 minutes old unpublished, a Delete of a
hard-deleted resource published, a `*-00-hcp-namespaces` bundle of the healthy cid A whose other
bundles are live, a ManagedCluster and a Namespace deleting for 10 and 20 minutes, a status one
version behind for 3 minutes.
"""
import datetime as dt
import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("doctor_gen", os.path.join(HERE, "..", "doctor", "gen.py"))
g = importlib.util.module_from_spec(spec)
spec.loader.exec_module(g)

g.KINDS["ManagedClusterAddOn"] = ("addon.open-cluster-management.io", "v1alpha1", "managedclusteraddons")

OTHER = g.OTHER_CONSUMER
CID_E = "e5orphaned0hcp0namespaces0bndle5"
CID_F = "f6managedcluster0stuck0detach066"
CID_G = "g7namespace0stuck0terminating077"
for cid in (CID_E, CID_F, CID_G):
    assert len(cid) == 32 and cid.isalnum() and cid.islower(), cid

MC_CLEANUP = "cluster.open-cluster-management.io/api-resource-cleanup"
ADDON_PRE_DELETE = "addon.open-cluster-management.io/addon-pre-delete"


def base():
    b = g.healthy()
    # every bundle of a healthy cid is live, its namespaces bundle too
    b.work(f"{g.CID_A}-00-hcp-namespaces",
           [g.manifest("Namespace", None, f"ocm-{g.ENV}-{g.CID_A}-extra",
                       labels={"api.openshift.com/id": g.CID_A})],
           created="2026-11-20T11:59:00Z", cid=g.CID_A)
    b.db["resources"][-1]["payload"]["metadata"]["labels"]["containsNamespaces"] = "true"
    return b


def runbook_healthy():
    b = base()
    # 8 minutes without status: under the 10-minute threshold of work-undelivered
    b.work("h1-young-undelivered", [g.configmap("default", "h1")], created="2026-11-21T09:52:00Z",
           consumer=OTHER, status=None, amw=False)
    # a Create unpublished for 4 minutes: under 300 s
    b.work("h2-young-pending", [g.configmap("default", "h2")], created="2026-11-21T09:56:00Z",
           consumer=OTHER, status=None, amw=False, events=False)
    b.event(g.work_id(OTHER, "h2-young-pending"), "Create", "2026-11-21T09:56:00Z", None)
    # a hard-deleted resource whose Delete was published
    gone = g.work_id(OTHER, "h3-gone")
    b.event(gone, "Delete", "2026-11-21T07:00:00Z", "2026-11-21T07:00:00.020Z")
    # a ManagedCluster and a hosted cluster's Namespace deleting for 10 and 20 minutes
    g.managed(b, CID_F, "2026-11-01T00:00:00Z")
    mc = b.kube[(g.MGMT, "ManagedCluster")][-1]
    mc["metadata"]["deletionTimestamp"] = "2026-11-21T09:50:00Z"
    b.obj("Namespace", None, f"ocm-{g.ENV}-{CID_G}-g7hc", created="2026-11-01T00:00:00Z",
          deleted="2026-11-21T09:40:00Z", finalizers=None,
          spec={"finalizers": ["kubernetes"]}, status={"phase": "Terminating"})
    # a status one version behind for 3 minutes
    b.work("h8-fresh-update", [g.configmap("default", "h8")], created="2026-11-20T09:00:00Z",
           version=2, observed=1, updated=g.T("2026-11-21T09:57:00Z"))
    return b


def runbook():
    b = base()
    # R1 work-undelivered
    b.work("r1-undelivered", [g.configmap("default", "r1")], created="2026-11-21T09:00:00Z",
           consumer=OTHER, status=None, amw=False)
    # R2 events-not-reconciled: two Creates of mgmt-2 unpublished
    for name, t in (("r2-pending-a", "2026-11-21T09:50:00Z"), ("r2-pending-b", "2026-11-21T09:54:00Z")):
        b.work(name, [g.configmap("default", name)], created=t, consumer=OTHER, status=None,
               amw=False, events=False)
        b.event(g.work_id(OTHER, name), "Create", t, None)
    # R3 delete-event-stale: the resource is gone, or soft-deleted 3 hours ago
    b.event(g.work_id(OTHER, "r3-gone"), "Delete", "2026-11-21T08:00:00Z", None)
    b.work("r3-long-deleted", [g.configmap("default", "r3")], created="2026-11-20T07:00:00Z",
           consumer=OTHER, amw=False, deleted="2026-11-21T07:00:00Z",
           delete_event=("2026-11-21T07:00:00Z", None))
    # R4 deleted-work-recreated: the layer-1 AMW created an hour after deleted_at
    rid, amw = b.work("r4-recreated", [g.configmap("default", "r4-config")],
                      created="2026-11-20T08:00:00Z", deleted="2026-11-21T08:00:00Z",
                      delete_event=("2026-11-21T08:00:00Z", "2026-11-21T08:00:00.010Z"))
    amw["metadata"]["creationTimestamp"] = "2026-11-21T09:00:00Z"
    # ... and a ManifestWork carried by a deleted bundle, created at 09:10
    inner = [g.configmap("default", "r4b-config")]
    mw_manifest = g.manifest("ManifestWork", "local-cluster", "r4b-work",
                             spec={"workload": {"manifests": inner}})
    rid_b, _ = b.work("r4b-carries-work", [mw_manifest], created="2026-11-20T08:00:00Z",
                      deleted="2026-11-21T08:00:00Z", amw=False,
                      delete_event=("2026-11-21T08:00:00Z", "2026-11-21T08:00:00.010Z"))
    b.status_event(rid_b, "StatusDelete", "2026-11-21T08:00:03Z",
                   payload={"metadata": {"name": "r4b-carries-work"}})
    b.manifest_work("r4b-work", inner, created="2026-11-21T09:10:00Z")
    # R5 hcp-namespaces-orphaned
    labels = {"api.openshift.com/id": CID_E}
    b.work(f"{CID_E}-00-hcp-namespaces",
           [g.manifest("Namespace", None, f"ocm-{g.ENV}-{CID_E}", labels=labels)],
           created="2026-11-19T08:00:00Z", cid=CID_E)
    b.db["resources"][-1]["payload"]["metadata"]["labels"]["containsNamespaces"] = "true"
    for name, deleted in (("hc", "2026-11-21T08:00:00Z"), ("config", "2026-11-21T08:30:00Z")):
        rid_e, _ = b.work(f"{CID_E}-{name}", [g.configmap("default", f"{CID_E}-{name}")],
                          created="2026-11-19T08:00:05Z", cid=CID_E, amw=False,
                          deleted=deleted, delete_event=(deleted, g.at(deleted, milliseconds=12)))
        b.status_event(rid_e, "StatusDelete", g.at(deleted, seconds=3),
                       payload={"metadata": {"name": f"{CID_E}-{name}"}})
    # R6 managedcluster-stuck-detaching
    g.managed(b, CID_F, "2026-11-01T00:00:00Z")
    mc = b.kube[(g.MGMT, "ManagedCluster")][-1]
    mc["metadata"]["deletionTimestamp"] = "2026-11-21T08:00:00Z"
    mc["metadata"]["finalizers"] = [MC_CLEANUP, ADDON_PRE_DELETE]
    b.obj("ManagedClusterAddOn", CID_F, "work-manager", created="2026-11-01T00:01:00Z",
          deleted="2026-11-21T08:00:01Z", finalizers=[ADDON_PRE_DELETE],
          spec={"installNamespace": "open-cluster-management-agent-addon"})
    # R7 namespace-stuck-terminating
    t = "2026-11-21T08:30:05Z"
    b.obj("Namespace", None, f"ocm-{g.ENV}-{CID_G}-g7hc", created="2026-11-01T00:00:00Z",
          deleted="2026-11-21T08:30:00Z", labels={"api.openshift.com/id": CID_G},
          spec={"finalizers": ["kubernetes"]},
          status={"phase": "Terminating", "conditions": [
              g.cond("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered",
                     "All resources successfully discovered", t),
              g.cond("NamespaceContentRemaining", "True", "SomeResourcesRemain",
                     "Some resources are remaining: hostedcontrolplanes.hypershift.openshift.io has 1 resource instances", t),
              g.cond("NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
                     "Some content in the namespace has finalizers remaining: hypershift.openshift.io/finalizer in 1 resource instances", t)]})
    # R8 work-spec-not-observed: one version behind for 8 minutes
    b.work("r8-stale-status", [g.configmap("default", "r8")], created="2026-11-20T09:00:00Z",
           version=2, observed=1, updated=g.T("2026-11-21T09:52:00Z"))
    return b


def main():
    runbook().write(os.path.join(HERE, "runbook"))
    runbook_healthy().write(os.path.join(HERE, "runbook-healthy"))


if __name__ == "__main__":
    main()
