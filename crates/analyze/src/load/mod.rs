//! Bundle -> DuckDB. A bundle is loaded once into a database file cached under its sha256
//! (DESIGN.md §3); later commands open that file read-only and start at once. The database is
//! built under a temporary name and renamed when complete, so a half-written cache is never
//! used, and a cache written by another loader version is rebuilt.

pub mod cache;
mod history;
pub mod issues;
pub mod settings;
mod stage;
mod tables;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use duckdb::{AccessMode, Connection, params};

use mwtrace_bundle::progress::{Progress, Unit};
use mwtrace_bundle::{BundleError, BundlePath, BundleReader, Limits, Manifest};
use stage::StagedFile;
use tables::{MAESTRO_TABLES, read_columns, select_list, sql_string};

use crate::query::{ident, rows, timed};
use crate::store::SnapshotFacts;
use crate::store::index;

/// Bumped whenever the schema or derivations change: caches of other versions are rebuilt.
pub const LOADER_VERSION: i64 = 16;

const DERIVE_SQL: &str = include_str!("derive.sql");
const TIMELINE_SQL: &str = include_str!("timeline.sql");
const COMMENTS_SQL: &str = include_str!("comments.sql");

/// Why a bundle could not be loaded. A variant shows its cause in its message (`Io`, `Db`: the
/// cause is the whole point) or chains it as its source, never both.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error(transparent)]
    Interrupted(#[from] mwtrace_interrupt::Interrupted),
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: DuckDB: {error}", db.display())]
    Db { db: PathBuf, error: duckdb::Error },
    #[error("{}: not an mwtrace database (refusing to overwrite it; choose another --db)", db.display())]
    ForeignDb { db: PathBuf },
    #[error(transparent)]
    Settings(#[from] settings::SettingsError),
    /// DuckDB could not stay within its memory limit. Its own advice (`SET memory_limit`) is
    /// not something a user of mwtrace can follow, so the error says what they can do.
    #[error("{}: DuckDB ran out of memory (limit: {limit}); raise {MEMORY_LIMIT_ENV} or use a machine with more memory", db.display())]
    OutOfMemory {
        db: PathBuf,
        limit: String,
        source: duckdb::Error,
    },
}

/// Caps DuckDB's memory (settings.rs); beyond it, DuckDB spills. Without a cap DuckDB takes up
/// to 80% of the machine's RAM, which a 1M-resource load uses.
use settings::MEMORY_LIMIT_ENV;

/// An opened, loaded snapshot.
pub struct Snapshot {
    pub conn: Connection,
    pub db_path: PathBuf,
    pub bundle_sha256: String,
    /// True when this command built the database (first use of the bundle).
    pub loaded_now: bool,
}

/// Where a bundle's database goes: `db` when given, else the cache.
pub fn database_path(bundle: &Path, db: Option<&Path>) -> Result<(PathBuf, String), LoadError> {
    // Hashing reads the whole file: a FIFO or /dev/zero is refused before.
    mwtrace_bundle::reader::ensure_regular_file(bundle)?;
    let sha = cache::bundle_sha256(bundle).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
            LoadError::Bundle(BundleError::Io {
                bundle: bundle.to_path_buf(),
                source,
            })
        }
        _ => LoadError::Io {
            path: bundle.to_path_buf(),
            error: source,
        },
    })?;
    let path = match db {
        Some(db) => db.to_path_buf(),
        None => cache::cache_root().join(format!("{sha}.duckdb")),
    };
    Ok((path, sha))
}

/// Opens the loaded database of `bundle` read-only, loading it first if needed.
pub fn open_snapshot(
    bundle: &Path,
    db: Option<&Path>,
    progress: &dyn Progress,
) -> Result<Snapshot, LoadError> {
    let (db_path, sha) = database_path(bundle, db)?;
    // A file the user named is only replaced if it is an mwtrace database; a damaged cache
    // entry is simply rebuilt. A current database is used through the connection that checked
    // it: opening DuckDB costs about 20 ms, half of a cached trace.
    let (conn, loaded_now) = match timed(|| "open", || open_current(&db_path, &sha, db.is_some()))?
    {
        Some(conn) => (conn, false),
        None => {
            build(bundle, &db_path, &sha, progress)?;
            (open_read_only(&db_path)?, true)
        }
    };
    Ok(Snapshot {
        conn,
        db_path,
        bundle_sha256: sha,
        loaded_now,
    })
}

fn db_err(db: &Path) -> impl Fn(duckdb::Error) -> LoadError + '_ {
    move |source| {
        // A statement DuckDB stopped because of SIGINT/SIGTERM (see `build`).
        if let Err(interrupted) = mwtrace_interrupt::check() {
            return LoadError::Interrupted(interrupted);
        }
        if source.to_string().contains("Out of Memory Error") {
            let limit = settings::memory_limit_label();
            return LoadError::OutOfMemory {
                db: db.to_path_buf(),
                limit,
                source,
            };
        }
        LoadError::Db {
            db: db.to_path_buf(),
            error: source,
        }
    }
}

/// Opens a loaded database read-only, spilling into a directory of its own beside it.
pub fn open_read_only(db: &Path) -> Result<Connection, LoadError> {
    let config = settings::base_config(&settings::spill_dir_beside(db))?
        .access_mode(AccessMode::ReadOnly)
        .map_err(db_err(db))?;
    Connection::open_with_flags(db, config).map_err(db_err(db))
}

/// The existing database of this bundle, opened read-only, when this loader and this engine
/// wrote it; None when it must be built.
fn open_current(db: &Path, sha: &str, user_named: bool) -> Result<Option<Connection>, LoadError> {
    if !db.exists() {
        return Ok(None);
    }
    let foreign = || LoadError::ForeignDb {
        db: db.to_path_buf(),
    };
    let conn = match open_read_only(db) {
        Ok(conn) => conn,
        Err(_) if user_named => return Err(foreign()),
        Err(_) => return Ok(None),
    };
    // Lookup keys are the engine's hash(): a database written by another engine is rebuilt.
    let row = conn.query_row(
        "SELECT loader_version, bundle_sha256,
                engine_version = (SELECT library_version FROM pragma_version())
         FROM mwtrace_meta",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        },
    );
    match row {
        Ok((LOADER_VERSION, loaded_sha, true)) if loaded_sha == sha => Ok(Some(conn)),
        Ok(_) => Ok(None),
        Err(_) if user_named => Err(foreign()),
        Err(_) => Ok(None),
    }
}

/// Builds the database of `bundle` at `db`, atomically.
fn build(bundle: &Path, db: &Path, sha: &str, progress: &dyn Progress) -> Result<(), LoadError> {
    let parent = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |error| LoadError::Io { path, error }
    };
    fs::create_dir_all(parent).map_err(io_err(parent))?;
    // Locked while it lives: a load killed outright leaves it for the next load to remove.
    let work =
        mwtrace_interrupt::ScratchDir::new_in(parent, ".mwtrace-load-").map_err(io_err(parent))?;

    let reader = BundleReader::open(bundle, Limits::from_env())?;
    let total: u64 = reader.manifest().files.iter().map(|f| f.bytes).sum();
    progress.phase("verifying and staging bundle", total, Unit::Bytes);
    let staged = timed(
        || "staging",
        || stage::stage(&reader, work.path(), progress),
    )?;

    progress.phase("loading into DuckDB", 0, Unit::Items);
    let tmp_db = work.path().join("snapshot.duckdb");
    let tmp_index = index::path_for(&tmp_db);
    let final_index = index::path_for(db);
    // A stale index is never read (it names its loader and bundle), but it should not linger.
    let _ = fs::remove_file(&final_index);
    {
        let conn = open_for_build(&tmp_db, work.path(), db)?;
        // SIGINT/SIGTERM stop the statement running; the hook goes before the connection.
        let handle = conn.interrupt_handle();
        let _interrupt = mwtrace_interrupt::on_interrupt(move || handle.interrupt());
        mwtrace_interrupt::check()?;
        // DuckDB parses the JSON; when it refuses a file, name the line the way the bundle does.
        ingest(&conn, reader.manifest(), &staged, work.path(), sha, bundle).map_err(|e| {
            if let Err(interrupted) = mwtrace_interrupt::check() {
                return LoadError::Interrupted(interrupted);
            }
            match stage::find_malformed(bundle, &staged) {
                Some(malformed) => LoadError::Bundle(malformed),
                None => db_err(db)(e),
            }
        })?;
        timed(
            || "checkpoint",
            || conn.execute_batch("CHECKPOINT snapshot"),
        )
        .map_err(db_err(db))?;
        timed(|| "trace index", || write_index(&conn, &tmp_index, sha)).map_err(|e| match e {
            index::WriteError::Io(error) => LoadError::Io {
                path: tmp_index.clone(),
                error,
            },
            index::WriteError::Db(source) => db_err(db)(source),
        })?;
    }
    mwtrace_interrupt::check()?;
    // The index names the bundle and loader it was written for, so it is moved first: a
    // database is never current without its index.
    fs::rename(&tmp_index, &final_index).map_err(io_err(&final_index))?;
    fs::rename(&tmp_db, db).map_err(io_err(db))?;
    progress.finish();
    Ok(())
}

/// Writes the trace index of the database being built.
fn write_index(conn: &Connection, path: &Path, sha: &str) -> Result<(), index::WriteError> {
    let header = index::IndexHeader {
        loader_version: LOADER_VERSION,
        bundle_sha256: sha.to_string(),
        facts: SnapshotFacts::read(conn)?,
    };
    index::write(conn, path, &header)
}

/// The trace index of `bundle`'s database when it is current; None when the database must
/// answer (not loaded yet, loaded by another version, index damaged).
pub fn open_index(bundle: &Path, db: Option<&Path>) -> Option<index::TraceIndex> {
    let (db_path, sha) = database_path(bundle, db).ok()?;
    if !db_path.exists() {
        return None;
    }
    timed(
        || "open trace index",
        || {
            Ok::<_, ()>(index::TraceIndex::open(
                &index::path_for(&db_path),
                &sha,
                LOADER_VERSION,
            ))
        },
    )
    .ok()
    .flatten()
}

/// Rows per row group of a loaded database. DuckDB skips a row group whose key min/max exclude
/// the value looked up, and decodes the whole group otherwise: at its default (122,880 rows) a
/// point lookup decodes about 100 times more than it returns.
const ROW_GROUP_ROWS: u32 = 8192;

/// A connection writing the database at `db` (attached as `snapshot`, made the default), with
/// small row groups and spill files under `work`; errors name `target`, the database asked for.
fn open_for_build(db: &Path, work: &Path, target: &Path) -> Result<Connection, LoadError> {
    let config = settings::base_config(&work.join("spill"))?;
    let conn = Connection::open_in_memory_with_flags(config).map_err(db_err(target))?;
    conn.execute_batch(&format!(
        "ATTACH {} AS snapshot (ROW_GROUP_SIZE {ROW_GROUP_ROWS});
         USE snapshot;",
        sql_string(&db.to_string_lossy()),
    ))
    .map_err(db_err(target))?;
    Ok(conn)
}

/// The SQL that makes every table of the schema from the staged files.
fn ingest(
    conn: &Connection,
    manifest: &Manifest,
    staged: &[StagedFile],
    work: &Path,
    sha: &str,
    bundle: &Path,
) -> duckdb::Result<()> {
    // Timestamps are stored as UTC TIMESTAMPs; with ICU present, make casts use UTC too.
    let _ = conn.execute_batch("SET TimeZone = 'UTC'");
    conn.execute_batch(
        "CREATE MACRO mw_ts(v) AS TRY_CAST(TRY_CAST(v AS TIMESTAMPTZ) AS TIMESTAMP);
         CREATE MACRO mw_rfc3339(t) AS strftime(t, '%Y-%m-%dT%H:%M:%SZ');",
    )?;
    let reader_options = format!(", maximum_object_size = {}", stage::MAX_LINE_BYTES + 1);
    issues::prepare(conn)?;

    let mut db_tables: Vec<(&str, &StagedFile)> = Vec::new();
    let mut kube_files = Vec::new();
    let mut log_files = Vec::new();
    let mut history_files = Vec::new();
    for file in staged {
        match &file.path {
            BundlePath::Db { table } => db_tables.push((table.as_str(), file)),
            BundlePath::Kube { .. } => kube_files.push(file),
            BundlePath::Log { .. } => log_files.push(file),
            BundlePath::History { .. } => history_files.push(file),
            _ => {}
        }
    }
    for table in MAESTRO_TABLES {
        let source = db_tables.iter().find(|(t, _)| *t == table).map(|(_, f)| *f);
        // derive.sql writes `resources` once, with its derived columns, from a temporary copy:
        // payloads are most of a snapshot, and each persistent write of them costs seconds.
        let target = match table {
            "resources" => Target::Temp("mw_raw_resources"),
            _ => Target::Table(table),
        };
        timed(
            || table,
            || load_table(conn, table, target, source, &reader_options),
        )?;
        let (Target::Table(loaded) | Target::Temp(loaded)) = target;
        let has_id = tables::known_columns(table).is_some_and(|c| c.iter().any(|c| c.name == "id"));
        let id_check = source.filter(|_| has_id).map(|f| f.keys.contains("id"));
        let file = source.map(|f| f.path.to_string());
        issues::collect_raw(conn, loaded, table, file.as_deref(), id_check)?;
    }
    // Tables mwtrace does not know are kept too, prefixed so they cannot shadow the schema.
    for (table, file) in &db_tables {
        if !MAESTRO_TABLES.contains(table) && tables::is_plain_identifier(table) {
            load_table(
                conn,
                table,
                Target::Table(&format!("db_{table}")),
                Some(file),
                &reader_options,
            )?;
            let path = file.path.to_string();
            let loaded = format!("db_{table}");
            issues::collect_raw(conn, &loaded, &loaded, Some(&path), None)?;
        }
    }
    timed(
        || "objects",
        || load_objects(conn, &kube_files, &reader_options),
    )?;
    timed(|| "logs", || load_logs(conn, &log_files, &reader_options))?;
    timed(
        || "history",
        || history::load_history(conn, &history_files, work, &reader_options),
    )?;
    // The manifest's tables first: derive.sql decides what was collected from them.
    load_manifest_tables(conn, manifest, sha, bundle)?;
    run_script(conn, DERIVE_SQL)?;
    run_script(conn, TIMELINE_SQL)?;
    timed(|| "load issues", || issues::finish(conn, staged))?;
    conn.execute_batch(COMMENTS_SQL)?;
    comment_lookup_keys(conn)
}

/// Says what each `<column>_key` is (derive.sql, "Lookup keys"), for `mwtrace schema`.
fn comment_lookup_keys(conn: &Connection) -> duckdb::Result<()> {
    let keys = rows(
        conn,
        "SELECT table_name, column_name FROM duckdb_columns()
         WHERE database_name = current_database() AND NOT internal
           AND data_type = 'UBIGINT' AND suffix(column_name, '_key')",
        [],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    for (table, column) in keys {
        let of = column.trim_end_matches("_key");
        conn.execute_batch(&format!(
            "COMMENT ON COLUMN {}.{} IS {}",
            ident(&table),
            ident(&column),
            sql_string(&format!(
                "lookup key: hash({of}); `{column} = hash(v) AND {of} = v` reads only the row groups holding v"
            ))
        ))?;
    }
    Ok(())
}

/// Runs a script statement by statement (each timed). Statements end with ";\n".
fn run_script(conn: &Connection, script: &str) -> duckdb::Result<()> {
    for statement in script.split_inclusive(";\n") {
        let label = statement
            .lines()
            .find(|l| !l.trim().is_empty() && !l.starts_with("--"))
            .unwrap_or_default();
        timed(|| label, || conn.execute_batch(statement))?;
    }
    Ok(())
}

/// Where a dumped table is loaded.
#[derive(Clone, Copy)]
enum Target<'a> {
    Table(&'a str),
    /// A temporary table, read by derive.sql and not kept in the database.
    Temp(&'a str),
}

/// One dumped table, read by DuckDB's JSON reader with the dump's own columns (each line is
/// parsed once), typed by [`select_list`].
fn load_table(
    conn: &Connection,
    dump_name: &str,
    target: Target<'_>,
    source: Option<&StagedFile>,
    reader_options: &str,
) -> duckdb::Result<()> {
    let empty = BTreeSet::new();
    let (keys, from) = match source.and_then(|f| Some((f, read_columns(dump_name, &f.keys)?))) {
        Some((file, columns)) => (
            &file.keys,
            format!(
                "read_json({}, format = 'newline_delimited', records = true, columns = {columns}{reader_options})",
                sql_string(&file.local.to_string_lossy())
            ),
        ),
        None => (&empty, "(SELECT 1 WHERE false)".to_string()),
    };
    let select = select_list(dump_name, keys);
    let (create, table) = match target {
        Target::Table(table) => ("CREATE TABLE", table),
        Target::Temp(table) => ("CREATE TEMP TABLE", table),
    };
    conn.execute_batch(&format!(
        "{create} {} AS SELECT {select} FROM {from}",
        ident(table)
    ))
}

/// Lists the `kube/` or `history/` files among `files` in a new temporary table `table` (file,
/// cluster, api_group, group_version, resource, kind), for the loads to join each read row to
/// the path it came from; returns the files' local paths as SQL strings.
pub(super) fn register_object_files(
    conn: &Connection,
    table: &str,
    files: &[&StagedFile],
) -> duckdb::Result<Vec<String>> {
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE {} (file VARCHAR, cluster VARCHAR, api_group VARCHAR,
                               group_version VARCHAR, resource VARCHAR, kind VARCHAR)",
        ident(table)
    ))?;
    let mut list = Vec::new();
    for file in files {
        let (BundlePath::Kube {
            cluster,
            group,
            version,
            resource,
        }
        | BundlePath::History {
            cluster,
            group,
            version,
            resource,
        }) = &file.path
        else {
            continue;
        };
        let api_group = BundlePath::api_group(group);
        let group_version = if api_group.is_empty() {
            version.clone()
        } else {
            format!("{api_group}/{version}")
        };
        let local = file.local.to_string_lossy().into_owned();
        conn.execute(
            &format!("INSERT INTO {} VALUES (?, ?, ?, ?, ?, ?)", ident(table)),
            params![
                local,
                cluster,
                api_group,
                group_version,
                resource,
                mwtrace_bundle::kinds::kind_of_resource(resource)
            ],
        )?;
        list.push(sql_string(&local));
    }
    Ok(list)
}

fn load_objects(
    conn: &Connection,
    files: &[&StagedFile],
    reader_options: &str,
) -> duckdb::Result<()> {
    let list = register_object_files(conn, "mw_kube_files", files)?;
    let source = ndjson_files(&list, reader_options);
    // One multi-path extraction parses each (possibly large) object once; the small metadata
    // object is then read field by field.
    conn.execute_batch(&format!(
        "CREATE TABLE objects AS
         WITH parsed AS (
             SELECT r.json AS object, r.filename,
                    json_extract(r.json, ['$.apiVersion', '$.kind', '$.metadata']) AS top
             FROM {source} r
         )
         SELECT f.cluster, f.api_group,
                coalesce(p.top[1] ->> '$', f.group_version) AS api_version,
                coalesce(p.top[2] ->> '$', f.kind) AS kind,
                f.resource,
                p.top[3] ->> 'namespace' AS namespace,
                p.top[3] ->> 'name' AS name,
                p.top[3] ->> 'uid' AS uid,
                p.top[3] -> 'labels' AS labels,
                p.top[3] -> 'annotations' AS annotations,
                p.top[3] -> 'ownerReferences' AS owner_refs,
                mw_ts(p.top[3] ->> 'creationTimestamp') AS created_at,
                mw_ts(p.top[3] ->> 'deletionTimestamp') AS deleted_at,
                p.object,
                hash(p.top[3] ->> 'name') AS name_key,
                hash(p.top[3] ->> 'uid') AS uid_key,
                -- Rebuilt by import from the object's last history revision (bundle-format.md).
                mw_ts(p.top[3] -> 'annotations' ->> '$.\"{reconstructed}\"') AS reconstructed_at
         FROM parsed p JOIN mw_kube_files f ON f.file = p.filename",
        reconstructed = mwtrace_bundle::history::RECONSTRUCTED_AT
    ))
}

/// The `logs` table, from the rows the stage parsed out of every log file (always created, empty
/// when the bundle has no logs).
fn load_logs(conn: &Connection, files: &[&StagedFile], reader_options: &str) -> duckdb::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE mw_log_files (file VARCHAR, cluster VARCHAR, namespace VARCHAR,
                                         pod VARCHAR, container VARCHAR, component VARCHAR)",
    )?;
    let mut list = Vec::new();
    for file in files {
        let BundlePath::Log {
            cluster,
            namespace,
            pod,
            container,
        } = &file.path
        else {
            continue;
        };
        let local = file.local.to_string_lossy().into_owned();
        conn.execute(
            "INSERT INTO mw_log_files VALUES (?, ?, ?, ?, ?, ?)",
            params![
                local,
                cluster,
                namespace,
                pod,
                container,
                mwtrace_logs::component(namespace, pod, container)
            ],
        )?;
        list.push(sql_string(&local));
    }
    let source = ndjson_files(&list, reader_options);
    conn.execute_batch(&format!(
        "CREATE TABLE logs AS
         SELECT f.cluster, f.namespace, f.pod, f.container,
                CAST(r.json ->> 'line' AS BIGINT) AS line,
                TRY_CAST(r.json ->> 'ts' AS TIMESTAMP) AS ts,
                r.json ->> 'level' AS level,
                r.json ->> 'logger' AS logger,
                r.json ->> 'caller' AS caller,
                r.json ->> 'msg' AS msg,
                r.json -> 'fields' AS fields,
                r.json ->> 'raw' AS raw,
                r.json ->> 'format' AS format,
                f.component,
                r.json ->> 'resource_id' AS resource_id,
                r.json ->> 'op_id' AS op_id,
                r.json ->> 'work_name' AS work_name,
                r.json ->> 'cid' AS cid
         FROM {source} r JOIN mw_log_files f ON f.file = r.filename
         ORDER BY f.cluster, f.namespace, f.pod, f.container, line"
    ))
}

fn load_manifest_tables(
    conn: &Connection,
    manifest: &Manifest,
    sha: &str,
    bundle: &Path,
) -> duckdb::Result<()> {
    conn.execute_batch(
        "CREATE TABLE snapshot (created_at TIMESTAMP, origin VARCHAR, tool_name VARCHAR,
                                tool_version VARCHAR, secrets_redacted BOOLEAN,
                                bundle_sha256 VARCHAR, bundle_path VARCHAR);
         CREATE TABLE clusters (name VARCHAR, role VARCHAR, context VARCHAR, server VARCHAR);
         CREATE TABLE bundle_files (path VARCHAR, rows BIGINT, bytes BIGINT, sha256 VARCHAR);
         CREATE TABLE collection_errors (source VARCHAR, message VARCHAR);
         CREATE TABLE components (cluster VARCHAR, namespace VARCHAR, name VARCHAR,
                                  component VARCHAR, container VARCHAR, image VARCHAR,
                                  version VARCHAR, digest VARCHAR, source VARCHAR);
         CREATE TABLE mwtrace_meta (loader_version BIGINT, bundle_sha256 VARCHAR,
                                    loaded_at TIMESTAMP, engine_version VARCHAR);",
    )?;
    conn.execute(
        "INSERT INTO snapshot VALUES (mw_ts(?), ?, ?, ?, ?, ?, ?)",
        params![
            manifest.created_at,
            manifest.origin,
            manifest.tool.name,
            manifest.tool.version,
            manifest.redaction.secrets,
            sha,
            bundle.to_string_lossy().into_owned()
        ],
    )?;
    for c in &manifest.clusters {
        conn.execute(
            "INSERT INTO clusters VALUES (?, ?, ?, ?)",
            params![c.name, c.role, c.context, c.server],
        )?;
    }
    for f in &manifest.files {
        conn.execute(
            "INSERT INTO bundle_files VALUES (?, ?, ?, ?)",
            params![f.path, f.rows.map(|r| r as i64), f.bytes as i64, f.sha256],
        )?;
    }
    for e in &manifest.errors {
        conn.execute(
            "INSERT INTO collection_errors VALUES (?, ?)",
            params![e.source, e.message],
        )?;
    }
    for c in &manifest.components {
        conn.execute(
            "INSERT INTO components VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![
                c.cluster,
                c.namespace,
                c.name,
                c.component,
                c.container,
                c.image,
                c.version,
                c.digest,
                c.source
            ],
        )?;
    }
    conn.execute(
        "INSERT INTO mwtrace_meta
         SELECT ?, ?, current_timestamp::TIMESTAMP, library_version FROM pragma_version()",
        params![LOADER_VERSION, sha],
    )?;
    Ok(())
}

/// A FROM source reading `files` (SQL string literals) as NDJSON objects with their file name,
/// or an empty one when there are none.
fn ndjson_files(files: &[String], reader_options: &str) -> String {
    if files.is_empty() {
        "(SELECT NULL::JSON AS json, NULL::VARCHAR AS filename WHERE false)".to_string()
    } else {
        format!(
            "read_ndjson_objects([{}], filename = true{reader_options})",
            files.join(", ")
        )
    }
}
