//! Query results, one path to every format: DuckDB hands result chunks over as polars
//! DataFrames (through Arrow), and each chunk is written as it arrives, so a large result never
//! sits in memory whole (except for `table`, which lays out columns over all rows).

use std::cell::Cell;
use std::io::{self, Write};
use std::rc::Rc;

use anyhow::{Context as _, Result};
use polars::prelude::*;

use crate::cli::TableFormat;

/// Writes DataFrame chunks in one format.
pub struct ResultWriter<W: Write> {
    format: TableFormat,
    out: Option<Watched<W>>,
    chunks: usize,
    rows: usize,
    /// `table` lays out all rows at once.
    held: Option<DataFrame>,
    /// Whether the JSON array has its first element.
    json_started: bool,
    parquet: Option<polars::io::parquet::write::BatchedWriter<Watched<W>>>,
    /// The kind of the first error the output returned.
    failed: Rc<Cell<Option<io::ErrorKind>>>,
    /// The terminal a `table` must fit, if any.
    fit: Option<TerminalFit>,
}

impl<W: Write> ResultWriter<W> {
    pub fn new(format: TableFormat, out: W) -> Self {
        let failed = Rc::new(Cell::new(None));
        ResultWriter {
            format,
            out: Some(Watched {
                inner: out,
                failed: failed.clone(),
            }),
            chunks: 0,
            rows: 0,
            held: None,
            json_started: false,
            parquet: None,
            failed,
            fit: None,
        }
    }

    /// A `table` shows only the columns that fit this terminal (first and last ones, with a
    /// `…` column between them), and says how many it left out.
    pub fn fit_to(mut self, fit: Option<TerminalFit>) -> Self {
        self.fit = fit;
        self
    }

    pub fn write(&mut self, df: DataFrame) -> Result<()> {
        let result = self.write_chunk(df);
        self.blame_output(result)
    }

    /// Finishes the output; `columns` names the columns when no chunk arrived.
    pub fn finish(mut self, columns: &[String]) -> Result<usize> {
        let result = self.finish_output(columns);
        self.blame_output(result)
    }

    /// When the output itself failed, the error is the output's io::Error (its kind kept):
    /// polars turns some of them into text (parquet: `underlying IO error: ...`), and a closed
    /// pipe must still be recognized as one.
    fn blame_output<T>(&self, result: Result<T>) -> Result<T> {
        match (result, self.failed.get()) {
            (Err(err), Some(kind)) if err.downcast_ref::<io::Error>().is_none() => {
                Err(io::Error::new(kind, format!("{err:#}")).into())
            }
            (result, _) => result,
        }
    }

    fn write_chunk(&mut self, mut df: DataFrame) -> Result<()> {
        let first = self.chunks == 0;
        self.chunks += 1;
        self.rows += df.height();
        match self.format {
            TableFormat::Csv | TableFormat::Json | TableFormat::Ndjson => df = rfc3339_times(df)?,
            // Parquet keeps its timestamp type (UTC, as every timestamp of the schema).
            TableFormat::Parquet | TableFormat::Table => {}
        }
        match self.format {
            TableFormat::Table => match &mut self.held {
                None => self.held = Some(df),
                Some(held) => {
                    held.vstack_mut(&df)?;
                }
            },
            TableFormat::Csv => {
                let out = self.out.as_mut().expect("open");
                CsvWriter::new(out).include_header(first).finish(&mut df)?;
            }
            TableFormat::Ndjson => {
                let out = self.out.as_mut().expect("open");
                JsonWriter::new(out)
                    .with_json_format(JsonFormat::JsonLines)
                    .finish(&mut df)?;
            }
            TableFormat::Json => {
                // JSON array written chunk by chunk: rows as JSON lines become array elements.
                let mut lines = Vec::new();
                JsonWriter::new(&mut lines)
                    .with_json_format(JsonFormat::JsonLines)
                    .finish(&mut df)?;
                let out = self.out.as_mut().expect("open");
                for line in lines.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                    out.write_all(if self.json_started {
                        b",\n  "
                    } else {
                        b"[\n  "
                    })?;
                    self.json_started = true;
                    out.write_all(line)?;
                }
            }
            TableFormat::Parquet => {
                if self.parquet.is_none() {
                    let out = self.out.take().expect("open");
                    self.parquet = Some(ParquetWriter::new(out).batched(df.schema())?);
                }
                self.parquet.as_mut().expect("started").write_batch(&df)?;
            }
        }
        Ok(())
    }

    fn finish_output(&mut self, columns: &[String]) -> Result<usize> {
        match self.format {
            TableFormat::Table => {
                let out = self.out.as_mut().expect("open");
                let mut hidden = String::new();
                match self.held.take() {
                    Some(df) => {
                        let all = df.width();
                        let shown = match self.fit {
                            Some(fit) => fit.columns(df)?,
                            None => df,
                        };
                        if shown.width() < all {
                            hidden = format!(
                                ", {} of {all} columns shown: name columns in the SELECT, or -o csv for all",
                                shown.width() - 1
                            );
                        }
                        writeln!(out, "{shown}")?
                    }
                    None => writeln!(out, "(no rows; columns: {})", columns.join(", "))?,
                }
                writeln!(
                    out,
                    "({} row{}{hidden})",
                    self.rows,
                    if self.rows == 1 { "" } else { "s" }
                )?;
            }
            TableFormat::Csv if self.chunks == 0 => {
                writeln!(self.out.as_mut().expect("open"), "{}", columns.join(","))?;
            }
            TableFormat::Json => {
                let out = self.out.as_mut().expect("open");
                out.write_all(if self.json_started { b"\n]\n" } else { b"[]\n" })?;
            }
            TableFormat::Parquet => match self.parquet.take() {
                Some(writer) => {
                    writer.finish().context("finishing parquet")?;
                }
                None => {
                    let fields = columns
                        .iter()
                        .map(|c| Column::new_empty(c.as_str().into(), &DataType::String));
                    let mut empty = DataFrame::new(fields.collect())?;
                    ParquetWriter::new(self.out.take().expect("open")).finish(&mut empty)?;
                }
            },
            _ => {}
        }
        if let Some(out) = self.out.as_mut() {
            out.flush()?;
        }
        Ok(self.rows)
    }
}

/// Timestamps as RFC 3339 in UTC (`2026-06-10T22:59:29Z`, fractions only when there are some),
/// the one form of every machine output of mwtrace. The schema's timestamps are UTC.
fn rfc3339_times(mut df: DataFrame) -> Result<DataFrame> {
    let names: Vec<PlSmallStr> = df
        .get_columns()
        .iter()
        .filter(|c| matches!(c.dtype(), DataType::Datetime(..)))
        .map(|c| c.name().clone())
        .collect();
    for name in names {
        let column = df.column(&name)?.as_materialized_series().clone();
        let text = column.datetime()?.to_string("%Y-%m-%dT%H:%M:%S%.fZ")?;
        df.with_column(text.into_series().with_name(name))?;
    }
    Ok(df)
}

/// The output, remembering the kind of the first error it returned.
pub struct Watched<W> {
    inner: W,
    failed: Rc<Cell<Option<io::ErrorKind>>>,
}

impl<W: Write> Watched<W> {
    fn watch<T>(&self, result: io::Result<T>) -> io::Result<T> {
        if let Err(err) = &result
            && err.kind() != io::ErrorKind::Interrupted
            && self.failed.get().is_none()
        {
            self.failed.set(Some(err.kind()));
        }
        result
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.watch(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.watch(result)
    }
}

/// The terminal a table is shown on: its width, and the length at which polars cuts a cell.
#[derive(Debug, Clone, Copy)]
pub struct TerminalFit {
    pub width: usize,
    pub cell: usize,
}

impl TerminalFit {
    /// `df` with as many columns as fit the width: the first half and the last half of them
    /// around a `…` column, as the duckdb shell does. Every column when all fit; never fewer
    /// than one.
    fn columns(&self, df: DataFrame) -> Result<DataFrame> {
        // comfy-table's rounded layout: "│ " before each cell, " " after, "│" at the end.
        let widths: Vec<usize> = df
            .get_columns()
            .iter()
            .map(|c| self.column_width(c) + 3)
            .collect();
        let total = |first: usize, last: usize| {
            let marker = if first + last < widths.len() { 4 } else { 0 };
            widths[..first].iter().sum::<usize>()
                + widths[widths.len() - last..].iter().sum::<usize>()
                + marker
                + 1
        };
        let count = widths.len();
        if count == 0 || total(count, 0) <= self.width {
            return Ok(df);
        }
        // The first half (rounded up) and the last half of the columns kept.
        let split = |keep: usize| (keep.div_ceil(2), keep / 2);
        let mut keep = 1;
        while keep + 1 < count {
            let (first, last) = split(keep + 1);
            if total(first, last) > self.width {
                break;
            }
            keep += 1;
        }
        let (first, last) = split(keep);
        let mut shown: Vec<Column> = df.get_columns()[..first].to_vec();
        shown.push(Column::new("…".into(), vec!["…"; df.height()]));
        shown.extend_from_slice(&df.get_columns()[count - last..]);
        Ok(DataFrame::new(shown)?)
    }

    /// The characters a column takes: its name, its type line, its longest value (as polars
    /// cuts it, plus the marker).
    fn column_width(&self, column: &Column) -> usize {
        let header = column
            .name()
            .chars()
            .count()
            .max(column.dtype().to_string().chars().count());
        let longest = column
            .cast(&DataType::String)
            .ok()
            .and_then(|text| {
                text.str()
                    .ok()
                    .and_then(|s| s.into_iter().flatten().map(|v| v.chars().count()).max())
            })
            .unwrap_or(4);
        let cell = if longest > self.cell {
            self.cell + 1
        } else {
            longest
        };
        header.max(cell)
    }
}

/// Table layout. On a terminal: every row, rounded borders, no dtype line, and long strings cut
/// with a marker (`…`) at a third of the terminal's width, never below 36 characters: a UUID is
/// never cut, and rows are never re-wrapped inside a cell (which splits ids). Piped or written
/// to a file: the plain columns only (no borders, no dtype or separator line) and no width
/// limit, for `grep`, `sort` and `column -t`.
/// Returns the terminal to fit, for a table on one.
pub fn configure_table_display(for_terminal: bool) -> Option<TerminalFit> {
    let terminal_width = terminal_size::terminal_size().map(|(w, _)| usize::from(w.0));
    let cut = match (for_terminal, terminal_width) {
        (false, _) => 1_000_000,
        (true, Some(width)) => (width / 3).max(36),
        (true, None) => 80,
    };
    let cut = std::env::var("POLARS_FMT_STR_LEN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cut);
    // SAFETY: called before DuckDB starts its threads; the only other thread (the signal
    // watcher) never reads the environment.
    unsafe {
        std::env::set_var("POLARS_FMT_MAX_ROWS", "-1");
        std::env::set_var("POLARS_FMT_MAX_COLS", "-1");
        std::env::set_var("POLARS_FMT_TABLE_HIDE_DATAFRAME_SHAPE_INFORMATION", "1");
        // comfy-table's widest setting: cells are cut by length above, never wrapped.
        std::env::set_var("POLARS_TABLE_WIDTH", "65535");
        std::env::set_var("POLARS_FMT_STR_LEN", cut.to_string());
        if for_terminal {
            std::env::set_var("POLARS_FMT_TABLE_ROUNDED_CORNERS", "1");
        } else {
            std::env::set_var("POLARS_FMT_TABLE_FORMATTING", "NOTHING");
            std::env::set_var("POLARS_FMT_TABLE_HIDE_COLUMN_DATA_TYPES", "1");
            std::env::set_var("POLARS_FMT_TABLE_HIDE_COLUMN_SEPARATOR", "1");
        }
    }
    for_terminal.then(|| TerminalFit {
        width: terminal_width.unwrap_or(80),
        cell: cut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stdout whose reader went away.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_pipe_stays_a_broken_pipe_in_every_format() {
        for format in [
            TableFormat::Table,
            TableFormat::Csv,
            TableFormat::Ndjson,
            TableFormat::Json,
            TableFormat::Parquet,
        ] {
            let df = polars::df!("n" => [1i64, 2, 3]).unwrap();
            let mut writer = ResultWriter::new(format, ClosedPipe);
            let result = writer
                .write(df)
                .and_then(|()| writer.finish(&["n".to_string()]).map(drop));
            let err = result.expect_err("the pipe is closed");
            assert!(crate::output::is_broken_pipe(&err), "{format:?}: {err:#}");
        }
    }
}
