#!/usr/bin/env bash
# Benchmark (issue 18 item 6): a cached `mwtrace timeline --cluster-id` as a whole process, on
# a bundle whose history has N generated kubernetesResourceSnapshots rows (bench/history_gen.py,
# about 2 KB objects), with the load (object_history, condition_history, timeline) timed once.
# Goal: a cached timeline under 200 ms, in a release build.
#
#   bench/timeline.sh [N=1000000] [MWTRACE=release binary, else the dev build]
set -euo pipefail
N=${1:-1000000}
MWTRACE=${2:-${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/release/mwtrace}
[ -x "$MWTRACE" ] || MWTRACE=${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/debug/mwtrace
[ -x "$MWTRACE" ] || { echo "build mwtrace first (cargo build --release)"; exit 2; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /var/tmp/mwtrace-timeline-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export XDG_CACHE_HOME="$WORK/cache"

echo "binary: $MWTRACE"
echo "generating $N history rows..."
python3 "$HERE/bench/history_gen.py" "$N" "$WORK/in" >/dev/null
"$MWTRACE" import "$WORK/in/snapshots.jsonl" --out "$WORK/h.tar.zst" 2>&1 | tail -1
# history_gen.py's first cluster id (cid(0)).
CID=aaaaaaaa$(printf 'x%.0s' $(seq 1 24))

seconds() { python3 -c 'import re,sys; t=open(sys.argv[1]).read(); w=re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1); print(sum(float(p)*60**i for i,p in enumerate(reversed(w.split(":")))))' "$1"; }
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }

/usr/bin/time -v "$MWTRACE" sql "$WORK/h.tar.zst" "SELECT 1" >/dev/null 2>"$WORK/load"
printf 'first load (history into DuckDB): %.1f s, peak RSS %d MiB\n' "$(seconds "$WORK/load")" $(( $(rss "$WORK/load") / 1024 ))
"$MWTRACE" sql "$WORK/h.tar.zst" "SELECT (SELECT count(*) FROM object_history) AS revisions, (SELECT count(*) FROM timeline) AS facts" -o csv
runs=()
for i in $(seq 1 7); do
    /usr/bin/time -v "$MWTRACE" timeline "$WORK/h.tar.zst" --cluster-id "$CID" -o json >"$WORK/out.json" 2>"$WORK/t$i"
    runs+=("$(seconds "$WORK/t$i")")
done
facts=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["entries"]))' "$WORK/out.json")
python3 - "$facts" "${runs[@]}" <<'PY'
import sys
facts, v = sys.argv[1], sorted(float(x) for x in sys.argv[2:])
print(f"cached timeline --cluster-id ({facts} facts), {len(v)} runs: "
      f"min {v[0]*1000:.0f} ms, median {v[len(v)//2]*1000:.0f} ms, max {v[-1]*1000:.0f} ms")
PY
echo "peak RSS of the last timeline: $(( $(rss "$WORK/t7") / 1024 )) MiB"
