#!/usr/bin/env python3
"""Writes the fixtures of testdata/history/ (see README.md there): Kusto kubernetesResourceSnapshots
exports in the four layouts engineers produce, and hcpctl must-gather query / Kusto container-log
exports. Deterministic: run it again and nothing changes."""

import csv
import io
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CID = "2qrppk0otds3rdmdcojqcqkqq8f0s591"
HC_NS = f"ocm-arohcpint-{CID}"
HC = "x8y5p7r4g6j9e3v"
COLUMNS = ["timestamp", "environment", "region", "cluster", "event", "apiVersion",
           "objectKind", "namespace", "name", "uid", "object"]
LABELS = {"api.openshift.com/environment": "arohcpint", "api.openshift.com/id": CID,
          "api.openshift.com/name": "my-cluster"}


def cond(type_, status, at, reason, message, generation=1):
    return {"type": type_, "status": status, "observedGeneration": generation,
            "lastTransitionTime": at, "reason": reason, "message": message}


def hosted_cluster(rv, conditions):
    return {
        "apiVersion": "hypershift.openshift.io/v1beta1", "kind": "HostedCluster",
        "metadata": {"name": HC, "namespace": HC_NS, "uid": "ba1cbf82-9ced-405c-b77b-a0667681c171",
                     "resourceVersion": rv, "generation": 1, "creationTimestamp": "2026-11-21T08:40:17Z",
                     "labels": LABELS, "finalizers": ["hypershift.openshift.io/finalizer"]},
        "spec": {"clusterID": "867001c6-8f30-42bc-ace3-fdb512ac4457",
                 "release": {"image": "quay.io/openshift-release-dev/ocp-release:4.19.7-multi"},
                 "platform": {"type": "Azure"}},
        "status": {"conditions": conditions},
    }


def hc_revisions():
    t0 = "2026-11-21T08:40:17Z"
    waiting = [cond("Available", "False", t0, "WaitingForAvailable", "Waiting for hosted control plane to be available"),
               cond("Degraded", "False", t0, "AsExpected", "")]
    up = [cond("Available", "True", "2026-11-21T08:56:41Z", "AsExpected", "The hosted control plane is available"),
          cond("Degraded", "False", t0, "AsExpected", "")]
    down = [cond("Available", "False", "2026-11-21T09:31:05Z", "KubeAPIServerUnavailable",
                 "kube-apiserver deployment has 0 of 3 available replicas"),
            cond("Degraded", "True", "2026-11-21T09:31:05Z", "UnavailableReplicas",
                 "kube-apiserver deployment has 0 of 3 available replicas")]
    again = [cond("Available", "True", "2026-11-21T09:47:30Z", "AsExpected", "The hosted control plane is available"),
             cond("Degraded", "False", "2026-11-21T09:47:30Z", "AsExpected", "")]
    return [
        ("2026-11-21T08:40:17.3120000Z", "Add", hosted_cluster("782290001", waiting)),
        ("2026-11-21T08:56:41.8801234Z", "Update", hosted_cluster("782301177", up)),
        ("2026-11-21T09:31:05.4410000Z", "Update", hosted_cluster("782309950", down)),
        ("2026-11-21T09:47:30.0020000Z", "Update", hosted_cluster("782316148", again)),
    ]


def node_pool(rv, ready):
    return {
        "apiVersion": "hypershift.openshift.io/v1beta1", "kind": "NodePool",
        "metadata": {"name": f"{HC}-np1", "namespace": HC_NS, "uid": "86a0d6b1-5405-4a31-966c-1d498303122c",
                     "resourceVersion": rv, "generation": 1, "creationTimestamp": "2026-11-21T08:40:17Z", "labels": LABELS},
        "spec": {"clusterName": HC, "replicas": 2, "management": {"upgradeType": "Replace"}},
        "status": {"conditions": [ready]},
    }


def managed_cluster(rv, available):
    return {
        "apiVersion": "cluster.open-cluster-management.io/v1", "kind": "ManagedCluster",
        "metadata": {"name": CID, "uid": "d7e9a096-2b1c-4001-813c-065902cdfcd5", "resourceVersion": rv,
                     "creationTimestamp": "2026-11-21T08:58:03Z",
                     "labels": {"name": CID, "hypershift.openshift.io/hosted-cluster": "true"}},
        "spec": {"hubAcceptsClient": True, "leaseDurationSeconds": 60},
        "status": {"conditions": [available]},
    }


def manifest_work(uid, rv, created):
    return {
        "apiVersion": "work.open-cluster-management.io/v1", "kind": "ManifestWork",
        "metadata": {"name": CID, "namespace": "local-cluster", "uid": uid, "resourceVersion": rv,
                     "creationTimestamp": created, "labels": {"api.openshift.com/id": CID}},
        "spec": {"workload": {"manifests": [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": HC_NS}},
            {"apiVersion": "hypershift.openshift.io/v1beta1", "kind": "HostedCluster",
             "metadata": {"name": HC, "namespace": HC_NS}}]}},
    }


def secret(rv, token):
    import base64
    return {
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": f"{HC}-pull-secret", "namespace": HC_NS, "uid": "3f6d2a8e-5c1b-4e7a-9b0d-8a2c4e6f1b3d",
                     "resourceVersion": rv, "creationTimestamp": "2026-11-21T08:40:16Z"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(json.dumps(
            {"auths": {"quay.io": {"auth": token}}}).encode()).decode()},
    }


def namespace():
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": HC_NS, "uid": "62bc733d-6891-41d9-b34e-6c5ea9593fab", "resourceVersion": "782314611",
                         "creationTimestamp": "2026-11-21T08:40:17Z", "labels": LABELS},
            "status": {"phase": "Active"}}


def azure_machine(rv, ready):
    return {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "AzureMachine",
            "metadata": {"name": f"{HC}-np1-7k2xq", "namespace": f"{HC_NS}-{HC}",
                         "uid": "9e1f3a5b-7c2d-4e8f-a1b3-c5d7e9f1a2b4", "resourceVersion": rv,
                         "creationTimestamp": "2026-11-21T09:02:10Z"},
            "spec": {"vmSize": "Standard_D4s_v3"},
            "status": {"ready": ready}}


def row(ts, event, obj, object_as=json.dumps):
    m = obj["metadata"]
    return {"timestamp": ts, "environment": "arohcpint", "region": "uksouth", "cluster": "mgmt-1",
            "event": event, "apiVersion": obj["apiVersion"], "objectKind": obj["kind"],
            "namespace": m.get("namespace", ""), "name": m["name"], "uid": m["uid"],
            "object": object_as(obj)}


def write_csv(name, rows, bom):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([r[c] for c in COLUMNS])
    with open(os.path.join(HERE, name), "wb") as f:
        if bom:
            f.write(b"\xef\xbb\xbf")
        f.write(out.getvalue().encode())


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def main():
    # snapshots.csv (web UI "Export to CSV": BOM, CRLF): the HostedCluster, Available
    # False (Add) -> True -> False (Degraded) -> True over three Updates, and its NodePool.
    rows = [row(ts, ev, obj, compact) for ts, ev, obj in hc_revisions()]
    rows.append(row("2026-11-21T08:40:17.5000000Z", "Add", node_pool("782290002", cond(
        "Ready", "False", "2026-11-21T08:40:17Z", "WaitingForNodes", "Waiting for nodes"))))
    write_csv("snapshots.csv", rows, bom=True)

    # snapshots-nobom.csv: the ManagedCluster (lease stops while the control plane is down),
    # and the HostedCluster's Namespace.
    mc = [
        ("2026-11-21T08:58:03.1000000Z", "Add", cond("ManagedClusterConditionAvailable", "Unknown", "2026-11-21T08:58:03Z", "ManagedClusterWaitForImporting", "Waiting for the import")),
        ("2026-11-21T08:59:10.2000000Z", "Update", cond("ManagedClusterConditionAvailable", "True", "2026-11-21T08:59:10Z", "ManagedClusterAvailable", "Managed cluster is available")),
        ("2026-11-21T09:32:40.3000000Z", "Update", cond("ManagedClusterConditionAvailable", "Unknown", "2026-11-21T09:32:40Z", "ManagedClusterLeaseUpdateStopped", "Registration agent stopped updating its lease.")),
        ("2026-11-21T09:48:02.4000000Z", "Update", cond("ManagedClusterConditionAvailable", "True", "2026-11-21T09:48:02Z", "ManagedClusterAvailable", "Managed cluster is available")),
    ]
    rows = [row(ts, ev, managed_cluster(str(782318000 + i), c), compact) for i, (ts, ev, c) in enumerate(mc)]
    rows.insert(0, row("2026-11-21T08:40:17.2000000Z", "Add", namespace(), compact))
    write_csv("snapshots-nobom.csv", rows, bom=False)

    # snapshots.jsonl (object as a JSON string, watch-style event names): the ManifestWork in
    # local-cluster added, deleted, and added again with a new uid; a Secret added and updated.
    old_uid, new_uid = "5b0e3c52-8f3e-4a8e-9d2c-2b7f4e61a0c9", "1acbd7bc-20da-4ed2-90af-7b893ef9d8a9"
    lines = [
        row("2026-11-21T08:35:02.0000000Z", "ADDED", manifest_work(old_uid, "782280100", "2026-11-21T08:35:02Z"), compact),
        row("2026-11-21T08:38:40.0000000Z", "DELETED", manifest_work(old_uid, "782285500", "2026-11-21T08:35:02Z"), compact),
        row("2026-11-21T08:40:14.0000000Z", "Added", manifest_work(new_uid, "782289000", "2026-11-21T08:40:14Z"), compact),
        row("2026-11-21T08:40:16.0000000Z", "ADDED", secret("782289900", "c2VjcmV0LXRva2VuLTE="), compact),
        row("2026-11-21T09:10:00.0000000Z", "MODIFIED", secret("782305000", "c2VjcmV0LXRva2VuLTI="), compact),
    ]
    with open(os.path.join(HERE, "snapshots.jsonl"), "w") as f:
        for r in lines:
            f.write(json.dumps(r) + "\n")

    # snapshots.json (the web UI's JSON array, object as a JSON value): a NodePool Update and
    # a CAPI AzureMachine, a kind mwtrace does not know.
    rows = [
        row("2026-11-21T09:05:31.0000000Z", "Modified", node_pool("782302000", cond(
            "Ready", "True", "2026-11-21T09:05:31Z", "AsExpected", "2 of 2 machines are ready")), lambda o: o),
        row("2026-11-21T09:02:10.0000000Z", "Add", azure_machine("782301500", False), lambda o: o),
        row("2026-11-21T09:04:55.0000000Z", "Update", azure_machine("782301990", True), lambda o: o),
    ]
    with open(os.path.join(HERE, "snapshots.json"), "w") as f:
        json.dump(rows, f, indent=1)
        f.write("\n")

    # must-gather-query/: hcpctl must-gather query output (one JSON lines file per container)
    # and a Kusto log export in the TIMESTAMP, pod_name, log layout.
    q = os.path.join(HERE, "must-gather-query")
    agent_pod = "maestro-agent-5d8f9c7b6-x2v4n"
    agent = [
        ("2026-11-21T09:12:30.152417304Z", 'I1121 09:12:30.152380       1 baseclient.go:245] "Received event" eventType="io.open-cluster-management.works.v1alpha1.manifestbundles.spec.update_request" extensions=map[clustername:mgmt-1 logtracing:{"logging.open-cluster-management.io/op-id":"e6317c0b-4c48-4ae5-836e-09b0d4c22763"} originalsource:maestro resourceid:1ee62e78-d2ca-5c49-8a65-01e695821450 resourceversion:2]\n'),
        ("2026-11-21T09:12:30.161204113Z", 'I1121 09:12:30.161150       1 manifestwork_controller.go:176] "Reconciling ManifestWork" manifestWorkName="mgmt-1/1ee62e78-d2ca-5c49-8a65-01e695821450" op-id="e6317c0b-4c48-4ae5-836e-09b0d4c22763"\n'),
        ("2026-11-21T09:31:06.004100000Z", 'E1121 09:31:06.004051       1 manifestwork_controller.go:201] "Failed to apply manifest" err="Post \\"https://kube-apiserver:6443\\": dial tcp 10.0.4.17:6443: connect: connection refused" manifestWorkName="mgmt-1/1ee62e78-d2ca-5c49-8a65-01e695821450"\n'),
    ]
    with open(os.path.join(q, f"mgmt-1_maestro_maestro-agent_{agent_pod}.jsonl"), "w") as f:
        for ts, log in agent:
            f.write(json.dumps({"timestamp": ts, "log": log, "cluster": "mgmt-1", "namespace_name": "maestro",
                                "container_name": "maestro-agent", "pod_name": agent_pod}) + "\n")
    server = [
        ("2026-11-21T09:12:36.197841000Z", 'I1121 09:12:36.197841       1 event_server.go:175] "skipping resource status update as it is not owned by the current instance" resourceID="1ee62e78-d2ca-5c49-8a65-01e695821450"\n'),
        ("2026-11-21T09:12:36.199322000Z", 'I1121 09:12:36.199322       1 event_server.go:231] "Broadcast the resource status" resourceID="1ee62e78-d2ca-5c49-8a65-01e695821450" statusEventType="StatusUpdate"\n'),
    ]
    with open(os.path.join(q, "svc-1_maestro_service.jsonl"), "w") as f:
        for ts, log in server:
            f.write(json.dumps({"timestamp": ts, "log": log, "cluster": "svc-1", "namespace_name": "maestro",
                                "container_name": "service"}) + "\n")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["TIMESTAMP", "pod_name", "log"])
    w.writerow(["2026-11-21T09:41:17.5331020Z", "maestro-6c9d8b7f4d-q8n5w",
                'E1121 09:41:17.533102       1 healthcheck_server.go:97] "Failed to update heartbeat" err="context deadline exceeded" instance="maestro-maestro-6c9d8b7f4d-q8n5w"'])
    w.writerow(["2026-11-21T09:41:18.0000000Z", "maestro-6c9d8b7f4d-q8n5w",
                'I1121 09:41:18.000000       1 server.go:88] "connecting" db_password=hunter2-very-secret'])
    with open(os.path.join(q, "kusto-logs.csv"), "w", newline="") as f:
        f.write(out.getvalue())


if __name__ == "__main__":
    main()
