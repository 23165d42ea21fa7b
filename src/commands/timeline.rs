//! `mwtrace timeline`: the dated facts of a hosted cluster, resource or object in order, as
//! text, JSON or one HTML page; exit 1 when the snapshot holds no fact about it.

use std::io::Write;

use anyhow::{Context, Result};

use crate::ExitStatus;
use crate::cli::{DocFormat, TimelineArgs, TimelineFormat};
use crate::output::write_document;
use mwtrace_analyze::timeline::{self, Subject};
use mwtrace_analyze::trace::ManifestRef;

pub fn run(args: TimelineArgs) -> Result<ExitStatus> {
    let subject = if let Some(cid) = &args.cluster_id {
        Subject::ClusterId(cid.clone())
    } else if let Some(id) = &args.resource_id {
        Subject::ResourceId(id.clone())
    } else if let Some(name) = &args.work_name {
        Subject::WorkName(name.clone())
    } else if let Some(m) = &args.manifest {
        Subject::Manifest(ManifestRef::parse(m).map_err(|e| anyhow::anyhow!("--manifest: {e}"))?)
    } else {
        unreachable!("clap requires one subject")
    };
    let format = args.format();
    let snapshot = super::open(&args.snapshot)?;
    let (since, until) = super::time_window(&snapshot.conn, args.since, args.until)?;
    let since = since.map(|t| t.to_string());
    let until = until.map(|t| t.to_string());
    let report = timeline::timeline(&snapshot.conn, &subject, since.as_deref(), until.as_deref())?;
    let status = match report.entries.is_empty() {
        true => ExitStatus::NotFound,
        false => ExitStatus::Success,
    };
    match (&args.out, format) {
        (Some(path), _) => {
            let content = match format {
                TimelineFormat::Text => {
                    mwtrace_analyze::terminal::escape_text(&timeline::render::render(&report))
                        .into_owned()
                }
                TimelineFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
                TimelineFormat::Html => timeline::html::render(&report),
            };
            std::fs::write(path, content)
                .with_context(|| format!("{}: cannot write", path.display()))?;
            eprintln!(
                "{}: {} facts written",
                mwtrace_analyze::terminal::escape_line(&path.display().to_string()),
                report.entries.len()
            );
        }
        (None, TimelineFormat::Html) => {
            let mut out = std::io::stdout().lock();
            out.write_all(timeline::html::render(&report).as_bytes())?;
            out.flush()?;
        }
        (None, TimelineFormat::Text) => write_document(DocFormat::Text, &report, || {
            timeline::render::render(&report)
        })?,
        (None, TimelineFormat::Json) => write_document(DocFormat::Json, &report, String::new)?,
    }
    Ok(status)
}
