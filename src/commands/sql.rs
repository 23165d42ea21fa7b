//! `mwtrace sql`: any query over the snapshot, on a read-only connection locked down to the
//! snapshot (`mwtrace_analyze::sandbox`), streamed as Arrow batches and written through polars
//! to the chosen format (`output::arrow_frame` makes every result type fit).

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::{Context, Result, anyhow, bail};
use duckdb::arrow::record_batch::RecordBatch;

use crate::ExitStatus;
use crate::cli::{SqlArgs, TableFormat};
use crate::output::arrow_frame::Frames;
use crate::output::table::{ResultWriter, configure_table_display};
use mwtrace_analyze::sandbox::{self, FileAccess};

pub fn run(args: SqlArgs) -> Result<ExitStatus> {
    if args.output == TableFormat::Parquet && args.out.is_none() && io::stdout().is_terminal() {
        bail!("-o parquet writes binary data: give --out FILE or redirect standard output");
    }
    if !sandbox::has_statement(&args.query) {
        bail!("the query is empty");
    }
    if let Some(refusal) = sandbox::refused_statement(&args.query) {
        bail!("refused: {refusal}");
    }
    let access = match args.allow_files {
        true => FileAccess::Read,
        false => FileAccess::None,
    };
    configure_table_display();
    let snapshot = super::open(&args.snapshot)?;
    let conn = &snapshot.conn;
    sandbox::contain(conn, access).context("locking the query connection down")?;
    // Several statements run in turn; the last one's result is written.
    let mut stmt = conn.prepare(&args.query).map_err(query_error)?;
    let stream = stmt.stream_arrow([]).map_err(query_error)?;
    let schema = stream.get_schema();
    let frames = Frames::new(&schema, args.output == TableFormat::Table);
    for note in frames.notes() {
        eprintln!("note: {note}");
    }
    let out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("{}: cannot create", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let mut writer = ResultWriter::new(args.output, out);
    let mut batches = 0;
    for batch in stream {
        writer.write(frames.convert(&batch.map_err(query_error)?)?)?;
        batches += 1;
    }
    if batches == 0 {
        // An empty result still has its columns and their types (a CSV header, a Parquet schema).
        writer.write(frames.convert(&RecordBatch::new_empty(schema))?)?;
    }
    writer.finish(&frames.names())?;
    Ok(ExitStatus::Success)
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
