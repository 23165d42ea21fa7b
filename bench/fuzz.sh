#!/usr/bin/env bash
# bench/fuzz.sh [SECONDS]: runs every cargo-fuzz target of fuzz/ for SECONDS each (default 600),
# one after the other, niced, with a 2 GiB RSS limit and a 10 s per-input timeout (an
# out-of-memory or a timeout is a finding, as a crash is), then minimizes each corpus
# (fuzz/corpus/<target>, kept in the repository). Appends one line per run to
# bench/results/fuzz.txt: target, seconds, execs, corpus size, findings. A finding is left in
# fuzz/artifacts/<target>/ (reproduce: cargo +nightly fuzz run <target> <file>); the script exits
# 1 if there was one.
#
# Environment: FUZZ_TARGETS="a b" (default: all), CARGO_TARGET_DIR (default
# /var/tmp/mwtrace-fuzz: the sanitizer build never mixes with the workspace's), FUZZ_CMIN=0 to
# keep the corpora unminimized. Needs the nightly toolchain; installs cargo-fuzz if missing.
set -euo pipefail

secs=${1:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
results="$root/bench/results/fuzz.txt"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/mwtrace-fuzz}
targets=(${FUZZ_TARGETS:-bundle_reader manifest import_yaml import_json log_line})

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
cd "$root/fuzz"

# Longest input tried: a whole small bundle fits (the sample is 20 KiB compressed, the writer's
# seed bundle 6 KiB as a tar); the text formats get room for a few objects or lines.
max_len() {
    case $1 in
        bundle_reader) echo 65536 ;;
        manifest) echo 16384 ;;
        *) echo 32768 ;;
    esac
}

# Files of a small bundle written by BundleWriter (fuzz/examples/seed.rs) into corpus dir $1.
writer_seed() {
    local dir=$1 tmp
    tmp=$(mktemp -d)
    shift
    cargo +nightly run -q --example seed -- "$tmp"
    for f in "$@"; do cp "$tmp/$f" "$dir/"; done
    rm -rf "$tmp"
}

# An empty corpus starts from the repository's small real inputs and a bundle made by the writer.
# The first byte of an import input picks the path the file is parsed as (see the targets).
seed() {
    local t=$1 dir=corpus/$1 f i=0
    mkdir -p "$dir"
    [ -n "$(ls -A "$dir")" ] && return
    case $t in
        bundle_reader)
            cp "$root/testdata/sample.tar.zst" "$dir/sample.tar.zst"
            writer_seed "$dir" seed-writer.tar seed-writer.tar.zst ;;
        manifest)
            for f in $(find "$root/testdata" -name manifest.json -size -16k); do
                cp "$f" "$dir/manifest-$((i++)).json"
            done
            writer_seed "$dir" seed-writer-manifest.json ;;
        import_yaml)
            for f in $(find "$root/testdata" -name '*.yaml' -size -32k); do
                case $f in
                    */namespaces/*) pick='\x02' ;;
                    */cluster-scoped-resources/*) pick='\x03' ;;
                    */crs/*) pick='\x04' ;;
                    *) pick='\x00' ;;
                esac
                { printf "$pick"; cat "$f"; } >"$dir/seed-$((i++))"
            done ;;
        import_json)
            for f in $(find "$root/testdata" \( -name '*.json' -o -name '*.ndjson' \) \
                    -not -name manifest.json -size -32k); do
                case $f in
                    */db/*.ndjson) pick='\x02' ;;
                    */kube/*) pick='\x06' ;;
                    *.ndjson) pick='\x03' ;;
                    */cluster-scoped-resources/*) pick='\x05' ;;
                    *) pick='\x00' ;;
                esac
                { printf "$pick"; cat "$f"; } >"$dir/seed-$((i++))"
                { printf '\x80'; cat "$f"; } >"$dir/seed-$((i++))"
            done
            for f in $(find "$root/testdata" -name timestamp); do
                { printf '\x07'; cat "$f"; } >"$dir/seed-$((i++))"
            done ;;
        log_line)
            for f in $(find "$root/testdata" -name '*.log' -size -32k); do
                cp "$f" "$dir/seed-$((i++)).log"
            done ;;
    esac
}

nice -n 10 cargo +nightly fuzz build >/dev/null
found=0
for t in "${targets[@]}"; do
    seed "$t"
    log=$(mktemp)
    start=$(date +%s)
    status=ok
    nice -n 10 cargo +nightly fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len="$(max_len "$t")" \
        -print_final_stats=1 >"$log" 2>&1 || status=finding
    took=$(( $(date +%s) - start ))
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    corp=$(grep -o 'corp: [0-9]*/[0-9A-Za-z]*' "$log" | tail -1 | cut -d' ' -f2)
    what=$(grep -o 'ERROR: libFuzzer: [a-z-]*\|SUMMARY: AddressSanitizer: [a-z-]*' "$log" | head -1 || true)
    panic=$(grep -o "panicked at .*" "$log" | head -1 || true)
    if [ "$status" = finding ]; then
        found=1
        tail -n 60 "$log" >&2
        what="${what:-failed (see the log above)}${panic:+ ($panic)}; $(ls -t artifacts/"$t" 2>/dev/null | head -1)"
    fi
    if [ "${FUZZ_CMIN:-1}" = 1 ] && [ "$status" = ok ]; then
        # Edges only (no hit counters): a tenth of the files, small enough to keep in git.
        nice -n 10 cargo +nightly fuzz cmin "$t" "corpus/$t" -- -use_counters=0 \
            -rss_limit_mb=2048 -timeout=10 -max_len="$(max_len "$t")" >/dev/null 2>&1
    fi
    files=$(ls "corpus/$t" | wc -l)
    size=$(du -sk --apparent-size "corpus/$t" | cut -f1)
    printf '%s  %-14s %5ss  %12s execs  corpus %s units, %s KiB after cmin (%s during the run)  findings: %s\n' \
        "$(date -u +%FT%TZ)" "$t" "$took" "$execs" "$files" "$size" "${corp:-?}" "${what:-none}" \
        | tee -a "$results"
    rm -f "$log"
done
exit $found
