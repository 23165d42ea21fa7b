//! `mwtrace diff A B`: load both snapshots (cached), compare them, print what changed; exit 1
//! when something did, as diff(1) does, so scripts can ask "did anything change?".

use anyhow::{Context, Result};

use crate::ExitStatus;
use crate::cli::DiffArgs;
use crate::output::write_document;
use mwtrace_analyze::diff::{self, Input};
use mwtrace_analyze::load;

pub fn run(args: DiffArgs) -> Result<ExitStatus> {
    let progress = crate::output::progress::for_stderr();
    let mut loaded = Vec::new();
    for bundle in [&args.a, &args.b] {
        let snapshot = load::open_snapshot(bundle, None, progress.as_ref())
            .with_context(|| format!("loading {}", bundle.display()))?;
        // Only the database file is kept: the comparison attaches both files to one connection.
        loaded.push((snapshot.db_path, snapshot.bundle_sha256));
    }
    let (a_path, b_path) = (args.a.display().to_string(), args.b.display().to_string());
    let a = Input {
        path: &a_path,
        db: &loaded[0].0,
        sha256: &loaded[0].1,
    };
    let b = Input {
        path: &b_path,
        db: &loaded[1].0,
        sha256: &loaded[1].1,
    };
    let report =
        diff::diff(&a, &b, args.cluster_id.as_deref()).context("comparing the snapshots")?;
    write_document(args.output, &report, || diff::render::render(&report))?;
    Ok(match report.changes.is_empty() {
        true => ExitStatus::Success,
        // 1: the snapshots differ (diff(1)'s convention).
        false => ExitStatus::NotFound,
    })
}
