//! `mwtrace collect`: resolve the command line into a plan (which clusters, how to reach the
//! DB), run it, print a summary per source; exit 3 when any source failed.

use mwtrace_analyze::terminal::escape_line;
use std::io::Write;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::ExitStatus;
use crate::cli::{CollectArgs, DbArg};
use mwtrace_bundle::layout::bundle_cluster_name;
use mwtrace_collect::{ClusterTarget, CollectPlan, DbAccess, Scope};

pub fn run(args: CollectArgs) -> Result<ExitStatus> {
    let plan = plan(&args)?;
    let progress = crate::output::progress::for_stderr();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // SIGINT/SIGTERM drop the collection wherever it waits (its temporary files go with it);
    // main exits 130/143.
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = mwtrace_collect::collect(&plan, progress.as_ref()) => Ok(outcome?),
            interrupted = interrupted() => Err(anyhow::Error::new(interrupted).context(format!(
                "no bundle was written at {}",
                plan.output.display()
            ))),
        }
    })?;
    print_summary(&plan, &outcome)?;
    Ok(if outcome.failed_sources() > 0 {
        ExitStatus::Partial
    } else {
        ExitStatus::Success
    })
}

/// Resolves once SIGINT or SIGTERM arrived (`mwtrace_interrupt` owns the signals).
async fn interrupted() -> mwtrace_interrupt::Interrupted {
    loop {
        if let Err(interrupted) = mwtrace_interrupt::check() {
            return interrupted;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Raw arguments -> the clusters and DB access to use, as kubectl would pair them.
fn plan(args: &CollectArgs) -> Result<CollectPlan> {
    let management = management_targets(args)?;
    let service = match (&args.svc_context, &args.svc_kubeconfig) {
        (None, None) => None,
        (context, kubeconfig) => {
            let context_name = context
                .clone()
                .or_else(|| current_context(kubeconfig.as_deref()));
            Some(ClusterTarget {
                name: bundle_cluster_name(
                    args.svc_name
                        .as_deref()
                        .or(context_name.as_deref())
                        .unwrap_or("service"),
                ),
                kubeconfig: kubeconfig.clone(),
                context: context.clone(),
                in_cluster: false,
            })
        }
    };
    let db = match (&args.db, &service) {
        (DbArg::None, _) => None,
        (DbArg::Url(url), _) => Some(DbAccess::Url(url.clone())),
        (DbArg::Auto, None) => None,
        (access, None) => bail!(
            "--db {} runs psql on the service cluster: give --svc-context or --svc-kubeconfig",
            match access {
                DbArg::MaestroDb => "maestro-db",
                _ => "breakglass",
            }
        ),
        (DbArg::Auto, Some(_)) => Some(DbAccess::Auto),
        (DbArg::MaestroDb, Some(_)) => Some(DbAccess::MaestroDb),
        (DbArg::Breakglass, Some(_)) => Some(DbAccess::Breakglass),
    };
    if management.is_empty() && db.is_none() {
        bail!(
            "nothing to collect: give --mgmt-context/--mgmt-kubeconfig, and --svc-context or --db postgres://..."
        );
    }
    let scope = match &args.cluster_id {
        Some(cid) => Scope::cluster(cid).map_err(|e| anyhow::anyhow!("--cluster-id: {e}"))?,
        None => Scope::everything(),
    };
    Ok(CollectPlan {
        output: args.out.path().map_err(anyhow::Error::msg)?,
        service,
        management,
        db,
        maestro_namespace: args.maestro_namespace.clone(),
        scope,
        redact: !args.no_redact,
        assume_yes: args.yes,
        statement_timeout: Duration::from_secs(args.statement_timeout.max(1)),
        db_timeout: Duration::from_secs(args.db_timeout),
        logs: args
            .logs
            .then(|| args.since.unwrap_or(mwtrace_collect::DEFAULT_LOG_SINCE)),
    })
}

fn management_targets(args: &CollectArgs) -> Result<Vec<ClusterTarget>> {
    let name_at = |i: usize, fallback: &str| {
        bundle_cluster_name(
            args.mgmt_name
                .get(i)
                .map(String::as_str)
                .unwrap_or(fallback),
        )
    };
    if args.in_cluster {
        return Ok(vec![ClusterTarget {
            name: name_at(0, "in-cluster"),
            kubeconfig: None,
            context: None,
            in_cluster: true,
        }]);
    }
    let contexts = &args.mgmt_context;
    let files = &args.mgmt_kubeconfig;
    let pairs: Vec<(Option<String>, Option<std::path::PathBuf>)> = match (
        contexts.len(),
        files.len(),
    ) {
        (_, 0) => contexts.iter().map(|c| (Some(c.clone()), None)).collect(),
        (0, _) => files.iter().map(|f| (None, Some(f.clone()))).collect(),
        (_, 1) => contexts
            .iter()
            .map(|c| (Some(c.clone()), Some(files[0].clone())))
            .collect(),
        (c, f) if c == f => contexts
            .iter()
            .zip(files)
            .map(|(c, f)| (Some(c.clone()), Some(f.clone())))
            .collect(),
        (c, f) => bail!(
            "{c} --mgmt-context and {f} --mgmt-kubeconfig: give one file for all contexts, or one per context"
        ),
    };
    Ok(pairs
        .into_iter()
        .enumerate()
        .map(|(i, (context, kubeconfig))| {
            let context_name = context
                .clone()
                .or_else(|| current_context(kubeconfig.as_deref()));
            ClusterTarget {
                name: name_at(i, context_name.as_deref().unwrap_or("mgmt")),
                kubeconfig,
                context,
                in_cluster: false,
            }
        })
        .collect())
}

/// The current context of a kubeconfig file (or of the default one), for naming.
fn current_context(file: Option<&std::path::Path>) -> Option<String> {
    let config = match file {
        Some(path) => kube::config::Kubeconfig::read_from(path).ok()?,
        None => kube::config::Kubeconfig::read().ok()?,
    };
    config.current_context
}

fn print_summary(plan: &CollectPlan, outcome: &mwtrace_collect::CollectOutcome) -> Result<()> {
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "\n{:<72} {:>9} {:>12}  status",
        "source", "count", "bytes"
    )?;
    for s in &outcome.sources {
        let status = match &s.error {
            None => "ok".to_string(),
            Some(e) => format!("ERROR: {}", escape_line(e)),
        };
        writeln!(
            err,
            "{:<72} {:>9} {:>12}  {status}",
            s.source, s.count, s.bytes
        )?;
    }
    for note in &outcome.manifest.notes {
        writeln!(err, "note: {}: {}", note.source, escape_line(&note.message))?;
    }
    for e in outcome
        .manifest
        .errors
        .iter()
        .filter(|e| !outcome.sources.iter().any(|s| s.source == e.source))
    {
        writeln!(err, "ERROR: {}: {}", e.source, escape_line(&e.message))?;
    }
    writeln!(
        err,
        "\nwrote {} ({} files, {} failed sources{})",
        plan.output.display(),
        outcome.manifest.files.len(),
        outcome.failed_sources(),
        if plan.redact {
            ""
        } else {
            ", SECRETS NOT REDACTED"
        }
    )?;
    Ok(())
}
