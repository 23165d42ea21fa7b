//! One function per subcommand: arguments in, an [`ExitStatus`] out. Errors carry context
//! naming the file or source at fault; `main_entry` prints them and exits 2.

mod cache;
mod collect;
mod diff;
mod doctor;
mod import;
mod info;
mod logs;
mod pack;
mod packaging;
mod schema;
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
        Command::Pack(args) => pack::run(args),
        Command::Cache(args) => cache::run(args),
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
    use anyhow::Context;
    let created_at: Option<String> = mwtrace_analyze::query::rows(
        conn,
        "SELECT mw_rfc3339(created_at) FROM snapshot",
        [],
        |r| r.get(0),
    )?
    .into_iter()
    .next()
    .flatten();
    let created_at = created_at.and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let resolve = |arg: Option<crate::cli::TimeArg>, flag: &str| -> anyhow::Result<_> {
        Ok(match arg {
            None => None,
            Some(crate::cli::TimeArg::At(ts)) => Some(ts),
            Some(crate::cli::TimeArg::BeforeSnapshot(d)) => {
                let base = created_at
                    .with_context(|| format!("{flag}: the snapshot has no creation time"))?;
                let span = jiff::SignedDuration::try_from(d)
                    .map_err(|e| anyhow::anyhow!("{flag}: {e}"))?;
                Some(
                    base.checked_sub(span)
                        .map_err(|e| anyhow::anyhow!("{flag}: {e}"))?,
                )
            }
        })
    };
    Ok((resolve(since, "--since")?, resolve(until, "--until")?))
}
