//! `mwtrace info`: what a bundle holds, verified end to end (every checksum) without loading it.

use std::fmt::Write;

use anyhow::Result;
use serde::Serialize;

use crate::ExitStatus;
use crate::cli::InfoArgs;
use crate::output::write_document;
use mwtrace_analyze::load::issues::IssueSummary;
use mwtrace_analyze::terminal::escape_line;
use mwtrace_bundle::manifest::Component;
use mwtrace_bundle::{BundleReader, Limits, Manifest};

/// `mwtrace info -o json`: the bundle's manifest, and the proof that it was verified.
#[derive(Serialize)]
struct InfoReport<'a> {
    schema: &'static str,
    bundle: String,
    sha256: String,
    /// Always true: a bundle that fails verification is an error (exit 2).
    verified: bool,
    manifest: &'a Manifest,
    /// The Maestro server and agent and HyperShift operator containers the bundle saw (the
    /// manifest's `components`, empty for older bundles): what `requires:` gates of doctor
    /// rules compare against.
    components: &'a [Component],
    /// Bad rows the load kept and log files it cut, per file and kind; null when the bundle
    /// has not been loaded yet (they are found by the load).
    load_issues: Option<Vec<IssueSummary>>,
}

pub fn run(args: InfoArgs) -> Result<ExitStatus> {
    // Hashing reads the whole file: a FIFO or /dev/zero is refused before.
    mwtrace_bundle::reader::ensure_regular_file(&args.snapshot)?;
    let sha256 = mwtrace_analyze::load::cache::bundle_sha256(&args.snapshot).map_err(|source| {
        mwtrace_bundle::BundleError::Io {
            bundle: args.snapshot.clone(),
            source,
        }
    })?;
    let reader = BundleReader::open(&args.snapshot, Limits::from_env())?;
    reader.verify()?;
    let load_issues = mwtrace_analyze::load::issues::summary(&sha256);
    let report = InfoReport {
        schema: "mwtrace/info/v1",
        bundle: args.snapshot.display().to_string(),
        sha256,
        verified: true,
        manifest: reader.manifest(),
        components: &reader.manifest().components,
        load_issues,
    };
    write_document(args.output, &report, || render(&report, args.verbose))?;
    Ok(ExitStatus::Success)
}

fn render(report: &InfoReport<'_>, verbose: bool) -> String {
    let m = report.manifest;
    let mut out = String::new();
    let _ = writeln!(out, "Bundle:     {}", report.bundle);
    let _ = writeln!(
        out,
        "sha256:     {} (all {} files verified)",
        report.sha256,
        m.files.len()
    );
    let _ = writeln!(out, "Format:     {} v{}", m.format, m.format_version);
    let _ = writeln!(
        out,
        "Created:    {} by {} {} ({})",
        m.created_at, m.tool.name, m.tool.version, m.origin
    );
    let _ = writeln!(
        out,
        "Redaction:  {}",
        if m.redaction.secrets {
            "secrets redacted"
        } else {
            "NOT REDACTED (--no-redact): handle as secret"
        }
    );
    let _ = writeln!(out, "\nClusters ({}):", m.clusters.len());
    for c in &m.clusters {
        let _ = writeln!(
            out,
            "  {:<24} {:<11} context {}  {}",
            c.name,
            c.role,
            c.context.as_deref().unwrap_or("-"),
            c.server.as_deref().unwrap_or("")
        );
    }
    out.push_str(&components(&m.components));
    if !verbose {
        let _ = writeln!(
            out,
            "\nContents ({} files; every file with --verbose):",
            m.files.len()
        );
        out.push_str(&super::summary::contents(m));
        let _ = writeln!(out);
        match super::summary::errors(m) {
            grouped if grouped.is_empty() => out.push_str("Errors: none\n"),
            grouped => out.push_str(&grouped),
        }
        out.push_str(&load_issues(report));
        return out;
    }
    let _ = writeln!(out, "\nFiles ({}):", m.files.len());
    let _ = writeln!(out, "  {:<80} {:>9} {:>12}", "path", "rows", "bytes");
    for f in &m.files {
        let rows = f.rows.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "  {:<80} {:>9} {:>12}",
            escape_line(&f.path),
            rows,
            f.bytes
        );
    }
    let _ = writeln!(out, "\nErrors ({}):", m.errors.len());
    for e in &m.errors {
        let _ = writeln!(
            out,
            "  {}: {}",
            escape_line(&e.source),
            escape_line(&e.message)
        );
    }
    out.push_str(&load_issues(report));
    out
}

/// The Components section: one line per container image, then its source.
fn components(all: &[Component]) -> String {
    if all.is_empty() {
        return "\nComponents: none recorded (no Maestro or HyperShift deployment seen, or a bundle from before components were recorded)\n".into();
    }
    let mut out = format!("\nComponents ({}):\n", all.len());
    for c in all {
        let digest = c.digest.as_deref().map(|d| match d.get(..19) {
            Some(short) if d.len() > 19 => format!("{short}…"),
            _ => d.to_string(),
        });
        let _ = writeln!(
            out,
            "  {:<20} version {:<10} digest {:<20} {}/{}/{} container {}",
            escape_line(&c.component),
            escape_line(c.version.as_deref().unwrap_or("-")),
            escape_line(digest.as_deref().unwrap_or("-")),
            escape_line(&c.cluster),
            escape_line(&c.namespace),
            escape_line(&c.name),
            escape_line(&c.container),
        );
        let _ = writeln!(
            out,
            "  {:<20} image {}  ({})",
            "",
            escape_line(&c.image),
            escape_line(&c.source)
        );
    }
    out
}

/// What the load kept despite problems, per file and kind, with the first line of each.
fn load_issues(report: &InfoReport<'_>) -> String {
    let Some(issues) = &report.load_issues else {
        return "\nLoad issues: not known until the bundle is loaded (by trace, logs, sql or doctor)\n"
            .into();
    };
    if issues.is_empty() {
        return "\nLoad issues: none\n".into();
    }
    let total: u64 = issues.iter().map(|i| i.count).sum();
    let mut out = format!(
        "\nLoad issues ({total}; kept, not fatal; all: mwtrace sql {} \"SELECT * FROM load_issues\"):\n",
        escape_line(&report.bundle)
    );
    for i in issues {
        let at = i
            .first_line
            .map(|l| format!("line {l}"))
            .unwrap_or_else(|| "file".into());
        let _ = writeln!(
            out,
            "  {} {:<22} {:>6}  first at {at}: {}",
            escape_line(&i.file),
            i.kind,
            i.count,
            escape_line(&i.first_problem)
        );
    }
    out
}
