#!/usr/bin/env bash
# Scale of `mwtrace export` (issue 21): N bundles of SCALE resources (bench/gen.py, seeds 1..N,
# payloads 1-4 KB) loaded, then exported into one dataset (throughput, peak RSS, dataset size
# vs the bundles); a cross-snapshot query over them (stuck deletions per snapshot) timed as a
# whole process, 5 runs (goal: under 2 s); one BIG-resource bundle exported on its own; and,
# when pyspark is installed, Spark's time on the same queries (bench/spark_compare.py).
#
#   bench/export.sh [N=20] [SCALE=6000] [BIG=100000] [MWTRACE=target binary]
set -euo pipefail
N=${1:-20}
SCALE=${2:-6000}
BIG=${3:-100000}
MWTRACE=${4:-${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/release/mwtrace}
[ -x "$MWTRACE" ] || MWTRACE=${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/debug/mwtrace
[ -x "$MWTRACE" ] || { echo "build mwtrace first (cargo build --release)"; exit 2; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /var/tmp/mwtrace-export-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export XDG_CACHE_HOME="$WORK/cache"
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
# Peak RSS (MB) and wall seconds of a command, its output discarded.
measure() {
  /usr/bin/time -f '%M %e' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  read -r kb secs < "$WORK/time"; echo "$((kb / 1024)) MB peak RSS, $secs s"
}
mb() { du -cm "$@" | tail -1 | cut -f1; }

echo "mwtrace: $("$MWTRACE" --version | head -1); $(nproc) cores"
bundles=()
for i in $(seq 1 "$N"); do
  python3 "$HERE/bench/gen.py" "$SCALE" "$WORK/tree" --seed "$i" --payload-kb 1-4 >/dev/null
  "$MWTRACE" pack "$WORK/tree" --out "$WORK/bundle-$i.tar.zst" >/dev/null 2>&1
  rm -rf "$WORK/tree"
  bundles+=("$WORK/bundle-$i.tar.zst")
done
echo "$N bundles of $SCALE resources: $(mb "${bundles[@]}") MB"
start=$(now)
for b in "${bundles[@]}"; do "$MWTRACE" sql "$b" "SELECT 1" >/dev/null; done
echo "load of the $N (cache, not part of the export): $(since "$start") s"
echo "export of the $N (loaded): $(measure "$MWTRACE" export "${bundles[@]}" --parquet "$WORK/fleet")"
echo "dataset: $(mb "$WORK/fleet") MB ($(find "$WORK/fleet" -name '*.parquet' | wc -l) files) for $(mb "${bundles[@]}") MB of bundles"
echo "the $N again (no-op): $(measure "$MWTRACE" export "${bundles[@]}" --parquet "$WORK/fleet")"
QUERY="SELECT _bundle, _snapshot_at, count(*) AS stuck_deletions FROM mw_resources
       WHERE is_deleted GROUP BY _bundle, _snapshot_at ORDER BY _snapshot_at, _bundle"
for run in 1 2 3 4 5; do
  echo "stuck deletions per snapshot over $N, run $run: $(measure "$MWTRACE" sql "$WORK/fleet" "$QUERY" -o csv)"
done
"$MWTRACE" sql "$WORK/fleet" "$QUERY" -o csv | head -3
if python3 -c 'import pyspark' 2>/dev/null && command -v java >/dev/null; then
  python3 "$HERE/bench/spark_compare.py" "$MWTRACE" "$WORK/fleet" 2>/dev/null
fi
rm -rf "$WORK/fleet" "$WORK/cache"
for b in "${bundles[@]}"; do rm -f "$b"; done

python3 "$HERE/bench/gen.py" "$BIG" "$WORK/tree" --seed 100 --payload-kb 1-4 >/dev/null
"$MWTRACE" pack "$WORK/tree" --out "$WORK/big.tar.zst" >/dev/null 2>&1
rm -rf "$WORK/tree"
echo "one bundle of $BIG resources: $(mb "$WORK/big.tar.zst") MB"
echo "load: $(measure "$MWTRACE" sql "$WORK/big.tar.zst" "SELECT 1")"
echo "export (loaded): $(measure "$MWTRACE" export "$WORK/big.tar.zst" --parquet "$WORK/big")"
echo "dataset: $(mb "$WORK/big") MB for $(mb "$WORK/big.tar.zst") MB of bundle"
for run in 1 2 3; do
  echo "stuck deletions over the big export, run $run: $(measure "$MWTRACE" sql "$WORK/big" "$QUERY" -o csv)"
done
