//! `mwtrace sql`: any query over the snapshot, on a read-only connection, written through
//! polars to the chosen format.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::{Context, Result, bail};

use crate::ExitStatus;
use crate::cli::{SqlArgs, TableFormat};
use crate::output::table::{ResultWriter, configure_table_display};
use mwtrace_analyze::query::rows;

pub fn run(args: SqlArgs) -> Result<ExitStatus> {
    if args.output == TableFormat::Parquet && args.out.is_none() && io::stdout().is_terminal() {
        bail!("-o parquet writes binary data: give --out FILE or redirect standard output");
    }
    configure_table_display();
    let snapshot = super::open(&args.snapshot)?;
    let conn = &snapshot.conn;
    let query = args.query.trim().trim_end_matches(';').trim();
    let sql = polars_safe(conn, query);
    let mut stmt = conn.prepare(&sql).context("query")?;
    let frames = stmt.query_polars([]).context("query")?;
    let out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("{}: cannot create", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let mut writer = ResultWriter::new(args.output, out);
    let mut frames = frames;
    loop {
        // duckdb-rs panics when a chunk cannot become a DataFrame; `polars_safe` casts the
        // types that could, and this turns any panic left into an error.
        let next = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| frames.next()))
            .map_err(|_| {
                anyhow::anyhow!("a result column has a type polars cannot hold; CAST it to VARCHAR")
            })?;
        match next {
            Some(df) => writer.write(df)?,
            None => break,
        }
    }
    drop(frames);
    let columns = stmt.column_names();
    writer.finish(&columns)?;
    Ok(ExitStatus::Success)
}

/// Wraps `query` so that every column has a type that converts to polars: JSON, nested,
/// and exotic types become VARCHAR. Queries that cannot be described run as they are.
fn polars_safe(conn: &duckdb::Connection, query: &str) -> String {
    let Ok(columns) = rows(conn, &format!("DESCRIBE {query}"), [], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    }) else {
        return query.to_string();
    };
    let mut names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let needs_cast = |ty: &str| !is_polars_native(ty);
    if names.len() != columns.len() || !columns.iter().any(|(_, ty)| needs_cast(ty)) {
        return query.to_string();
    }
    let select: Vec<String> = columns
        .iter()
        .map(|(name, ty)| {
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            if needs_cast(ty) {
                format!("CAST({quoted} AS VARCHAR) AS {quoted}")
            } else {
                quoted
            }
        })
        .collect();
    format!("SELECT {} FROM ({query}) AS q", select.join(", "))
}

fn is_polars_native(ty: &str) -> bool {
    matches!(
        ty,
        "BOOLEAN"
            | "TINYINT"
            | "SMALLINT"
            | "INTEGER"
            | "BIGINT"
            | "UTINYINT"
            | "USMALLINT"
            | "UINTEGER"
            | "UBIGINT"
            | "FLOAT"
            | "DOUBLE"
            | "VARCHAR"
            | "DATE"
            | "TIMESTAMP"
    )
}
