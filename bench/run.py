#!/usr/bin/env python3
"""mwtrace side by side with the manual method and with the engine's limit, in one run.

    bench/run.sh SCALE [--only mwtrace] [--runs N]

SCALE is the number of Maestro resources (10000, 100000, 1000000). The data (bench/gen.py), its
bundle and a PostgreSQL holding it with Maestro's schema are kept in $BENCH_DIR/SCALE
(default /var/tmp/mwtrace-bench) and reused while gen.py is unchanged. Measured, in order:

  bundle     size of the bundle vs the raw NDJSON (and of collect's DB bundle vs pg_dump -Fc)
  load       first load of the bundle (whole process) vs DuckDB's read_json of the same NDJSON
  trace      a cached trace per entry point (whole process, median of --runs) vs the same
             question asked of PostgreSQL with psql and of the NDJSON with jq
  collect    mwtrace collect from the real PostgreSQL vs psql COPY piped to zstd: time, peak RSS

`--only mwtrace` skips PostgreSQL and jq (bundle, load and traces only: the 1M run). The table
goes to stdout and to bench/results/run-SCALE.txt, with the machine it ran on.
"""
import argparse
import hashlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGET = os.environ.get("CARGO_TARGET_DIR", "/var/tmp/mwtrace-target")
PROFILE = os.environ.get("MWTRACE_PROFILE", "release")
PROFILE_DIR = "debug" if PROFILE == "dev" else PROFILE
MWTRACE = os.path.join(TARGET, PROFILE_DIR, "mwtrace")
READ_JSON = os.path.join(TARGET, PROFILE_DIR, "examples", "read_json")
PG_TABLES = ["resources", "events", "status_events", "consumers", "server_instances", "event_instances"]
MiB = 1 << 20


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Run:
    """One finished process: wall seconds, peak RSS (KiB), and its output when captured."""

    def __init__(self, seconds, rss_kib, out=b""):
        self.seconds, self.rss_kib, self.out = seconds, rss_kib, out


def measure(argv, capture=False):
    """Runs argv, returning wall time and peak RSS (from wait4's rusage, the process alone); exits
    with its error output when it fails. Captured output goes through a file, so a full stderr
    pipe can never stall the process being timed."""
    out_path = os.path.join(WORK, f".out-{os.getpid()}") if capture else os.devnull
    with open(out_path, "wb") as stdout:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    out = b""
    if capture:
        with open(out_path, "rb") as f:
            out = f.read()
        os.unlink(out_path)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{argv[0]} failed ({code}): {' '.join(argv[1:])[:300]}\n{err.decode()[-2000:]}")
    return Run(seconds, usage.ru_maxrss, out)


def pipeline(first, second, out_file):
    """first | second > out_file: wall time and the larger of the two peak RSS."""
    start = time.perf_counter()
    with open(out_file, "wb") as out:
        a = subprocess.Popen(first, stdout=subprocess.PIPE)
        b = subprocess.Popen(second, stdin=a.stdout, stdout=out)
        a.stdout.close()
        _, sa, ua = os.wait4(a.pid, 0)
        _, sb, ub = os.wait4(b.pid, 0)
    if os.waitstatus_to_exitcode(sa) or os.waitstatus_to_exitcode(sb):
        sys.exit(f"pipeline failed: {' '.join(first)} | {' '.join(second)}")
    return Run(time.perf_counter() - start, max(ua.ru_maxrss, ub.ru_maxrss))


# --- data ------------------------------------------------------------------------------------

def ndjson_files(tree):
    for base, _, names in sorted(os.walk(tree)):
        for name in sorted(names):
            if name.endswith(".ndjson"):
                yield os.path.join(base, name)


def prepare_data(scale, data_dir, gen_args):
    """Generates the tree unless this gen.py already made it, and packs the bundle if missing."""
    gen = os.path.join(HERE, "gen.py")
    stamp = hashlib.sha256(open(gen, "rb").read() + " ".join(gen_args).encode()).hexdigest()[:16]
    stamp_file = os.path.join(data_dir, "stamp")
    tree, bundle = os.path.join(data_dir, "tree"), os.path.join(data_dir, "snapshot.tar.zst")
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        log(f"reusing {tree} (gen.py {stamp})")
    else:
        if os.path.exists(data_dir):
            shutil.rmtree(data_dir)
        os.makedirs(data_dir)
        log(f"generating {scale:,} resources into {tree}...")
        subprocess.run([sys.executable, gen, str(scale), tree, *gen_args], check=True, stdout=sys.stderr)
        open(stamp_file, "w").write(stamp)
    if not os.path.exists(bundle):
        log("packing the bundle...")
        packed = measure([MWTRACE, "pack", tree, "--out", bundle])
        log(f"packed in {packed.seconds:.1f} s")
    return tree, bundle


def pick_targets(tree):
    """One live resource from the middle of resources.ndjson and what a trace of it must find:
    its id, work name, cid, one Deployment it applies, and the layer-2 AppliedManifestWork name
    (present only if the question was answered through both layers)."""
    path = os.path.join(tree, "db", "resources.ndjson")
    with open(path, "rb") as f:
        f.seek(os.path.getsize(path) // 2)
        f.readline()
        while True:
            row = json.loads(f.readline())
            if row["deleted_at"] is None:
                break
    meta = row["payload"]["metadata"]
    mw = row["payload"]["data"]["manifests"][0]
    deploy = next(m for m in mw["spec"]["workload"]["manifests"] if m["kind"] == "Deployment")
    amw2 = None
    for amw_file in ndjson_files(os.path.join(tree, "kube")):
        if not amw_file.endswith("appliedmanifestworks.ndjson"):
            continue
        for line in open(amw_file):
            obj = json.loads(line)
            if obj["spec"]["manifestWorkName"] == mw["metadata"]["name"]:
                amw2 = obj["metadata"]["name"]
    return {"id": row["id"], "work": meta["name"], "cid": meta["labels"]["api.openshift.com/id"],
            "manifest": ("deployment", deploy["metadata"]["namespace"], deploy["metadata"]["name"]),
            "mw": mw["metadata"]["name"], "amw2": amw2}


# --- PostgreSQL ------------------------------------------------------------------------------

class Postgres:
    """A private server in data_dir/pg holding Maestro's schema filled from the tree, and the
    management clusters' objects in one table (kube_objects) keyed the way the API server keys
    them: by resource, namespace and name (indexed, like `kubectl get KIND NAME`); any other
    question of them is a scan of the JSONB (like `kubectl get KIND -o json | jq`)."""

    def __init__(self, data_dir):
        bins = sorted(d for d in os.listdir("/usr/lib/postgresql") if d.isdigit()) if os.path.isdir("/usr/lib/postgresql") else []
        self.bin = f"/usr/lib/postgresql/{bins[-1]}/bin" if bins else os.path.dirname(shutil.which("initdb") or "")
        if not self.bin:
            sys.exit("PostgreSQL not found (apt-get install postgresql)")
        self.dir = os.path.join(data_dir, "pg")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/maestro?sslmode=disable"

    def as_pg(self, argv):
        return (["runuser", "-u", "postgres", "--"] + argv) if os.getuid() == 0 else argv

    def psql(self, *args, db="maestro"):
        return [f"{self.bin}/psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db, *args]

    def start(self, tree):
        fresh = not os.path.exists(os.path.join(self.dir, "loaded"))
        if fresh:
            shutil.rmtree(self.dir, ignore_errors=True)
            os.makedirs(self.dir)
            if os.getuid() == 0:
                shutil.chown(self.dir, "postgres")
            subprocess.run(self.as_pg([f"{self.bin}/initdb", "-D", f"{self.dir}/data", "-U", "postgres", "-A", "trust"]),
                           check=True, stdout=subprocess.DEVNULL)
        subprocess.run(self.as_pg([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "-o",
                                   f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c shared_buffers=1GB"
                                   " -c max_wal_size=8GB -c checkpoint_timeout=30min", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        if fresh:
            self.load(tree)
            open(os.path.join(self.dir, "loaded"), "w").write("yes")

    def stop(self):
        subprocess.run(self.as_pg([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "stop", "-m", "fast"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def load(self, tree):
        log("loading PostgreSQL (Maestro's schema, then the management clusters' objects)...")
        start = time.perf_counter()
        subprocess.run(self.psql("-c", "CREATE DATABASE maestro", db="postgres"), check=True)
        schema = open(os.path.join(ROOT, "testdata", "maestro-schema.sql")).read()
        subprocess.run(self.psql(), input=schema.encode(), check=True)
        # A line of NDJSON is one CSV field: quote and delimiter bytes that JSON text never holds.
        copy = "FROM STDIN WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
        subprocess.run(self.psql("-c", "CREATE UNLOGGED TABLE stage (line text);"
                                 "CREATE TABLE kube_objects (cluster text, resource text, namespace text, name text, obj jsonb)"), check=True)

        def insert(path, sql):
            """Copies the NDJSON file into `stage`, then moves it on with `sql`."""
            with open(path, "rb") as f:
                subprocess.run(self.psql("-c", f"COPY stage {copy}"), stdin=f, check=True)
            subprocess.run(self.psql("-c", f"{sql}; TRUNCATE stage"), check=True)

        for table in ["consumers"] + [t for t in PG_TABLES if t != "consumers"]:
            path = os.path.join(tree, "db", f"{table}.ndjson")
            if os.path.exists(path):
                insert(path, f"INSERT INTO {table} SELECT r.* FROM stage, "
                             f"jsonb_populate_record(NULL::{table}, line::jsonb) r")
        for path in ndjson_files(os.path.join(tree, "kube")):
            rel = os.path.relpath(path, os.path.join(tree, "kube")).split(os.sep)
            cluster, resource = rel[0], rel[-1][: -len(".ndjson")]
            insert(path, f"INSERT INTO kube_objects SELECT '{cluster}', '{resource}', "
                         "j->'metadata'->>'namespace', j->'metadata'->>'name', j "
                         "FROM (SELECT line::jsonb AS j FROM stage) s")
        # The API server gets an object by name at once; anything else is a list filtered by jq.
        subprocess.run(self.psql("-c", "CREATE INDEX ON kube_objects (resource, name)", "-c", "DROP TABLE stage",
                                 "-c", "VACUUM ANALYZE"), check=True)
        log(f"PostgreSQL loaded in {time.perf_counter() - start:.0f} s")


# The manual method, in SQL: the same question a trace answers, through both ManifestWork layers,
# over JSONB as Maestro stores it (no expression indexes: Maestro's schema has none) and over the
# objects as kubectl lists them. Each returns one JSON document; :'v' is the entry point.
PSQL_TRACE_TAIL = """
amw1 AS (SELECT k.obj FROM kube_objects k WHERE k.resource = 'appliedmanifestworks'
           AND k.obj->'spec'->>'manifestWorkName' IN (SELECT id FROM r)),
mw AS (SELECT k.obj FROM kube_objects k WHERE k.resource = 'manifestworks'
         AND (k.namespace, k.name) IN
             (SELECT m->'metadata'->>'namespace', m->'metadata'->>'name'
              FROM r, jsonb_array_elements(r.payload->'data'->'manifests') m)),
amw2 AS (SELECT k.obj FROM kube_objects k WHERE k.resource = 'appliedmanifestworks'
           AND k.obj->'spec'->>'manifestWorkName' IN (SELECT obj->'metadata'->>'name' FROM mw))
SELECT jsonb_build_object('resources', (SELECT jsonb_agg(to_jsonb(r)) FROM r),
                          'layer1', (SELECT jsonb_agg(obj) FROM amw1), 'manifestworks', (SELECT jsonb_agg(obj) FROM mw),
                          'layer2', (SELECT jsonb_agg(obj) FROM amw2){extra});
"""
PSQL_QUESTIONS = {
    "resource-id": "WITH r AS (SELECT * FROM resources WHERE id = :'v'),",
    "work-name": "WITH r AS (SELECT * FROM resources WHERE payload->'metadata'->>'name' = :'v'),",
    # From the object: the layer-2 AppliedManifestWork listing it, its ManifestWork, the layer-1
    # AppliedManifestWork owning that, whose name ends with the resource id (primary key).
    "manifest": """WITH a2 AS (SELECT obj FROM kube_objects WHERE resource = 'appliedmanifestworks'
                 AND obj->'status'->'appliedResources' @> jsonb_build_array(jsonb_build_object(
                     'resource', 'deployments', 'namespace', split_part(:'v', '/', 2), 'name', split_part(:'v', '/', 3)))),
    m AS (SELECT k.obj FROM kube_objects k, a2 WHERE k.resource = 'manifestworks'
            AND k.name = a2.obj->'spec'->>'manifestWorkName'),
    r AS (SELECT * FROM resources WHERE id IN (SELECT right(o->>'name', 36) FROM m, jsonb_array_elements(m.obj->'metadata'->'ownerReferences') o)),""",
    "cluster-id": "WITH r AS (SELECT * FROM resources WHERE payload->'metadata'->'labels'->>'api.openshift.com/id' = :'v'),",
}
PSQL_EXTRA = {
    "cluster-id": """, 'hosted', (SELECT jsonb_agg(obj) FROM kube_objects WHERE resource IN ('hostedclusters', 'nodepools')
                                 AND obj->'metadata'->'labels'->>'api.openshift.com/id' = :'v'),
                 'managed', (SELECT jsonb_agg(obj) FROM kube_objects WHERE resource = 'managedclusters'
                             AND name = :'v')""",
}


def entry_values(t):
    return {"resource-id": t["id"], "work-name": t["work"], "manifest": "/".join(t["manifest"]), "cluster-id": t["cid"]}


def psql_trace(pg, entry, value):
    path = os.path.join(WORK, "question.sql")
    with open(path, "w") as f:
        f.write(PSQL_QUESTIONS[entry] + PSQL_TRACE_TAIL.format(extra=PSQL_EXTRA.get(entry, "")))
    return measure(pg.psql("-A", "-t", "-v", f"v={value}", "-f", path), capture=True)


def jq_trace(tree, entry, t):
    """The same question over the NDJSON with jq, step by step as an engineer would chain it;
    the time is the sum of the jq processes."""
    kube = [p for p in ndjson_files(os.path.join(tree, "kube"))]
    amws = [p for p in kube if p.endswith("/appliedmanifestworks.ndjson")]
    mws = [p for p in kube if p.endswith("/manifestworks.ndjson")]
    resources = os.path.join(tree, "db", "resources.ndjson")
    total, outputs = 0.0, []

    def jq(args, files):
        nonlocal total
        run = measure(["jq", "-c", *args] + files, capture=True)
        total += run.seconds
        outputs.append(run.out)
        return [json.loads(line) for line in run.out.splitlines() if line.strip()]

    if entry == "manifest":
        _, ns, name = t["manifest"]
        a2 = jq(["--arg", "ns", ns, "--arg", "n", name, "select(any(.status.appliedResources[]?; "
                 ".resource == \"deployments\" and .namespace == $ns and .name == $n))"], amws)
        names = [a["spec"]["manifestWorkName"] for a in a2]
        m = jq(["--argjson", "names", json.dumps(names), "select(.metadata.name as $n | $names | index($n))"], mws)
        ids = [o["name"][-36:] for x in m for o in x["metadata"].get("ownerReferences", [])]
        rows = jq(["--argjson", "ids", json.dumps(ids), "select(.id as $i | $ids | index($i))"], [resources])
    else:
        if entry == "resource-id":
            rows = jq(["--arg", "v", t["id"], "select(.id == $v)"], [resources])
        elif entry == "work-name":
            rows = jq(["--arg", "v", t["work"], "select(.payload.metadata.name == $v)"], [resources])
        else:
            rows = jq(["--arg", "v", t["cid"], "select(.payload.metadata.labels[\"api.openshift.com/id\"] == $v)"], [resources])
        ids = [r["id"] for r in rows]
        names = [m["metadata"]["name"] for r in rows for m in r["payload"]["data"]["manifests"]]
        jq(["--argjson", "ids", json.dumps(ids), "select(.spec.manifestWorkName as $n | $ids | index($n))"], amws)
        jq(["--argjson", "names", json.dumps(names), "select(.metadata.name as $n | $names | index($n))"], mws)
        jq(["--argjson", "names", json.dumps(names), "select(.spec.manifestWorkName as $n | $names | index($n))"], amws)
        if entry == "cluster-id":
            hosted = [p for p in kube if p.endswith(("/hostedclusters.ndjson", "/nodepools.ndjson"))]
            jq(["--arg", "v", t["cid"], "select(.metadata.labels[\"api.openshift.com/id\"] == $v)"], hosted)
            jq(["--arg", "v", t["cid"], "select(.metadata.name == $v)"],
               [p for p in kube if p.endswith("/managedclusters.ndjson")])
    return Run(total, 0, b"\n".join(outputs))


# --- the run ---------------------------------------------------------------------------------

def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
    mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")) / (1 << 20)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}; "
            f"mwtrace {commit}{'+changes' if dirty else ''}, {PROFILE} build")


def main():
    global WORK
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scale", type=int)
    ap.add_argument("--only", choices=["mwtrace"], help="skip PostgreSQL and jq")
    ap.add_argument("--runs", type=int, default=10, help="runs per cached trace (default 10)")
    ap.add_argument("--load-rounds", type=int, default=1,
                    help="first loads and read_json runs, alternated; the medians are compared (default 1)")
    ap.add_argument("--payload-kb", help="payload sizes as MIN-MAX KB (gen.py's default: 4-48)")
    args = ap.parse_args()
    for tool in [MWTRACE, READ_JSON]:
        if not os.access(tool, os.X_OK):
            sys.exit(f"{tool} missing: run bench/run.sh, which builds it")
    full = args.only is None
    if full:
        for tool in ["jq", "zstd"]:
            if not shutil.which(tool):
                sys.exit(f"{tool} not found (apt-get install {tool})")

    gen_args = ["--payload-kb", args.payload_kb] if args.payload_kb else []
    name = f"{args.scale}" + (f"-{args.payload_kb}kb" if args.payload_kb else "")
    data_dir = os.path.join(os.environ.get("BENCH_DIR", "/var/tmp/mwtrace-bench"), name)
    tree, bundle = prepare_data(args.scale, data_dir, gen_args)
    WORK = os.path.join(data_dir, "work")
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    targets = pick_targets(tree)
    rows = []  # (section, what, mwtrace, baseline, ratio text, target, ok)

    def row(section, what, ours, theirs, ratio, target="", ok=None):
        rows.append((section, what, ours, theirs, ratio, target, "" if ok is None else ("yes" if ok else "NO")))
        log(f"{section}: {what}: {ours} | {theirs} | {ratio} {target}")

    files = list(ndjson_files(tree))
    raw = sum(os.path.getsize(p) for p in files)
    resources = sum(1 for _ in open(os.path.join(tree, "db", "resources.ndjson"), "rb"))
    size = os.path.getsize(bundle)
    row("bundle", "bundle vs raw NDJSON", f"{size / MiB:,.0f} MiB", f"{raw / MiB:,.0f} MiB",
        f"{size / raw:.3f}", "<= 0.15", size / raw <= 0.15)

    # First load, then the engine's own reader on the same NDJSON (uncompressed, already on disk),
    # alternated --load-rounds times: the median of each, so that the machine's drift between
    # two runs minutes apart does not decide the ratio.
    db = os.path.join(WORK, "snapshot.duckdb")
    loads, bases = [], []
    for n in range(args.load_rounds):
        for stale in [db, db + ".traces"]:
            if os.path.exists(stale):
                os.unlink(stale)
        log(f"first load ({n + 1} of {args.load_rounds})...")
        loads.append(measure([MWTRACE, "sql", bundle, "--db", db, "SELECT count(*) FROM resources", "-o", "csv"],
                             capture=True))
        log(f"read_json (auto, {n + 1} of {args.load_rounds})...")
        out = os.path.join(WORK, "read_json-auto.duckdb")
        bases.append(measure([READ_JSON, "auto", out] + files))
        os.unlink(out)
    loaded = int(loads[0].out.decode().split()[-1])
    load = sorted(loads, key=lambda m: m.seconds)[len(loads) // 2]
    base = sorted(bases, key=lambda m: m.seconds)[len(bases) // 2]
    ratio = load.seconds / base.seconds
    rounds = "" if len(loads) == 1 else (f" (median of {len(loads)}: " + ", ".join(f"{m.seconds:.0f}" for m in loads) + ")")
    base_rounds = "" if len(bases) == 1 else (f" (median of {len(bases)}: " + ", ".join(f"{m.seconds:.0f}" for m in bases) + ")")
    row("load", "first load vs read_json(file)", f"{load.seconds:.1f} s{rounds}, {load.rss_kib / 1024:,.0f} MiB RSS",
        f"{base.seconds:.1f} s{base_rounds}, {base.rss_kib / 1024:,.0f} MiB RSS", f"{ratio:.2f}x", "<= 1.5x", ratio <= 1.5)
    log("read_json (objects)...")
    out = os.path.join(WORK, "read_json-objects.duckdb")
    floor = measure([READ_JSON, "objects", out] + files)
    os.unlink(out)
    row("load", "first load vs read_ndjson_objects(file)", f"{load.seconds:.1f} s", f"{floor.seconds:.1f} s",
        f"{load.seconds / floor.seconds:.2f}x", "(floor)")
    row("load", "database file", f"{os.path.getsize(db) / MiB:,.0f} MiB", "", "")

    # Cached traces, whole process.
    pg = Postgres(data_dir) if full else None
    try:
        if pg:
            pg.start(tree)
        trace_limit = 0.050 if args.scale <= 100_000 else 0.250
        for entry, value in entry_values(targets).items():
            argv = [MWTRACE, "trace", bundle, "--db", db, f"--{entry}", value, "-o", "json"]
            check = measure(argv, capture=True)
            found = targets["amw2"] in check.out.decode()
            if not found:
                sys.exit(f"mwtrace trace --{entry} {value}: the layer-2 AppliedManifestWork {targets['amw2']} is not in the trace")
            times = [measure(argv).seconds for _ in range(args.runs)]
            ours = statistics.median(times)
            ours_text = f"{ours * 1000:.0f} ms (max {max(times) * 1000:.0f})"
            if not pg:
                row("trace", f"--{entry}", ours_text, "", "", f"< {trace_limit * 1000:.0f} ms", ours < trace_limit)
                continue
            pruns = []
            for _ in range(3):
                run = psql_trace(pg, entry, value)
                if targets["amw2"] not in run.out.decode():
                    sys.exit(f"psql question for {entry} did not reach layer 2:\n{run.out.decode()[:500]}")
                pruns.append(run.seconds)
            theirs = statistics.median(pruns)
            row("trace", f"--{entry} vs psql", ours_text, f"{theirs * 1000:,.0f} ms", f"{theirs / ours:,.1f}x faster",
                f"< {trace_limit * 1000:.0f} ms, >= 10x", ours < trace_limit and theirs / ours >= 10)
            log(f"jq --{entry}...")
            j = jq_trace(tree, entry, targets)
            if targets["amw2"] not in j.out.decode():
                sys.exit(f"jq question for {entry} did not reach layer 2")
            row("trace", f"--{entry} vs jq", ours_text, f"{j.seconds:,.1f} s", f"{j.seconds / ours:,.0f}x faster")

        if pg:
            log("collect...")
            out = os.path.join(WORK, "collected.tar.zst")
            col = measure([MWTRACE, "collect", "--db", pg.url, "--out", out])
            dumped = int(measure(pg.psql("-A", "-t", "-c", " + ".join(
                f"(SELECT coalesce(sum(length(row_to_json(t)::text)), 0) FROM {t} t)" for t in PG_TABLES)
                .join(["SELECT ", ""])), capture=True).out)
            copies = []
            for table in PG_TABLES:
                copies.append(pipeline(pg.psql("-c", f"COPY (SELECT row_to_json(t) FROM {table} t) TO STDOUT"),
                                       ["zstd", "-q", "-3", "-T1"], os.path.join(WORK, f"{table}.copy.zst")))
            copy_s = sum(c.seconds for c in copies)
            copy_rss = max(c.rss_kib for c in copies)
            row("collect", "time (DB tables)", f"{col.seconds:.1f} s, {dumped / MiB / col.seconds:,.0f} MiB/s",
                f"{copy_s:.1f} s, {dumped / MiB / copy_s:,.0f} MiB/s", f"{col.seconds / copy_s:.2f}x the time")
            row("collect", f"peak RSS ({dumped / MiB:,.0f} MiB of rows)", f"{col.rss_kib / 1024:,.0f} MiB",
                f"{copy_rss / 1024:,.0f} MiB", "", "< 200 MiB at 1 GiB",
                col.rss_kib / 1024 < 200 if dumped >= 1 << 30 else None)
            log("pg_dump -Fc...")
            dump = os.path.join(WORK, "maestro.dump")
            measure([f"{pg.bin}/pg_dump", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-Fc", "-f", dump,
                     *[a for t in PG_TABLES for a in ("-t", t)], "maestro"])
            csize, dsize = os.path.getsize(out), os.path.getsize(dump)
            row("bundle", "collect's DB bundle vs pg_dump -Fc", f"{csize / MiB:,.0f} MiB", f"{dsize / MiB:,.0f} MiB",
                f"{csize / dsize:.2f}")
            row("bundle", "collect's DB bundle vs its raw rows", f"{csize / MiB:,.0f} MiB", f"{dumped / MiB:,.0f} MiB",
                f"{csize / dumped:.3f}", "<= 0.15", csize / dumped <= 0.15)
    finally:
        if pg:
            pg.stop()

    limit = os.environ.get("MWTRACE_MEMORY_LIMIT")
    header = [f"# {'MWTRACE_MEMORY_LIMIT=' + limit + ' ' if limit else ''}bench/run.sh {' '.join(sys.argv[1:])}, "
              f"{time.strftime('%Y-%m-%d %H:%M %Z')}",
              f"# {machine()}",
              f"# data: {resources:,} resources ({loaded:,} loaded), {len(files)} NDJSON files, {raw / MiB:,.0f} MiB raw; "
              f"entry points from resource {targets['id']} (cid {targets['cid']})"]
    widths = [max(len(str(r[i])) for r in rows + [("section", "measure", "mwtrace", "baseline", "ratio", "target", "met")])
              for i in range(7)]
    lines = header + [""]
    for r in [("section", "measure", "mwtrace", "baseline", "ratio", "target", "met")] + rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    suffix = ("-mwtrace" if args.only else "") + (f"-{args.payload_kb}kb" if args.payload_kb else "") \
        + (f"-limit-{limit}" if limit else "")
    open(os.path.join(HERE, "results", f"run-{args.scale}{suffix}.txt"), "w").write(text)
    shutil.rmtree(WORK, ignore_errors=True)


WORK = None
if __name__ == "__main__":
    main()
