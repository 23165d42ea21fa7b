//! `mwtrace schema`: the tables and columns of a loaded snapshot, with their meaning (the
//! `COMMENT ON` lines of the loader's SQL).

use std::io::Write;

use anyhow::Result;

use crate::ExitStatus;
use crate::cli::SchemaArgs;
use mwtrace_analyze::query::rows;
use mwtrace_analyze::terminal::escape_line;

pub fn run(args: SchemaArgs) -> Result<ExitStatus> {
    let snapshot = super::open(&args.snapshot)?;
    let conn = &snapshot.conn;
    // Views are listed with the tables: `resources` and `resource_manifests` are views that
    // add the manifests, extracted from the payload on read, to their stored tables.
    let tables = rows(
        conn,
        "SELECT table_name, coalesce(comment, ''), estimated_size FROM duckdb_tables()
         WHERE NOT temporary AND table_name <> 'mwtrace_meta'
         UNION ALL
         SELECT view_name, coalesce(comment, ''), NULL FROM duckdb_views()
         WHERE NOT internal AND NOT temporary
         ORDER BY 1",
        [],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        },
    )?;
    let mut out = std::io::stdout().lock();
    for (table, comment, size) in tables {
        let kind = match size {
            Some(rows) => format!("{rows} rows"),
            None => "view".to_string(),
        };
        writeln!(out, "{table} ({kind}): {}", escape_line(&comment))?;
        let columns = rows(
            conn,
            "SELECT column_name, data_type, coalesce(comment, '') FROM duckdb_columns()
             WHERE table_name = ? AND NOT internal ORDER BY column_index",
            [&table],
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
    Ok(ExitStatus::Success)
}
