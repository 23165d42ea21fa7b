//! `mwtrace import`: resolve the command line into a plan, import every PATH into one bundle,
//! print what each PATH held and a summary of the bundle (every file and error with
//! `--verbose`); exit 3 when any file failed to parse, 2 when a PATH held nothing recognized.

use std::io::Write;

use anyhow::Result;

use crate::ExitStatus;
use crate::cli::ImportArgs;
use mwtrace_analyze::terminal::escape_line;
use mwtrace_import::{ImportOutcome, ImportPlan};

pub fn run(args: ImportArgs) -> Result<ExitStatus> {
    let plan = ImportPlan {
        inputs: args.paths,
        output: args.out.path().map_err(anyhow::Error::msg)?,
        cluster_name: args.cluster_name,
        redact: !args.no_redact,
        // SIGINT/SIGTERM stop the import, which removes its temporary files (main exits 130/143).
        cancel: mwtrace_interrupt::cancel_flag(),
    };
    let progress = crate::output::progress::for_stderr();
    let started = std::time::Instant::now();
    let outcome = mwtrace_import::import(&plan, progress.as_ref())?;
    print_summary(&plan, &outcome, started.elapsed(), args.verbose)?;
    Ok(if outcome.manifest.errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Partial
    })
}

fn print_summary(
    plan: &ImportPlan,
    outcome: &ImportOutcome,
    elapsed: std::time::Duration,
    verbose: bool,
) -> Result<()> {
    let mut err = std::io::stderr().lock();
    if verbose {
        let width = outcome
            .manifest
            .files
            .iter()
            .map(|f| f.path.len())
            .max()
            .unwrap_or(0)
            .max(11);
        writeln!(
            err,
            "{:<width$} {:>9} {:>12}",
            "bundle file", "rows", "bytes"
        )?;
        for file in &outcome.manifest.files {
            let rows = file.rows.map_or_else(|| "-".to_string(), |r| r.to_string());
            writeln!(
                err,
                "{:<width$} {rows:>9} {:>12}",
                escape_line(&file.path),
                file.bytes
            )?;
        }
    } else {
        write!(err, "{}", super::summary::contents(&outcome.manifest))?;
    }
    writeln!(err)?;
    for input in &outcome.inputs {
        writeln!(
            err,
            "{}: {}",
            escape_line(&input.path),
            escape_line(&mwtrace_import::describe(input))
        )?;
    }
    if verbose {
        for e in &outcome.manifest.errors {
            writeln!(
                err,
                "ERROR: {}: {}",
                escape_line(&e.source),
                escape_line(&e.message)
            )?;
        }
    } else {
        write!(err, "{}", super::summary::errors(&outcome.manifest))?;
    }
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds >= 0.5 {
        format!(
            ", {:.0} objects/s",
            (outcome.objects + outcome.duplicates + outcome.revisions) as f64 / seconds
        )
    } else {
        String::new()
    };
    let history = match outcome.revisions {
        0 => String::new(),
        n => format!(
            "; {n} history revisions, {} objects reconstructed from them",
            outcome.reconstructed
        ),
    };
    writeln!(
        err,
        "\nwrote {} ({} files; {} objects, {} rows{history}; {} duplicates merged; {} secret values redacted; {} errors{}) in {seconds:.1} s{rate}",
        plan.output.display(),
        outcome.manifest.files.len(),
        outcome.objects,
        outcome.rows,
        outcome.duplicates,
        outcome.redacted,
        outcome.manifest.errors.len(),
        if plan.redact {
            ""
        } else {
            ", SECRETS NOT REDACTED"
        },
    )?;
    Ok(())
}
