#!/usr/bin/env bash
# Benchmark: objects per second of `mwtrace import` on a generated must-gather tree.
# Writes a must-gather in the real layout (kube-objects.md §9: image dir, namespace sweeps as
# <Kind>List files, pods also as single-object files, the core group folder, go-yaml style YAML)
# holding OBJECTS distinct objects in 500 namespaces, plus one single-object file per 10 pods (the
# duplicates import merges), then times `mwtrace import` on it and prints objects per second
# (target: at least 20,000 per second on 2 cores).
#
#   bench/import-speed.sh [OBJECTS=100000] [MWTRACE=target binary]
#   RELEASE_PIPELINE=1 bench/import-speed.sh      # also time the pipeline in a release build
#
# The binary defaults to the release build when there is one, else the dev build; the dev build
# (opt-level 0 for every crate, SHA-256 of the bundle writer included) is several times slower.
# A release build of mwtrace compiles DuckDB (about 30 minutes on 2 cores); RELEASE_PIPELINE=1
# instead compiles just the import crate's example in release (crates/import/examples/
# import_pipeline.rs: mwtrace-import and mwtrace-bundle, no DuckDB) and times it on the same tree:
# the bundle it writes is byte for byte the one mwtrace writes, but for the tool name in
# manifest.json. A second argument `none` skips the binary and times the release pipeline only.
set -euo pipefail
OBJECTS=${1:-100000}
MWTRACE=${2:-${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/release/mwtrace}
[ "$MWTRACE" = none ] || [ -x "$MWTRACE" ] || MWTRACE=${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/debug/mwtrace
[ "$MWTRACE" = none ] || [ -x "$MWTRACE" ] || { echo "build mwtrace first (cargo build --release)"; exit 2; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /var/tmp/mwtrace-import-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "generating a must-gather with $OBJECTS objects..."
python3 - "$WORK/must-gather.local.1" "$OBJECTS" "$HERE/testdata/import" <<'PY'
import os, sys
root, total, gen_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.dont_write_bytecode = True  # no __pycache__ in testdata/
sys.path.insert(0, gen_dir)
from gen_import import yaml_doc  # the go-yaml style emitter of the fixtures

img = os.path.join(root, "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-" + "ab" * 32)
NS = 500
per_ns = max(1, total // NS)
# per namespace: pods, replicasets, deployments, configmaps, events, services (200 at 100k)
mix = [("pods", "v1", "PodList", 0.25), ("replicasets", "apps/v1", "ReplicaSetList", 0.125),
       ("deployments", "apps/v1", "DeploymentList", 0.125), ("configmaps", "v1", "ConfigMapList", 0.2),
       ("events", "v1", "EventList", 0.25), ("services", "v1", "ServiceList", 0.05)]

def uid(n):
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"

def meta(kind, ns, name, n, owner=None):
    m = {"creationTimestamp": "2026-11-20T06:10:02Z", "labels": {"app": name.rsplit("-", 1)[0], "tier": "backend"},
         "name": name, "namespace": ns, "resourceVersion": str(100000 + n), "uid": uid(n)}
    if owner:
        m["ownerReferences"] = [{"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True,
                                 "kind": owner[0], "name": owner[1], "uid": owner[2]}]
    return m

def obj(plural, api, ns, i, n):
    if plural == "pods":
        return {"apiVersion": api, "kind": "Pod", "metadata": meta("Pod", ns, f"app-{i % 25}-6d8f7c9b5-p{i}", n, ("ReplicaSet", f"app-{i % 25}-6d8f7c9b5", uid(n + 1))),
                "spec": {"containers": [{"args": ["--port=8080", "--v=2", f"--instance={i}"], "env": [{"name": "MODE", "value": "production"}],
                                         "image": "quay.io/example/app@sha256:" + "c" * 64, "imagePullPolicy": "IfNotPresent", "name": "app",
                                         "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                                         "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
                                         "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "10m", "memory": "64Mi"}}}],
                         "imagePullSecrets": [{"name": "default-dockercfg-x7k2q"}], "nodeName": f"worker-{i % 7}",
                         "restartPolicy": "Always", "serviceAccountName": "default"},
                "status": {"conditions": [{"lastProbeTime": None, "lastTransitionTime": "2026-11-20T06:10:09Z", "status": "True", "type": t}
                                          for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
                           "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0, "started": True,
                                                  "state": {"running": {"startedAt": "2026-11-20T06:10:08Z"}}}],
                           "phase": "Running", "podIP": f"10.128.{i % 250}.{i % 200}", "qosClass": "Burstable"}}
    if plural in ("replicasets", "deployments"):
        kind = "ReplicaSet" if plural == "replicasets" else "Deployment"
        return {"apiVersion": api, "kind": kind, "metadata": meta(kind, ns, f"app-{i}", n),
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": f"app-{i}"}},
                         "template": {"metadata": {"labels": {"app": f"app-{i}"}},
                                      "spec": {"containers": [{"image": "quay.io/example/app:1.0", "name": "app"}]}}},
                "status": {"availableReplicas": 2, "observedGeneration": 1, "readyReplicas": 2, "replicas": 2}}
    if plural == "configmaps":
        return {"apiVersion": api, "kind": "ConfigMap", "metadata": meta("ConfigMap", ns, f"config-{i}", n),
                "data": {"app.properties": "log.level=info\nfeature.x=true\nendpoint=https://api.example.com:443\n", "mode": "production"}}
    if plural == "events":
        return {"apiVersion": api, "kind": "Event", "count": 1, "firstTimestamp": "2026-11-20T06:10:02Z",
                "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": f"app-{i}", "namespace": ns},
                "lastTimestamp": "2026-11-20T06:10:02Z", "message": f"Successfully assigned {ns}/app-{i} to worker-{i % 7}",
                "metadata": meta("Event", ns, f"app-{i}.18{i:014x}", n), "reason": "Scheduled",
                "source": {"component": "default-scheduler"}, "type": "Normal"}
    return {"apiVersion": api, "kind": "Service", "metadata": meta("Service", ns, f"svc-{i}", n),
            "spec": {"clusterIP": f"172.30.{i % 250}.{i % 200}", "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
                     "selector": {"app": f"app-{i}"}, "type": "ClusterIP"}}

n = 0
written = 0
for s in range(NS):
    ns = f"ns-{s:03d}"
    base = os.path.join(img, "namespaces", ns)
    os.makedirs(base, exist_ok=True)
    with open(os.path.join(base, f"{ns}.yaml"), "w") as f:
        f.write("---\n" + yaml_doc({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "uid": uid(10**9 + s), "resourceVersion": "1"}}))
    written += 1
    for plural, api, list_kind, share in mix:
        count = max(1, round(per_ns * share))
        items = []
        for i in range(count):
            n += 2
            items.append(obj(plural, api, ns, i, n))
        group = "apps" if api.startswith("apps") else "core"
        os.makedirs(os.path.join(base, group), exist_ok=True)
        with open(os.path.join(base, group, f"{plural}.yaml"), "w") as f:
            f.write("---\n" + yaml_doc({"apiVersion": api, "items": items, "kind": list_kind, "metadata": {"resourceVersion": ""}}))
        written += len(items)
        if plural == "pods":
            for item in items[::10]:
                name = item["metadata"]["name"]
                d = os.path.join(base, "pods", name)
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, f"{name}.yaml"), "w") as f:
                    f.write("---\n" + yaml_doc(item))
with open(os.path.join(root, "timestamp"), "w") as f:
    f.write("2026-11-21 09:58:03.1 +0000 UTC m=+0.01\n")
print(f"{written} distinct objects")
PY
du -sh "$WORK/must-gather.local.1" | sed 's/^/tree size: /'
find "$WORK/must-gather.local.1" -type f | wc -l | sed 's/^/files: /'

# Warm the page cache so that the run measures parsing, not the disk.
cat $(find "$WORK/must-gather.local.1" -type f) > /dev/null
if [ "$MWTRACE" != none ]; then
START=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$WORK/rss" "$MWTRACE" import "$WORK/must-gather.local.1" --out "$WORK/snapshot.tar.zst" 2>"$WORK/import.log" \
  || { cat "$WORK/import.log"; exit 1; }
END=$(date +%s.%N)
tail -1 "$WORK/import.log"
python3 - "$START" "$END" "$(cat "$WORK/rss")" "$(stat -c %s "$WORK/snapshot.tar.zst")" "$MWTRACE" "$WORK/import.log" <<'PY'
import re, sys
start, end, rss_kb, bundle, binary, log = sys.argv[1:]
secs = float(end) - float(start)
summary = open(log).read().strip().splitlines()[-1]
objects = int(re.search(r"; (\d+) objects", summary).group(1))
duplicates = int(re.search(r"(\d+) duplicates merged", summary).group(1))
read = objects + duplicates
print(f"binary            {binary}")
print(f"cores             {__import__('os').cpu_count()}")
print(f"objects           {objects:,} written ({read:,} read, {duplicates:,} duplicates merged)")
print(f"seconds           {secs:.2f}")
print(f"objects/s         {read / secs:,.0f} read ({objects / secs:,.0f} written)")
print(f"peak RSS          {int(rss_kb) / 1024:.0f} MiB")
print(f"bundle            {int(bundle) / 2**20:.1f} MiB")
PY
fi

[ "${RELEASE_PIPELINE:-0}" = 1 ] || exit 0
echo
echo "building the import pipeline alone in release (no DuckDB)..."
# The import crate's example (crates/import/examples/import_pipeline.rs): the same import, in a
# crate that builds in release in a minute.
(cd "$HERE" && CARGO_TARGET_DIR=${PIPELINE_TARGET:-/var/tmp/mwtrace-check} \
  cargo build --release --offline --quiet -p mwtrace-import --example import_pipeline)
PIPELINE=${PIPELINE_TARGET:-/var/tmp/mwtrace-check}/release/examples/import_pipeline
for run in 1 2 3; do
  rm -f "$WORK/pipeline.tar.zst"
  printf "release pipeline  run %s: " "$run"
  "$PIPELINE" "$WORK/must-gather.local.1" "$WORK/pipeline.tar.zst" | sed 's/^objects\/s *//'
done
