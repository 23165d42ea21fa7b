#!/usr/bin/env bash
# Benchmark (issue 20 item 4): `mwtrace serve` answering kubectl on a bundle with N pods (the
# sample plus N generated pods of about 1.5 KB in 100 namespaces, label app=app-<i mod 100>):
# the whole `kubectl get pods -A` command as a Table and as -o json, a 1 % label selector, 100
# concurrent clients (curl) listing one namespace each, and the server's peak RSS.
# Goals: 50,000 pods through kubectl under 3 s, a selector under 300 ms, RSS under 500 MB.
#
#   bench/serve.sh [N=50000] [MWTRACE=release binary, else the dev build]
set -euo pipefail
N=${1:-50000}
MWTRACE=${2:-${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/release/mwtrace}
[ -x "$MWTRACE" ] || MWTRACE=${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/debug/mwtrace
[ -x "$MWTRACE" ] || { echo "build mwtrace first (cargo build --release)"; exit 2; }
command -v kubectl >/dev/null || { echo "needs kubectl (Debian package kubernetes-client)"; exit 2; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /var/tmp/mwtrace-serve-bench.XXXXXX)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export XDG_CACHE_HOME="$WORK/cache"

echo "binary: $MWTRACE"
cp -r "$HERE/testdata/sample" "$WORK/tree"
python3 - "$N" "$WORK/tree/kube/mgmt-1/core/v1/pods.ndjson" <<'PY'
import json, sys
n, out = int(sys.argv[1]), open(sys.argv[2], "w")
for i in range(n):
    ns, app = f"ns-{i % 100}", f"app-{i % 100}"
    out.write(json.dumps({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"pod-{i:06d}", "namespace": ns, "uid": f"00000000-0000-0000-0000-{i:012d}",
                     "creationTimestamp": "2026-11-20T10:00:00Z", "resourceVersion": str(1000 + i),
                     "labels": {"app": app, "pod-template-hash": "5d8f9c7b6"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{app}-5d8f9c7b6",
                                          "uid": "11111111-2222-3333-4444-555555555555", "controller": True}]},
        "spec": {"nodeName": f"node-{i % 7}", "serviceAccountName": app,
                 "containers": [{"name": app, "image": f"registry.example.com/{app}:v1.2.3",
                                 "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}},
                                 "ports": [{"containerPort": 8080, "protocol": "TCP"}]}]},
        "status": {"phase": "Running", "podIP": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
                   "hostIP": f"192.168.0.{i % 7}", "startTime": "2026-11-20T10:00:05Z",
                   "conditions": [{"type": t, "status": "True", "lastTransitionTime": "2026-11-20T10:00:09Z"}
                                  for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
                   "containerStatuses": [{"name": app, "ready": True, "restartCount": i % 3,
                                          "image": f"registry.example.com/{app}:v1.2.3",
                                          "state": {"running": {"startedAt": "2026-11-20T10:00:08Z"}}}]},
    }) + "\n")
PY
"$MWTRACE" pack "$WORK/tree" --out "$WORK/pods.tar.zst" >/dev/null
seconds() { python3 -c 'import re,sys; t=open(sys.argv[1]).read(); w=re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1); print(sum(float(p)*60**i for i,p in enumerate(reversed(w.split(":")))))' "$1"; }
/usr/bin/time -v "$MWTRACE" sql "$WORK/pods.tar.zst" "SELECT 1" >/dev/null 2>"$WORK/load"
printf 'first load (%d pods into DuckDB): %.1f s\n' "$N" "$(seconds "$WORK/load")"

/usr/bin/time -v "$MWTRACE" serve "$WORK/pods.tar.zst" --kubeconfig-out "$WORK/kubeconfig" 2>"$WORK/server" &
SERVER=$!
for _ in $(seq 600); do [ -f "$WORK/kubeconfig" ] && break; sleep 0.1; done
export KUBECONFIG="$WORK/kubeconfig"
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clusters"][0]["cluster"]["server"])' "$KUBECONFIG")

# Best of 3 whole kubectl commands, in milliseconds.
best() {
    local best=
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s%N); "$@" >"$WORK/out"; t1=$(date +%s%N)
        local ms=$(( (t1 - t0) / 1000000 ))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}
kubectl get pods -A >/dev/null # warm: discovery cache, the OS page cache
printf 'kubectl get pods -A (Table, %s rows):        %6d ms\n' "$N" "$(best kubectl get pods -A)"
printf '  rows printed: %d\n' "$(( $(wc -l <"$WORK/out") - 1 ))"
printf 'kubectl get pods -A -o json:                  %6d ms\n' "$(best kubectl get pods -A -o json)"
printf 'kubectl get pods -A -l app=app-7 (1 %%):       %6d ms\n' "$(best kubectl get pods -A -l app=app-7)"
printf '  rows printed: %d\n' "$(( $(wc -l <"$WORK/out") - 1 ))"
# The server alone (curl, the response read and thrown away), best of 3.
curl_ms() {
    local best=
    for _ in 1 2 3; do
        local s
        s=$(curl -sk -o /dev/null -w '%{time_total}' "$@")
        local ms=$(python3 -c "print(int(float('$s') * 1000))")
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}
printf 'server only (curl), list as JSON:             %6d ms\n' "$(curl_ms "$URL/api/v1/pods")"
printf 'server only (curl), list as Table:            %6d ms\n' \
    "$(curl_ms -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' "$URL/api/v1/pods")"
# kubectl asks 500 at a time by default and throttles itself after a burst (client-go's 5
# requests/s: "Waited for ... due to client-side throttling" at -v=4), whatever the server;
# in one request the whole command measures the server and kubectl's own work.
printf 'kubectl get pods -A --chunk-size 0:           %6d ms\n' "$(best kubectl get pods -A --chunk-size 0)"
printf 'kubectl get pods -A -o json --chunk-size 0:   %6d ms\n' "$(best kubectl get pods -A -o json --chunk-size 0)"
printf '  pages kubectl asks for by default: %d, waits for its own throttle: %d\n' \
    "$(kubectl get pods -A -v=6 2>&1 >/dev/null | grep -c 'GET .*/pods?')" \
    "$(kubectl get pods -A -v=4 2>&1 >/dev/null | grep -c 'client-side throttling')"
t0=$(date +%s%N)
clients=()
for i in $(seq 0 99); do
    curl -sk -o /dev/null -w '%{http_code}\n' "$URL/api/v1/namespaces/ns-$i/pods" >>"$WORK/codes" &
    clients+=($!)
done
wait "${clients[@]}"
t1=$(date +%s%N)
printf '100 concurrent clients (curl), one namespace (%d pods) each: %d ms, %d answered 200\n' \
    "$(( N / 100 ))" "$(( (t1 - t0) / 1000000 ))" "$(grep -c '^200$' "$WORK/codes")"
# SIGTERM to mwtrace itself (not to /usr/bin/time, which then reports its peak RSS).
kill -TERM "$(pgrep -P "$SERVER")"; wait "$SERVER" 2>/dev/null || true; SERVER=
printf 'server peak RSS: %d MiB\n' "$(( $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/server") / 1024 ))"
