//! `mwtrace sql`: any query over the snapshot, on a read-only connection locked down to the
//! snapshot (`mwtrace_analyze::sandbox`), streamed as Arrow batches and written through polars
//! to the chosen format (`output::arrow_frame` makes every result type fit). With no query
//! and a terminal on standard input, an interactive prompt (`prompt`).

mod prompt;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::{Context, Result, anyhow, bail};
use duckdb::arrow::record_batch::RecordBatch;

use crate::ExitStatus;
use crate::cli::{SqlArgs, TableFormat};
use crate::output::arrow_frame::Frames;
use crate::output::table::{ResultWriter, TerminalFit, configure_table_display};
use mwtrace_analyze::sandbox::{self, FileAccess};

pub fn run(args: SqlArgs) -> Result<ExitStatus> {
    let format = args.format();
    if format == TableFormat::Parquet && args.out.is_none() && io::stdout().is_terminal() {
        bail!("-o parquet writes binary data: give --out FILE or redirect standard output");
    }
    let interactive = args.query.is_none() && args.file.is_none() && io::stdin().is_terminal();
    if interactive && args.out.is_some() {
        bail!(
            "the interactive prompt writes to the terminal: give a QUERY (or -f FILE) with --out"
        );
    }
    let query = match interactive {
        true => None,
        false => Some(query_text(&args)?),
    };
    if let Some(query) = &query {
        check_query(query)?;
    }
    let access = match args.allow_files {
        true => FileAccess::Read,
        false => FileAccess::None,
    };
    let fit = configure_table_display(args.out.is_none() && io::stdout().is_terminal());
    let dir = &args.snapshot.snapshot;
    let snapshot = match super::export::is_export(dir) {
        // An export (`mwtrace export`): views over its Parquet files, which queries may read.
        true => {
            let conn = super::export::open_views(dir)?;
            if access == FileAccess::None {
                let allowed = super::export::allowed_directory(dir)?;
                conn.execute_batch(&format!(
                    "SET allowed_directories = ['{}']",
                    allowed.replace('\'', "''")
                ))
                .context("locking the query connection down")?;
            }
            mwtrace_analyze::load::Snapshot {
                conn,
                db_path: dir.clone(),
                bundle_sha256: String::new(),
                loaded_now: false,
            }
        }
        false => super::open(&args.snapshot)?,
    };
    let conn = &snapshot.conn;
    sandbox::contain(conn, access).context("locking the query connection down")?;
    let Some(query) = query else {
        return prompt::run(&snapshot, &args.snapshot.snapshot, format, fit);
    };
    let out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("{}: cannot create", path.display()))?,
        )),
        // A table on a terminal goes through the pager (which waits for the reader when dropped).
        None if format == TableFormat::Table => {
            Box::new(BufWriter::new(crate::output::pager::Pager::start()))
        }
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    execute(conn, &query, format, fit, out)?;
    Ok(ExitStatus::Success)
}

/// Refuses an empty query and statements the sandbox never runs, before anything is loaded.
fn check_query(query: &str) -> Result<()> {
    if !sandbox::has_statement(query) {
        bail!("the query is empty");
    }
    if let Some(refusal) = sandbox::refused_statement(query) {
        bail!("refused: {refusal}");
    }
    Ok(())
}

/// Runs `query` on the contained connection and writes its result to `out` in `format`; the
/// number of rows. Several statements run in turn; the last one's result is written.
fn execute(
    conn: &duckdb::Connection,
    query: &str,
    format: TableFormat,
    fit: Option<TerminalFit>,
    out: Box<dyn Write + '_>,
) -> Result<usize> {
    let query = without_variants(conn, query);
    let mut stmt = conn.prepare(&query).map_err(query_error)?;
    let stream = stmt.stream_arrow([]).map_err(query_error)?;
    let schema = stream.get_schema();
    let frames = Frames::new(&schema, format == TableFormat::Table);
    for note in frames.notes() {
        eprintln!("note: {note}");
    }
    let mut writer = ResultWriter::new(format, out).fit_to(fit);
    let mut batches = 0;
    for batch in stream {
        writer.write(frames.convert(&batch.map_err(query_error)?)?)?;
        batches += 1;
    }
    if batches == 0 {
        // An empty result still has its columns and their types (a CSV header, a Parquet schema).
        writer.write(frames.convert(&RecordBatch::new_empty(schema))?)?;
    }
    writer.finish(&frames.names())
}

/// `query` with its VARIANT columns (`duckdb_settings().typed_value`) cast to text: duckdb-rs
/// cannot decode them. Queries DESCRIBE cannot wrap (several statements, PRAGMA...) run as
/// they are. (DESCRIBE's own columns are text, so reading them cannot meet a NULL-typed
/// column, which duckdb-rs's row reader does not handle.)
fn without_variants<'q>(conn: &duckdb::Connection, query: &'q str) -> std::borrow::Cow<'q, str> {
    use mwtrace_analyze::query::{ident, rows};
    let single = query.trim().trim_end_matches(';');
    // DESCRIBE runs only the first of several statements, and wrapping needs one.
    if sandbox::statement_count(query) != 1 || single.contains(';') {
        return std::borrow::Cow::Borrowed(query);
    }
    let Ok(columns) = rows(conn, &format!("DESCRIBE {single}"), [], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    }) else {
        return std::borrow::Cow::Borrowed(query);
    };
    let variants: Vec<&String> = columns
        .iter()
        .filter(|(_, ty)| ty.contains("VARIANT"))
        .map(|(name, _)| name)
        .collect();
    if variants.is_empty() {
        return std::borrow::Cow::Borrowed(query);
    }
    for name in &variants {
        eprintln!("note: column {name} (VARIANT) is written as text");
    }
    let casts: Vec<String> = variants
        .iter()
        .map(|name| format!("CAST({0} AS VARCHAR) AS {0}", ident(name)))
        .collect();
    std::borrow::Cow::Owned(format!(
        "SELECT * REPLACE ({}) FROM ({single}) AS q",
        casts.join(", ")
    ))
}

/// The SQL to run: the QUERY argument, the file of `-f` (`-` is standard input), or standard
/// input when it is not a terminal (`mwtrace sql s.tar.zst < query.sql`).
fn query_text(args: &SqlArgs) -> Result<String> {
    let from_stdin = || -> Result<String> {
        let mut text = String::new();
        io::Read::read_to_string(&mut io::stdin().lock(), &mut text)
            .context("reading the query from standard input")?;
        Ok(text)
    };
    match (&args.query, &args.file) {
        (Some(query), _) => Ok(query.clone()),
        (None, Some(path)) if path.as_os_str() == "-" => from_stdin(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the query", path.display())),
        (None, None) => from_stdin(),
    }
}

/// DuckDB's message on one line of its own (not `Error code 1: Unknown error code` below it),
/// with what to do when the sandbox stopped the query.
fn query_error(err: duckdb::Error) -> anyhow::Error {
    let message = match &err {
        duckdb::Error::DuckDBFailure(_, Some(message)) => message.clone(),
        other => other.to_string(),
    };
    // DuckDB's pointer into the query (`LINE 1: ...`) adds nothing to a refusal.
    if message.starts_with("Permission Error") {
        let first = message.lines().next().unwrap_or_default();
        return anyhow!(
            "query: {first} (sql reads the snapshot, and local files with --allow-files; it writes no files and never reaches the network)"
        );
    }
    anyhow!("query: {message}")
}
