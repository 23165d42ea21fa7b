//! `mwtrace trace`: run a trace and print it; exit 1 when nothing was found.

use anyhow::Result;

use crate::ExitStatus;
use crate::cli::{FailOn, TraceArgs};
use crate::output::write_document;
use mwtrace_analyze::load;
use mwtrace_analyze::shell::shell_word;
use mwtrace_analyze::store::{DbStore, IndexStore};
use mwtrace_analyze::trace::{self, ManifestRef, Outcome, Query};

pub fn run(args: TraceArgs) -> Result<ExitStatus> {
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
    // The trace index answers the common lookups without starting DuckDB; when it cannot
    // (the logs, suggestions, search; an index absent, stale or damaged) the database does.
    let indexed = match args.logs {
        false => load::open_index(&args.snapshot.snapshot, args.snapshot.db.as_deref())
            .and_then(|index| trace::run(&IndexStore(&index), &query).ok()),
        true => None,
    };
    let mut report = match indexed {
        Some(report) => report,
        None => {
            let snapshot = super::open(&args.snapshot)?;
            let mut report = trace::run(&DbStore(&snapshot.conn), &query)?;
            if args.logs {
                trace::log_stages::attach(&snapshot.conn, &query, &mut report)?;
            }
            report
        }
    };
    // Suggested commands name the bundle the engineer is working on.
    let path = shell_word(&args.snapshot.snapshot.display().to_string());
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
