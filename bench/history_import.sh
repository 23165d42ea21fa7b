#!/usr/bin/env bash
# Benchmark (issue 18 item 6): history rows per second and peak RSS of `mwtrace import` on a
# generated kubernetesResourceSnapshots export (bench/history_gen.py: about 2 KB objects, each
# with an Add and several Updates), once as JSON lines and once as CSV with a BOM.
# Goal: at least 20,000 rows/s and under 500 MB RSS at 1,000,000 rows, in a release build.
#
#   bench/history_import.sh [N=1000000] [MWTRACE=release binary, else the dev build]
#
# MWTRACE may also be the import crate's example (crates/import/examples/import_pipeline.rs,
# no DuckDB: `cargo build -p mwtrace-import --example import_pipeline [--release]`), which
# writes the same bundle.
set -euo pipefail
N=${1:-1000000}
MWTRACE=${2:-${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/release/mwtrace}
[ -x "$MWTRACE" ] || MWTRACE=${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/debug/mwtrace
[ -x "$MWTRACE" ] || { echo "build mwtrace first (cargo build --release)"; exit 2; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /var/tmp/mwtrace-history-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "generating $N history rows..."
python3 "$HERE/bench/history_gen.py" "$N" "$WORK/in"
ls -l "$WORK/in"
echo "binary: $MWTRACE"
for input in snapshots.jsonl snapshots.csv; do
    rm -f "$WORK/out.tar.zst"
    status=0
    if [ "$(basename "$MWTRACE")" = import_pipeline ]; then
        args=("$WORK/in/$input" "$WORK/out.tar.zst")
    else
        args=(import "$WORK/in/$input" --out "$WORK/out.tar.zst")
    fi
    /usr/bin/time -v "$MWTRACE" "${args[@]}" >"$WORK/stdout" 2>"$WORK/time" || status=$?
    if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
        cat "$WORK/time"; echo "import failed with exit $status"; exit 1
    fi
    python3 - "$N" "$input" "$WORK/time" <<'PY'
import re, sys
n, name, text = int(sys.argv[1]), sys.argv[2], open(sys.argv[3]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
secs = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.split(":"))))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
print(f"{name}: {n} rows in {secs:.1f} s = {n / max(secs, 1e-9):,.0f} rows/s, peak RSS {rss / 1024:,.0f} MiB")
PY
done
