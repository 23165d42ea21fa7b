//! `mwtrace schema`: the tables and columns of a loaded snapshot, with their meaning (the
//! `COMMENT ON` lines of the loader's SQL). The interactive `sql` prompt's `.tables` and
//! `.schema` print the same.

use std::io::Write;

use anyhow::Result;
use duckdb::Connection;

use crate::ExitStatus;
use crate::cli::SchemaArgs;
use mwtrace_analyze::query::rows;
use mwtrace_analyze::terminal::escape_line;

pub fn run(args: SchemaArgs) -> Result<ExitStatus> {
    let snapshot = super::open(&args.snapshot)?;
    write_schema(&snapshot.conn, None, &mut std::io::stdout().lock())?;
    Ok(ExitStatus::Success)
}

/// A table or view of the schema.
pub(crate) struct Table {
    pub name: String,
    pub comment: String,
    /// DuckDB's estimate of the rows of a table; None for a view.
    pub rows: Option<i64>,
}

impl Table {
    /// `17 rows`, or `view`.
    pub fn kind(&self) -> String {
        match self.rows {
            Some(1) => "1 row".to_string(),
            Some(rows) => format!("{rows} rows"),
            None => "view".to_string(),
        }
    }
}

/// The tables and views of the snapshot by name. Views are listed with the tables:
/// `resources` and `resource_manifests` are views that add the manifests, extracted from the
/// payload on read, to their stored tables.
pub(crate) fn tables(conn: &Connection) -> Result<Vec<Table>> {
    Ok(rows(
        conn,
        "SELECT table_name, coalesce(comment, ''), estimated_size FROM duckdb_tables()
         WHERE NOT temporary AND table_name <> 'mwtrace_meta'
         UNION ALL
         SELECT view_name, coalesce(comment, ''), NULL FROM duckdb_views()
         WHERE NOT internal AND NOT temporary
         ORDER BY 1",
        [],
        |r| {
            Ok(Table {
                name: r.get(0)?,
                comment: r.get(1)?,
                rows: r.get(2)?,
            })
        },
    )?)
}

/// Every table (or only `only`) with its columns, types and meanings; Ok(false) when `only`
/// names no table of the schema.
pub(crate) fn write_schema(
    conn: &Connection,
    only: Option<&str>,
    out: &mut dyn Write,
) -> Result<bool> {
    let mut found = false;
    for table in tables(conn)? {
        if only.is_some_and(|name| !name.eq_ignore_ascii_case(&table.name)) {
            continue;
        }
        found = true;
        writeln!(
            out,
            "{} ({}): {}",
            table.name,
            table.kind(),
            escape_line(&table.comment)
        )?;
        let columns = rows(
            conn,
            "SELECT column_name, data_type, coalesce(comment, '') FROM duckdb_columns()
             WHERE table_name = ? AND NOT internal ORDER BY column_index",
            [&table.name],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )?;
        for (name, ty, comment) in columns {
            writeln!(
                out,
                "    {:<28} {:<10} {}",
                escape_line(&name),
                ty,
                escape_line(&comment)
            )?;
        }
        writeln!(out)?;
    }
    Ok(found)
}
