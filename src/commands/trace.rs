//! `mwtrace trace`: run a trace and print it; exit 1 when nothing was found.

use anyhow::Result;

use crate::ExitStatus;
use crate::cli::{FailOn, TraceArgs};
use crate::output::write_document;
use mwtrace_analyze::load;
use mwtrace_analyze::shell::shell_word;
use mwtrace_analyze::store::{DbStore, IndexStore};
use mwtrace_analyze::trace::{self, ManifestRef, Outcome, Query};

pub fn run(mut args: TraceArgs) -> Result<ExitStatus> {
    let query = if let Some(id) = args.resource_id {
        Query::ResourceId(id)
    } else if let Some(name) = args.work_name {
        Query::WorkName(name)
    } else if let Some(op) = args.op_id {
        Query::OpId(op)
    } else if let Some(m) = args.manifest {
        Query::Manifest(ManifestRef::parse(&m).map_err(|e| anyhow::anyhow!("--manifest: {e}"))?)
    } else if let Some(cid) = args.cluster_id {
        Query::ClusterId(cid)
    } else if let Some(text) = args.search {
        Query::Search(text)
    } else {
        unreachable!("clap requires one entry point")
    };
    super::export::check_bundle_arg(&args.snapshot.snapshot, args.bundle.as_deref())?;
    if args.bundle.is_some() && args.snapshot.db.is_some() {
        anyhow::bail!("--bundle rebuilds its database in the cache: leave --db out");
    }
    // `--at`: the trace runs on the bundle as it stood then, rebuilt from its history.
    let original = args.snapshot.snapshot.clone();
    let as_of = match args.at {
        Some(at) => Some(as_of_bundle(&args.snapshot, at)?),
        None => None,
    };
    if let Some((path, _)) = &as_of {
        args.snapshot.snapshot = path.clone();
    }
    // The trace index answers the common lookups without starting DuckDB; when it cannot
    // (the logs, suggestions, search; an index absent, stale or damaged) the database does.
    let indexed = match args.logs || args.bundle.is_some() {
        false => load::open_index(&args.snapshot.snapshot, args.snapshot.db.as_deref())
            .and_then(|index| trace::run(&IndexStore(&index), &query).ok()),
        true => None,
    };
    let mut report = match indexed {
        Some(report) => report,
        None => {
            let snapshot = match &args.bundle {
                Some(sha) => super::export::open_bundle(&args.snapshot.snapshot, sha)?,
                None => super::open(&args.snapshot)?,
            };
            let mut report = trace::run(&DbStore(&snapshot.conn), &query)?;
            if args.logs {
                trace::log_stages::attach(&snapshot.conn, &query, &mut report)?;
            }
            report
        }
    };
    let mut bundle = args.snapshot.snapshot.display().to_string();
    if let Some((_, note)) = as_of {
        report.as_of = Some(note);
        bundle = original.display().to_string();
    }
    // Suggested commands name the bundle the engineer is working on.
    let path = shell_word(&bundle);
    for m in &mut report.matches {
        m.trace = m.trace.replace("SNAPSHOT", &path);
    }
    for step in &mut report.next_steps {
        if let Some(rest) = step.strip_prefix("mwtrace trace SNAPSHOT ") {
            *step = format!("mwtrace trace {path} {rest}");
        }
    }
    write_document(args.output, &report, || trace::render::render(&report))?;
    Ok(match report.outcome {
        Outcome::NotFound | Outcome::NotManaged => ExitStatus::NotFound,
        Outcome::Found => match (args.fail_on.map(FailOn::severity), report.severity()) {
            (Some(threshold), Some(worst)) if worst >= threshold => ExitStatus::NotFound,
            _ => ExitStatus::Success,
        },
    })
}

/// The bundle as of `at` (built once, kept in the cache beside the databases), and the line
/// that says what an as-of trace rests on.
fn as_of_bundle(
    snapshot: &crate::cli::SnapshotArgs,
    at: crate::cli::TimeArg,
) -> Result<(std::path::PathBuf, String)> {
    use anyhow::Context;
    if snapshot.db.is_some() {
        anyhow::bail!("--at builds its own database in the cache: leave --db out");
    }
    let bundle = &snapshot.snapshot;
    let reader = mwtrace_bundle::BundleReader::open(bundle, mwtrace_bundle::Limits::from_env())?;
    let created: Option<jiff::Timestamp> = reader.manifest().created_at.parse().ok();
    let at = at.resolve(created, "--at")?;
    if created.is_some_and(|c| at > c) {
        anyhow::bail!(
            "--at {at}: after the snapshot ({}): trace without --at",
            reader.manifest().created_at
        );
    }
    let (_, sha) = load::database_path(bundle, None)?;
    let dir = load::cache::cache_root().join("as-of");
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let target = dir.join(format!("{sha}-{}.tar.zst", at.as_second()));
    if !target.exists() {
        mwtrace_import::as_of::write_as_of(bundle, at, &target)?;
    }
    let note = format!(
        "{at} (snapshot of {}): objects and conditions from the history revisions in force then; the Maestro DB as at the snapshot, without rows created later",
        reader.manifest().created_at
    );
    Ok((target, note))
}
