#!/usr/bin/env python3
"""Generate the `mwtrace import` fixtures under testdata/import/.

Regenerate with:  python3 testdata/import/gen_import.py
(stdlib only; deterministic: same input, same bytes.)

Inputs (all in this repository):
  testdata/sample/            the sample scenario (kube objects, DB rows): see testdata/README.md
  testdata/import/reference/  verbatim copies of /work/shared/reference examples (see its README)

Writes, in the real layouts of kube-objects.md §9 (must-gather / inspect) and §8 (dump-crs):
  must-gather/must-gather.local.5948474950/   oc adm must-gather: image dir, Lists, single files,
                                              the core group folder, pod logs, a duplicate
                                              object (List item vs single file), a broken file
  must-gather.tar.gz                          the same tree, archived (tar czf of the folder)
  inspect/inspect.local.8112460447/           oc adm inspect (no image dir), the HCP chain of the
                                              sample: both AMW layers, ManifestWork, HostedCluster,
                                              NodePool, Namespaces, ManagedCluster (as .json)
  dump-crs/crs/<ns>/<listkind>.<group>.yaml   hcpctl mc dump-crs: items as YAML documents joined
                                              by ---, keys sorted; one document broken, one object
                                              without apiVersion/kind (named by the file)
  db/resources.ndjson, db/consumers.json      Maestro DB rows (row_to_json lines; a JSON array)
  rest/*.json                                 Maestro REST pages (ResourceBundleList, ConsumerList)
  kubectl/*                                   kubectl get -o json List; -o yaml object; rendered
                                              multi-document YAML with Secrets

YAML is written the way go-yaml v2 (sigs.k8s.io/yaml, used by oc, kubectl and hcpctl) writes
it: keys sorted, sequences not indented under their key, strings that would read as another
type double-quoted, strings that cannot be plain single-quoted, multi-line strings as `|`/`|-`
literal blocks, and `---` before every object printed after the first (oc adm inspect).
"""

import copy
import io
import json
import os
import re
import shutil
import tarfile
import gzip

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SAMPLE = os.path.join(REPO, "testdata", "sample")
REF = os.path.join(HERE, "reference")

CID = "2qrppk0otds3rdmdcojqcqkqq8f0s591"
HC_NS = f"ocm-arohcpint-{CID}"
HUB1 = "f1d8a1049b93dffc1929d57a719c3a09a4dcbfe0cd6e42840325be3b2dde73c8"
R1 = "55c61e54-a3f6-563d-9fec-b1fe297bdfdb"
R2 = "1ee62e78-d2ca-5c49-8a65-01e695821450"
R1_AMW_UID = "432b3ff3-702e-4363-89e6-ad399c75608c"
DEPLOY_UID = "60c0cf67-9e02-449c-b4b7-1e9de58871e0"
RS_NAME = "maestro-e2e-upgrade-test-68bd67c4c7"
RS_UID = "0d4a7f0e-5a41-4c59-9a55-3f0f3b1c8e21"
POD_NAME = f"{RS_NAME}-x9k2p"
POD_UID = "b6f2c1d4-8e7a-4f3b-9c2d-1a5e6f7b8c9d"
AGENT_POD = "maestro-agent-5d8f7c9b6-qw7rt"
IMAGE_DIR = "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-3f1e9c0b7a5d2e8f4c6b1a9d0e7f3c5b8a2d6e4f1c9b7a0d3e5f8c2b6a4d1e7f9"


# ------------------------------------------------------------------------------------------
# go-yaml v2 style emitter
# ------------------------------------------------------------------------------------------
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$|^[-+]?0[xob][0-9a-fA-F_]+$|^[-+]?0[0-7_]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$")
_BOOL = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
         "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"}
_NULL = {"~", "null", "Null", "NULL", ""}
_TIMESTAMP = re.compile(r"^\d{4}-\d\d?-\d\d?([Tt ]|$)")
_PLAIN_START_BAD = set("-?:,[]{}#&*!|>'\"%@` ")


def _resolves_to_other_type(s):
    return s in _BOOL or s in _NULL or bool(_INT.match(s)) or bool(_FLOAT.match(s)) or bool(_TIMESTAMP.match(s))


def _plain_ok(s):
    if not s or s[0] in _PLAIN_START_BAD or s[-1] == " ":
        return False
    if ": " in s or " #" in s or s.endswith(":") or "\t" in s:
        return False
    return all(c.isprintable() for c in s)


def scalar(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    s = v
    if _resolves_to_other_type(s):
        return json.dumps(s, ensure_ascii=False)
    if _plain_ok(s):
        return s
    if all(c.isprintable() for c in s) and s[0] != " " and s[-1] != " ":
        return "'" + s.replace("'", "''") + "'"
    return json.dumps(s, ensure_ascii=False)


def _literal(s, indent):
    """`|` block lines for a multi-line string, or None when go-yaml would not use one."""
    if s.startswith("\n") or any(not c.isprintable() for c in s.replace("\n", "")):
        return None
    if s.endswith("\n\n"):
        chomp = "+"
        body = s[:-1]
    elif s.endswith("\n"):
        chomp = ""
        body = s[:-1]
    else:
        chomp = "-"
        body = s
    if any(line.endswith(" ") for line in body.split("\n")):
        return None
    header = "|" + ("2" if s.startswith(" ") else "") + chomp
    pad = " " * indent
    lines = [pad + line if line else "" for line in body.split("\n")]
    return header, lines


def _key(k):
    return k if _plain_ok(k) and not _resolves_to_other_type(k) else scalar(k)


def emit(value, indent=0):
    """Lines of a mapping or sequence at `indent`."""
    pad = " " * indent
    out = []
    if isinstance(value, dict):
        for k in sorted(value):
            v = value[k]
            key = f"{pad}{_key(k)}:"
            out.extend(_entry(key, v, indent, in_map=True))
    elif isinstance(value, list):
        for item in value:
            out.extend(_entry(f"{pad}-", item, indent, in_map=False))
    return out


def _entry(prefix, v, indent, in_map):
    if isinstance(v, dict) and v:
        if in_map:
            return [prefix] + emit(v, indent + 2)
        inner = emit(v, indent + 2)
        return [prefix + " " + inner[0].lstrip(" ")] + inner[1:]
    if isinstance(v, list) and v:
        if in_map:
            return [prefix] + emit(v, indent)
        inner = emit(v, indent + 2)
        return [prefix + " " + inner[0].lstrip(" ")] + inner[1:]
    if isinstance(v, dict):
        return [prefix + " {}"]
    if isinstance(v, list):
        return [prefix + " []"]
    if isinstance(v, str) and "\n" in v:
        block = _literal(v, indent + 2)
        if block:
            header, lines = block
            return [prefix + " " + header] + lines
    return [prefix + " " + scalar(v)]


def yaml_doc(obj):
    return "\n".join(emit(obj)) + "\n"


def inspect_yaml(objs):
    """oc adm inspect: one shared printer, `---` before every object after the first; inside a
    gather every file is written after others, so each starts with `---`."""
    return "".join("---\n" + yaml_doc(o) for o in objs)


def list_yaml(kind, api_version, items):
    return "---\n" + yaml_doc({"apiVersion": api_version, "items": items, "kind": kind,
                                "metadata": {"resourceVersion": ""}})


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------
def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def ndjson_objects(rel):
    with open(os.path.join(SAMPLE, "kube", "mgmt-1", rel)) as f:
        return [json.loads(line) for line in f if line.strip()]


def by_name(objs, name):
    return copy.deepcopy(next(o for o in objs if o["metadata"]["name"] == name))


def db_rows(table):
    with open(os.path.join(SAMPLE, "db", f"{table}.ndjson")) as f:
        return [json.loads(line) for line in f if line.strip()]


AMWS = ndjson_objects("work.open-cluster-management.io/v1/appliedmanifestworks.ndjson")
DEPLOYMENTS = ndjson_objects("apps/v1/deployments.ndjson")
NAMESPACES = ndjson_objects("core/v1/namespaces.ndjson")
HCS = ndjson_objects("hypershift.openshift.io/v1beta1/hostedclusters.ndjson")
NPS = ndjson_objects("hypershift.openshift.io/v1beta1/nodepools.ndjson")
MWS = ndjson_objects("work.open-cluster-management.io/v1/manifestworks.ndjson")
MCS = ndjson_objects("cluster.open-cluster-management.io/v1/managedclusters.ndjson")


def owner(kind, api_version, name, uid, controller=True):
    ref = {"apiVersion": api_version, "kind": kind, "name": name, "uid": uid}
    if controller:
        ref.update({"blockOwnerDeletion": True, "controller": True})
    return ref


# ------------------------------------------------------------------------------------------
# must-gather
# ------------------------------------------------------------------------------------------
def replica_set():
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "annotations": {"deployment.kubernetes.io/desired-replicas": "1",
                            "deployment.kubernetes.io/max-replicas": "2",
                            "deployment.kubernetes.io/revision": "1"},
            "creationTimestamp": "2025-12-13T13:32:30Z", "generation": 1,
            "labels": {"app": "nginx", "pod-template-hash": "68bd67c4c7"},
            "name": RS_NAME, "namespace": "default",
            "ownerReferences": [owner("Deployment", "apps/v1", "maestro-e2e-upgrade-test", DEPLOY_UID)],
            "resourceVersion": "1561", "uid": RS_UID},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "nginx", "pod-template-hash": "68bd67c4c7"}},
                 "template": {"metadata": {"labels": {"app": "nginx", "pod-template-hash": "68bd67c4c7"}},
                              "spec": {"containers": [{"image": "quay.io/nginx/nginx-unprivileged:latest",
                                                       "imagePullPolicy": "IfNotPresent", "name": "nginx"}]}}},
        "status": {"availableReplicas": 1, "fullyLabeledReplicas": 1, "observedGeneration": 1,
                   "readyReplicas": 1, "replicas": 1},
    }


def pod(resource_version, phase, ready):
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "creationTimestamp": "2025-12-13T13:32:31Z",
            "generateName": RS_NAME + "-",
            "labels": {"app": "nginx", "pod-template-hash": "68bd67c4c7"},
            "name": POD_NAME, "namespace": "default",
            "ownerReferences": [owner("ReplicaSet", "apps/v1", RS_NAME, RS_UID)],
            "resourceVersion": resource_version, "uid": POD_UID},
        "spec": {"containers": [{"image": "quay.io/nginx/nginx-unprivileged:latest",
                                 "imagePullPolicy": "IfNotPresent", "name": "nginx",
                                 "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}],
                 "imagePullSecrets": [{"name": "default-dockercfg-8kq4z"}],
                 "nodeName": "mgmt-1-worker-a", "restartPolicy": "Always"},
        "status": {"conditions": [{"lastProbeTime": None, "lastTransitionTime": "2025-12-13T13:32:33Z",
                                   "status": ready, "type": "Ready"}],
                   "phase": phase, "podIP": "10.128.2.17"},
    }


def agent_pod():
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"creationTimestamp": "2026-11-20T06:10:02Z", "labels": {"app": "maestro-agent"},
                     "name": AGENT_POD, "namespace": "maestro", "resourceVersion": "782334610",
                     "uid": "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"},
        "spec": {"containers": [{"args": ["/usr/local/bin/maestro", "agent", "--consumer-name=mgmt-1",
                                          "--workload-source-driver=mqtt",
                                          "--workload-source-config=/secrets/mqtt/config.yaml",
                                          "--appliedmanifestwork-eviction-grace-period=876000h", "-v=2"],
                                 "image": "quay.io/redhat-user-workloads/maestro-rhtap-tenant/maestro/maestro:ab480c65",
                                 "name": "maestro-agent"}],
                 "serviceAccountName": "maestro-agent-sa"},
        "status": {"containerStatuses": [{"name": "maestro-agent", "ready": True, "restartCount": 1}],
                   "phase": "Running"},
    }


def must_gather():
    root = os.path.join(HERE, "must-gather", "must-gather.local.5948474950")
    shutil.rmtree(os.path.join(HERE, "must-gather"), ignore_errors=True)
    write(os.path.join(root, "must-gather.logs"),
          "[must-gather      ] OUT 2026-11-21T09:58:03.120Z Using must-gather plug-in image: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:3f1e...\n")
    write(os.path.join(root, "timestamp"),
          "2026-11-21 09:58:03.123456789 +0000 UTC m=+0.012345678\n"
          "2026-11-21 09:59:41.5 +0000 UTC m=+98.387654321\n")
    write(os.path.join(root, "event-filter.html"), "<html><body>events</body></html>\n")
    img = os.path.join(root, IMAGE_DIR)
    write(os.path.join(img, "version"), "openshift/must-gather\n4.20.0-202611180917\n")
    write(os.path.join(img, "timestamp"),
          "2026-11-21 09:58:04.001 +0000 UTC m=+0.009\n2026-11-21 09:59:40.2 +0000 UTC m=+96.2\n")
    write(os.path.join(img, "gather.logs"), "Gathering data for ns/default...\n")
    write(os.path.join(img, "aggregated-discovery-api.yaml"),
          "---\napiVersion: apidiscovery.k8s.io/v2\nitems: []\nkind: APIGroupDiscoveryList\nmetadata: {}\n")

    # cluster-scoped: the layer-1 AppliedManifestWork (single-object file) and a Node (core folder)
    amw = by_name(AMWS, f"{HUB1}-{R1}")
    write(os.path.join(img, "cluster-scoped-resources", "work.open-cluster-management.io",
                       "appliedmanifestworks", f"{HUB1}-{R1}.yaml"), inspect_yaml([amw]))
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"creationTimestamp": "2025-10-30T10:01:00Z",
                         "labels": {"kubernetes.io/hostname": "mgmt-1-worker-a",
                                    "node-role.kubernetes.io/worker": ""},
                         "name": "mgmt-1-worker-a", "resourceVersion": "782330001",
                         "uid": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"},
            "status": {"conditions": [{"lastHeartbeatTime": "2026-11-21T09:57:10Z",
                                       "lastTransitionTime": "2025-10-30T10:03:00Z",
                                       "message": "kubelet is posting ready status",
                                       "reason": "KubeletReady", "status": "True", "type": "Ready"}]}}
    write(os.path.join(img, "cluster-scoped-resources", "core", "nodes", "mgmt-1-worker-a.yaml"),
          inspect_yaml([node]))

    # namespaces/default: the inspected namespace, its Lists, and its pod
    ns = os.path.join(img, "namespaces", "default")
    write(os.path.join(ns, "default.yaml"), inspect_yaml([by_name(NAMESPACES, "default")]))
    deployment = by_name(DEPLOYMENTS, "maestro-e2e-upgrade-test")
    deployment["spec"]["replicas"] = 1
    deployment["metadata"]["resourceVersion"] = "1560"
    write(os.path.join(ns, "apps", "deployments.yaml"), list_yaml("DeploymentList", "apps/v1", [deployment]))
    # the same Deployment as a single file, older: the List's copy must win
    older = copy.deepcopy(deployment)
    older["metadata"]["resourceVersion"] = "1547"
    older["spec"]["replicas"] = 0
    write(os.path.join(ns, "apps", "deployments", "maestro-e2e-upgrade-test.yaml"), inspect_yaml([older]))
    write(os.path.join(ns, "apps", "replicasets.yaml"), list_yaml("ReplicaSetList", "apps/v1", [replica_set()]))
    # the Pod in the List (resourceVersion 999) and in its own file (1000, newer: numerically,
    # though "1000" < "999" as strings)
    write(os.path.join(ns, "core", "pods.yaml"), list_yaml("PodList", "v1", [pod("999", "Pending", "False")]))
    write(os.path.join(ns, "pods", POD_NAME, f"{POD_NAME}.yaml"), inspect_yaml([pod("1000", "Running", "True")]))
    # ConfigMaps as the list API returns them: items without apiVersion/kind (filled from the List)
    cms = [{"data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n"},
            "metadata": {"creationTimestamp": "2025-10-30T10:40:00Z", "name": "kube-root-ca.crt",
                         "namespace": "default", "resourceVersion": "4011",
                         "uid": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"}},
           {"data": {"nginx.conf": "  server {\n    listen 8080;\n  }\n", "mode": "proxy: passthrough # not a comment",
                     "empty": "", "yes": "no", "quote": "it's"},
            "metadata": {"annotations": {"note": "a long annotation value that go-yaml would fold past eighty columns when it writes it out, kept on one line here"},
                         "creationTimestamp": "2025-12-13T13:32:30Z", "name": "nginx-config",
                         "namespace": "default", "resourceVersion": "1550",
                         "uid": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"}}]
    write(os.path.join(ns, "core", "configmaps.yaml"), list_yaml("ConfigMapList", "v1", cms))
    # Secrets: oc adm inspect already replaced data values ("<N> bytes long") except public
    # certificates; mwtrace redacts whatever is left
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
              "data": {"tls.crt": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t", "tls.key": "1704 bytes long"},
              "metadata": {"creationTimestamp": "2025-12-13T13:32:30Z", "name": "nginx-tls",
                           "namespace": "default", "resourceVersion": "1549",
                           "uid": "9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"}}
    write(os.path.join(ns, "core", "secrets.yaml"), list_yaml("SecretList", "v1", [secret]))
    # a broken file: the List was cut short while writing (bad indentation on line 9)
    write(os.path.join(ns, "core", "services.yaml"),
          "---\napiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: nginx\n    namespace: default\n   uid: 5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f8a\n  spec:\n    ports: [\n")
    events = [{"apiVersion": "v1", "kind": "Event", "count": 1, "firstTimestamp": "2025-12-13T13:32:31Z",
               "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": POD_NAME, "namespace": "default",
                                  "uid": POD_UID},
               "lastTimestamp": "2025-12-13T13:32:31Z", "message": f"Successfully assigned default/{POD_NAME} to mgmt-1-worker-a",
               "metadata": {"creationTimestamp": "2025-12-13T13:32:31Z", "name": f"{POD_NAME}.1880a1b2c3d4e5f6",
                            "namespace": "default", "resourceVersion": "1562",
                            "uid": "4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b"},
               "reason": "Scheduled", "source": {"component": "default-scheduler"}, "type": "Normal"}]
    write(os.path.join(ns, "core", "events.yaml"), list_yaml("EventList", "v1", events))

    # namespaces/maestro: the agent, with the logs of its current and previous container
    mns = os.path.join(img, "namespaces", "maestro")
    write(os.path.join(mns, "maestro.yaml"), inspect_yaml([by_name(NAMESPACES, "maestro")]))
    write(os.path.join(mns, "apps", "deployments.yaml"),
          list_yaml("DeploymentList", "apps/v1", [by_name(DEPLOYMENTS, "maestro-agent")]))
    write(os.path.join(mns, "core", "pods.yaml"), list_yaml("PodList", "v1", [agent_pod()]))
    write(os.path.join(mns, "pods", AGENT_POD, f"{AGENT_POD}.yaml"), inspect_yaml([agent_pod()]))
    logs = os.path.join(mns, "pods", AGENT_POD, "maestro-agent", "maestro-agent", "logs")
    write(os.path.join(logs, "previous.log"),
          '2026-11-20T06:09:58.101Z I1120 06:09:58.101 1 agent.go:84] "Starting maestro agent" consumer="mgmt-1"\n'
          '2026-11-20T06:10:01.330Z E1120 06:10:01.330 1 reflector.go:147] "Failed to watch" err="connection refused"\n')
    write(os.path.join(logs, "current.log"),
          '2026-11-20T06:10:05.512Z I1120 06:10:05.512 1 agent.go:84] "Starting maestro agent" consumer="mgmt-1"\n'
          f'2026-11-21T09:40:12.004Z I1121 09:40:12.004 1 manifestwork_controller.go:211] "Applied" resourceid="{R1}"\n')

    # the archive: tar czf must-gather.tar.gz must-gather.local.5948474950 (deterministic)
    target = os.path.join(HERE, "must-gather.tar.gz")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        base = os.path.join(HERE, "must-gather")
        entries = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            rel = os.path.relpath(dirpath, base)
            entries.append(rel)
            entries.extend(os.path.join(rel, f) for f in sorted(filenames))
        for rel in entries:
            if rel == ".":
                continue
            info = tar.gettarinfo(os.path.join(base, rel), arcname=rel)
            info.mtime = 1795255181  # 2026-11-21T09:59:41Z
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o755 if info.isdir() else 0o644
            if info.isdir():
                tar.addfile(info)
            else:
                with open(os.path.join(base, rel), "rb") as f:
                    tar.addfile(info, f)
    with open(target, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
            gz.write(buf.getvalue())


# ------------------------------------------------------------------------------------------
# oc adm inspect: the HCP chain of the sample (R2), both AMW layers
# ------------------------------------------------------------------------------------------
def inspect():
    root = os.path.join(HERE, "inspect", "inspect.local.8112460447")
    shutil.rmtree(os.path.join(HERE, "inspect"), ignore_errors=True)
    write(os.path.join(root, "timestamp"), "2026-11-21 09:50:00.5 +0000 UTC m=+0.01\n2026-11-21 09:50:07.25 +0000 UTC m=+6.8\n")
    write(os.path.join(root, "event-filter.html"), "<html></html>\n")
    csr = os.path.join(root, "cluster-scoped-resources")
    for amw in AMWS:
        name = amw["metadata"]["name"]
        if name.endswith(R2) or name.endswith(CID):
            write(os.path.join(csr, "work.open-cluster-management.io", "appliedmanifestworks", f"{name}.yaml"),
                  inspect_yaml([amw]))
    # oc adm inspect -o json is not a thing, but trees are also assembled by hand: .json works
    mc = by_name(MCS, CID)
    write(os.path.join(csr, "cluster.open-cluster-management.io", "managedclusters", f"{CID}.json"),
          json.dumps(mc, indent=4) + "\n")
    for ns_name in ["local-cluster", HC_NS, f"{HC_NS}-x8y5p7r4g6j9e3v"]:
        write(os.path.join(root, "namespaces", ns_name, f"{ns_name}.yaml"),
              inspect_yaml([by_name(NAMESPACES, ns_name)]))
    write(os.path.join(root, "namespaces", "local-cluster", "work.open-cluster-management.io",
                       "manifestworks", f"{CID}.yaml"), inspect_yaml([by_name(MWS, CID)]))
    write(os.path.join(root, "namespaces", HC_NS, "hypershift.openshift.io", "hostedclusters",
                       "x8y5p7r4g6j9e3v.yaml"), inspect_yaml([by_name(HCS, "x8y5p7r4g6j9e3v")]))
    write(os.path.join(root, "namespaces", HC_NS, "hypershift.openshift.io", "nodepools",
                       "x8y5p7r4g6j9e3v-np1.yaml"), inspect_yaml([by_name(NPS, "x8y5p7r4g6j9e3v-np1")]))


# ------------------------------------------------------------------------------------------
# hcpctl mc dump-crs
# ------------------------------------------------------------------------------------------
def dump_crs():
    root = os.path.join(HERE, "dump-crs", "crs")
    shutil.rmtree(os.path.join(HERE, "dump-crs"), ignore_errors=True)

    def docs(objs):
        # yaml.v2 Marshal of each item, joined by ---; no leading ---
        return "---\n".join(yaml_doc(o) for o in objs)

    hc = by_name(HCS, "x8y5p7r4g6j9e3v")
    np = by_name(NPS, "x8y5p7r4g6j9e3v-np1")
    # this one lost its apiVersion/kind: the file name (nodepoollist.hypershift.openshift.io) names them
    del np["apiVersion"], np["kind"]
    write(os.path.join(root, HC_NS, "hostedclusterlist.hypershift.openshift.io.yaml"), docs([hc]))
    write(os.path.join(root, HC_NS, "nodepoollist.hypershift.openshift.io.yaml"), docs([np]))
    mw = by_name(MWS, CID)
    namespaces_mw = {"apiVersion": "work.open-cluster-management.io/v1", "kind": "ManifestWork",
                     "metadata": {"creationTimestamp": "2026-11-19T14:01:02Z",
                                  "labels": {"api.openshift.com/id": CID},
                                  "name": f"{CID}-00-namespaces", "namespace": "local-cluster",
                                  "resourceVersion": "781990021",
                                  "uid": "5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c"},
                     "spec": {"workload": {"manifests": [{"apiVersion": "v1", "kind": "Namespace",
                                                          "metadata": {"name": HC_NS}}]}}}
    broken = "metadata:\n  name: truncated\n spec: {\n"
    write(os.path.join(root, "local-cluster", "manifestworklist.work.open-cluster-management.io.yaml"),
          yaml_doc(mw) + "---\n" + broken + "---\n" + yaml_doc(namespaces_mw))
    info = {"apiVersion": "internal.open-cluster-management.io/v1beta1", "kind": "ManagedClusterInfo",
            "metadata": {"creationTimestamp": "2026-11-19T14:02:00Z", "name": CID, "namespace": CID,
                         "resourceVersion": "781990200", "uid": "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"},
            "status": {"conditions": [{"lastTransitionTime": "2026-11-19T14:20:00Z",
                                       "message": "Managed cluster is available", "reason": "ManagedClusterAvailable",
                                       "status": "True", "type": "ManagedClusterConditionAvailable"}],
                       "distributionInfo": {"type": "OCP"}}}
    write(os.path.join(root, CID, "managedclusterinfolist.internal.open-cluster-management.io.yaml"), docs([info]))


# ------------------------------------------------------------------------------------------
# Maestro DB rows and REST pages; kubectl output
# ------------------------------------------------------------------------------------------
def maestro():
    resources = [r for r in db_rows("resources") if r["id"] == R1]
    write(os.path.join(HERE, "db", "resources.ndjson"),
          "".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in resources))
    write(os.path.join(HERE, "db", "consumers.json"), json.dumps(db_rows("consumers"), indent=2) + "\n")

    with open(os.path.join(REF, "rest-resource-bundle-list.json")) as f:
        page1_text = f.read()
    write(os.path.join(HERE, "rest", "resource-bundles-page-1.json"), page1_text)
    page1 = json.loads(page1_text)
    updated = copy.deepcopy(page1["items"][0])
    updated.update({"version": 2, "updated_at": "2025-11-26T17:40:02.118034+08:00"})
    updated["manifests"][0]["spec"]["replicas"] = 2
    updated["status"] = {
        "ObservedVersion": 2, "SequenceID": "1999832099518943232",
        "conditions": [
            {"type": "Applied", "status": "True", "reason": "AppliedManifestWorkComplete",
             "message": "Apply manifest work complete", "lastTransitionTime": "2025-11-26T09:40:03Z",
             "observedGeneration": 2},
            {"type": "Available", "status": "True", "reason": "ResourcesAvailable",
             "message": "All resources are available", "lastTransitionTime": "2025-11-26T09:40:03Z",
             "observedGeneration": 2}],
        "resourceStatus": [{"resourceMeta": {"ordinal": 0, "group": "apps", "version": "v1",
                                             "kind": "Deployment", "resource": "deployments",
                                             "name": "nginx", "namespace": "default"},
                            "conditions": [{"type": "Applied", "status": "True",
                                            "reason": "AppliedManifestComplete",
                                            "message": "Apply manifest complete",
                                            "lastTransitionTime": "2025-11-26T09:40:03Z"}]}]}
    deleted = {
        "consumer_name": "cluster1", "created_at": "2025-11-25T08:00:00.5+08:00",
        "deleted_at": "2025-11-26T18:00:00+08:00", "href": "/api/maestro/v1/resource-bundles/7c2e9f1a-3b4d-5e6f-8a9b-0c1d2e3f4a5b",
        "id": "7c2e9f1a-3b4d-5e6f-8a9b-0c1d2e3f4a5b", "kind": "ResourceBundle",
        "manifests": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old-config", "namespace": "default"},
                       "data": {"a": "b"}}],
        "delete_option": {"propagationPolicy": "Foreground"},
        "metadata": {"creationTimestamp": "2025-11-25T08:00:00+08:00", "deletionTimestamp": "2025-11-26T18:00:00+08:00",
                     "name": "old-config-work", "namespace": "cluster1", "resourceVersion": "0",
                     "uid": "7c2e9f1a-3b4d-5e6f-8a9b-0c1d2e3f4a5b"},
        "name": "7c2e9f1a-3b4d-5e6f-8a9b-0c1d2e3f4a5b", "updated_at": "2025-11-26T18:00:00+08:00", "version": 1}
    page2 = {"items": [updated, deleted], "kind": "ResourceBundleList", "page": 2, "size": 2, "total": 2}
    write(os.path.join(HERE, "rest", "resource-bundles-page-2.json"), json.dumps(page2, indent=2) + "\n")
    consumers = {"items": [{"created_at": "2025-11-20T10:00:00.123456+08:00", "href": "/api/maestro/v1/consumers/3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                            "id": "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "kind": "Consumer",
                            "labels": {"env": "dev"}, "name": "cluster1",
                            "updated_at": "2025-11-20T10:00:00.123456+08:00"}],
                 "kind": "ConsumerList", "page": 1, "size": 1, "total": 1}
    write(os.path.join(HERE, "rest", "consumers.json"), json.dumps(consumers, indent=2) + "\n")


def kubectl():
    out = os.path.join(HERE, "kubectl")
    shutil.rmtree(out, ignore_errors=True)
    # kubectl get appliedmanifestworks,deployments -A -o json: a generic List, keys sorted
    nginx_amw_uid = "8d9e0f1a-2b3c-4d5e-9f6a-7b8c9d0e1f2a"
    nginx_id = "916777c0-0950-56c5-bb78-c884a111303b"
    amw = {"apiVersion": "work.open-cluster-management.io/v1", "kind": "AppliedManifestWork",
           "metadata": {"creationTimestamp": "2025-11-26T09:23:09Z",
                        "finalizers": ["cluster.open-cluster-management.io/applied-manifest-work-cleanup"],
                        "generation": 1, "labels": {"cloudevents.open-cluster-management.io/originalsource": "maestro"},
                        "name": f"{HUB1}-{nginx_id}", "resourceVersion": "2210", "uid": nginx_amw_uid},
           "spec": {"agentID": HUB1, "hubHash": HUB1, "manifestWorkName": nginx_id},
           "status": {"appliedResources": [{"group": "apps", "name": "nginx", "namespace": "default",
                                            "resource": "deployments", "uid": "1f2a3b4c-5d6e-4f7a-8b9c-0d1e2f3a4b5c",
                                            "version": "v1"}]}}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"creationTimestamp": "2025-11-26T09:23:09Z", "generation": 2, "name": "nginx",
                               "namespace": "default",
                               "ownerReferences": [{"apiVersion": "work.open-cluster-management.io/v1",
                                                    "kind": "AppliedManifestWork", "name": f"{HUB1}-{nginx_id}",
                                                    "uid": nginx_amw_uid}],
                               "resourceVersion": "2290", "uid": "1f2a3b4c-5d6e-4f7a-8b9c-0d1e2f3a4b5c"},
                  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "nginx"}}},
                  "status": {"availableReplicas": 2, "readyReplicas": 2, "replicas": 2}}
    listing = {"apiVersion": "v1", "items": [amw, deployment], "kind": "List",
               "metadata": {"resourceVersion": ""}}
    write(os.path.join(out, "amw-and-deployment.json"), json.dumps(listing, indent=4, sort_keys=True) + "\n")
    # kubectl get managedcluster -o yaml (one object): the reference example, verbatim
    shutil.copy(os.path.join(REF, "managedcluster.hosted-mode-with-status.yaml"),
                os.path.join(out, "managedcluster.yaml"))
    # hypershift create cluster azure --render: Namespace, Secrets, HostedCluster, NodePool
    shutil.copy(os.path.join(REF, "hostedcluster.azure-rendered-with-nodepool.yaml"),
                os.path.join(out, "rendered-hostedcluster.yaml"))


def main():
    must_gather()
    inspect()
    dump_crs()
    maestro()
    kubectl()


if __name__ == "__main__":
    main()
