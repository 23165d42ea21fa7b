//! `mwtrace import`: a v1 bundle (DESIGN.md §4) from data engineers already hold: must-gather and
//! `oc adm inspect` trees (or their `.tar`, `.tar.gz`, `.tar.zst`, `.tar.xz`, `.tar.bz2` and
//! `.zip`, read as streams, also nested), `hcpctl mc dump-crs` trees, `kubectl get -o json|yaml`
//! output, Maestro DB rows, Maestro REST responses and mwtrace bundles (whose clusters, created_at,
//! errors and redaction record are kept), in any mix.
//!
//! Every file is classified by its path ([`detect`]) and then by its content, and parsed on the
//! rayon pool in batches ([`parse`]); the results are merged in input order, so the bundle does
//! not depend on thread timing. Duplicates (the same object in a List file and in its own file,
//! the same row in two dumps) need state across files: the first pass writes every normalized,
//! redacted object to a staging file and keeps only its identity, resourceVersion and position
//! ([`merge`]); the second pass copies the staging files into the bundle, skipping the lines
//! that lost. Memory is bounded by the number of objects, never by their size.
//!
//! A file that cannot be parsed is recorded in the manifest's errors (with its line or document)
//! and the rest is still imported (exit 3); a PATH that cannot be read at all, or in which nothing
//! is recognized, is an error (exit 2) and no bundle is written.

mod archive;
pub mod as_of;
mod detect;
#[doc(hidden)]
pub mod fuzz;
mod history;
mod kube_tree;
mod kusto;
mod limits;
mod logs;
mod maestro;
mod merge;
mod parse;
mod yaml;

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

use rayon::prelude::*;

use detect::{Class, Layout};
use merge::Merger;
use mwtrace_bundle::manifest::{Cluster, SourceError};
use mwtrace_bundle::progress::{Progress, Unit};
use mwtrace_bundle::{BundlePath, BundleWriter, Manifest};

/// Files up to this size are read whole and parsed in parallel batches; larger ones are
/// streamed (JSON, NDJSON) one at a time.
const SMALL_FILE: u64 = 16 << 20;
/// A batch is parsed once it holds this many files or bytes.
const BATCH_FILES: usize = 512;
const BATCH_BYTES: u64 = 64 << 20;
/// Rows (JSON lines, CSV records) of a streamed file are made records on the parser pool this
/// many at a time, or [`ROW_BATCH_BYTES`] of lines.
const ROW_BATCH: usize = 256;
const ROW_BATCH_BYTES: usize = 4 << 20;

/// Everything `import` needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub inputs: Vec<PathBuf>,
    pub output: PathBuf,
    /// Put every object in this cluster; otherwise each PATH names its own.
    pub cluster_name: Option<String>,
    pub redact: bool,
    /// Set by SIGINT/SIGTERM (`mwtrace_interrupt::cancel_flag`) to stop: the import returns
    /// [`ImportError::Interrupted`] and removes its temporary files; nothing is written at the
    /// target.
    pub cancel: Arc<AtomicBool>,
}

/// What one PATH contributed.
#[derive(Debug, Clone, Default)]
pub struct InputReport {
    pub path: String,
    /// The cluster its objects and logs went to.
    pub cluster: String,
    /// What was recognized in it: `must-gather/inspect tree`, `Maestro REST list`, ...
    pub found: BTreeSet<&'static str>,
    pub files: u64,
    pub objects: u64,
    pub rows: u64,
    pub logs: u64,
    /// Object revisions (Kusto `kubernetesResourceSnapshots` rows, a bundle's `history/`).
    pub revisions: u64,
    /// Files that hold no data (gather logs, HTML, discovery) or documents that are neither
    /// Kubernetes objects nor Maestro data, in a directory or archive.
    pub skipped: u64,
    pub errors: u64,
}

/// What an import produced.
pub struct ImportOutcome {
    pub manifest: Manifest,
    pub inputs: Vec<InputReport>,
    /// Objects and rows written (after merging duplicates).
    pub objects: u64,
    pub rows: u64,
    /// Objects and rows dropped because a newer copy of the same one was imported.
    pub duplicates: u64,
    /// Secret values replaced by a redaction marker.
    pub redacted: u64,
    /// Object revisions written under `history/`.
    pub revisions: u64,
    /// Objects written under `kube/` from their last revision (no live copy imported).
    pub reconstructed: u64,
}

/// Why an import stopped. The io error of a variant is its chained source, not part of its
/// message (the chain is printed as `Caused by:`).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: cannot read", path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("{}: {reason} (import reads directories, .tar/.tar.gz/.tar.zst/.tar.xz/.tar.bz2/.zip archives, mwtrace bundles, and .json/.yaml/.ndjson files)", path.display())]
    Unsupported { path: PathBuf, reason: String },
    /// The PATH was read, and nothing in it was Kubernetes objects, Maestro data or pod logs.
    #[error("{}: nothing recognized ({summary})", path.display())]
    NothingRecognized { path: PathBuf, summary: String },
    /// An mwtrace bundle given as PATH that does not verify.
    #[error("{}: cannot import this bundle", path.display())]
    Bundle {
        path: PathBuf,
        source: mwtrace_bundle::BundleError,
    },
    #[error("{}: cannot write the bundle", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("interrupted: no bundle was written at {}", path.display())]
    Interrupted { path: PathBuf },
}

/// Where in a file a record came from, for error messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Loc {
    doc: Option<usize>,
    line: Option<usize>,
    item: Option<usize>,
}

impl Loc {
    pub fn doc(index: usize, line: usize) -> Loc {
        Loc {
            doc: Some(index),
            line: Some(line),
            item: None,
        }
    }

    pub fn doc_only(index: usize) -> Loc {
        Loc {
            doc: Some(index),
            ..Loc::default()
        }
    }

    pub fn line(line: usize) -> Loc {
        Loc {
            line: Some(line),
            ..Loc::default()
        }
    }

    pub fn item(self, item: usize) -> Loc {
        Loc {
            item: Some(item),
            ..self
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        match (self.doc, self.line) {
            (Some(doc), Some(line)) => parts.push(format!("document {doc} (line {line})")),
            (Some(doc), None) => parts.push(format!("document {doc}")),
            (None, Some(line)) => parts.push(format!("line {line}")),
            (None, None) => {}
        }
        if let Some(item) = self.item {
            parts.push(format!("item {item}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// The context a file is parsed in.
pub(crate) struct Ctx<'a> {
    pub cluster: u32,
    /// The file as the manifest's errors name it.
    pub source: &'a str,
    pub layout: &'a Layout,
    pub redact: bool,
    /// Unrecognized content is an error (resource trees, files named as PATH or after a
    /// table) rather than a skipped file (anything else found in a directory or archive).
    pub strict: bool,
}

impl<'a> Ctx<'a> {
    /// `direct`: the file was named as a PATH itself.
    pub fn new(
        cluster: u32,
        source: &'a str,
        layout: &'a Layout,
        redact: bool,
        direct: bool,
    ) -> Ctx<'a> {
        Ctx {
            cluster,
            source,
            layout,
            redact,
            strict: match layout {
                Layout::Loose { table } => direct || table.is_some(),
                _ => true,
            },
        }
    }

    pub fn error(&self, loc: Loc, message: &str) -> Record {
        let at = loc.to_string();
        Record::Error {
            source: self.source.to_string(),
            message: if at.is_empty() {
                message.to_string()
            } else {
                format!("{at}: {message}")
            },
        }
    }

    pub fn table(&self) -> Option<&'static str> {
        match self.layout {
            Layout::Loose { table } => *table,
            _ => None,
        }
    }
}

/// One parsed thing, on its way to the merger.
#[derive(Debug)]
pub(crate) enum Record {
    Object(ObjectRecord),
    Row(RowRecord),
    Error {
        source: String,
        message: String,
    },
    /// A document that is neither a Kubernetes object nor Maestro data.
    Skipped,
    /// When the gather ran (must-gather `timestamp`).
    Timestamp(jiff::Timestamp),
    /// A List with no items (`items: []`, or `items: null` as old `oc` prints it): recognized,
    /// nothing to import.
    EmptyList(&'static str),
    /// One revision of an object, for `history/` (kusto/history.rs).
    Revision(RevisionRecord),
    /// One container log row, for `logs/` (kusto/logs.rs).
    LogLine(LogLineRecord),
    /// What a Maestro REST List page says of the whole list (maestro.rs), so that pages
    /// missing from the import are reported.
    RestPage(RestPageRecord),
}

/// The paging fields of one `ResourceBundleList` or `ConsumerList` (a REST page or the
/// output of `maestro resourcebundle list -o json`) and the ids of its items.
#[derive(Debug)]
pub(crate) struct RestPageRecord {
    pub table: &'static str,
    /// 1-based; None when the document has no `page`.
    pub page: Option<u64>,
    /// Items on this page (Maestro sets `size` to the number of items returned).
    pub size: Option<u64>,
    /// Items in the whole list.
    pub total: Option<u64>,
    pub ids: Vec<String>,
}

/// A normalized, redacted object revision: its `history/` file, identity and NDJSON line.
#[derive(Debug)]
pub(crate) struct RevisionRecord {
    /// The PATH's cluster, used when the row names none (or `--cluster-name` is given).
    pub cluster: u32,
    /// The row's own cluster, as a bundle cluster name.
    pub cluster_name: Option<String>,
    pub group: String,
    pub version: String,
    pub plural: String,
    /// `Kind (plural)` when the plural was guessed (a kind mwtrace does not know).
    pub guessed_kind: Option<String>,
    /// `u:<uid>`, or `n:<kind>/<namespace>/<name>` when there is no uid.
    pub key: String,
    /// `<kind>/<namespace>/<name>`: a live object of that name also stops a reconstruction.
    pub name_key: String,
    pub ts: jiff::Timestamp,
    pub delete: bool,
    /// `{"ts", "event", "object"}`.
    pub line: Vec<u8>,
    pub redacted: usize,
    pub label: &'static str,
}

/// Container log text, prefixed with its timestamp, for `logs/<cluster>/<ns>/<pod>/<c>.log`.
#[derive(Debug)]
pub(crate) struct LogLineRecord {
    pub cluster: u32,
    pub cluster_name: Option<String>,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// One or more lines, without the last newline.
    pub text: Vec<u8>,
    pub label: &'static str,
}

/// A normalized object: its bundle file, identity, resourceVersion and NDJSON line.
#[derive(Debug)]
pub(crate) struct ObjectRecord {
    pub cluster: u32,
    pub group: String,
    pub version: String,
    pub plural: String,
    /// `u:<uid>`, or `n:<group>/<kind>/<namespace>/<name>` when there is no uid.
    pub key: String,
    /// `<kind>/<namespace>/<name>`, whatever the key: a history revision of that name is not
    /// reconstructed when this object is imported.
    pub name_key: String,
    pub rv: Option<String>,
    pub line: Vec<u8>,
    pub redacted: usize,
    pub label: &'static str,
    /// Maestro and HyperShift containers of a Deployment or Pod, their cluster and source
    /// filled in by the merger.
    pub components: Vec<mwtrace_bundle::manifest::Component>,
}

/// A DB row (dumped, or shaped from REST).
#[derive(Debug)]
pub(crate) struct RowRecord {
    pub table: &'static str,
    pub id: Option<String>,
    pub rank: RowRank,
    pub line: Vec<u8>,
    pub redacted: usize,
    pub label: &'static str,
}

/// Which copy of a row wins: higher version, then later updated_at, then a DB dump over REST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RowRank {
    pub version: Option<i64>,
    pub updated_at: Option<i128>,
    pub from_db: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputKind {
    Dir,
    Archive(archive::Kind),
    /// A bundle written by mwtrace: its clusters, created_at, errors and redaction record kept.
    Bundle,
    File,
}

struct Input {
    path: PathBuf,
    display: String,
    kind: InputKind,
    cluster: u32,
    /// A bundle's clusters: (its name for the cluster, the cluster's index in the import).
    bundle_clusters: Vec<(String, u32)>,
}

/// A file to parse: where it is, what its path says, how to name it.
struct Job {
    source: String,
    class: Class,
    content: JobContent,
    size: u64,
}

enum JobContent {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

/// Runs an import to completion: the bundle is written even when files failed to parse.
pub fn import(plan: &ImportPlan, progress: &dyn Progress) -> Result<ImportOutcome, ImportError> {
    let Resolved {
        inputs,
        clusters,
        cluster_info,
        bundle_created_at,
    } = resolve_inputs(plan)?;
    let write_err = |source: io::Error| {
        if plan.cancel.load(Ordering::Relaxed) {
            ImportError::Interrupted {
                path: plan.output.clone(),
            }
        } else {
            ImportError::Write {
                path: plan.output.clone(),
                source,
            }
        }
    };
    let now = jiff::Timestamp::now();
    let mut manifest = Manifest::new("import", rfc3339(now));
    manifest.redaction.secrets = plan.redact;
    let mut writer = BundleWriter::create(&plan.output, manifest).map_err(write_err)?;
    // Locked while it lives: an import killed outright leaves it for the next run to remove.
    let staging =
        mwtrace_interrupt::ScratchDir::new_in(parent_dir(&plan.output), ".mwtrace-import-")
            .map_err(write_err)?;
    let mut merger = Merger::new(staging.path().to_path_buf(), clusters.clone());
    merger.fix_cluster(plan.cluster_name.is_some());
    let skip = Skip::new(&plan.output);

    let mut reports = Vec::new();
    let mut bundle_notes = Vec::new();
    for input in &inputs {
        let mut report = InputReport {
            path: input.display.clone(),
            cluster: match clusters.get(input.cluster as usize) {
                Some(name) => name.clone(),
                // A bundle: its own clusters.
                None => input
                    .bundle_clusters
                    .iter()
                    .map(|(_, index)| clusters[*index as usize].as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            },
            ..InputReport::default()
        };
        let mut run = Run {
            input,
            bundle_notes: &mut bundle_notes,
            plan,
            merger: &mut merger,
            writer: &mut writer,
            report: &mut report,
            progress,
        };
        match input.kind {
            InputKind::Dir => run.directory(&skip),
            InputKind::Archive(kind) => run.archive(&input.path, kind, &input.display, 0),
            InputKind::Bundle => match run.bundle() {
                Ok(()) => Ok(()),
                Err(BundleRead::Io(e)) => Err(e),
                Err(BundleRead::Bundle(source)) => {
                    return Err(ImportError::Bundle {
                        path: input.path.clone(),
                        source,
                    });
                }
            },
            InputKind::File => run.single_file(),
        }
        .map_err(write_err)?;
        if report.objects + report.rows + report.logs + report.revisions == 0
            && report.found.is_empty()
        {
            return Err(nothing_recognized(input, &report, &mut writer));
        }
        reports.push(report);
    }
    progress.phase("writing the bundle", 0, Unit::Items);
    let stats = merger.finish(&mut writer, plan.redact).map_err(write_err)?;

    let used = &stats.clusters_used;
    let manifest = writer.manifest_mut();
    manifest.created_at = match &bundle_created_at {
        // A bundle imported alone keeps its created_at exactly as it was written.
        Some(created) => created.clone(),
        None => rfc3339(stats.gathered_at.unwrap_or(now)),
    };
    let cluster_info = cluster_info
        .into_iter()
        .chain(std::iter::repeat(None))
        .take(stats.clusters.len());
    for (name, info) in stats.clusters.iter().zip(cluster_info) {
        // A bundle's clusters are kept even when they hold no objects (a service cluster).
        if info.is_none() && !used.contains(name) {
            continue;
        }
        manifest.clusters.push(info.unwrap_or_else(|| Cluster {
            name: name.clone(),
            role: "management".into(),
            context: None,
            server: None,
        }));
    }
    manifest.notes.append(&mut bundle_notes);
    for report in &reports {
        manifest.notes.push(SourceError {
            source: format!("import:{}", report.path),
            message: describe(report),
        });
    }
    if stats.duplicates > 0 {
        manifest.notes.push(SourceError {
            source: "import".into(),
            message: format!(
                "{} duplicate objects or rows merged (same cluster and uid, or same row id): the newest resourceVersion (row version, updated_at) was kept",
                stats.duplicates
            ),
        });
    }
    let bundles_read = inputs
        .iter()
        .filter(|i| i.kind == InputKind::Bundle)
        .count();
    if stats.gathered_at.is_some() && bundle_created_at.is_none() {
        manifest.notes.push(SourceError {
            source: "import".into(),
            message: if bundles_read > 0 {
                "created_at is the latest created_at of the bundles imported (or when a must-gather ran), so ages are computed against that time".into()
            } else {
                "created_at is when the must-gather ran (its timestamp file), so ages are computed against that time".into()
            },
        });
    }
    progress.finish();
    let manifest = writer.finish().map_err(write_err)?;
    drop(staging);
    Ok(ImportOutcome {
        manifest,
        inputs: reports,
        objects: stats.objects,
        rows: stats.rows,
        duplicates: stats.duplicates,
        redacted: stats.redacted,
        revisions: stats.revisions,
        reconstructed: stats.reconstructed,
    })
}

/// One line describing what a PATH held, for the manifest's notes.
pub fn describe(report: &InputReport) -> String {
    let found: Vec<&str> = report.found.iter().copied().collect();
    format!(
        "{}: {} files, {} objects, {} rows, {} logs, {} skipped, {} errors{}{}",
        if found.is_empty() {
            "nothing recognized".to_string()
        } else {
            found.join(" + ")
        },
        report.files,
        report.objects,
        report.rows,
        report.logs,
        report.skipped,
        report.errors,
        if report.revisions > 0 {
            format!(", {} history revisions", report.revisions)
        } else {
            String::new()
        },
        if report.objects + report.logs + report.revisions > 0 {
            format!(" (cluster {})", report.cluster)
        } else {
            String::new()
        }
    )
}

fn rfc3339(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn parent_dir(target: &Path) -> &Path {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The PATHs, checked, and the clusters they name.
struct Resolved {
    inputs: Vec<Input>,
    clusters: Vec<String>,
    /// A cluster's record as a bundle had it (role, context, server), None for named ones.
    cluster_info: Vec<Option<Cluster>>,
    /// The created_at of the only bundle among the PATHs, kept as written.
    bundle_created_at: Option<String>,
}

impl Resolved {
    /// The index of cluster `name`, added if new.
    fn cluster(&mut self, name: String) -> u32 {
        match self.clusters.iter().position(|c| *c == name) {
            Some(i) => i as u32,
            None => {
                self.clusters.push(name);
                self.cluster_info.push(None);
                (self.clusters.len() - 1) as u32
            }
        }
    }

    /// A bundle's cluster. The same name with the same server (or none) is the same cluster,
    /// merged as two gathers of one cluster are; the same name for another server is another
    /// cluster, renamed `<name>-2`, ...
    fn bundle_cluster(&mut self, cluster: &Cluster) -> u32 {
        let mut name = mwtrace_bundle::layout::bundle_cluster_name(&cluster.name);
        let base = name.clone();
        for n in 2.. {
            let Some(i) = self.clusters.iter().position(|c| *c == name) else {
                break;
            };
            let same = match &self.cluster_info[i] {
                Some(known) => {
                    known.server.is_none()
                        || cluster.server.is_none()
                        || known.server == cluster.server
                }
                None => true,
            };
            if same {
                if self.cluster_info[i].is_none() {
                    self.cluster_info[i] = Some(Cluster {
                        name: name.clone(),
                        ..cluster.clone()
                    });
                }
                return i as u32;
            }
            name = format!("{base}-{n}");
        }
        self.clusters.push(name.clone());
        self.cluster_info.push(Some(Cluster {
            name,
            ..cluster.clone()
        }));
        (self.clusters.len() - 1) as u32
    }
}

/// Checks every PATH before any work (an unreadable one is exit 2) and names the clusters.
fn resolve_inputs(plan: &ImportPlan) -> Result<Resolved, ImportError> {
    let mut resolved = Resolved {
        inputs: Vec::new(),
        clusters: Vec::new(),
        cluster_info: Vec::new(),
        bundle_created_at: None,
    };
    let mut bundles = 0;
    for path in &plan.inputs {
        let unreadable = |source| ImportError::Unreadable {
            path: path.clone(),
            source,
        };
        let meta = fs::metadata(path).map_err(unreadable)?;
        let mut bundle_clusters = Vec::new();
        let (kind, derived) = if meta.is_dir() {
            fs::read_dir(path).map_err(unreadable)?;
            let name = fs::canonicalize(path)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "cluster".into());
            (InputKind::Dir, name)
        } else if meta.is_file() {
            match archive::sniff(path).map_err(unreadable)? {
                archive::Sniffed::Archive(archive::Kind::Tar(archive::Compression::Zstd))
                    if archive::is_bundle(path).unwrap_or(false) =>
                {
                    let reader = mwtrace_bundle::BundleReader::open(
                        path,
                        mwtrace_bundle::Limits::from_env(),
                    )
                    .map_err(|source| ImportError::Bundle {
                        path: path.clone(),
                        source,
                    })?;
                    let manifest = reader.manifest();
                    for cluster in &manifest.clusters {
                        let index = resolved.bundle_cluster(cluster);
                        bundle_clusters.push((cluster.name.clone(), index));
                    }
                    bundles += 1;
                    resolved.bundle_created_at = Some(manifest.created_at.clone());
                    (InputKind::Bundle, archive_stem(path))
                }
                archive::Sniffed::Archive(kind) => {
                    let name = archive::top_dir(path, kind)
                        .map_err(unreadable)?
                        .unwrap_or_else(|| archive_stem(path));
                    (InputKind::Archive(kind), name)
                }
                archive::Sniffed::CompressedNotTar => {
                    return Err(ImportError::Unsupported {
                        path: path.clone(),
                        reason: "compressed, but not a tar archive".into(),
                    });
                }
                archive::Sniffed::Plain => {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if !matches!(detect::classify(&name), Class::Data { .. }) {
                        return Err(ImportError::Unsupported {
                            path: path.clone(),
                            reason: "not a .json, .yaml, .ndjson or Kusto .csv export file".into(),
                        });
                    }
                    let stem = name.split('.').next().unwrap_or("cluster").to_string();
                    (InputKind::File, stem)
                }
            }
        } else {
            return Err(ImportError::Unsupported {
                path: path.clone(),
                reason: "not a regular file or directory".into(),
            });
        };
        // A bundle names its own clusters; objects outside them (none in a valid bundle) go
        // to a cluster named after the file.
        let cluster = if kind == InputKind::Bundle {
            u32::MAX
        } else {
            resolved.cluster(mwtrace_bundle::layout::bundle_cluster_name(
                plan.cluster_name.as_deref().unwrap_or(derived.as_str()),
            ))
        };
        resolved.inputs.push(Input {
            path: path.clone(),
            display: path.display().to_string(),
            kind,
            cluster,
            bundle_clusters,
        });
    }
    if bundles != 1 || plan.inputs.len() != 1 {
        resolved.bundle_created_at = None;
    }
    Ok(resolved)
}

/// `must-gather.tar.gz` -> `must-gather`.
fn archive_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for suffix in detect::ARCHIVE_SUFFIXES {
        if let Some(stem) = name.strip_suffix(suffix) {
            return stem.to_string();
        }
    }
    name.split('.').next().unwrap_or("cluster").to_string()
}

/// What a directory walk must not read: the bundle being written, its spool, staging.
struct Skip {
    output: Option<PathBuf>,
}

impl Skip {
    fn new(output: &Path) -> Skip {
        let output = fs::canonicalize(parent_dir(output))
            .ok()
            .zip(output.file_name())
            .map(|(dir, name)| dir.join(name));
        Skip { output }
    }

    fn skips(&self, path: &Path, name: &str) -> bool {
        name.starts_with(".mwtrace-")
            || self.output.as_ref().is_some_and(|out| {
                out.file_name().is_some_and(|n| *n == *name)
                    && fs::canonicalize(path).ok().as_ref() == Some(out)
            })
    }
}

/// The import of one PATH.
struct Run<'a> {
    input: &'a Input,
    /// Notes of imported bundles, kept in the new bundle's manifest.
    bundle_notes: &'a mut Vec<SourceError>,
    plan: &'a ImportPlan,
    merger: &'a mut Merger,
    writer: &'a mut BundleWriter,
    report: &'a mut InputReport,
    progress: &'a dyn Progress,
}

impl Run<'_> {
    fn merge(&mut self, record: Record) -> io::Result<()> {
        self.merger.merge(record, self.writer, self.report)
    }

    /// Stops the import when it was interrupted (checked once per batch or chunk).
    fn check_cancel(&self) -> io::Result<()> {
        if self.plan.cancel.load(Ordering::Relaxed) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
        }
        Ok(())
    }

    fn directory(&mut self, skip: &Skip) -> io::Result<()> {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        let root = fs::canonicalize(&self.input.path)?;
        walk(&root, &self.input.path, "", skip, &mut files, &mut errors);
        for (entry, error) in errors {
            self.merge(Record::Error {
                source: format!("{}/{entry}", self.input.display),
                message: error.to_string(),
            })?;
        }
        self.progress.phase(
            &format!("importing {}", self.input.display),
            files.len() as u64,
            Unit::Items,
        );
        std::thread::scope(|scope| -> io::Result<()> {
            let mut pipe = Pipeline::new(scope, self.parse_settings());
            for (rel, abs, size) in files {
                let source = format!("{}/{rel}", self.input.display);
                match detect::classify(&rel) {
                    Class::Skip => {
                        self.report.skipped += 1;
                        self.progress.advance(1);
                    }
                    Class::Archive => {
                        pipe.drain(self)?;
                        self.nested_archive(&abs, &source)?;
                        self.progress.advance(1);
                    }
                    Class::Log(target) => {
                        self.merger.add_log(self.input.cluster, target, abs, source);
                        self.report.logs += 1;
                        self.report.found.insert("pod logs");
                        self.progress.advance(1);
                    }
                    class => {
                        let job = Job {
                            source,
                            class,
                            content: JobContent::Path(abs),
                            size,
                        };
                        if size > SMALL_FILE {
                            pipe.drain(self)?;
                            self.stream_job(job)?;
                        } else {
                            pipe.push(self, job)?;
                        }
                    }
                }
            }
            pipe.drain(self)
        })
    }

    fn single_file(&mut self) -> io::Result<()> {
        let display = self.input.display.clone();
        let name = self
            .input
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let class = detect::classify(&name);
        let size = fs::metadata(&self.input.path).map(|m| m.len()).unwrap_or(0);
        self.progress
            .phase(&format!("importing {display}"), 1, Unit::Items);
        let job = Job {
            source: display,
            class,
            content: JobContent::Path(self.input.path.clone()),
            size,
        };
        if size > SMALL_FILE {
            return self.stream_job(job);
        }
        let results = parse_batch(&[&job][..], self.parse_settings());
        self.merge_parsed(vec![job], results)
    }

    fn parse_settings(&self) -> ParseSettings {
        ParseSettings {
            cluster: self.input.cluster,
            redact: self.plan.redact,
            direct: self.input.kind == InputKind::File,
        }
    }

    /// Merges a parsed batch, in file order.
    fn merge_parsed(&mut self, jobs: Vec<Job>, results: Vec<Vec<Record>>) -> io::Result<()> {
        self.check_cancel()?;
        for (job, records) in jobs.into_iter().zip(results) {
            self.count_file(&job);
            for record in records {
                self.merge(record)?;
            }
            self.progress.advance(1);
        }
        Ok(())
    }

    /// A large file, parsed as a stream on this thread and merged as it goes.
    fn stream_job(&mut self, job: Job) -> io::Result<()> {
        let settings = self.parse_settings();
        let layout = match &job.class {
            Class::Data { layout, .. } => layout.clone(),
            _ => Layout::Loose { table: None },
        };
        self.count_file(&job);
        let ctx = Ctx::new(
            settings.cluster,
            &job.source,
            &layout,
            settings.redact,
            settings.direct,
        );
        let mut pending = Vec::new();
        let mut failure = None;
        parse_job(&ctx, &job, &mut |record| {
            if failure.is_some() {
                return;
            }
            pending.push(record);
            if pending.len() >= 1024 {
                if self.plan.cancel.load(Ordering::Relaxed) {
                    failure = Some(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
                    return;
                }
                for record in pending.drain(..) {
                    if let Err(e) = self.merger.merge(record, self.writer, self.report) {
                        failure = Some(e);
                        break;
                    }
                }
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        for record in pending {
            self.merge(record)?;
        }
        self.progress.advance(1);
        Ok(())
    }

    fn count_file(&mut self, job: &Job) {
        if matches!(job.class, Class::Data { .. }) {
            self.report.files += 1;
        }
    }

    /// An archive (tar or zip), read on its own thread; small entries come back whole and are
    /// parsed in parallel batches, large ones are parsed as a stream on the reader thread.
    /// `depth` is 0 for a PATH, 1 for an archive found in a directory.
    fn archive(
        &mut self,
        path: &Path,
        kind: archive::Kind,
        display: &str,
        depth: usize,
    ) -> io::Result<()> {
        if depth == 0 {
            self.progress
                .phase(&format!("importing {display}"), 0, Unit::Items);
        }
        // Entries up to SMALL_FILE travel whole: a short queue bounds the memory in flight.
        let (tx, rx) = mpsc::sync_channel::<archive::Msg>(16);
        let log_dir = self.merger.log_dir().to_path_buf();
        let spool_dir = self.merger.spool_dir().to_path_buf();
        let settings = self.parse_settings();
        std::thread::scope(|scope| -> io::Result<()> {
            let reader = scope.spawn(move || {
                let ctx = archive::ReadCtx {
                    log_dir: &log_dir,
                    spool_dir: &spool_dir,
                    cluster: settings.cluster,
                    redact: settings.redact,
                    tx: &tx,
                };
                archive::read(path, kind, display, depth, ctx)
            });
            let mut pipe = Pipeline::new(scope, settings);
            let mut outcome = Ok(());
            for msg in rx {
                if let Err(e) = self.check_cancel() {
                    outcome = Err(e);
                    break;
                }
                let step = match msg {
                    archive::Msg::Job {
                        source,
                        class,
                        bytes,
                    } => {
                        let size = bytes.len() as u64;
                        let job = Job {
                            source,
                            class,
                            content: JobContent::Bytes(bytes),
                            size,
                        };
                        pipe.push(self, job)
                    }
                    archive::Msg::Streamed { records, file } => pipe.drain(self).and_then(|()| {
                        if file {
                            self.report.files += 1;
                            self.progress.advance(1);
                        }
                        records.into_iter().try_for_each(|r| self.merge(r))
                    }),
                    archive::Msg::Log {
                        target,
                        staged,
                        source,
                    } => pipe.drain(self).map(|()| {
                        self.merger
                            .add_log(self.input.cluster, target, staged, source);
                        self.report.logs += 1;
                        self.report.found.insert("pod logs");
                        self.progress.advance(1);
                    }),
                    archive::Msg::Skipped => {
                        self.report.skipped += 1;
                        Ok(())
                    }
                };
                if let Err(e) = step {
                    outcome = Err(e);
                    break; // dropping rx stops the reader
                }
            }
            outcome?;
            pipe.drain(self)?;
            reader
                .join()
                .map_err(|_| io::Error::other("archive reader panicked"))?;
            Ok(())
        })
    }

    /// An archive found in a directory: read like a PATH, its objects in the PATH's cluster.
    fn nested_archive(&mut self, path: &Path, source: &str) -> io::Result<()> {
        match archive::sniff(path) {
            Ok(archive::Sniffed::Archive(kind)) => self.archive(path, kind, source, 1),
            Ok(_) => self.merge(Record::Error {
                source: source.to_string(),
                message: "named like an archive, but not a tar or zip archive".into(),
            }),
            Err(e) => self.merge(Record::Error {
                source: source.to_string(),
                message: format!("cannot read: {e}"),
            }),
        }
    }

    /// A bundle written by mwtrace, read (and verified) by the bundle reader: every object to
    /// its own cluster, rows as they are, logs as they are; its errors and notes kept.
    fn bundle(&mut self) -> Result<(), BundleRead> {
        let reader = mwtrace_bundle::BundleReader::open(
            &self.input.path,
            mwtrace_bundle::Limits::from_env(),
        )
        .map_err(BundleRead::Bundle)?;
        let display = self.input.display.clone();
        let manifest = reader.manifest().clone();
        self.progress.phase(
            &format!("importing {display}"),
            manifest.files.len() as u64,
            Unit::Items,
        );
        self.report.found.insert("mwtrace bundle");
        if let Ok(t) = manifest.created_at.parse::<jiff::Timestamp>() {
            self.merge(Record::Timestamp(t))?;
        }
        for error in &manifest.errors {
            self.merge(Record::Error {
                source: error.source.clone(),
                message: error.message.clone(),
            })?;
        }
        self.bundle_notes.extend(manifest.notes.iter().cloned());
        for component in &manifest.components {
            self.merger.add_component(component.clone());
        }
        if !manifest.redaction.secrets {
            self.bundle_notes.push(SourceError {
                source: format!("import:{display}"),
                message: if self.plan.redact {
                    "this bundle was collected with --no-redact; its Secret values are redacted now"
                        .into()
                } else {
                    "this bundle was collected with --no-redact; its Secret values are kept".into()
                },
            });
        }
        let clusters: Vec<(String, u32)> = self.input.bundle_clusters.clone();
        let settings = self.parse_settings();
        let log_dir = self.merger.log_dir().to_path_buf();
        let mut logs = 0usize;
        reader.for_each_file(|file, content| -> Result<(), BundleRead> {
            self.check_cancel()?;
            let source = format!("{display}:{}", file.path);
            let size = file.record.bytes;
            self.progress.advance(1);
            let cluster = match &file.path {
                BundlePath::Kube { cluster, .. }
                | BundlePath::Log { cluster, .. }
                | BundlePath::History { cluster, .. } => {
                    match clusters.iter().find(|(name, _)| name == cluster) {
                        Some((_, index)) => *index,
                        None => self.merger.cluster(cluster),
                    }
                }
                _ => settings.cluster,
            };
            if let BundlePath::Log {
                namespace,
                pod,
                container,
                ..
            } = &file.path
            {
                logs += 1;
                let staged = log_dir.join(format!("bundle-{logs}.log"));
                fs::create_dir_all(&log_dir)?;
                io::copy(content, &mut fs::File::create(&staged)?)?;
                let (container, part) = match container.strip_suffix(".previous") {
                    Some(c) => (c, detect::LogPart::Previous),
                    None => (container.as_str(), detect::LogPart::Current),
                };
                let target = detect::LogTarget {
                    namespace: namespace.clone(),
                    pod: pod.clone(),
                    container: container.to_string(),
                    part,
                    insecure: false,
                };
                self.merger.add_log(cluster, target, staged, source);
                self.report.logs += 1;
                return Ok(());
            }
            if let BundlePath::History {
                group,
                version,
                resource,
                ..
            } = &file.path
            {
                // Revisions are carried over as they are (redacted again unless --no-redact).
                self.report.files += 1;
                let layout = Layout::Loose { table: None };
                let ctx = Ctx::new(cluster, &source, &layout, settings.redact, true);
                let placed = kusto::history::Placed {
                    group,
                    version,
                    resource,
                };
                let mut failure = None;
                let (merger, writer, report) =
                    (&mut *self.merger, &mut *self.writer, &mut *self.report);
                parse::json_lines(
                    &ctx,
                    content,
                    &mut |record| {
                        if failure.is_none()
                            && let Err(e) = merger.merge(record, writer, report)
                        {
                            failure = Some(e);
                        }
                    },
                    &|value, loc| kusto::history::bundle_line(&ctx, value, &placed, loc),
                    &mut |record, _, out| {
                        out(record);
                        true
                    },
                );
                return match failure {
                    Some(e) => Err(e.into()),
                    None => Ok(()),
                };
            }
            let Class::Data { format, layout } = detect::classify(&file.path.to_string()) else {
                return Ok(());
            };
            self.report.files += 1;
            let ctx = Ctx::new(cluster, &source, &layout, settings.redact, false);
            let mut failure = None;
            let (merger, writer, report) =
                (&mut *self.merger, &mut *self.writer, &mut *self.report);
            parse::parse(&ctx, Some(format), content, size, &mut |record| {
                if failure.is_none()
                    && let Err(e) = merger.merge(record, writer, report)
                {
                    failure = Some(e);
                }
            });
            match failure {
                Some(e) => Err(e.into()),
                None => Ok(()),
            }
        })
    }
}

/// Why a bundle PATH stopped: it does not verify, or the import could not write.
enum BundleRead {
    Bundle(mwtrace_bundle::BundleError),
    Io(io::Error),
}

impl From<mwtrace_bundle::BundleError> for BundleRead {
    fn from(e: mwtrace_bundle::BundleError) -> Self {
        BundleRead::Bundle(e)
    }
}

impl From<io::Error> for BundleRead {
    fn from(e: io::Error) -> Self {
        BundleRead::Io(e)
    }
}

/// A PATH that held nothing recognized: one line naming it, what it held, its first problem.
fn nothing_recognized(
    input: &Input,
    report: &InputReport,
    writer: &mut BundleWriter,
) -> ImportError {
    let mut summary = format!(
        "read {} data files, skipped {}; no Kubernetes objects, Maestro DB rows, REST responses or pod logs",
        report.files, report.skipped
    );
    let errors = &writer.manifest_mut().errors;
    let first = errors.len().saturating_sub(report.errors as usize);
    if let Some(first) = errors.get(first).filter(|_| report.errors > 0) {
        summary.push_str(&format!(
            "; first problem: {}: {}",
            first.source, first.message
        ));
    }
    ImportError::NothingRecognized {
        path: input.path.clone(),
        summary,
    }
}

/// What every file of one PATH is parsed with.
#[derive(Clone, Copy)]
struct ParseSettings {
    cluster: u32,
    redact: bool,
    direct: bool,
}

/// Files parsed on the rayon pool, a batch at a time, while the previous batch is merged on
/// the calling thread: parsing never waits for the merge, and results are merged in order.
struct Pipeline<'scope, 'env> {
    scope: &'scope std::thread::Scope<'scope, 'env>,
    settings: ParseSettings,
    batch: Vec<Job>,
    bytes: u64,
    inflight: Option<std::thread::ScopedJoinHandle<'scope, Parsed>>,
}

/// A batch and its records, one list per job.
type Parsed = (Vec<Job>, Vec<Vec<Record>>);

impl<'scope, 'env> Pipeline<'scope, 'env> {
    fn new(scope: &'scope std::thread::Scope<'scope, 'env>, settings: ParseSettings) -> Self {
        Pipeline {
            scope,
            settings,
            batch: Vec::new(),
            bytes: 0,
            inflight: None,
        }
    }

    fn push(&mut self, run: &mut Run<'_>, job: Job) -> io::Result<()> {
        self.bytes += job.size;
        self.batch.push(job);
        if self.batch.len() >= BATCH_FILES || self.bytes >= BATCH_BYTES {
            self.submit(run)?;
        }
        Ok(())
    }

    /// Starts parsing the current batch, then merges the one parsed before it.
    fn submit(&mut self, run: &mut Run<'_>) -> io::Result<()> {
        let batch = std::mem::take(&mut self.batch);
        self.bytes = 0;
        let settings = self.settings;
        let started = (!batch.is_empty()).then(|| {
            self.scope.spawn(move || {
                let refs: Vec<&Job> = batch.iter().collect();
                let results = parse_batch(&refs, settings);
                (batch, results)
            })
        });
        let previous = std::mem::replace(&mut self.inflight, started);
        if let Some(handle) = previous {
            let (jobs, results) = handle
                .join()
                .map_err(|_| io::Error::other("a parser thread panicked"))?;
            run.merge_parsed(jobs, results)?;
        }
        Ok(())
    }

    /// Parses and merges everything pending.
    fn drain(&mut self, run: &mut Run<'_>) -> io::Result<()> {
        self.submit(run)?;
        self.submit(run)
    }
}

/// The pool parsers run on. Parsing untrusted YAML is bounded at 128 levels of nesting
/// (yaml.rs), which a dev build's recursive descent needs more than rayon's default 2 MiB of
/// stack for: every parser thread gets 64 MiB of address space (touched only as deep as used).
static PARSE_POOL: std::sync::LazyLock<rayon::ThreadPool> = std::sync::LazyLock::new(|| {
    rayon::ThreadPoolBuilder::new()
        .stack_size(64 << 20)
        .thread_name(|i| format!("mwtrace-parse-{i}"))
        .build()
        .expect("a thread pool")
});

/// `f` of every item on the parser pool; the results in order. A streamed file's rows go
/// through here a batch at a time: each row's own work (an object decoded, redacted and
/// serialized again) runs on every core while the file is read and merged on one thread.
pub(crate) fn par_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    PARSE_POOL.install(|| items.into_par_iter().map(&f).collect())
}

/// Row batches of a streamed file made records on the parser pool ([`par_map`]) while the
/// calling thread hands on the batch before (merging it) and reads the next one.
pub(crate) struct RowPipe<'scope, 'env, R> {
    scope: &'scope std::thread::Scope<'scope, 'env>,
    inflight: Option<std::thread::ScopedJoinHandle<'scope, Vec<R>>>,
}

impl<'scope, 'env, R: Send + 'scope> RowPipe<'scope, 'env, R> {
    pub fn new(scope: &'scope std::thread::Scope<'scope, 'env>) -> Self {
        RowPipe {
            scope,
            inflight: None,
        }
    }

    /// Starts `f` over `items`; the results of the batch started before, if any.
    pub fn submit<T: Send + 'scope>(
        &mut self,
        items: Vec<T>,
        f: impl Fn(T) -> R + Send + Sync + 'scope,
    ) -> Vec<R> {
        // A file parsed on the pool (one of a batch of files) has its rows made records there
        // and then: a thread of its own would wait for the pool this one holds.
        if PARSE_POOL.current_thread_index().is_some() {
            return par_map(items, f);
        }
        let started = self.scope.spawn(move || par_map(items, f));
        let previous = self.inflight.replace(started);
        previous.map(join).unwrap_or_default()
    }

    /// The results of the batch in flight, if any.
    pub fn finish(&mut self) -> Vec<R> {
        self.inflight.take().map(join).unwrap_or_default()
    }
}

/// A batch's results; a panic on the pool is carried on here.
fn join<R>(handle: std::thread::ScopedJoinHandle<'_, Vec<R>>) -> Vec<R> {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Parses jobs on the parser pool; one result per job, in order.
fn parse_batch(jobs: &[&Job], settings: ParseSettings) -> Vec<Vec<Record>> {
    PARSE_POOL.install(|| parse_batch_here(jobs, settings))
}

fn parse_batch_here(jobs: &[&Job], settings: ParseSettings) -> Vec<Vec<Record>> {
    jobs.par_iter()
        .map(|job| {
            let loose = Layout::Loose { table: None };
            let layout = match &job.class {
                Class::Data { layout, .. } => layout,
                Class::Timestamp => &loose,
                _ => return Vec::new(),
            };
            let ctx = Ctx::new(
                settings.cluster,
                &job.source,
                layout,
                settings.redact,
                settings.direct,
            );
            let mut records = Vec::new();
            parse_job(&ctx, job, &mut |record| records.push(record));
            records
        })
        .collect()
}

/// Parses one file (or archive entry) into records.
fn parse_job(ctx: &Ctx<'_>, job: &Job, out: &mut dyn FnMut(Record)) {
    let format = match &job.class {
        Class::Data { format, .. } => Some(*format),
        Class::Timestamp => None,
        _ => return,
    };
    match &job.content {
        JobContent::Bytes(bytes) => parse::parse(ctx, format, &mut &bytes[..], job.size, out),
        JobContent::Path(path) => match fs::File::open(path) {
            Ok(mut file) => parse::parse(ctx, format, &mut file, job.size, out),
            Err(e) => out(ctx.error(Loc::default(), &format!("cannot read: {e}"))),
        },
    }
}

/// Every file under `dir`, sorted, as (path relative to the PATH, path, size). Directory links
/// are not followed (no loops); unreadable directories are reported and skipped.
/// Why a directory entry was not read.
#[derive(Debug, thiserror::Error)]
enum WalkSkip {
    #[error("cannot list: {0}")]
    List(io::Error),
    #[error("symbolic link to {target}, outside the imported tree: not followed")]
    LinkOutside { target: String },
    #[error("symbolic link that cannot be resolved: not followed")]
    LinkBroken,
    #[error("not a regular file (FIFO, socket or device): skipped")]
    Special,
}

/// The files under `dir`, in name order. Import reads only the tree it was given: a symbolic
/// link is followed only when it resolves inside `root` (the canonical import path) to a
/// regular file or directory; links out of it and special files are skipped, each recorded.
fn walk(
    root: &Path,
    dir: &Path,
    rel: &str,
    skip: &Skip,
    out: &mut Vec<(String, PathBuf, u64)>,
    errors: &mut Vec<(String, WalkSkip)>,
) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push((rel.to_string(), WalkSkip::List(e)));
            return;
        }
    };
    let mut names: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    names.sort();
    for (name, path) in names {
        if skip.skips(&path, &name) {
            continue;
        }
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let Ok(link_meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if link_meta.is_symlink() {
            match fs::canonicalize(&path) {
                Ok(target) if target.starts_with(root) => {}
                Ok(target) => {
                    let target = target.display().to_string();
                    errors.push((child, WalkSkip::LinkOutside { target }));
                    continue;
                }
                Err(_) => {
                    errors.push((child, WalkSkip::LinkBroken));
                    continue;
                }
            }
        }
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            // A link inside the tree to a directory above it would loop: only real directories.
            if !link_meta.is_symlink() {
                walk(root, &path, &child, skip, out, errors);
            }
        } else if meta.is_file() {
            out.push((child, path, meta.len()));
        } else {
            errors.push((child, WalkSkip::Special));
        }
    }
}
