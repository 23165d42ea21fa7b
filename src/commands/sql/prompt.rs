//! The interactive `mwtrace sql SNAPSHOT` prompt, in the manner of the duckdb and psql shells:
//! statements end with `;` and may span lines, dot commands list the schema, and the history
//! is kept between sessions. Every statement runs on the same contained connection as a
//! one-shot query, with the same refusals.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::ValueEnum;
use mwtrace_analyze::load::Snapshot;
use mwtrace_analyze::terminal::{escape_line, escape_text};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{Config, Editor};

use crate::ExitStatus;
use crate::cli::TableFormat;
use crate::commands::schema;
use crate::output::table::TerminalFit;

const HELP: &str = "\
Statements end with ';' and may span several lines. Commands:
  .tables            the tables and views, with their rows
  .schema [TABLE]    columns, types and meanings (of every table, or of TABLE)
  .mode [FORMAT]     the output format: table, csv, json or ndjson (no FORMAT: the current one)
  .help              this text
  .quit              leave (also .exit and Ctrl-D)
Ctrl-C at the prompt clears the line; during a statement it ends mwtrace.";

const PROMPT: &str = "mwtrace> ";
const CONTINUATION: &str = "   ...> ";

pub(super) fn run(
    snapshot: &Snapshot,
    bundle: &Path,
    format: TableFormat,
    fit: Option<TerminalFit>,
) -> Result<ExitStatus> {
    let config = Config::builder()
        .max_history_size(5000)
        .context("history size")?
        .auto_add_history(false)
        .build();
    let mut editor: Editor<(), FileHistory> =
        Editor::with_config(config).context("starting the line editor")?;
    let history = history_path();
    if let Some(path) = &history {
        // A first session has no history file yet.
        let _ = editor.load_history(path);
    }
    println!(
        "mwtrace sql on {} (read-only; .help for commands, .quit to leave)",
        escape_line(&bundle.display().to_string())
    );
    let mut session = Session {
        snapshot,
        format,
        fit,
        pending: String::new(),
    };
    loop {
        let prompt = match session.pending.is_empty() {
            true => PROMPT,
            false => CONTINUATION,
        };
        match editor.readline(prompt) {
            Ok(line) => match session.line(&line) {
                Some(Entry::Quit) => break,
                Some(Entry::Done(text)) => {
                    let _ = editor.add_history_entry(text);
                }
                None => {}
            },
            Err(ReadlineError::Interrupted) => session.pending.clear(),
            Err(ReadlineError::Eof) => break,
            Err(err) => return Err(err).context("reading the prompt"),
        }
    }
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(err) = editor.save_history(path) {
            eprintln!("warning: {}: history not saved: {err}", path.display());
        }
    }
    Ok(ExitStatus::Success)
}

/// Where the history goes: `$XDG_STATE_HOME/mwtrace/sql_history` (else the cache directory).
fn history_path() -> Option<PathBuf> {
    let base = dirs::state_dir().or_else(dirs::cache_dir)?;
    Some(base.join("mwtrace").join("sql_history"))
}

/// What a finished line did.
enum Entry {
    /// A statement or command ran (or failed): this text goes into the history.
    Done(String),
    Quit,
}

struct Session<'s> {
    snapshot: &'s Snapshot,
    format: TableFormat,
    fit: Option<TerminalFit>,
    /// The lines of a statement not yet ended by `;`.
    pending: String,
}

impl Session<'_> {
    /// Takes one line; runs the statement or command it completes. None while a statement
    /// continues (or for an empty line).
    fn line(&mut self, line: &str) -> Option<Entry> {
        if self.pending.is_empty() {
            let command = line.trim();
            if command.is_empty() {
                return None;
            }
            if command.starts_with('.') {
                return match self.command(command) {
                    Ok(Flow::Quit) => Some(Entry::Quit),
                    Ok(Flow::Continue) => Some(Entry::Done(command.to_string())),
                    Err(err) => {
                        report(&err);
                        Some(Entry::Done(command.to_string()))
                    }
                };
            }
        }
        if !self.pending.is_empty() {
            self.pending.push('\n');
        }
        self.pending.push_str(line);
        if !self.pending.trim_end().ends_with(';') {
            return None;
        }
        let statement = std::mem::take(&mut self.pending);
        if let Err(err) = self.statement(&statement) {
            report(&err);
        }
        Some(Entry::Done(statement))
    }

    fn statement(&self, statement: &str) -> Result<()> {
        super::check_query(statement)?;
        let out = Box::new(io::BufWriter::new(io::stdout().lock()));
        super::execute(&self.snapshot.conn, statement, self.format, self.fit, out)?;
        Ok(())
    }

    fn command(&mut self, command: &str) -> Result<Flow> {
        let mut words = command.split_whitespace();
        let name = words.next().unwrap_or_default();
        let argument = words.next();
        let mut out = io::stdout().lock();
        match name {
            ".quit" | ".exit" | ".q" => return Ok(Flow::Quit),
            ".help" => writeln!(out, "{HELP}")?,
            ".tables" => {
                let tables = schema::tables(&self.snapshot.conn)?;
                let width = tables.iter().map(|t| t.name.len()).max().unwrap_or(0);
                for table in tables {
                    writeln!(out, "{:<width$}  {}", table.name, table.kind())?;
                }
            }
            ".schema" => {
                if !schema::write_schema(&self.snapshot.conn, argument, &mut out)? {
                    anyhow::bail!(
                        "no table or view {} (.tables lists them)",
                        escape_line(argument.unwrap_or_default())
                    );
                }
            }
            ".mode" => match argument {
                None => writeln!(out, "{}", format_name(self.format))?,
                Some(name) => self.format = parse_mode(name)?,
            },
            _ => anyhow::bail!(
                "unknown command {} (.help lists the commands)",
                escape_line(name)
            ),
        }
        Ok(Flow::Continue)
    }
}

enum Flow {
    Continue,
    Quit,
}

/// An error of one statement or command: the prompt goes on.
fn report(err: &anyhow::Error) {
    let _ = io::stdout().flush();
    eprintln!("error: {}", escape_text(&format!("{err:#}")));
}

fn format_name(format: TableFormat) -> String {
    format
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

fn parse_mode(name: &str) -> Result<TableFormat> {
    let format = TableFormat::from_str(name, true).map_err(|_| {
        anyhow::anyhow!(
            "unknown format {} (table, csv, json, ndjson)",
            escape_line(name)
        )
    })?;
    if format == TableFormat::Parquet && io::stdout().is_terminal() {
        anyhow::bail!("parquet is binary: run the query with --out FILE.parquet instead");
    }
    Ok(format)
}
