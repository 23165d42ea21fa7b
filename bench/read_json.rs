//! The engine's limit for `bench/run.sh`: DuckDB's own JSON reader, with no mwtrace code around
//! it, reading NDJSON files into tables of a new database file, one table per file. It is built
//! with the same bundled DuckDB as mwtrace, so the two measure the same engine.
//!
//!     read_json MODE OUT.duckdb FILE...
//!
//! MODE `auto` is `read_json(FILE)` with its defaults (what a user would type: columns and types
//! detected, nested objects as STRUCTs); `objects` is `read_ndjson_objects(FILE)` (one JSON value
//! per line, only validated: the floor of any NDJSON load).

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, db, files @ ..] = args.as_slice() else {
        bail!("usage: read_json auto|objects OUT.duckdb FILE...");
    };
    let conn = duckdb::Connection::open(db).with_context(|| format!("opening {db}"))?;
    for (index, file) in files.iter().enumerate() {
        let literal = format!("'{}'", file.replace('\'', "''"));
        let source = match mode.as_str() {
            "auto" => format!("read_json({literal}, format = 'newline_delimited')"),
            "objects" => format!("read_ndjson_objects({literal})"),
            other => bail!("unknown mode {other:?}: expected auto or objects"),
        };
        conn.execute_batch(&format!("CREATE TABLE t{index} AS SELECT * FROM {source}"))
            .with_context(|| format!("reading {file}"))?;
    }
    conn.execute_batch("CHECKPOINT")?;
    Ok(())
}
