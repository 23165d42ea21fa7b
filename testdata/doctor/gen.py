#!/usr/bin/env python3
"""Generate the unpacked bundles that test `mwtrace doctor` (testdata/doctor/README.md).

Regenerate with:  python3 testdata/doctor/gen.py
(stdlib only; deterministic: same input, same bytes.)

Writes three trees in the bundle layout (DESIGN.md section 4), packed by the tests with
`mwtrace pack DIR -o FILE`:
  healthy/      a healthy management cluster: no doctor rule may fire on it
  planted/      healthy/ plus one planted case per rule (P1..P27 below and in the README)
  dead-server/  only server_instances, none alive: the case of no-live-server-instance

Snapshot time: 2026-11-21T10:00:00Z. Rows imitate PostgreSQL row_to_json like the sample
(testdata/gen_sample.py), with fewer details: the doctor reads the derived schema only.
"""

import copy
import datetime as dt
import hashlib
import json
import os
import shutil
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = "2026-11-21T10:00:00Z"
MGMT = "mgmt-1"
SVC = "svc-1"
CONSUMER = MGMT
OTHER_CONSUMER = "mgmt-2"  # a consumer whose management cluster is not in the bundle
HUB1 = hashlib.sha256(b"maestro-mqtt-agent.maestro:1883").hexdigest()  # Maestro agent
HUB2 = hashlib.sha256(b"https://api.mgmt-1.example.com:6443").hexdigest()  # klusterlet
OLD_HUB = hashlib.sha256(b"https://api.old-hub.example.com:6443").hexdigest()
ENV = "arohcpint"
CID_A = "a1healthy0cluster0creation0flow1"  # healthy, complete
CID_B = "b2managedcluster0never0imported2"  # P20: everything but the ManagedCluster
CID_C = "c3unhealthy0hostedcluster0np0mc3"  # P21-P23: only HostedCluster, NodePool, ManagedCluster
CID_D = "d4hostedcluster0stuck0deleting04"  # P19: HostedCluster stuck in deletion
for cid in (CID_A, CID_B, CID_C, CID_D):
    assert len(cid) == 32 and cid.isalnum() and cid.islower(), cid

WORK_API = "work.open-cluster-management.io/v1"
AMW_FINALIZER = "cluster.open-cluster-management.io/applied-manifest-work-cleanup"
MW_FINALIZER = "cluster.open-cluster-management.io/manifest-work-cleanup"
BUNDLE_SPEC = "io.open-cluster-management.works.v1alpha1.manifestbundles.spec"
BUNDLE_STATUS = "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request"

# kind -> (group, version, plural): every kind the scenario applies; all are collected
KINDS = {
    "ConfigMap": ("", "v1", "configmaps"),
    "Namespace": ("", "v1", "namespaces"),
    "Deployment": ("apps", "v1", "deployments"),
    "ManifestWork": ("work.open-cluster-management.io", "v1", "manifestworks"),
    "AppliedManifestWork": ("work.open-cluster-management.io", "v1", "appliedmanifestworks"),
    "HostedCluster": ("hypershift.openshift.io", "v1beta1", "hostedclusters"),
    "NodePool": ("hypershift.openshift.io", "v1beta1", "nodepools"),
    "ManagedCluster": ("cluster.open-cluster-management.io", "v1", "managedclusters"),
}

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def T(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


def at(s, **delta):
    """An ISO time plus a delta, as a datetime."""
    return T(s) + dt.timedelta(**delta)


def pg(t):
    """timestamptz as row_to_json prints it."""
    if t is None:
        return None
    if isinstance(t, str):
        t = T(t)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += ("." + f"{t.microsecond:06d}").rstrip("0")
    return s + "+00:00"


def k8s(t):
    if isinstance(t, str):
        t = T(t)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def uid(label):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "mwtrace-doctor/" + label))


def work_id(consumer, work_name, source="clusters-service"):
    key = f"{source}-manifestworks.work.open-cluster-management.io-{consumer}-{work_name}"
    return str(uuid.uuid5(uuid.NAMESPACE_OID, key))


def api_version(kind):
    group, version, _ = KINDS[kind]
    return f"{group}/{version}" if group else version


def cond(type_, status, reason, message, t):
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "lastTransitionTime": k8s(t)}


def manifest(kind, namespace, name, labels=None, **body):
    meta = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    return {"apiVersion": api_version(kind), "kind": kind, "metadata": meta, **body}


def configmap(ns, name):
    return manifest("ConfigMap", ns, name, data={"key": name})


def deployment(ns, name):
    return manifest("Deployment", ns, name, spec={
        "replicas": 1, "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}},
                     "spec": {"containers": [{"name": "main", "image": "registry.example.io/app:1"}]}}})


def key_of(m):
    """(kind, namespace, name) of a manifest."""
    return (m["kind"], m["metadata"].get("namespace"), m["metadata"]["name"])


def rmeta(ordinal, m):
    group, version, plural = KINDS[m["kind"]]
    return {"ordinal": ordinal, "group": group, "version": version, "kind": m["kind"],
            "resource": plural, "name": m["metadata"]["name"],
            "namespace": m["metadata"].get("namespace", "")}


def ok_manifest_conditions(t):
    return [cond("Applied", "True", "AppliedManifestComplete", "Apply manifest complete", t),
            cond("Available", "True", "ResourceAvailable", "Resource is available", t),
            cond("StatusFeedbackSynced", "True", "NoStatusFeedbackSynced", "", t)]


def ok_work_conditions(t):
    return [cond("Applied", "True", "AppliedManifestWorkComplete", "Apply manifest work complete", t),
            cond("Available", "True", "ResourcesAvailable", "All resources are available", t)]


# --------------------------------------------------------------------------------------------
# the scenario builder
# --------------------------------------------------------------------------------------------


class Bundle:
    def __init__(self):
        self.db = {t: [] for t in ("consumers", "resources", "events", "status_events", "server_instances")}
        self.kube = {}  # (cluster, kind) -> [objects]
        self.errors = []

    # -- kube ---------------------------------------------------------------------------------
    def obj(self, kind, namespace, name, *, created, spec=None, status=None, labels=None,
            owner=None, label=None, deleted=None, finalizers=None, extra_meta=None, body=None):
        meta = {"name": name}
        if namespace:
            meta["namespace"] = namespace
        meta["uid"] = uid(label or f"{kind}/{namespace}/{name}")
        meta["creationTimestamp"] = k8s(created)
        if deleted:
            meta["deletionTimestamp"] = k8s(deleted)
        if finalizers:
            meta["finalizers"] = finalizers
        if labels:
            meta["labels"] = labels
        if owner:
            meta["ownerReferences"] = owner if isinstance(owner, list) else [owner]
        if extra_meta:
            meta.update(extra_meta)
        o = {"apiVersion": api_version(kind), "kind": kind, "metadata": meta}
        if body:
            o.update(body)
        if spec is not None:
            o["spec"] = spec
        if status is not None:
            o["status"] = status
        self.kube.setdefault((MGMT, kind), []).append(o)
        return o

    def amw(self, hub, work_name, *, created, applied, labels=None, eviction=None, deleted=None):
        """An AppliedManifestWork; `applied` is a list of (manifest, uid) pairs."""
        status = {"appliedResources": [
            {**{k: v for k, v in zip(("group", "version", "resource"), KINDS[m["kind"]])},
             "namespace": m["metadata"].get("namespace", ""), "name": m["metadata"]["name"],
             "uid": u} for m, u in applied]}
        if eviction:
            status["evictionStartTime"] = k8s(eviction)
        return self.obj("AppliedManifestWork", None, f"{hub}-{work_name}", created=created,
                        labels=labels, finalizers=[AMW_FINALIZER], deleted=deleted,
                        spec={"agentID": hub, "hubHash": hub, "manifestWorkName": work_name},
                        status=status)

    def applied_object(self, m, amw, *, created, uid_label=None, status=None):
        """The object a manifest became on the cluster, owned by `amw`."""
        kind, ns, name = key_of(m)
        body = {k: v for k, v in m.items() if k not in ("apiVersion", "kind", "metadata")}
        o = self.obj(kind, ns, name, created=created, labels=m["metadata"].get("labels"),
                     owner={"apiVersion": WORK_API, "kind": "AppliedManifestWork",
                            "name": amw["metadata"]["name"], "uid": amw["metadata"]["uid"]},
                     label=uid_label, body=body)
        if status is not None:
            o["status"] = status
        return o

    # -- Maestro DB -----------------------------------------------------------------------------
    def consumer(self, name, created):
        self.db["consumers"].append({
            "id": uid("consumer/" + name), "created_at": pg(created), "updated_at": pg(created),
            "deleted_at": None, "name": name, "labels": None})

    def server(self, pod, created, heartbeat, ready):
        self.db["server_instances"].append({
            "id": "maestro-" + pod, "created_at": pg(created), "updated_at": pg(heartbeat),
            "deleted_at": None, "last_heartbeat": pg(heartbeat), "ready": ready})

    def event(self, resource_id, event_type, created, reconciled):
        self.db["events"].append({
            "id": uid(f"event/{resource_id}/{event_type}/{pg(created)}"), "created_at": pg(created),
            "updated_at": pg(reconciled or created), "deleted_at": None, "source": "Resources",
            "source_id": resource_id, "event_type": event_type, "reconciled_date": pg(reconciled)})

    def status_event(self, resource_id, kind, created, payload=None, status=None):
        self.db["status_events"].append({
            "id": uid(f"status-event/{resource_id}/{kind}/{pg(created)}"), "created_at": pg(created),
            "updated_at": pg(created), "deleted_at": None, "resource_id": resource_id,
            "resource_source": "clusters-service" if kind == "StatusDelete" else "",
            "resource_type": "", "payload": payload, "status": status,
            "status_event_type": kind, "reconciled_date": None})

    def work(self, name, manifests, *, created, consumer=CONSUMER, cid=None, version=1,
             observed=None, status="ok", work_conditions=None, manifest_conditions=None,
             updated=None, deleted=None, amw=True, amw_manifests=None, objects=True,
             events=True, delete_event=None):
        """A Maestro bundle; by default applied and healthy, with its AMW and objects.

        status: "ok", None (never reported) or "custom" (work_conditions/manifest_conditions).
        manifest_conditions: {ordinal: [conditions]} overriding the healthy per-manifest ones.
        amw_manifests: the (manifest, uid label or None) pairs the AMW lists (default: all).
        delete_event: (created, reconciled) of the Delete event when `deleted`.
        """
        rid = work_id(consumer, name)
        created = T(created) if isinstance(created, str) else created
        t_status = created + dt.timedelta(seconds=12)
        labels = {"api.openshift.com/id": cid} if cid else None
        meta = {"name": name, "namespace": consumer, "uid": rid, "resourceVersion": "0"}
        if labels:
            meta["labels"] = labels
        payload = {"id": uid(f"ce/{rid}/{version}"), "data": {"manifests": manifests,
                   "deleteOption": {"propagationPolicy": "Foreground"}},
                   "time": k8s(created), "type": BUNDLE_SPEC + (".create_request" if version == 1 else ".update_request"),
                   "source": "clusters-service", "logtracing": "{}", "metadata": meta,
                   "resourceid": rid, "clustername": consumer, "specversion": "1.0",
                   "originalsource": "", "resourceversion": 0, "datacontenttype": "application/json"}
        status_doc = None
        if status is not None:
            mconds = manifest_conditions or {}
            status_doc = {"data": {
                "conditions": work_conditions or ok_work_conditions(t_status),
                "resourceStatus": [{"conditions": mconds.get(i, ok_manifest_conditions(t_status)),
                                    "resourceMeta": rmeta(i, m)} for i, m in enumerate(manifests)]},
                "type": BUNDLE_STATUS, "source": f"{consumer}-work-agent", "metadata": meta,
                "resourceid": rid, "clustername": consumer, "statushash": hashlib.sha256(rid.encode()).hexdigest(),
                "sequenceid": str(int(t_status.timestamp() * 1000)), "specversion": "1.0",
                "originalsource": "maestro", "resourceversion": observed if observed is not None else version}
        updated = updated or (t_status if status is not None else created)
        self.db["resources"].append({
            "name": rid, "id": rid, "created_at": pg(created), "updated_at": pg(updated),
            "deleted_at": pg(deleted), "source": "clusters-service", "consumer_name": consumer,
            "version": version, "type": "", "payload": payload, "status": status_doc})
        if events:
            self.event(rid, "Create", created + dt.timedelta(milliseconds=2),
                       created + dt.timedelta(milliseconds=15))
            if version > 1:
                self.event(rid, "Update", updated - dt.timedelta(seconds=12),
                           updated - dt.timedelta(seconds=12) + dt.timedelta(milliseconds=15))
            if status is not None:
                self.status_event(rid, "StatusUpdate", t_status)
            if deleted and delete_event:
                self.event(rid, "Delete", delete_event[0], delete_event[1])
        amw_obj = None
        if amw:
            pairs = amw_manifests if amw_manifests is not None else [(m, None) for m in manifests]
            applied = []
            for m, label in pairs:
                kind, ns, mname = key_of(m)
                applied.append((m, uid(label or f"{kind}/{ns}/{mname}")))
            amw_obj = self.amw(HUB1, rid, created=created + dt.timedelta(seconds=1), applied=applied,
                               labels=dict(labels or {}, **{"cloudevents.open-cluster-management.io/originalsource": "maestro"}))
            if objects:
                for m, label in pairs:
                    self.applied_object(m, amw_obj, created=created + dt.timedelta(seconds=2))
        return rid, amw_obj

    def manifest_work(self, name, manifests, *, created, cid=None, owner_amw=None,
                      conditions=None, manifest_conditions=None, deleted=None, hub=HUB2,
                      amw=True, amw_manifests=None, eviction=None, objects=True, label=None):
        """A ManifestWork CR in local-cluster (layer 2) with its layer-2 AMW and objects."""
        created = T(created) if isinstance(created, str) else created
        t = created + dt.timedelta(seconds=20)
        labels = {"api.openshift.com/id": cid} if cid else None
        mconds = manifest_conditions or {}
        status = {"conditions": conditions or ok_work_conditions(t),
                  "resourceStatus": {"manifests": [
                      {"conditions": mconds.get(i, ok_manifest_conditions(t)), "resourceMeta": rmeta(i, m)}
                      for i, m in enumerate(manifests)]}}
        owner = None
        if owner_amw is not None:
            owner = {"apiVersion": WORK_API, "kind": "AppliedManifestWork",
                     "name": owner_amw["metadata"]["name"], "uid": owner_amw["metadata"]["uid"]}
        mw = self.obj("ManifestWork", "local-cluster", name, created=created, labels=labels,
                      owner=owner, deleted=deleted, finalizers=[MW_FINALIZER], label=label,
                      extra_meta={"generation": 1},
                      spec={"workload": {"manifests": manifests},
                            "deleteOption": {"propagationPolicy": "Foreground"}},
                      status=status)
        amw_obj = None
        if amw:
            pairs = amw_manifests if amw_manifests is not None else [(m, None) for m in manifests]
            applied = [(m, uid(lbl or "{}/{}/{}".format(*key_of(m)))) for m, lbl in pairs]
            amw_obj = self.amw(hub, name, created=created + dt.timedelta(seconds=1), applied=applied,
                               labels=labels, eviction=eviction)
            if objects:
                for m, _ in pairs:
                    self.applied_object(m, amw_obj, created=created + dt.timedelta(seconds=2))
        return mw, amw_obj

    # -- output ---------------------------------------------------------------------------------
    def write(self, root):
        if os.path.exists(root):
            shutil.rmtree(root)
        for table, rows in self.db.items():
            if rows:
                write_ndjson(os.path.join(root, "db", f"{table}.ndjson"), rows)
        for (cluster, kind), objects in sorted(self.kube.items()):
            group, version, plural = KINDS[kind]
            path = os.path.join(root, "kube", cluster, group or "core", version, f"{plural}.ndjson")
            write_ndjson(path, sorted(objects, key=lambda o: (o["metadata"].get("namespace") or "",
                                                                o["metadata"]["name"])))
        manifest = {
            "format": "mwtrace-bundle", "format_version": 1, "created_at": NOW,
            "tool": {"name": "mwtrace", "version": "0.1.0"}, "origin": "collect",
            "clusters": [
                {"name": SVC, "role": "service", "context": SVC, "server": "https://api.svc-1.example.com:6443"},
                {"name": MGMT, "role": "management", "context": MGMT, "server": "https://api.mgmt-1.example.com:6443"}],
            "redaction": {"secrets": True}, "files": [], "errors": self.errors}
        with open(os.path.join(root, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")


def write_ndjson(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row, separators=(",", ":"), sort_keys=False) + "\n")


# --------------------------------------------------------------------------------------------
# the healthy management cluster
# --------------------------------------------------------------------------------------------


def hcp_cluster(b, cid, hc_name, created, *, managed_cluster=True, work_name=None):
    """A hosted cluster through its whole creation flow, healthy."""
    created = T(created) if isinstance(created, str) else created
    ns = f"ocm-{ENV}-{cid}"
    labels = {"api.openshift.com/id": cid}
    inner = [manifest("Namespace", None, ns, labels=labels),
             manifest("HostedCluster", ns, hc_name, labels=labels,
                      spec={"release": {"image": "quay.io/openshift-release-dev/ocp-release:4.19.7"}}),
             manifest("NodePool", ns, f"{hc_name}-np1", labels=labels,
                      spec={"clusterName": hc_name, "replicas": 2})]
    mw_manifest = manifest("ManifestWork", "local-cluster", cid, labels=labels,
                           spec={"workload": {"manifests": inner}})
    _, amw1 = b.work(work_name or f"{cid}-hc", [mw_manifest], created=created, cid=cid, objects=False)
    mw, amw2 = b.manifest_work(cid, inner, created=created + dt.timedelta(seconds=5), cid=cid,
                               owner_amw=amw1, objects=False)
    t = created + dt.timedelta(minutes=12)
    b.applied_object(inner[0], amw2, created=created + dt.timedelta(seconds=8))
    b.applied_object(inner[1], amw2, created=created + dt.timedelta(seconds=8), status={"conditions": [
        cond("Available", "True", "AsExpected", "The hosted control plane is available", t),
        cond("Degraded", "False", "AsExpected", "The hosted cluster is not degraded", t),
        cond("Progressing", "False", "AsExpected", "HostedCluster is at expected version", t)],
        "version": {"history": [{"state": "Completed", "version": "4.19.7"}]}})
    b.applied_object(inner[2], amw2, created=created + dt.timedelta(seconds=8), status={"conditions": [
        cond("Ready", "True", "AsExpected", "", t),
        cond("AllMachinesReady", "True", "AsExpected", "All is well", t)], "replicas": 2})
    if managed_cluster:
        managed(b, cid, created + dt.timedelta(minutes=15))
    return mw


def managed(b, name, created, conditions=None):
    created = T(created) if isinstance(created, str) else created
    t = created + dt.timedelta(minutes=1)
    b.obj("ManagedCluster", None, name, created=created,
          finalizers=["cluster.open-cluster-management.io/api-resource-cleanup"],
          spec={"hubAcceptsClient": True, "leaseDurationSeconds": 60},
          status={"conditions": conditions or [
              cond("HubAcceptedManagedCluster", "True", "HubClusterAdminAccepted", "Accepted by hub cluster admin", t),
              cond("ManagedClusterJoined", "True", "ManagedClusterJoined", "Managed cluster joined", t),
              cond("ManagedClusterConditionAvailable", "True", "ManagedClusterAvailable", "Managed cluster is available", t)]})


def healthy():
    b = Bundle()
    b.consumer(CONSUMER, "2026-01-10T08:00:00Z")
    b.consumer(OTHER_CONSUMER, "2026-01-10T08:05:00Z")
    b.server("maestro-7d9f8c6b5-abcde", "2026-11-20T06:00:00Z", "2026-11-21T09:59:55Z", True)
    managed(b, "local-cluster", "2026-01-10T07:00:00Z")
    for ns in ("default", "local-cluster", "maestro"):
        b.obj("Namespace", None, ns, created="2026-01-10T07:00:00Z")
    hcp_cluster(b, CID_A, "h1healthyhc", "2026-11-20T12:00:00Z")
    # a plain healthy work with two kinds of objects
    b.work("healthy-app", [configmap("default", "healthy-config"), deployment("default", "healthy-app")],
           created="2026-11-19T09:00:00Z")
    # a fresh work, not applied yet but under every threshold (2 minutes old, Create unpublished)
    b.work("fresh-work", [configmap("default", "fresh-config")], created="2026-11-21T09:58:00Z",
           status=None, amw=False, events=False)
    rid = work_id(CONSUMER, "fresh-work")
    b.event(rid, "Create", "2026-11-21T09:58:00.002Z", None)
    # a deletion completed: only its history is left (StatusDelete, reconciled events)
    gone = work_id(CONSUMER, "finished-job")
    b.event(gone, "Create", "2026-11-20T08:00:00Z", "2026-11-20T08:00:00.015Z")
    b.event(gone, "Delete", "2026-11-20T20:00:00Z", "2026-11-20T20:00:00.012Z")
    b.status_event(gone, "StatusDelete", "2026-11-20T20:00:03Z", payload={"metadata": {"name": "finished-job"}},
                   status={"data": {"conditions": [cond("Deleted", "True", "ManifestsDeleted", "", "2026-11-20T20:00:03Z")]}})
    # a deletion in progress, 5 minutes old: published, under the thresholds
    b.work("being-deleted", [configmap("default", "being-deleted")], created="2026-11-21T08:00:00Z",
           deleted="2026-11-21T09:55:00Z",
           delete_event=("2026-11-21T09:55:00Z", "2026-11-21T09:55:00.010Z"))
    # a work of the consumer whose cluster is not collected: nothing can be said about its AMW
    b.work("remote-work", [configmap("default", "remote-config")], created="2026-11-18T09:00:00Z",
           consumer=OTHER_CONSUMER, amw=False)
    return b


# --------------------------------------------------------------------------------------------
# the planted cases, one per rule (README.md lists them with the evidence the tests expect)
# --------------------------------------------------------------------------------------------


def planted():
    b = healthy()
    t0 = at("2026-11-21T06:00:00Z")

    # P1 work-not-applied: a Deployment refused by the API server (SSA conflict)
    fail = cond("Applied", "False", "AppliedManifestFailed",
                "Failed to apply manifest: Apply failed with 1 conflict: conflict with \"kubectl-edit\": .spec.replicas", t0)
    cm1, dep1 = configmap("default", "p1-config"), deployment("default", "p1-app")
    b.work("p1-not-applied", [cm1, dep1], created=t0, status="custom",
           work_conditions=[cond("Applied", "False", "AppliedManifestWorkFailed", "Failed to apply manifest work", t0),
                            cond("Available", "True", "ResourcesAvailable", "All resources are available", t0)],
           manifest_conditions={1: [fail, cond("Available", "True", "ResourceAvailable", "", t0)]},
           amw_manifests=[(cm1, None)])

    # P2 work-not-available: the agent cannot read the Deployment it applied
    dep2 = deployment("default", "p2-app")
    b.work("p2-not-available", [dep2], created=t0, status="custom",
           work_conditions=[cond("Applied", "True", "AppliedManifestWorkComplete", "Apply manifest work complete", t0),
                            cond("Available", "Unknown", "ResourcesStatusUnknown", "1 of 1 resources status unknown", t0)],
           manifest_conditions={0: [cond("Applied", "True", "AppliedManifestComplete", "Apply manifest complete", t0),
                                    cond("Available", "Unknown", "FetchingResourceFailed",
                                         "deployments.apps \"p2-app\" is forbidden", t0)]})

    # P3 work-never-applied: created an hour ago, Create published, no status, no AMW
    b.work("p3-never-applied", [configmap("default", "p3-config")], created="2026-11-21T09:00:00Z",
           status=None, amw=False)

    # P4 work-spec-not-observed: version 3 in the DB, the agent reports version 2
    b.work("p4-spec-not-observed", [configmap("default", "p4-config")], created="2026-11-20T09:00:00Z",
           version=3, observed=2, updated=at("2026-11-21T09:30:00Z"))

    # P5 work-no-status: applied on the cluster, no status in the DB
    b.work("p5-no-status", [configmap("default", "p5-config")], created="2025-03-01T10:00:00Z",
           status=None)

    # P6 deletion-stuck: deleted 2 hours ago, delete published, the AMW is still there
    b.work("p6-stuck-deletion", [configmap("default", "p6-config")], created="2026-11-20T10:00:00Z",
           deleted=at("2026-11-21T08:00:00Z"),
           delete_event=(at("2026-11-21T08:00:00Z"), at("2026-11-21T08:00:00.012Z")))

    # P7 deletion-unconfirmed: deleted 4 hours ago, AMW gone, no StatusDelete
    b.work("p7-unconfirmed", [configmap("default", "p7-config")], created="2026-11-20T10:00:00Z",
           deleted=at("2026-11-21T06:00:00Z"), amw=False,
           delete_event=(at("2026-11-21T06:00:00Z"), at("2026-11-21T06:00:00.011Z")))

    # P8 delete-event-not-reconciled: delete never published (consumer mgmt-2, not collected)
    b.work("p8-delete-unpublished", [configmap("default", "p8-config")], created="2026-11-20T10:00:00Z",
           consumer=OTHER_CONSUMER, amw=False, deleted=at("2026-11-21T09:00:00Z"),
           delete_event=(at("2026-11-21T09:00:00Z"), None))

    # P9 delete-event-retired: the stale-delete detector reconciled the delete after an hour
    b.work("p9-delete-retired", [configmap("default", "p9-config")], created="2026-11-20T10:00:00Z",
           consumer=OTHER_CONSUMER, amw=False, deleted=at("2026-11-21T05:00:00Z"),
           delete_event=(at("2026-11-21T05:00:00Z"), at("2026-11-21T06:00:00.5Z")))

    # P10 events-not-reconciled: a Create event waiting for 30 minutes
    b.work("p10-create-unpublished", [configmap("default", "p10-config")],
           created="2026-11-21T09:30:00Z", consumer=OTHER_CONSUMER, status=None, amw=False, events=False)
    b.event(work_id(OTHER_CONSUMER, "p10-create-unpublished"), "Create", "2026-11-21T09:30:00.002Z", None)

    # P11 manifestwork-not-applied: a local-cluster ManifestWork whose ConfigMap is refused
    cm11 = configmap("default", "p11-config")
    b.manifest_work("p11-work", [cm11], created=t0,
                    conditions=[cond("Applied", "False", "AppliedManifestWorkFailed", "Failed to apply manifest work", t0)],
                    manifest_conditions={0: [cond("Applied", "False", "AppliedManifestFailed",
                                                  "Failed to apply manifest: namespaces \"default\" is forbidden", t0)]},
                    amw_manifests=[])

    # P12 manifestwork-not-available: applied, its ConfigMap's status unknown
    cm12 = configmap("default", "p12-config")
    b.manifest_work("p12-work", [cm12], created=t0,
                    conditions=[cond("Applied", "True", "AppliedManifestWorkComplete", "Apply manifest work complete", t0),
                                cond("Available", "Unknown", "ResourcesStatusUnknown", "1 of 1 resources status unknown", t0)],
                    manifest_conditions={0: [cond("Applied", "True", "AppliedManifestComplete", "", t0),
                                             cond("Available", "Unknown", "FetchingResourceFailed", "timeout", t0)]})

    # P13 orphan-amw-layer1: the bundle was hard-deleted (StatusDelete) but its AMW stayed
    gone = work_id(CONSUMER, "p13-hard-deleted")
    cm13 = configmap("default", "p13-config")
    a13 = b.amw(HUB1, gone, created=at("2026-11-19T10:00:00Z"), applied=[(cm13, uid("ConfigMap/default/p13-config"))])
    b.applied_object(cm13, a13, created=at("2026-11-19T10:00:01Z"))
    b.status_event(gone, "StatusDelete", at("2026-11-20T10:00:00Z"))

    # P14 orphan-amw-layer2: a klusterlet AMW whose ManifestWork is gone
    cm14 = configmap("default", "p14-config")
    a14 = b.amw(HUB2, "p14-gone-work", created=at("2026-11-19T10:00:00Z"),
                applied=[(cm14, uid("ConfigMap/default/p14-config"))])
    b.applied_object(cm14, a14, created=at("2026-11-19T10:00:01Z"))

    # P15 applied-resources-drift: p15-b never reported applied; p15-old applied but dropped
    a15, b15, old15 = configmap("default", "p15-a"), configmap("default", "p15-b"), configmap("default", "p15-old")
    _, amw15 = b.work("p15-drift", [a15, b15], created="2026-11-20T10:00:00Z",
                      amw_manifests=[(a15, None), (old15, None)])

    # P16 applied-uid-mismatch: the ConfigMap was recreated by hand, new uid, no owner
    cm16 = configmap("default", "p16-config")
    b.work("p16-recreated", [cm16], created="2026-11-20T10:00:00Z", objects=False)
    b.obj("ConfigMap", "default", "p16-config", created="2026-11-21T09:00:00Z", label="p16-recreated-by-hand",
          body={"data": {"key": "p16-config"}})

    # P17 applied-object-missing: the AMW lists a ConfigMap the cluster does not hold
    b.work("p17-object-deleted", [configmap("default", "p17-config")], created="2026-11-20T10:00:00Z",
           objects=False)

    # P18 amw-evicting: the klusterlet's hub hash changed; the old AMW is being evicted
    cm18 = configmap("default", "p18-config")
    b.manifest_work("p18-work", [cm18], created="2026-11-19T10:00:00Z", hub=OLD_HUB,
                    eviction=at("2026-11-21T09:15:00Z"))

    # P19 object-deletion-stuck: a HostedCluster deleting for 2 hours, finalizer left
    b.obj("HostedCluster", f"ocm-{ENV}-{CID_D}", "d4hc", created="2026-11-01T10:00:00Z",
          labels={"api.openshift.com/id": CID_D}, deleted="2026-11-21T08:00:00Z",
          finalizers=["hypershift.openshift.io/finalizer"],
          status={"conditions": [cond("Available", "False", "HostedClusterDeleting", "deleting", "2026-11-21T08:00:00Z")]})

    # P20 creation-flow: a complete flow except the ManagedCluster (never imported)
    hcp_cluster(b, CID_B, "b2hc", "2026-11-21T07:00:00Z", managed_cluster=False)

    # P21-P23: an unhealthy hosted cluster known only from its objects (cid C; its creation flow
    # fails first at maestro_bundles, which creation-flow also reports)
    ns_c = f"ocm-{ENV}-{CID_C}"
    tc = at("2026-11-21T07:30:00Z")
    b.obj("HostedCluster", ns_c, "c3hc", created="2026-11-21T07:00:00Z",
          labels={"api.openshift.com/id": CID_C},
          status={"conditions": [
              cond("Available", "False", "KubeAPIServerUnavailable", "kube-apiserver deployment has 0 of 3 ready replicas", tc),
              cond("Degraded", "True", "UnavailableReplicas", "kube-apiserver deployment has 3 unavailable replicas", tc)]})
    b.obj("NodePool", ns_c, "c3hc-np1", created="2026-11-21T07:00:00Z",
          labels={"api.openshift.com/id": CID_C}, spec={"clusterName": "c3hc", "replicas": 3},
          status={"conditions": [
              cond("Ready", "False", "WaitingForAvailableMachines", "Minimum availability requires 3 replicas, current 0 available", tc),
              cond("AllMachinesReady", "False", "MachinesNotReady", "VM provisioning failed: SkuNotAvailable", tc)]})
    managed(b, CID_C, "2026-11-21T07:10:00Z", conditions=[
        cond("HubAcceptedManagedCluster", "True", "HubClusterAdminAccepted", "Accepted by hub cluster admin", tc),
        cond("ManagedClusterJoined", "True", "ManagedClusterJoined", "Managed cluster joined", tc),
        cond("ManagedClusterConditionAvailable", "Unknown", "ManagedClusterLeaseUpdateStopped",
             "Registration agent stopped updating its lease.", tc)])

    # P24 resource-unknown-consumer: bundles of a consumer removed from the consumers table
    for name in ("p24-orphan-a", "p24-orphan-b"):
        b.work(name, [configmap("default", name)], created="2026-11-15T10:00:00Z",
               consumer="mgmt-retired", amw=False)

    # P25 server-instance-stale: a replica replaced by a rollout a day ago
    b.server("maestro-6f5d4c3b2-zzzzz", "2026-11-10T06:00:00Z", "2026-11-20T06:00:02Z", False)

    # P27 collection-errors: a source the collector could not read
    b.errors.append({"source": "kube/mgmt-1/addon.open-cluster-management.io/v1alpha1/managedclusteraddons",
                     "message": "managedclusteraddons.addon.open-cluster-management.io is forbidden: User \"mwtrace\" cannot list resource"})
    return b


def dead_server():
    # P26 no-live-server-instance: every replica stopped beating
    b = Bundle()
    b.server("maestro-7d9f8c6b5-abcde", "2026-11-20T06:00:00Z", "2026-11-21T09:40:00Z", False)
    b.server("maestro-7d9f8c6b5-fghij", "2026-11-20T06:00:00Z", "2026-11-21T09:41:30Z", False)
    return b


def main():
    healthy().write(os.path.join(HERE, "healthy"))
    planted().write(os.path.join(HERE, "planted"))
    dead_server().write(os.path.join(HERE, "dead-server"))


if __name__ == "__main__":
    main()
