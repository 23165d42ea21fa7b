//! `mwtrace cache ls|prune|path`: the loaded databases kept under $XDG_CACHE_HOME/mwtrace.

use std::io::{self, Write};

use anyhow::{Context, Result};
use jiff::{SignedDuration, Timestamp};

use crate::ExitStatus;
use crate::cli::{CacheArgs, CacheCommand};
use crate::commands::summary::human_bytes;
use crate::output::write_document;
use mwtrace_analyze::human::short_age;
use mwtrace_analyze::load::cache::{self, CacheEntry};
use mwtrace_analyze::terminal::escape_line;

pub fn run(args: CacheArgs) -> Result<ExitStatus> {
    match args.command {
        CacheCommand::Ls { output } => {
            let entries = cache::entries().context(cache_context())?;
            write_document(output, &entries, || table(&entries, Timestamp::now()))?;
            Ok(ExitStatus::Success)
        }
        CacheCommand::Prune {
            older_than,
            all,
            dry_run,
        } => prune(older_than, all, dry_run),
        CacheCommand::Path(snapshot) => {
            // Loads the bundle first when needed, so the path always opens.
            let opened = super::open(&snapshot)?;
            drop(opened);
            let (path, _) =
                mwtrace_analyze::load::database_path(&snapshot.snapshot, snapshot.db.as_deref())?;
            writeln!(io::stdout().lock(), "{}", path.display())?;
            Ok(ExitStatus::Success)
        }
    }
}

fn cache_context() -> String {
    format!("{}: cannot list the cache", cache::cache_root().display())
}

/// Removes what cannot be used any more (another loader or engine wrote it), what is older
/// than `older_than`, or everything.
fn prune(older_than: Option<SignedDuration>, all: bool, dry_run: bool) -> Result<ExitStatus> {
    let now = Timestamp::now();
    let entries = cache::entries().context(cache_context())?;
    let mut freed = 0;
    let mut removed = 0;
    let mut out = io::stdout().lock();
    for entry in &entries {
        let old = match (older_than, entry.age(now)) {
            (Some(limit), Some(age)) => age > limit,
            _ => false,
        };
        if !(all || old || !entry.current) {
            continue;
        }
        if !dry_run {
            entry
                .remove()
                .with_context(|| format!("{}: cannot remove", entry.database.display()))?;
        }
        freed += entry.bytes;
        removed += 1;
        writeln!(
            out,
            "{} {}  {}  {}",
            if dry_run { "would remove" } else { "removed" },
            entry.database.display(),
            human_bytes(entry.bytes),
            why(entry, old, all)
        )?;
    }
    writeln!(
        out,
        "{} {removed} of {} databases, {}",
        if dry_run { "would free" } else { "freed" },
        entries.len(),
        human_bytes(freed)
    )?;
    Ok(ExitStatus::Success)
}

fn why(entry: &CacheEntry, old: bool, all: bool) -> &'static str {
    if !entry.current {
        "(written by another mwtrace: rebuilt on its next use anyway)"
    } else if old {
        "(older than --older-than)"
    } else if all {
        "(--all)"
    } else {
        ""
    }
}

fn table(entries: &[CacheEntry], now: Timestamp) -> String {
    let mut text = format!(
        "{:<10} {:>9} {:>7} {:<7} {}\n",
        "DATABASE", "SIZE", "AGE", "LOADER", "BUNDLE"
    );
    for e in entries {
        let loader = match (e.loader_version, e.current) {
            (Some(v), true) => format!("v{v}"),
            (Some(v), false) => format!("v{v}*"),
            (None, _) => "?*".to_string(),
        };
        text.push_str(&format!(
            "{:<10} {:>9} {:>7} {:<7} {}\n",
            &e.bundle_sha256[..10],
            human_bytes(e.bytes),
            e.age(now).map(short_age).unwrap_or_else(|| "-".into()),
            loader,
            escape_line(e.bundle_path.as_deref().unwrap_or("-"))
        ));
    }
    let total: u64 = entries.iter().map(|e| e.bytes).sum();
    text.push_str(&format!(
        "{} databases, {} in {}",
        entries.len(),
        human_bytes(total),
        cache::cache_root().display()
    ));
    if entries.iter().any(|e| !e.current) {
        text.push_str("\n* written by another mwtrace version: `mwtrace cache prune` removes it");
    }
    text.push('\n');
    text
}
