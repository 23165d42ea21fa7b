#!/usr/bin/env python3
"""Generates a realistic snapshot tree at scale, in the bundle layout (DESIGN.md §4), for the
benchmarks of issue 7. Not a user-facing tool.

    bench/gen.py SCALE OUT_DIR [--seed N] [--payload-kb MIN-MAX]

SCALE is the number of Maestro resources (10000, 100000, 1000000). Per hosted cluster (cid) there
are 4 resources: the HostedCluster bundle (a local-cluster ManifestWork carrying Namespace,
HostedCluster and NodePool), a NodePool bundle, a config bundle and a credentials bundle, each
with a layer-1 AppliedManifestWork; the ManifestWorks, their layer-2 AppliedManifestWorks, the
HostedClusters, NodePools and ManagedClusters exist on the management clusters. Payloads are 5 to
50 KB (control-plane objects shaped like HyperShift's, see `manifests`), statuses are shaped like the Maestro examples, about 3 %
of the resources are deleted. Output is streamed: memory stays small at any scale.

The tree is packed with `mwtrace pack OUT_DIR --out OUT.tar.zst`; `bench/run.sh` does it all.
"""
import base64
import hashlib
import json
import random
import sys
import uuid

OID = uuid.UUID("6ba7b812-9dad-11d1-80b4-00c04fd430c8")
HUB1 = hashlib.sha256(b"maestro-grpc-broker.maestro:8091").hexdigest()
CREATED = "2026-11-21T10:00:00Z"


def rid(source, consumer, work):
    return str(uuid.uuid5(OID, f"{source}-manifestworks.work.open-cluster-management.io-{consumer}-{work}"))


def cond(t, status="True", reason=None, message=""):
    return {"type": t, "status": status, "reason": reason or f"{t}Complete",
            "message": message, "lastTransitionTime": "2026-11-20T09:00:00Z",
            "observedGeneration": 1}


# The control-plane components whose objects fill the payloads; images are the same in a region.
COMPONENTS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "openshift-apiserver",
              "openshift-controller-manager", "openshift-oauth-apiserver", "oauth-openshift", "cluster-version-operator",
              "cluster-network-operator", "ingress-operator", "cluster-policy-controller", "konnectivity-agent",
              "hosted-cluster-config-operator", "control-plane-operator", "ignition-server", "machine-approver",
              "cluster-autoscaler", "capi-provider", "cloud-controller-manager", "csi-snapshot-controller",
              "dns-operator", "olm-operator", "catalog-operator", "packageserver", "router", "aws-ebs-csi-driver"]
DIGEST = {c: hashlib.sha256(c.encode()).hexdigest() for c in COMPONENTS}
PLURAL = {"Namespace": "namespaces", "Deployment": "deployments", "ConfigMap": "configmaps", "Service": "services",
          "ServiceAccount": "serviceaccounts", "Role": "roles", "RoleBinding": "rolebindings"}
VERBS = [["get", "list", "watch"], ["get", "list", "watch", "create", "update", "patch", "delete"], ["*"]]
RESOURCES = ["pods", "configmaps", "secrets", "services", "endpoints", "events", "leases", "deployments",
             "replicasets", "statefulsets", "nodes", "namespaces", "serviceaccounts", "roles", "rolebindings"]


def pem(rnd):
    """A certificate bundle: random base64, unique per hosted cluster, incompressible as real ones."""
    body = base64.b64encode(rnd.randbytes(rnd.randint(900, 1400))).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n"


def manifests(rnd, ns, cid, kind, ca, size):
    """The manifests of one bundle: a Namespace, then control-plane objects shaped like
    HyperShift's (Deployments, ConfigMaps with the cluster's CA, RBAC, Services) until the
    serialized list reaches `size` bytes. Names, uids, hashes and the CA differ per cluster,
    the templates do not, which is what real payloads look like across a region."""
    out = [{"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"api.openshift.com/id": cid, "hypershift.openshift.io/hosted-control-plane": "true"}}}]
    total = 200
    while total < size:
        comp = rnd.choice(COMPONENTS)
        meta = {"name": f"{comp}-{kind}" if rnd.random() < 0.5 else f"{comp}-{rnd.randint(0, 99)}", "namespace": ns,
                "labels": {"app": comp, "hypershift.openshift.io/control-plane-component": comp,
                           "api.openshift.com/id": cid},
                "annotations": {"hypershift.openshift.io/config-hash": f"{rnd.getrandbits(64):016x}"}}
        pick = rnd.random()
        if pick < 0.35:
            obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {
                "replicas": rnd.choice([1, 2, 3]), "revisionHistoryLimit": 2,
                "selector": {"matchLabels": {"app": comp}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                "template": {"metadata": {"labels": {"app": comp, "hypershift.openshift.io/hosted-control-plane": ns}},
                             "spec": {"automountServiceAccountToken": False, "priorityClassName": "hypershift-control-plane",
                                      "serviceAccountName": comp,
                                      "containers": [{"name": comp, "image": f"quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:{DIGEST[comp]}",
                                                      "args": [f"--namespace={ns}", f"--cluster-id={cid}", "--v=2",
                                                               f"--port={rnd.randint(2000, 9999)}", "--tls-min-version=VersionTLS12"],
                                                      "env": [{"name": "CLUSTER_ID", "value": cid}, {"name": "NAMESPACE", "value": ns},
                                                              {"name": "GOMEMLIMIT", "value": f"{rnd.choice([256, 512, 1024])}MiB"}],
                                                      "ports": [{"containerPort": rnd.randint(2000, 9999), "name": "https", "protocol": "TCP"}],
                                                      "livenessProbe": {"httpGet": {"path": "/healthz", "port": "https", "scheme": "HTTPS"},
                                                                        "initialDelaySeconds": 60, "periodSeconds": 10, "failureThreshold": 5},
                                                      "resources": {"requests": {"cpu": f"{rnd.choice([5, 10, 25, 50])}m",
                                                                                 "memory": f"{rnd.choice([32, 64, 128, 256])}Mi"}},
                                                      "volumeMounts": [{"name": "ca", "mountPath": "/etc/kubernetes/ca"},
                                                                       {"name": "kubeconfig", "mountPath": "/etc/kubernetes/kubeconfig"}]}],
                                      "volumes": [{"name": "ca", "configMap": {"name": "root-ca"}},
                                                  {"name": "kubeconfig", "secret": {"secretName": f"{comp}-kubeconfig", "defaultMode": 416}}]}}}}
        elif pick < 0.55:
            obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
                   "data": {"ca.crt": ca, "config.yaml": f"apiVersion: v1\nkind: Config\nclusterID: {cid}\nnamespace: {ns}\n"
                                                       f"servingPort: {rnd.randint(2000, 9999)}\nlogLevel: {rnd.choice(['Normal', 'Debug'])}\n"}}
        elif pick < 0.75:
            obj = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta,
                   "rules": [{"apiGroups": [rnd.choice(["", "apps", "coordination.k8s.io"])],
                              "resources": rnd.sample(RESOURCES, rnd.randint(1, 4)), "verbs": rnd.choice(VERBS)}
                             for _ in range(rnd.randint(2, 6))]}
        elif pick < 0.85:
            obj = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta,
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": meta["name"]},
                   "subjects": [{"kind": "ServiceAccount", "name": comp, "namespace": ns}]}
        elif pick < 0.95:
            obj = {"apiVersion": "v1", "kind": "Service", "metadata": meta,
                   "spec": {"type": "ClusterIP", "selector": {"app": comp},
                            "ports": [{"name": "https", "port": rnd.randint(2000, 9999), "targetPort": "https", "protocol": "TCP"}]}}
        else:
            obj = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}
        out.append(obj)
        total += len(json.dumps(obj, separators=(",", ":")))
    return out


def main():
    scale = int(sys.argv[1])
    out = sys.argv[2]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 42
    # Payload sizes: 4 to 48 KB of manifests (5 to 50 KB with the envelope); smaller ones keep
    # the 1M run within a machine's disk.
    kb = sys.argv[sys.argv.index("--payload-kb") + 1] if "--payload-kb" in sys.argv else "4-48"
    min_bytes, max_bytes = (int(x) * 1000 for x in kb.split("-"))
    rnd = random.Random(seed)
    import os
    mgmts = [f"mgmt-{i}" for i in range(1, 1 + max(1, scale // 25000))]
    hub2 = {m: hashlib.sha256(f"https://api.{m}.example.com:6443".encode()).hexdigest() for m in mgmts}
    for d in ["db"] + [f"kube/{m}/{g}" for m in mgmts for g in
                       ["work.open-cluster-management.io/v1", "cluster.open-cluster-management.io/v1",
                        "hypershift.openshift.io/v1beta1"]]:
        os.makedirs(f"{out}/{d}", exist_ok=True)
    manifest = {"format": "mwtrace-bundle", "format_version": 1, "created_at": CREATED,
                "tool": {"name": "bench/gen.py", "version": "1"}, "origin": "collect",
                "clusters": [{"name": "svc-1", "role": "service"}] +
                            [{"name": m, "role": "management"} for m in mgmts],
                "redaction": {"secrets": True}, "files": [], "errors": []}
    json.dump(manifest, open(f"{out}/manifest.json", "w"))
    files = {}

    def w(path, obj):
        f = files.get(path)
        if f is None:
            f = files[path] = open(f"{out}/{path}", "w", buffering=1 << 20)
        f.write(json.dumps(obj, separators=(",", ":")))
        f.write("\n")

    w("db/consumers.ndjson", {"id": str(uuid.uuid4()), "created_at": CREATED, "updated_at": CREATED,
                              "deleted_at": None, "name": mgmts[0], "labels": None})
    for m in mgmts[1:]:
        w("db/consumers.ndjson", {"id": str(uuid.uuid4()), "created_at": CREATED, "updated_at": CREATED,
                                  "deleted_at": None, "name": m, "labels": None})
    clusters = max(1, scale // 4)
    n = 0
    for c in range(clusters):
        cid = hashlib.md5(f"cid{c}".encode()).hexdigest()[:32].translate(str.maketrans("abcdef", "qrstuv"))
        mgmt = mgmts[c % len(mgmts)]
        ns = f"ocm-arohcpbench-{cid}"
        hc_name = f"hc{c:07d}"
        ca = pem(rnd)
        for kind in ("hc", "np", "config", "creds"):
            if n >= scale:
                break
            n += 1
            work = f"{cid}-{kind}"
            id_ = rid("clusters-service", mgmt, work)
            mw_name = cid if kind == "hc" else f"{cid}-{kind}"
            inner = manifests(rnd, ns, cid, kind, ca, rnd.randint(min_bytes, max_bytes))
            mw = {"apiVersion": "work.open-cluster-management.io/v1", "kind": "ManifestWork",
                  "metadata": {"name": mw_name, "namespace": "local-cluster", "labels": {"api.openshift.com/id": cid}},
                  "spec": {"workload": {"manifests": inner}}}
            deleted = rnd.random() < 0.03
            labels = {"api.openshift.com/id": cid, "api.openshift.com/name": f"cluster-{c}"}
            payload = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "clusters-service",
                       "type": "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request",
                       "resourceid": id_, "resourceversion": 0, "clustername": mgmt, "logtracing": "{}",
                       "metadata": {"name": work, "namespace": mgmt, "uid": id_, "labels": labels},
                       "data": {"manifests": [mw], "deleteOption": {"propagationPolicy": "Foreground"}}}
            failing = rnd.random() < 0.02
            status = {"specversion": "1.0", "resourceid": id_, "resourceversion": 1, "clustername": mgmt,
                      "metadata": payload["metadata"],
                      "data": {"conditions": [cond("Applied", "False" if failing else "True",
                                                   "AppliedManifestWorkFailed" if failing else "AppliedManifestWorkComplete"),
                                              cond("Available", "True", "ResourcesAvailable")],
                               "resourceStatus": [{"resourceMeta": {"ordinal": 0, "group": "work.open-cluster-management.io",
                                                                    "version": "v1", "kind": "ManifestWork", "resource": "manifestworks",
                                                                    "name": mw_name, "namespace": "local-cluster"},
                                                   "conditions": [cond("Applied"), cond("Available")]}]}}
            w("db/resources.ndjson", {"name": id_, "id": id_, "created_at": "2026-11-20T08:00:00+00:00",
                                      "updated_at": "2026-11-20T08:00:05+00:00",
                                      "deleted_at": "2026-11-21T08:00:00+00:00" if deleted else None,
                                      "source": "clusters-service", "consumer_name": mgmt, "version": 1, "type": "",
                                      "payload": payload, "status": status})
            w("db/events.ndjson", {"id": str(uuid.uuid4()), "created_at": "2026-11-20T08:00:00+00:00",
                                   "updated_at": "2026-11-20T08:00:01+00:00", "deleted_at": None, "source": "Resources",
                                   "source_id": id_, "event_type": "Create", "reconciled_date": "2026-11-20T08:00:01+00:00"})
            if deleted:
                continue
            amw1_uid, mw_uid, amw2_uid = (str(uuid.uuid4()) for _ in range(3))
            w(f"kube/{mgmt}/work.open-cluster-management.io/v1/appliedmanifestworks.ndjson",
              {"apiVersion": "work.open-cluster-management.io/v1", "kind": "AppliedManifestWork",
               "metadata": {"name": f"{HUB1}-{id_}", "uid": amw1_uid, "creationTimestamp": CREATED, "labels": labels},
               "spec": {"hubHash": HUB1, "agentID": HUB1, "manifestWorkName": id_},
               "status": {"appliedResources": [{"group": "work.open-cluster-management.io", "version": "v1",
                                                "resource": "manifestworks", "namespace": "local-cluster",
                                                "name": mw_name, "uid": mw_uid}]}})
            mw_obj = json.loads(json.dumps(mw))
            mw_obj["metadata"].update({"uid": mw_uid, "creationTimestamp": CREATED, "ownerReferences": [
                {"apiVersion": "work.open-cluster-management.io/v1", "kind": "AppliedManifestWork",
                 "name": f"{HUB1}-{id_}", "uid": amw1_uid}]})
            mw_obj["status"] = {"conditions": [cond("Applied"), cond("Available")]}
            w(f"kube/{mgmt}/work.open-cluster-management.io/v1/manifestworks.ndjson", mw_obj)
            w(f"kube/{mgmt}/work.open-cluster-management.io/v1/appliedmanifestworks.ndjson",
              {"apiVersion": "work.open-cluster-management.io/v1", "kind": "AppliedManifestWork",
               "metadata": {"name": f"{hub2[mgmt]}-{mw_name}", "uid": amw2_uid, "creationTimestamp": CREATED},
               "spec": {"hubHash": hub2[mgmt], "agentID": hub2[mgmt], "manifestWorkName": mw_name},
               "status": {"appliedResources": [
                   {"group": m["apiVersion"].rpartition("/")[0], "version": m["apiVersion"].rpartition("/")[2],
                    "resource": PLURAL[m["kind"]], "namespace": m["metadata"].get("namespace", ""),
                    "name": m["metadata"]["name"], "uid": str(uuid.uuid4())} for m in inner]}})
        hc_uid = str(uuid.uuid4())
        w(f"kube/{mgmt}/hypershift.openshift.io/v1beta1/hostedclusters.ndjson",
          {"apiVersion": "hypershift.openshift.io/v1beta1", "kind": "HostedCluster",
           "metadata": {"name": hc_name, "namespace": ns, "uid": hc_uid, "creationTimestamp": CREATED,
                        "labels": {"api.openshift.com/id": cid}},
           "status": {"conditions": [cond("Available", "True", "AsExpected"), cond("Degraded", "False", "AsExpected")]}})
        w(f"kube/{mgmt}/hypershift.openshift.io/v1beta1/nodepools.ndjson",
          {"apiVersion": "hypershift.openshift.io/v1beta1", "kind": "NodePool",
           "metadata": {"name": f"{hc_name}-np1", "namespace": ns, "uid": str(uuid.uuid4()), "creationTimestamp": CREATED,
                        "labels": {"api.openshift.com/id": cid},
                        "ownerReferences": [{"apiVersion": "hypershift.openshift.io/v1beta1", "kind": "HostedCluster",
                                             "name": hc_name, "uid": hc_uid}]},
           "spec": {"clusterName": hc_name, "replicas": 2},
           "status": {"conditions": [cond("Ready", "True", "AsExpected")]}})
        w(f"kube/{mgmt}/cluster.open-cluster-management.io/v1/managedclusters.ndjson",
          {"apiVersion": "cluster.open-cluster-management.io/v1", "kind": "ManagedCluster",
           "metadata": {"name": cid, "uid": str(uuid.uuid4()), "creationTimestamp": CREATED},
           "status": {"conditions": [cond("ManagedClusterJoined", "True", "ManagedClusterJoined"),
                                     cond("ManagedClusterConditionAvailable", "True", "ManagedClusterAvailable")]}})
    for f in files.values():
        f.close()
    print(f"{n} resources, {clusters} hosted clusters, {len(mgmts)} management clusters -> {out}")


if __name__ == "__main__":
    main()
