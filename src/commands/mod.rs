//! One function per subcommand: arguments in, an [`ExitStatus`] out. Errors carry context
//! naming the file or source at fault; `main_entry` prints them and exits 2.

mod cache;
mod collect;
mod diff;
mod doctor;
pub(crate) mod export;
mod import;
mod info;
mod logs;
mod pack;
mod packaging;
mod schema;
mod serve;
mod shell;
mod sql;
mod summary;
mod timeline;
mod trace;
mod transitions;

use crate::ExitStatus;
use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Collect(args) => collect::run(args),
        Command::Import(args) => import::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Info(args) => info::run(args),
        Command::Trace(args) => trace::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Transitions(args) => transitions::run(args),
        Command::Timeline(args) => timeline::run(args),
        Command::Logs(args) => logs::run(args),
        Command::Sql(args) => sql::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Export(args) => export::run(args),
        Command::Pack(args) => pack::run(args),
        Command::Cache(args) => cache::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Shell(args) => shell::run(args),
        Command::Completions(args) => packaging::completions(args),
        Command::Man(args) => packaging::man(args),
    }
}

/// Opens (loading on first use) the snapshot a command works on, with progress on a terminal.
pub(crate) fn open(
    args: &crate::cli::SnapshotArgs,
) -> anyhow::Result<mwtrace_analyze::load::Snapshot> {
    let progress = crate::output::progress::for_stderr();
    let snapshot = mwtrace_analyze::load::open_snapshot(
        &args.snapshot,
        args.db.as_deref(),
        progress.as_ref(),
    )?;
    Ok(snapshot)
}

/// `--since` and `--until` as instants: a duration counts back from the snapshot's creation.
pub(crate) fn time_window(
    conn: &duckdb::Connection,
    since: Option<crate::cli::TimeArg>,
    until: Option<crate::cli::TimeArg>,
) -> anyhow::Result<(Option<jiff::Timestamp>, Option<jiff::Timestamp>)> {
    let created = mwtrace_analyze::store::SnapshotFacts::read(conn)?
        .created_at
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let since = since.map(|t| t.resolve(created, "--since")).transpose()?;
    let until = until.map(|t| t.resolve(created, "--until")).transpose()?;
    Ok((since, until))
}
