//! `mwtrace transitions`: the transitions matrix of the bundles a filter selects; exit 1 when
//! none matches, and with `--fail-on-broken` when one breaks the expectations (doctor's
//! `--fail-on` convention: findings alone never fail the command).

use anyhow::Result;

use crate::ExitStatus;
use crate::cli::TransitionsArgs;
use crate::output::write_document;
use mwtrace_analyze::transitions::{self, Filter};

pub fn run(args: TransitionsArgs) -> Result<ExitStatus> {
    let snapshot = super::open(&args.snapshot)?;
    let filter = Filter {
        cluster_id: args.cluster_id.clone(),
        resource_id: args.resource_id.clone(),
    };
    let report = transitions::transitions(&snapshot.conn, &filter)?;
    write_document(args.output, &report, || {
        transitions::render::render(&report)
    })?;
    // 1: nothing matched (not found), or a broken bundle when asked to fail on one.
    let fail = report.bundles.is_empty() || (args.fail_on_broken && report.broken > 0);
    Ok(match fail {
        true => ExitStatus::NotFound,
        false => ExitStatus::Success,
    })
}
