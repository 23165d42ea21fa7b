#!/usr/bin/env bash
# Benchmark: peak memory of `mwtrace collect` reading a large Maestro `resources` table.
# Starts a private PostgreSQL, fills `resources` with SIZE_MB of rows shaped like Maestro's
# (jsonb payload ~10 KB each), runs `mwtrace collect --db postgres://...`, and prints rows,
# bytes, seconds, throughput and peak RSS (target: under 200 MB at 1 GB of rows).
#
#   bench/collect-memory.sh [SIZE_MB=1024] [MWTRACE=target binary]
set -euo pipefail
SIZE_MB=${1:-1024}
MWTRACE=${2:-${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/release/mwtrace}
[ -x "$MWTRACE" ] || MWTRACE=${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}/debug/mwtrace
[ -x "$MWTRACE" ] || { echo "build mwtrace first (cargo build --release)"; exit 2; }

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$BIN" ] || BIN=$(dirname "$(command -v initdb)")
WORK=$(mktemp -d /var/tmp/mwtrace-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$WORK"
cleanup() { as_pg "$BIN/pg_ctl" -D "$WORK/data" stop -m immediate >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

as_pg "$BIN/initdb" -D "$WORK/data" -U postgres -A trust >/dev/null
as_pg "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1" start >/dev/null
PSQL=("$BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres)
"${PSQL[@]}" -c "CREATE DATABASE maestro" >/dev/null

ROWS=$(( SIZE_MB * 1024 / 10 ))
echo "filling resources with $ROWS rows (~${SIZE_MB} MB of row_to_json)..."
"${PSQL[@]}" -d maestro >/dev/null <<SQL
CREATE TABLE resources (name text, id text PRIMARY KEY, created_at timestamptz, updated_at timestamptz,
  deleted_at timestamptz, source text, consumer_name text, version bigint NOT NULL, type text,
  payload jsonb, status jsonb);
INSERT INTO resources
SELECT g::text, md5(g::text)::uuid::text, now(), now(), NULL, 'clusters-service', 'mgmt-1', 1, '',
       jsonb_build_object('specversion', '1.0', 'metadata', jsonb_build_object('name', 'work-' || g,
         'labels', jsonb_build_object('api.openshift.com/id', md5(g::text))),
         'data', jsonb_build_object('manifests', jsonb_build_array(jsonb_build_object(
           'apiVersion', 'v1', 'kind', 'ConfigMap',
           'metadata', jsonb_build_object('name', 'cm-' || g, 'namespace', 'default'),
           'data', jsonb_build_object('blob', repeat(md5(g::text), 300)))))),
       jsonb_build_object('resourceversion', 1, 'data', jsonb_build_object('conditions',
         jsonb_build_array(jsonb_build_object('type', 'Applied', 'status', 'True'))))
FROM generate_series(1, $ROWS) g;
SQL
BYTES=$("${PSQL[@]}" -d maestro -A -t -c "SELECT sum(length(row_to_json(t)::text)) FROM resources t")

OUT="$WORK/snapshot.tar.zst"
START=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$WORK/rss" "$MWTRACE" collect --db "postgres://postgres@127.0.0.1:$PORT/maestro?sslmode=disable" \
  -o "$OUT" 2>"$WORK/collect.log" || { cat "$WORK/collect.log"; exit 1; }
END=$(date +%s.%N)
python3 - "$ROWS" "$BYTES" "$START" "$END" "$(cat "$WORK/rss")" "$(stat -c %s "$OUT")" "$MWTRACE" <<'PY'
import sys
rows, raw, start, end, rss_kb, bundle, binary = sys.argv[1:]
secs = float(end) - float(start)
print(f"binary            {binary}")
print(f"rows              {int(rows):,}")
print(f"row_to_json bytes {int(raw)/2**20:,.0f} MiB")
print(f"seconds           {secs:.1f}")
print(f"throughput        {int(raw)/2**20/secs:,.1f} MiB/s")
print(f"peak RSS          {int(rss_kb)/1024:,.1f} MiB   (target < 200 MiB)")
print(f"bundle            {int(bundle)/2**20:,.1f} MiB  ({int(bundle)/int(raw):.3f} of raw)")
PY
