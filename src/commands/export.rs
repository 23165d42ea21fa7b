//! `mwtrace export`: snapshots as one Parquet dataset (docs/fleet.md). Every table and view of a
//! loaded snapshot is written by DuckDB's `COPY ... TO` from a connection of its own (never
//! the sandboxed `sql` one), each row with the bundle's facts (`_bundle`, `_snapshot_at`,
//! `_region`, `_environment`: [`region_and_environment`]), hive-partitioned:
//!
//! ```text
//! DIR/_mwtrace_export.json                  format, version and partition key of the dataset
//! DIR/_bundles/<sha>.parquet                one row per bundle: its manifest facts
//! DIR/_schema/<sha>.parquet                 the DDL of its macros, tables and views
//! DIR/<table>/_bundle=<sha>/<sha>.parquet   --partition-by snapshot
//! DIR/<table>/cluster=<name>/<sha>.parquet  --partition-by cluster (tables with a cluster)
//! DIR/<table>/<sha>.parquet                 --partition-by none
//! ```
//!
//! A bundle's `_bundles` file is written last: it says the bundle is complete. Every file is
//! written in a scratch directory of DIR and renamed into place. The same directory is read
//! back here: `mwtrace sql DIR` ([`open_views`]) and `trace`/`doctor --bundle SHA` ([`open_bundle`]).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use duckdb::Connection;

use crate::ExitStatus;
use crate::cli::{ExportArgs, PartitionBy, SnapshotArgs};
use mwtrace_analyze::load::{self, LOADER_VERSION, Snapshot};
use mwtrace_analyze::query::{ident, rows};

/// Names the dataset's format and partition key; its layout is never mixed.
const MARKER: &str = "_mwtrace_export.json";
const FORMAT: &str = "mwtrace-export";
const FORMAT_VERSION: u64 = 1;
const BUNDLES: &str = "_bundles";
const SCHEMA: &str = "_schema";
/// The columns export adds to every row.
const EXTRA: [&str; 4] = ["_bundle", "_snapshot_at", "_region", "_environment"];
/// Rows per Parquet row group: DuckDB's own default, large enough for scans (Spark and Trino
/// read a row group per task) and bounded in bytes below.
const ROW_GROUP_ROWS: u32 = 122_880;
/// Hive's name for a NULL partition value (Spark and Trino read it as NULL).
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

pub fn run(args: ExportArgs) -> Result<ExitStatus> {
    let dir = &args.parquet;
    fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    // Temporaries are written in a scratch directory of DIR (same file system: renamed into
    // place): a signal stops the work and removes it, and one a killed run left is swept.
    let scratch = mwtrace_interrupt::ScratchDir::new_in(dir, ".mwtrace-export-")
        .with_context(|| format!("{}: cannot write", dir.display()))?;
    let scratch = Scratch {
        dir: scratch.path().to_path_buf(),
        next: std::cell::Cell::new(0),
        _guard: scratch,
    };
    let layout = layout(dir, args.partition_by, &scratch)?;
    for bundle in &args.snapshots {
        let snapshot = super::open(&SnapshotArgs {
            snapshot: bundle.clone(),
            db: None,
        })?;
        let sha = snapshot.bundle_sha256.clone();
        let db_path = snapshot.db_path.clone();
        drop(snapshot);
        if bundle_file(dir, BUNDLES, &sha).exists() {
            eprintln!(
                "{}: bundle {sha} is already in {}: nothing to do",
                bundle.display(),
                dir.display()
            );
            continue;
        }
        let started = std::time::Instant::now();
        let conn = export_connection(&db_path)?;
        // SIGINT/SIGTERM stop the COPY running; its temporary file is removed.
        let handle = conn.interrupt_handle();
        let _interrupt = mwtrace_interrupt::on_interrupt(move || handle.interrupt());
        let tables = export_bundle(&conn, dir, layout, &sha, bundle, &scratch)
            .with_context(|| format!("{}: exporting to {}", bundle.display(), dir.display()))?;
        eprintln!(
            "{}: exported {tables} tables of bundle {sha} to {} in {:.1} s",
            bundle.display(),
            dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ExitStatus::Success)
}

/// The partition key of `dir`: the one its marker names, or `wanted` for a new dataset (the
/// marker is written then). A different key than the dataset's is refused.
fn layout(dir: &Path, wanted: PartitionBy, scratch: &Scratch) -> Result<PartitionBy> {
    let marker = dir.join(MARKER);
    match fs::read_to_string(&marker) {
        Ok(text) => {
            let existing = marker_layout(&text)
                .ok_or_else(|| anyhow!("{}: not an mwtrace export marker", marker.display()))?;
            if existing != wanted {
                bail!(
                    "{}: the dataset is partitioned by {}; --partition-by {} would mix layouts (export to another directory)",
                    dir.display(),
                    existing.name(),
                    wanted.name()
                );
            }
            Ok(existing)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut entries = fs::read_dir(dir)?.flatten();
            if entries.any(|e| !e.file_name().to_string_lossy().starts_with(".mwtrace-")) {
                bail!(
                    "{}: not empty and not an mwtrace export (no {MARKER}): export to a new directory",
                    dir.display()
                );
            }
            let text = serde_json::json!({
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "partition_by": wanted.name(),
            });
            write_atomically(&marker, scratch, |tmp| {
                fs::write(tmp, format!("{text:#}\n"))?;
                Ok(())
            })?;
            Ok(wanted)
        }
        Err(e) => Err(e).with_context(|| format!("{}: cannot read", marker.display())),
    }
}

fn marker_layout(text: &str) -> Option<PartitionBy> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    if value["format"] != FORMAT {
        return None;
    }
    match value["partition_by"].as_str()? {
        "snapshot" => Some(PartitionBy::Snapshot),
        "cluster" => Some(PartitionBy::Cluster),
        "none" => Some(PartitionBy::None),
        _ => None,
    }
}

/// Whether `dir` is an export (has `_bundles/`).
pub(crate) fn is_export(dir: &Path) -> bool {
    dir.is_dir() && dir.join(BUNDLES).is_dir()
}

fn bundle_file(dir: &Path, table: &str, sha: &str) -> PathBuf {
    dir.join(table).join(format!("{sha}.parquet"))
}

/// An in-memory DuckDB with mwtrace's settings (no extension download; spilling beside
/// `beside`), its times in UTC.
fn memory_connection(beside: &Path) -> Result<Connection> {
    let config = load::settings::base_config(&load::settings::spill_dir_beside(beside))?;
    let conn = Connection::open_in_memory_with_flags(config).context("starting DuckDB")?;
    // Without ICU, timestamps are UTC already.
    let _ = conn.execute_batch("SET TimeZone = 'UTC'");
    Ok(conn)
}

/// An in-memory connection of its own with the loaded database attached read-only.
fn export_connection(db: &Path) -> Result<Connection> {
    let conn = memory_connection(db)?;
    conn.execute_batch(&format!(
        "ATTACH {} AS snap (READ_ONLY);
         USE snap;",
        literal(&db.to_string_lossy())
    ))
    .with_context(|| format!("{}: cannot attach", db.display()))?;
    Ok(conn)
}

/// Writes every table and view of the attached snapshot, then its schema, then its
/// `_bundles` row; the number of tables and views.
fn export_bundle(
    conn: &Connection,
    dir: &Path,
    layout: PartitionBy,
    sha: &str,
    bundle: &Path,
    scratch: &Scratch,
) -> Result<usize> {
    let tables = rows(
        conn,
        "SELECT table_name FROM duckdb_tables()
         WHERE database_name = 'snap' AND NOT temporary AND table_name <> 'mwtrace_meta'
         UNION ALL
         SELECT view_name FROM duckdb_views()
         WHERE database_name = 'snap' AND NOT internal AND NOT temporary
         ORDER BY 1",
        [],
        |r| r.get::<_, String>(0),
    )?;
    let (region, environment) = region_and_environment(conn)?;
    let facts = format!(
        "{} AS _bundle, (SELECT created_at FROM snapshot) AS _snapshot_at,
         CAST({region} AS VARCHAR) AS _region, CAST({environment} AS VARCHAR) AS _environment",
        literal(sha)
    );
    for table in &tables {
        mwtrace_interrupt::check()?;
        let has_cluster = rows(
            conn,
            "SELECT count(*) FROM duckdb_columns()
             WHERE database_name = 'snap' AND table_name = ? AND column_name = 'cluster'",
            [table],
            |r| r.get::<_, i64>(0),
        )?
        .first()
        .is_some_and(|n| *n > 0);
        let select = format!("SELECT *, {facts} FROM {}", ident(table));
        let table_dir = dir.join(table);
        match layout {
            PartitionBy::None => copy(
                conn,
                scratch,
                &select,
                &table_dir.join(format!("{sha}.parquet")),
            )?,
            PartitionBy::Cluster if has_cluster => {
                let clusters = rows(
                    conn,
                    &format!(
                        "SELECT DISTINCT CAST(cluster AS VARCHAR) FROM {} ORDER BY 1",
                        ident(table)
                    ),
                    [],
                    |r| r.get::<_, Option<String>>(0),
                )?;
                // A table without rows still has a file: its columns and their types.
                let clusters = match clusters.is_empty() {
                    true => vec![None],
                    false => clusters,
                };
                for cluster in clusters {
                    let (value, filter) = match &cluster {
                        Some(name) => (
                            partition_value(name),
                            format!("CAST(cluster AS VARCHAR) = {}", literal(name)),
                        ),
                        None => (NULL_PARTITION.to_string(), "cluster IS NULL".to_string()),
                    };
                    let path = table_dir
                        .join(format!("cluster={value}"))
                        .join(format!("{sha}.parquet"));
                    let query =
                        format!("SELECT * EXCLUDE (cluster) FROM ({select}) WHERE {filter}");
                    copy(conn, scratch, &query, &path)?;
                }
            }
            PartitionBy::Snapshot | PartitionBy::Cluster => {
                let path = table_dir
                    .join(format!("_bundle={sha}"))
                    .join(format!("{sha}.parquet"));
                copy(
                    conn,
                    scratch,
                    &format!("SELECT * EXCLUDE (_bundle) FROM ({select})"),
                    &path,
                )?;
            }
        }
    }
    copy(
        conn,
        scratch,
        &schema_query(),
        &bundle_file(dir, SCHEMA, sha),
    )?;
    copy(
        conn,
        scratch,
        &bundles_query(bundle, layout, &region, &environment),
        &bundle_file(dir, BUNDLES, sha),
    )?;
    Ok(tables.len())
}

/// The DDL that rebuilds the snapshot's database (`--bundle`): macros, tables, then views,
/// in that order (`ordinal`).
fn schema_query() -> String {
    "SELECT row_number() OVER () AS ordinal, * FROM (
       SELECT 'macro' AS kind, function_name AS name,
              'CREATE MACRO ' || function_name || '(' || array_to_string(parameters, ', ')
                || ') AS ' || macro_definition AS sql
       FROM duckdb_functions()
       WHERE database_name = 'snap' AND function_type = 'macro' AND NOT internal
       UNION ALL
       SELECT 'table', table_name, sql FROM duckdb_tables()
       WHERE database_name = 'snap' AND NOT temporary AND table_name <> 'mwtrace_meta'
       UNION ALL
       SELECT 'view', view_name, sql FROM duckdb_views()
       WHERE database_name = 'snap' AND NOT internal AND NOT temporary
       ORDER BY CASE kind WHEN 'macro' THEN 0 WHEN 'table' THEN 1 ELSE 2 END, name)"
        .to_string()
}

/// The bundle's region and environment as SQL literals (`NULL` when it does not tell): the
/// one Azure location of its HostedClusters (`spec.platform.azure.location`) and the one
/// `api.openshift.com/environment` label of its hosted clusters; several values are NULL too.
fn region_and_environment(conn: &Connection) -> Result<(String, String)> {
    let (region, environment) = conn.query_row(
        "SELECT
           (SELECT CASE WHEN count(DISTINCT v) = 1 THEN any_value(v) END
            FROM (SELECT json_extract_string(object, '$.spec.platform.azure.location') AS v
                  FROM objects WHERE kind = 'HostedCluster') WHERE v <> ''),
           (SELECT CASE WHEN count(DISTINCT v) = 1 THEN any_value(v) END
            FROM (SELECT json_extract_string(labels, '$.\"api.openshift.com/environment\"') AS v
                  FROM hosted_clusters) WHERE v <> '')",
        [],
        |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
            ))
        },
    )?;
    let literal = |v: Option<String>| v.map_or("NULL".to_string(), |v| literal(&v));
    Ok((literal(region), literal(environment)))
}

/// One row: the bundle's manifest facts as the loaded `snapshot`, `clusters`,
/// `bundle_files` and `collection_errors` tables hold them.
fn bundles_query(bundle: &Path, layout: PartitionBy, region: &str, environment: &str) -> String {
    let path = fs::canonicalize(bundle).unwrap_or_else(|_| bundle.to_path_buf());
    let notes = mwtrace_bundle::BundleReader::open(bundle, mwtrace_bundle::Limits::from_env())
        .map(|r| r.manifest().notes.len() as i64)
        .ok();
    format!(
        "SELECT s.bundle_sha256 AS _bundle, s.created_at AS _snapshot_at,
                CAST({region} AS VARCHAR) AS _region,
                CAST({environment} AS VARCHAR) AS _environment,
                {path} AS path, s.origin, s.tool_name, s.tool_version, s.secrets_redacted,
                (SELECT list({{'name': name, 'role': role, 'context': context,
                               'server': server}} ORDER BY name) FROM clusters) AS clusters,
                (SELECT count(*) FROM bundle_files) AS files,
                (SELECT CAST(coalesce(sum(bytes), 0) AS BIGINT) FROM bundle_files) AS bytes,
                (SELECT count(*) FROM collection_errors) AS errors,
                CAST({notes} AS BIGINT) AS notes,
                (SELECT count(*) FROM resources) AS resources,
                {LOADER_VERSION} AS loader_version,
                (SELECT library_version FROM pragma_version()) AS engine_version,
                {layout} AS partition_by,
                CAST(current_timestamp AS TIMESTAMP) AS exported_at
         FROM snapshot s",
        path = literal(&path.to_string_lossy()),
        notes = notes.map_or("NULL".to_string(), |n| n.to_string()),
        layout = literal(layout.name()),
    )
}

/// `COPY (query) TO path` as zstd Parquet, through a temporary name in the same directory.
fn copy(conn: &Connection, scratch: &Scratch, query: &str, path: &Path) -> Result<()> {
    write_atomically(path, scratch, |tmp| {
        conn.execute_batch(&format!(
            "COPY ({query}) TO {} (FORMAT parquet, COMPRESSION zstd,
              ROW_GROUP_SIZE {ROW_GROUP_ROWS}, ROW_GROUP_SIZE_BYTES '128MB')",
            literal(&tmp.to_string_lossy())
        ))
        .map_err(|e| anyhow!("{}: DuckDB: {e}", path.display()))
    })
}

/// The scratch directory of an export run, and a counter naming its temporaries.
struct Scratch {
    dir: PathBuf,
    next: std::cell::Cell<u64>,
    _guard: mwtrace_interrupt::ScratchDir,
}

/// Writes `path` through a temporary in the scratch directory (never matched by a table's
/// glob, skipped by Spark as a hidden directory), renamed into place when complete.
fn write_atomically(
    path: &Path,
    scratch: &Scratch,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
    let n = scratch.next.get();
    scratch.next.set(n + 1);
    let tmp = scratch.dir.join(format!("{n}.tmp"));
    let result = write(&tmp).and_then(|()| {
        fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A partition value as a directory name: hive's escaping of `/`, `=`, `%` and the like.
fn partition_value(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The glob reading every file of `table` in `dir`.
fn table_glob(dir: &Path, table: &str) -> String {
    literal(&format!("{}/{table}/**/*.parquet", dir.to_string_lossy()))
}

/// `read_parquet` of every file of `table`, its hive keys as text.
fn read_table(dir: &Path, table: &str) -> String {
    format!(
        "read_parquet({}, hive_partitioning = true, union_by_name = true, hive_types_autocast = false)",
        table_glob(dir, table)
    )
}

/// The tables of an export: its directories not starting with `_` or `.`, sorted.
fn export_tables(dir: &Path) -> Result<Vec<String>> {
    let mut tables = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("{}: cannot read", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // A directory without a Parquet file yet (an export cut short) is no table.
        if entry.file_type()?.is_dir()
            && !name.starts_with(['_', '.'])
            && has_parquet(&entry.path())
        {
            tables.push(name);
        }
    }
    tables.sort();
    Ok(tables)
}

/// Whether `dir` or a directory under it holds a `*.parquet` file.
fn has_parquet(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => has_parquet(&path),
            Ok(_) => path.extension().is_some_and(|e| e == "parquet"),
            Err(_) => false,
        }
    })
}

/// `mwtrace sql DIR`: an in-memory database with one view per table of the export (and
/// `_bundles`), over its Parquet files. The caller locks it down to reads under `dir`.
pub(crate) fn open_views(dir: &Path) -> Result<Connection> {
    let dir = fs::canonicalize(dir).with_context(|| format!("{}: cannot read", dir.display()))?;
    let conn = memory_connection(&load::cache::cache_root().join("sql"))?;
    let mut tables = export_tables(&dir)?;
    tables.push(BUNDLES.to_string());
    for table in tables {
        conn.execute_batch(&format!(
            "CREATE VIEW {} AS SELECT * FROM {}",
            ident(&table),
            read_table(&dir, &table)
        ))
        .map_err(|e| {
            anyhow!(
                "{}: {table}: not a readable export table: {e}",
                dir.display()
            )
        })?;
    }
    Ok(conn)
}

/// The canonical directory DuckDB may read for `sql DIR`.
pub(crate) fn allowed_directory(dir: &Path) -> Result<String> {
    let dir = fs::canonicalize(dir).with_context(|| format!("{}: cannot read", dir.display()))?;
    Ok(format!("{}/", dir.to_string_lossy().trim_end_matches('/')))
}

/// An export needs `--bundle SHA` to name one of its snapshots (its `_bundles` list them).
pub(crate) fn check_bundle_arg(path: &Path, bundle: Option<&str>) -> Result<()> {
    if bundle.is_none() && is_export(path) {
        bail!(
            "{}: an export of several snapshots: pick one with --bundle SHA (mwtrace sql {} \"SELECT _bundle, path FROM _bundles\" lists them)",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// The bundle of the export `dir` whose sha256 starts with `prefix`.
fn find_bundle(dir: &Path, prefix: &str) -> Result<String> {
    if !is_export(dir) {
        bail!(
            "{}: not an mwtrace export (no {BUNDLES}/; write one with mwtrace export --parquet)",
            dir.display()
        );
    }
    let prefix = prefix.to_ascii_lowercase();
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("--bundle {prefix}: not a sha256 (or a prefix of one)");
    }
    let mut found = Vec::new();
    for entry in fs::read_dir(dir.join(BUNDLES))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if let Some(sha) = name.strip_suffix(".parquet")
            && sha.starts_with(&prefix)
        {
            found.push(sha.to_string());
        }
    }
    found.sort();
    match found.len() {
        0 => bail!("--bundle {prefix}: no such bundle in {}", dir.display()),
        1 => Ok(found.remove(0)),
        _ => bail!(
            "--bundle {prefix}: several bundles of {} start so: {}",
            dir.display(),
            found.join(", ")
        ),
    }
}

/// `trace`/`doctor --bundle SHA`: the database of one snapshot of the export `dir`, rebuilt
/// from its Parquet files into the cache once ([`rebuilt_path`]), opened read-only.
pub(crate) fn open_bundle(dir: &Path, prefix: &str) -> Result<Snapshot> {
    let sha = find_bundle(dir, prefix)?;
    let db_path = rebuilt_path(dir, &sha)?;
    let current = |db: &Path| -> Option<Connection> {
        let conn = load::open_read_only(db).ok()?;
        let (version, loaded) = conn
            .query_row(
                "SELECT loader_version, bundle_sha256 FROM mwtrace_meta",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .ok()?;
        (version == LOADER_VERSION && loaded == sha).then_some(conn)
    };
    let (conn, loaded_now) = match db_path.exists().then(|| current(&db_path)).flatten() {
        Some(conn) => (conn, false),
        None => {
            rebuild(dir, &sha, &db_path).with_context(|| {
                format!("{}: rebuilding bundle {sha} from the export", dir.display())
            })?;
            let conn = current(&db_path)
                .ok_or_else(|| anyhow!("{}: rebuilt but unreadable", db_path.display()))?;
            (conn, true)
        }
    };
    Ok(Snapshot {
        conn,
        db_path,
        bundle_sha256: sha,
        loaded_now,
    })
}

/// Where the database of bundle `sha` of the export `dir` is rebuilt: the cache's `export/`,
/// named by the bundle and the export's directory (two exports never share a database).
fn rebuilt_path(dir: &Path, sha: &str) -> Result<PathBuf> {
    use std::hash::{Hash, Hasher};
    let dir = fs::canonicalize(dir).with_context(|| format!("{}: cannot read", dir.display()))?;
    let mut hasher = std::hash::DefaultHasher::new();
    dir.hash(&mut hasher);
    Ok(load::cache::cache_root()
        .join("export")
        .join(format!("{sha}-{:016x}.duckdb", hasher.finish())))
}

/// Builds the database of bundle `sha` from the export `dir` at `db`, atomically: its macros,
/// tables (rows of `_bundle = sha`, the export's columns dropped) and views, and the
/// `mwtrace_meta` row that makes it current.
fn rebuild(dir: &Path, sha: &str, db: &Path) -> Result<()> {
    let dir = fs::canonicalize(dir)?;
    let facts = memory_connection(db)?;
    let read = |path: PathBuf| format!("read_parquet({})", literal(&path.to_string_lossy()));
    let version = facts
        .query_row(
            &format!(
                "SELECT loader_version FROM {}",
                read(bundle_file(&dir, BUNDLES, sha))
            ),
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(|e| anyhow!("{BUNDLES}/{sha}.parquet: {e}"))?;
    if version != LOADER_VERSION {
        bail!(
            "exported by loader version {version}; this mwtrace reads version {LOADER_VERSION}: export the bundle again into a new directory"
        );
    }
    let ddl = rows(
        &facts,
        &format!(
            "SELECT kind, name, sql FROM {} ORDER BY ordinal",
            read(bundle_file(&dir, SCHEMA, sha))
        ),
        [],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )
    .map_err(|e| anyhow!("{SCHEMA}/{sha}.parquet: {e}"))?;
    drop(facts);

    let parent = db.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(".{sha}.export.{}.tmp", std::process::id()));
    let result = (|| -> Result<()> {
        let config = load::settings::base_config(&load::settings::spill_dir_beside(db))?;
        let conn = Connection::open_with_flags(&tmp, config)?;
        let _ = conn.execute_batch("SET TimeZone = 'UTC'");
        let drop_extra = EXTRA.join(", ");
        for (kind, name, sql) in &ddl {
            mwtrace_interrupt::check()?;
            conn.execute_batch(sql)
                .map_err(|e| anyhow!("{kind} {name}: {e}"))?;
            if kind == "table" {
                conn.execute_batch(&format!(
                    "INSERT INTO {} BY NAME SELECT * EXCLUDE ({drop_extra}) FROM {} WHERE _bundle = {}",
                    ident(name),
                    read_table(&dir, name),
                    literal(sha)
                ))
                .map_err(|e| anyhow!("{name}: {e}"))?;
            }
        }
        conn.execute_batch(&format!(
            "CREATE TABLE mwtrace_meta (loader_version BIGINT, bundle_sha256 VARCHAR,
                                        loaded_at TIMESTAMP, engine_version VARCHAR);
             INSERT INTO mwtrace_meta
             SELECT {LOADER_VERSION}, {}, current_timestamp::TIMESTAMP, library_version
             FROM pragma_version();
             CHECKPOINT;",
            literal(sha)
        ))?;
        Ok(())
    })();
    let result = result.and_then(|()| {
        fs::rename(&tmp, db).with_context(|| format!("{}: cannot write", db.display()))
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
        let _ =
            fs::remove_file(parent.join(format!(".{sha}.export.{}.tmp.wal", std::process::id())));
    }
    result
}
