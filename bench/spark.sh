#!/usr/bin/env bash
# Spark, tested (issue 21): generates N bundles of SCALE resources (bench/gen.py, seeds 1..N,
# small payloads), exports them with `mwtrace export --parquet`, then runs the cross-snapshot
# queries of docs/fleet.md with `mwtrace sql DIR` and with pyspark in local mode
# (bench/spark_compare.py) and checks both return the same rows; prints each one's time.
# Needs a JRE (`java -version`); installs pyspark with pip when missing.
#
#   bench/spark.sh [N=4] [SCALE=6000] [MWTRACE=target binary]
set -euo pipefail
N=${1:-4}
SCALE=${2:-6000}
MWTRACE=${3:-${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/release/mwtrace}
[ -x "$MWTRACE" ] || MWTRACE=${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/debug/mwtrace
[ -x "$MWTRACE" ] || { echo "build mwtrace first (cargo build --release)"; exit 2; }
command -v java >/dev/null || { echo "a Java runtime is needed (apt-get install default-jre-headless)"; exit 2; }
python3 -c 'import pyspark' 2>/dev/null || python3 -m pip install -q pyspark
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /var/tmp/mwtrace-spark.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export XDG_CACHE_HOME="$WORK/cache"

echo "mwtrace: $("$MWTRACE" --version | head -1); $(java -version 2>&1 | head -1); pyspark $(python3 -c 'import pyspark; print(pyspark.__version__)')"
bundles=()
for i in $(seq 1 "$N"); do
  python3 "$HERE/bench/gen.py" "$SCALE" "$WORK/tree-$i" --seed "$i" --payload-kb 1-4 >/dev/null
  "$MWTRACE" pack "$WORK/tree-$i" --out "$WORK/bundle-$i.tar.zst" >/dev/null 2>&1
  rm -rf "$WORK/tree-$i"
  bundles+=("$WORK/bundle-$i.tar.zst")
done
echo "$N bundles of $SCALE resources: $(du -ch "${bundles[@]}" | tail -1 | cut -f1)"
start=$(date +%s.%N)
"$MWTRACE" export "${bundles[@]}" --parquet "$WORK/fleet" 2>&1 | sed 's|'"$WORK"'/||g'
echo "export (load included): $(echo "$(date +%s.%N) - $start" | bc) s; dataset $(du -sh "$WORK/fleet" | cut -f1)"
python3 "$HERE/bench/spark_compare.py" "$MWTRACE" "$WORK/fleet" 2> "$WORK/spark.log" \
  || { tail -20 "$WORK/spark.log"; exit 1; }
