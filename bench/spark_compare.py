#!/usr/bin/env python3
"""Runs the cross-snapshot queries of docs/fleet.md on an export with `mwtrace sql DIR` and with
pyspark in local mode, and checks that both return the same rows. Used by bench/spark.sh.

    bench/spark_compare.py MWTRACE DIR
"""
import datetime
import decimal
import json
import subprocess
import sys
import time

# (name, DuckDB query, Spark SQL query or None when the same text runs in both)
QUERIES = [
    ("resources per consumer and snapshot",
     """SELECT _bundle, consumer_name, count(*) AS resources
FROM mw_resources
GROUP BY _bundle, consumer_name
ORDER BY _bundle, consumer_name""", None),
    ("stuck deletions per snapshot",
     """SELECT _bundle, _snapshot_at, count(*) AS stuck_deletions
FROM mw_resources
WHERE is_deleted
GROUP BY _bundle, _snapshot_at
ORDER BY _snapshot_at, _bundle""", None),
    ("objects per management cluster",
     """SELECT cluster, count(DISTINCT _bundle) AS bundles, count(*) AS objects
FROM objects
GROUP BY cluster
ORDER BY cluster NULLS LAST""", None),
    ("hosted clusters and where they were seen",
     """SELECT h.cid, h.name, b.path, h.available
FROM hosted_clusters h JOIN _bundles b ON b._bundle = h._bundle
ORDER BY h.cid NULLS LAST, b.path""", None),
    ("work names in how many snapshots",
     """SELECT json_extract_string(payload, '$.metadata.name') AS work,
       count(DISTINCT _bundle) AS bundles
FROM mw_resources GROUP BY 1 ORDER BY 1 NULLS LAST""",
     """SELECT get_json_object(payload, '$.metadata.name') AS work,
       count(DISTINCT _bundle) AS bundles
FROM mw_resources GROUP BY 1 ORDER BY 1 NULLS LAST"""),
]
TABLES = ["mw_resources", "objects", "hosted_clusters", "_bundles"]


def norm(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, decimal.Decimal):
        return int(value)
    return value


def duckdb_rows(mwtrace, directory, query):
    started = time.monotonic()
    out = subprocess.run([mwtrace, "sql", directory, query, "-o", "json"],
                         check=True, capture_output=True, text=True)
    seconds = time.monotonic() - started
    rows = [tuple(norm(v) for v in row.values()) for row in json.loads(out.stdout)]
    return rows, seconds


def main():
    mwtrace, directory = sys.argv[1], sys.argv[2]
    from pyspark.sql import SparkSession
    started = time.monotonic()
    spark = (SparkSession.builder.master("local[*]").appName("mwtrace-fleet")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    for table in TABLES:
        (spark.read.option("mergeSchema", "true").parquet(f"{directory}/{table}")
         .createOrReplaceTempView(table))
    print(f"spark: session and {len(TABLES)} tables in {time.monotonic() - started:.1f} s")
    failed = 0
    for name, duck, spark_sql in QUERIES:
        expected, duck_s = duckdb_rows(mwtrace, directory, duck)
        started = time.monotonic()
        got = [tuple(norm(v) for v in row) for row in spark.sql(spark_sql or duck).collect()]
        spark_s = time.monotonic() - started
        same = expected == got
        failed += not same
        print(f"{'same' if same else 'DIFFERENT'}: {name}: {len(expected)} rows; "
              f"mwtrace sql {duck_s:.2f} s (whole process), spark {spark_s:.2f} s")
        if not same:
            print(f"  mwtrace: {expected[:5]}\n  spark:   {got[:5]}")
    spark.stop()
    print(f"{len(QUERIES) - failed} of {len(QUERIES)} queries return the same rows")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
