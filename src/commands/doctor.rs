//! `mwtrace doctor`: run the rule catalog over a snapshot and print the findings; `--fail-on`
//! turns findings into exit 1 for scripts; `--list-rules` prints the catalog without a snapshot.

use anyhow::{Context, Result};

use crate::ExitStatus;
use crate::cli::{DoctorArgs, FailOn, SnapshotArgs};
use crate::output::write_document;
use mwtrace_analyze::doctor::{self, SnapshotSource, render};
use mwtrace_analyze::terminal::escape_line;

pub fn run(args: DoctorArgs) -> Result<ExitStatus> {
    let rules = doctor::catalog().context("the embedded rule catalog is invalid (a bug)")?;
    if args.list_rules {
        let catalog = doctor::catalog_document(&rules);
        write_document(args.output, &catalog, || render::catalog(&catalog))?;
        return Ok(ExitStatus::Success);
    }
    let bundle = args
        .snapshot
        .context("a SNAPSHOT is required (or --list-rules)")?;
    let path = bundle.display().to_string();
    super::export::check_bundle_arg(&bundle, args.bundle.as_deref())?;
    let snapshot = match &args.bundle {
        Some(sha) => super::export::open_bundle(&bundle, sha)?,
        None => super::open(&SnapshotArgs {
            snapshot: bundle,
            db: args.db,
        })?,
    };
    let report = doctor::run(
        &snapshot.conn,
        &rules,
        &SnapshotSource {
            path: &path,
            sha256: &snapshot.bundle_sha256,
        },
    )
    .context("reading the snapshot")?;
    let mut report = report;
    let wanted = doctor::FindingFilter {
        rules: args.rules.clone(),
        min_severity: args.severity.map(|s| s.severity()),
        cluster_id: args.cluster_id.clone(),
    };
    doctor::filter(&mut report, &wanted).map_err(anyhow::Error::msg)?;
    write_document(args.output, &report, || match args.brief {
        true => render::brief_report(&report),
        false => render::report(&report),
    })?;

    let failed: Vec<_> = report.rules.iter().filter(|r| r.error.is_some()).collect();
    if !failed.is_empty() {
        // The report above is incomplete: say so where scripts and humans both look.
        for rule in failed {
            eprintln!(
                "error: rule {} failed: {}",
                rule.id,
                escape_line(rule.error.as_deref().unwrap_or_default())
            );
        }
        return Ok(ExitStatus::BadInput);
    }
    let threshold = args.fail_on.map(FailOn::severity);
    Ok(match (threshold, doctor::worst(&report)) {
        (Some(threshold), Some(worst)) if worst >= threshold => ExitStatus::NotFound,
        _ => ExitStatus::Success,
    })
}
