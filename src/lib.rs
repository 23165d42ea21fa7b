//! mwtrace: snapshot bundles of Maestro and ARO HCP management-cluster state, and the offline
//! analyzer (DuckDB) that traces ManifestWorks through both layers.
//!
//! The binary crate: the command line (`cli`), one function per subcommand (`commands`) and
//! how results are printed (`output`). The work itself lives in the library crates below it:
//! `mwtrace-bundle`, `mwtrace-import`, `mwtrace-collect`, `mwtrace-logs` and `mwtrace-analyze`.

pub mod cli;
pub mod commands;
pub mod output;
pub mod serve;

use std::process::ExitCode;

/// The outcome of a subcommand, mapped to the documented exit codes in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: found / ok.
    Success,
    /// 1: not found, or findings at the `--fail-on` level.
    NotFound,
    /// 2: usage error or unreadable input.
    BadInput,
    /// 3: collected with errors (bundle written, errors in its manifest).
    Partial,
    /// 130 (SIGINT) or 143 (SIGTERM): stopped, temporary files removed.
    Interrupted(mwtrace_interrupt::Signal),
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::NotFound => 1,
            ExitStatus::BadInput => 2,
            ExitStatus::Partial => 3,
            ExitStatus::Interrupted(signal) => signal.exit_code(),
        })
    }
}

/// Parses the command line and runs it; every error is printed once, as `error:` plus its causes.
pub fn main_entry() -> ExitCode {
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            // clap uses 0 for --help/--version and 2 for usage errors, as we do.
            return ExitCode::from(err.exit_code().clamp(0, 255) as u8);
        }
    };
    // From here on SIGINT and SIGTERM stop the work and its temporary files go with it.
    if let Err(err) = mwtrace_interrupt::install() {
        eprintln!("warning: cannot handle SIGINT/SIGTERM: {err}");
    }
    output::pager::configure(cli.no_pager);
    output::color::configure(cli.color);
    output::local_time::configure(cli.local);
    let result = commands::run(cli);
    // A signal decides the exit code whatever the command made of it: the work was cut short.
    if let Some(signal) = mwtrace_interrupt::received() {
        eprintln!("error: interrupted by {signal}; temporary files removed");
        return ExitStatus::Interrupted(signal).into();
    }
    match result {
        Ok(status) => status.into(),
        // `mwtrace ... | head` closing the pipe early is not a failure.
        Err(err) if output::is_broken_pipe(&err) => ExitStatus::Success.into(),
        Err(err) => {
            output::print_error(&err);
            ExitStatus::BadInput.into()
        }
    }
}
