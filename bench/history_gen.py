#!/usr/bin/env python3
"""Writes N kubernetesResourceSnapshots rows (issue 18 item 6) as Kusto exports: JSON lines
(the object a JSON string, as ARO HCP's Kusto `dynamic` column is exported) and CSV (with a
UTF-8 BOM, as the web UI exports it). Objects are about 2 KB; N/5 objects (HostedClusters,
NodePools, ManifestWorks, ManagedClusters) each get an Add and then Updates (4 on average), and
one in 20 ends with a Delete.

    bench/history_gen.py N OUT_DIR    # writes OUT_DIR/snapshots.jsonl and OUT_DIR/snapshots.csv
"""

import csv
import json
import os
import sys

COLUMNS = ["timestamp", "environment", "region", "cluster", "event", "apiVersion",
           "objectKind", "namespace", "name", "uid", "object"]
KINDS = [("hypershift.openshift.io/v1beta1", "HostedCluster"), ("hypershift.openshift.io/v1beta1", "NodePool"),
         ("work.open-cluster-management.io/v1", "ManifestWork"), ("cluster.open-cluster-management.io/v1", "ManagedCluster")]


def uid(n):
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def cid(n):
    return f"{n:08d}".translate(str.maketrans("0123456789", "abcdefghij")) + "x" * 24


def obj(n, rev, api, kind, deleted):
    c = cid(n // 4)
    ns = "local-cluster" if kind == "ManifestWork" else ("" if kind == "ManagedCluster" else f"ocm-arohcpint-{c}")
    name = c if kind in ("ManifestWork", "ManagedCluster") else f"hc-{n // 4}" + ("-np1" if kind == "NodePool" else "")
    status = "False" if rev % 3 == 2 else "True"
    minute = rev * 7 % 60
    conditions = [{"type": t, "status": status if t == "Available" else "True", "observedGeneration": rev + 1,
                   "lastTransitionTime": f"2026-11-21T0{rev % 10}:{minute:02d}:00Z",
                   "reason": "AsExpected" if status == "True" else "KubeAPIServerUnavailable",
                   "message": f"condition {t} at revision {rev}: " + "m" * 40}
                  for t in ("Available", "Degraded", "Progressing", "ReconciliationSucceeded", "ValidConfiguration")]
    meta = {"name": name, "uid": uid(n), "resourceVersion": str(780000000 + n * 10 + rev), "generation": rev + 1,
            "creationTimestamp": "2026-11-21T00:00:00Z",
            "labels": {"api.openshift.com/id": c, "api.openshift.com/environment": "arohcpint", "api.openshift.com/name": f"cluster-{n}"},
            "annotations": {"hypershift.openshift.io/control-plane-operator-image": "quay.io/acm-d/rhtap-hypershift-operator@sha256:" + "a" * 64}}
    if ns:
        meta["namespace"] = ns
    if deleted:
        meta["deletionTimestamp"] = "2026-11-21T09:59:00Z"
    return {"apiVersion": api, "kind": kind, "metadata": meta,
            "spec": {"release": {"image": "quay.io/openshift-release-dev/ocp-release:4.19.7-multi"}, "platform": {"type": "Azure"},
                     "clusterID": uid(n + 7), "pad": "p" * 300},
            "status": {"conditions": conditions}}


def rows(total):
    objects = max(1, total // 5)
    emitted = 0
    rev = 0
    while emitted < total:
        for n in range(objects):
            if emitted >= total:
                return
            api, kind = KINDS[n % 4]
            last = rev == 4
            event = "Add" if rev == 0 else ("Delete" if last and n % 20 == 0 else "Update")
            ts = f"2026-11-21T{rev * 2:02d}:{(n // 60) % 60:02d}:{n % 60:02d}.{n % 1000:03d}0000Z"
            o = obj(n, rev, api, kind, event == "Delete")
            m = o["metadata"]
            yield {"timestamp": ts, "environment": "arohcpint", "region": "uksouth", "cluster": "mgmt-1",
                   "event": event, "apiVersion": api, "objectKind": kind, "namespace": m.get("namespace", ""),
                   "name": m["name"], "uid": m["uid"], "object": json.dumps(o, separators=(",", ":"))}
            emitted += 1
        rev += 1


def main():
    total, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "snapshots.jsonl"), "w") as jl, \
            open(os.path.join(out, "snapshots.csv"), "w", newline="", encoding="utf-8-sig") as cf:
        w = csv.writer(cf, lineterminator="\r\n")
        w.writerow(COLUMNS)
        for r in rows(total):
            jl.write(json.dumps(r) + "\n")
            w.writerow([r[c] for c in COLUMNS])


if __name__ == "__main__":
    main()
