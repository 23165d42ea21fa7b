#!/usr/bin/env bash
# mwtrace side by side with psql, jq, DuckDB's read_json, psql COPY | zstd and pg_dump, at SCALE
# Maestro resources. Builds mwtrace and the read_json baseline (release, the same bundled DuckDB),
# then runs bench/run.py, which writes its table to bench/results/run-SCALE.txt.
#
#   bench/run.sh SCALE [--only mwtrace] [--runs N] [--load-rounds N]      e.g. bench/run.sh 100000
#
# Needs python3, jq, zstd and PostgreSQL's server binaries (Debian: postgresql); as root the
# server runs as the postgres OS user. MWTRACE_PROFILE=dev measures the dev build instead.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/mwtrace-target}"
PROFILE="${MWTRACE_PROFILE:-release}"
if [ "$PROFILE" = release ]; then
  cargo build --release --bin mwtrace --example read_json
else
  cargo build --bin mwtrace --example read_json
fi
exec python3 bench/run.py "$@"
