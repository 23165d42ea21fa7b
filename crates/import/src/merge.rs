//! The two passes that merge duplicates without holding objects in memory.
//!
//! Pass 1 ([`Merger::merge`]): every normalized (and redacted) object or row is appended to a
//! staging file per bundle file, and only its identity, resourceVersion (or row rank) and
//! position (staging file, line) are remembered. When an identity comes back, the older copy's
//! position is marked dropped. Pass 2 ([`Merger::finish`]): each staging file is copied into the
//! bundle, skipping its dropped lines; a file without any is copied as is.
//!
//! Object revisions (history) are staged the same way, all of them kept, under their
//! `history/` file; the latest per object is tracked by [`crate::history::Latest`] (positions
//! only) and reconstructed under `kube/` at the end when no live copy was imported. Container
//! log rows (Kusto exports) are staged per container and handed to the log writer.
//!
//! "Newer" for objects: the higher `metadata.resourceVersion`, compared as integers when both
//! are integers (etcd revisions), else as strings; an object without one is oldest. On a tie
//! the first one read wins, so the result follows the order of the PATHs and of the files.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::detect::{LogPart, LogTarget};
use super::history::{self, Latest, Staged};
use super::logs::LogSet;
use super::{InputReport, ROW_BATCH, Record, RestPageRecord, RowRank, par_map};
use mwtrace_bundle::manifest::Component;
use mwtrace_bundle::{BundlePath, BundleWriter};

/// Staging files kept open at once (a must-gather has a few hundred resource types).
const MAX_OPEN: usize = 128;

pub(crate) struct Merger {
    dir: PathBuf,
    clusters: Vec<String>,
    stages: Vec<Stage>,
    by_path: HashMap<BundlePath, usize>,
    objects: HashMap<(u32, String), Slot<Option<String>>>,
    rows: HashMap<(&'static str, String), Slot<RowRank>>,
    open: usize,
    logs: LogSet,
    duplicates: u64,
    redacted: u64,
    gathered_at: Option<jiff::Timestamp>,
    /// `--cluster-name`: every revision and log row goes to the PATH's cluster, whatever
    /// cluster its row names.
    fixed_cluster: bool,
    /// `<kind>/<namespace>/<name>` of every live object, per cluster.
    live_names: HashSet<(u32, String)>,
    latest: Latest,
    /// The source of each container log staged from rows (by stage), for its errors.
    log_sources: HashMap<usize, String>,
    /// Maestro and HyperShift containers seen in Deployments and Pods (and imported bundles).
    components: Vec<Component>,
    /// The pages of each Maestro REST list, by table.
    rest_lists: BTreeMap<&'static str, RestList>,
}

/// The pages of one Maestro REST list read so far, to tell a partial list from a whole one.
#[derive(Default)]
struct RestList {
    total: Option<u64>,
    /// The largest page seen: the `size=N` the pages were asked with, when one was full.
    page_size: u64,
    pages: BTreeSet<u64>,
    ids: HashSet<String>,
}

impl RestList {
    fn add(&mut self, page: RestPageRecord) {
        self.total = self.total.max(page.total);
        self.page_size = self
            .page_size
            .max(page.size.unwrap_or(page.ids.len() as u64));
        if let Some(number) = page.page {
            self.pages.insert(number);
        }
        self.ids.extend(page.ids);
    }

    /// Why the imported rows are not the whole list, or None.
    fn gap(&self, table: &str) -> Option<String> {
        let total = self.total?;
        let found = self.ids.len() as u64;
        if found >= total {
            return None;
        }
        let list = if table == "resources" {
            "resource-bundles"
        } else {
            "consumers"
        };
        let mut message = format!("Maestro REST list {list}: {found} of {total} items imported");
        if self.page_size > 0 && !self.pages.is_empty() {
            let count = total.div_ceil(self.page_size);
            let missing: Vec<String> = (1..=count)
                .filter(|p| !self.pages.contains(p))
                .map(|p| p.to_string())
                .collect();
            if !missing.is_empty() {
                let pages = if missing.len() == 1 { "page" } else { "pages" };
                message.push_str(&format!(
                    "; {pages} {} of {count} (size {}) missing",
                    missing.join(", "),
                    self.page_size
                ));
            }
        }
        message.push_str(&format!(
            "; db/{table} is partial (import every page: ?page=1..N&size=N, or maestro {} list --page P)",
            if table == "resources" { "resourcebundle" } else { "consumer" }
        ));
        Some(message)
    }
}

struct Stage {
    path: BundlePath,
    local: PathBuf,
    file: Option<BufWriter<File>>,
    lines: u64,
    dropped: Vec<u64>,
}

struct Slot<R> {
    rank: R,
    stage: usize,
    line: u64,
}

/// What the import wrote, after merging.
pub(crate) struct Stats {
    pub objects: u64,
    pub rows: u64,
    pub duplicates: u64,
    pub redacted: u64,
    pub clusters_used: BTreeSet<String>,
    /// Every cluster, in order: those named before the import, then those found in bundles.
    pub clusters: Vec<String>,
    pub gathered_at: Option<jiff::Timestamp>,
    pub revisions: u64,
    pub reconstructed: u64,
}

impl Merger {
    pub fn new(dir: PathBuf, clusters: Vec<String>) -> Merger {
        let logs = LogSet::new(dir.join("logs"));
        Merger {
            dir,
            clusters,
            stages: Vec::new(),
            by_path: HashMap::new(),
            objects: HashMap::new(),
            rows: HashMap::new(),
            open: 0,
            logs,
            duplicates: 0,
            redacted: 0,
            gathered_at: None,
            fixed_cluster: false,
            live_names: HashSet::new(),
            latest: Latest::default(),
            log_sources: HashMap::new(),
            components: Vec::new(),
            rest_lists: BTreeMap::new(),
        }
    }

    /// A component an imported bundle's manifest lists, with its own source.
    pub fn add_component(&mut self, component: Component) {
        mwtrace_bundle::components::merge_into(&mut self.components, component);
    }

    /// `--cluster-name` was given: rows that name their cluster go to the PATH's all the same.
    pub fn fix_cluster(&mut self, fixed: bool) {
        self.fixed_cluster = fixed;
    }

    /// The cluster a row goes to: the one it names, unless `--cluster-name`, else the PATH's.
    fn row_cluster(&mut self, path_cluster: u32, named: Option<String>) -> u32 {
        match named {
            Some(name) if !self.fixed_cluster => self.cluster(&name),
            _ => path_cluster,
        }
    }

    /// Where archive readers put the log files they stream out.
    pub fn log_dir(&self) -> &Path {
        self.logs.dir()
    }

    /// Where archive readers spool nested zips (removed once read).
    pub fn spool_dir(&self) -> &Path {
        &self.dir
    }

    /// The index of cluster `name` (a bundle's file names a cluster its manifest does not
    /// list), added if new.
    pub fn cluster(&mut self, name: &str) -> u32 {
        match self.clusters.iter().position(|c| c == name) {
            Some(i) => i as u32,
            None => {
                self.clusters.push(name.to_string());
                (self.clusters.len() - 1) as u32
            }
        }
    }

    pub fn add_log(&mut self, cluster: u32, target: LogTarget, file: PathBuf, source: String) {
        let name = self.clusters[cluster as usize].clone();
        self.logs.add(&name, target, file, source);
    }

    /// Pass 1: stage one record, or account for it.
    pub fn merge(
        &mut self,
        record: Record,
        writer: &mut BundleWriter,
        report: &mut InputReport,
    ) -> io::Result<()> {
        match record {
            Record::Object(object) => {
                report.objects += 1;
                report.found.insert(object.label);
                self.redacted += object.redacted as u64;
                let path = BundlePath::Kube {
                    cluster: self.clusters[object.cluster as usize].clone(),
                    group: object.group,
                    version: object.version,
                    resource: object.plural,
                };
                let (stage, line) = self.append(path, &object.line)?;
                for mut component in object.components {
                    component.cluster = self.clusters[object.cluster as usize].clone();
                    component.source = format!("import:{}", report.path);
                    mwtrace_bundle::components::merge_into(&mut self.components, component);
                }
                self.live_names.insert((object.cluster, object.name_key));
                let key = (object.cluster, object.key);
                let dropped = match self.objects.get_mut(&key) {
                    None => {
                        self.objects.insert(
                            key,
                            Slot {
                                rank: object.rv,
                                stage,
                                line,
                            },
                        );
                        None
                    }
                    Some(slot) => Some(replace_if_newer(
                        slot,
                        Slot {
                            rank: object.rv,
                            stage,
                            line,
                        },
                        compare_resource_versions,
                    )),
                };
                self.drop_line(dropped);
            }
            Record::Row(row) => {
                report.rows += 1;
                report.found.insert(row.label);
                self.redacted += row.redacted as u64;
                let path = BundlePath::Db {
                    table: row.table.to_string(),
                };
                let (stage, line) = self.append(path, &row.line)?;
                let dropped = match row.id {
                    None => None,
                    Some(id) => match self.rows.get_mut(&(row.table, id.clone())) {
                        None => {
                            self.rows.insert(
                                (row.table, id),
                                Slot {
                                    rank: row.rank,
                                    stage,
                                    line,
                                },
                            );
                            None
                        }
                        Some(slot) => Some(replace_if_newer(
                            slot,
                            Slot {
                                rank: row.rank,
                                stage,
                                line,
                            },
                            |a: &RowRank, b: &RowRank| a.cmp(b),
                        )),
                    },
                };
                self.drop_line(dropped);
            }
            Record::Error { source, message } => {
                report.errors += 1;
                writer.record_error(source, message);
            }
            Record::Skipped => report.skipped += 1,
            Record::RestPage(page) => self.rest_lists.entry(page.table).or_default().add(page),
            Record::EmptyList(label) => {
                report.found.insert(label);
            }
            Record::Timestamp(t) => {
                self.gathered_at = Some(self.gathered_at.map_or(t, |g| g.max(t)));
            }
            Record::Revision(revision) => {
                report.revisions += 1;
                report.found.insert(revision.label);
                self.redacted += revision.redacted as u64;
                let cluster = self.row_cluster(revision.cluster, revision.cluster_name);
                if let Some(kind) = revision.guessed_kind {
                    self.latest.guessed_kinds.insert(kind);
                }
                let path = BundlePath::History {
                    cluster: self.clusters[cluster as usize].clone(),
                    group: revision.group,
                    version: revision.version,
                    resource: revision.plural,
                };
                let (stage, line) = self.append(path, &revision.line)?;
                self.latest.record(Staged {
                    cluster,
                    key: revision.key,
                    name_key: revision.name_key,
                    ts: revision.ts,
                    delete: revision.delete,
                    stage,
                    line,
                });
            }
            Record::LogLine(log) => {
                report.found.insert(log.label);
                let cluster = self.row_cluster(log.cluster, log.cluster_name);
                let path = BundlePath::Log {
                    cluster: self.clusters[cluster as usize].clone(),
                    namespace: log.namespace,
                    pod: log.pod,
                    container: log.container,
                };
                let new = !self.by_path.contains_key(&path);
                let (stage, _) = self.append(path, &log.text)?;
                if new {
                    report.logs += 1;
                    self.log_sources.insert(stage, report.path.clone());
                }
            }
        }
        Ok(())
    }

    fn drop_line(&mut self, dropped: Option<(usize, u64)>) {
        if let Some((stage, line)) = dropped {
            self.stages[stage].dropped.push(line);
            self.duplicates += 1;
        }
    }

    /// Appends one NDJSON line to the staging file of `path`; returns its position.
    fn append(&mut self, path: BundlePath, line: &[u8]) -> io::Result<(usize, u64)> {
        let index = match self.by_path.get(&path) {
            Some(&index) => index,
            None => {
                let index = self.stages.len();
                self.stages.push(Stage {
                    path: path.clone(),
                    local: self.dir.join(format!("{index}.ndjson")),
                    file: None,
                    lines: 0,
                    dropped: Vec::new(),
                });
                self.by_path.insert(path, index);
                index
            }
        };
        if self.stages[index].file.is_none() {
            if self.open >= MAX_OPEN {
                for stage in &mut self.stages {
                    if let Some(mut file) = stage.file.take() {
                        file.flush()?;
                    }
                }
                self.open = 0;
            }
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.stages[index].local)?;
            self.stages[index].file = Some(BufWriter::with_capacity(256 << 10, file));
            self.open += 1;
        }
        let stage = &mut self.stages[index];
        let out = stage.file.as_mut().expect("opened above");
        out.write_all(line)?;
        out.write_all(b"\n")?;
        stage.lines += 1;
        Ok((index, stage.lines - 1))
    }

    /// Pass 2: every staging file into the bundle, without its dropped lines; then the logs.
    pub fn finish(mut self, writer: &mut BundleWriter, redact: bool) -> io::Result<Stats> {
        let mut stats = Stats {
            objects: 0,
            rows: 0,
            duplicates: self.duplicates,
            redacted: self.redacted,
            clusters_used: BTreeSet::new(),
            clusters: self.clusters.clone(),
            gathered_at: self.gathered_at,
            revisions: 0,
            reconstructed: 0,
        };
        for stage in &mut self.stages {
            if let Some(mut file) = stage.file.take() {
                file.flush()?;
            }
        }
        self.open = 0;
        // A REST list with pages missing is partial: an error on its table, so coverage and
        // doctor say so (docs/import.md).
        for (table, list) in &self.rest_lists {
            if let Some(message) = list.gap(table) {
                writer.record_error(format!("db/{table}"), message);
            }
        }
        writer
            .manifest_mut()
            .components
            .append(&mut self.components);
        stats.reconstructed = self.reconstruct()?;
        self.stage_row_logs()?;
        let mut order: Vec<usize> = (0..self.stages.len())
            .filter(|i| !matches!(self.stages[*i].path, BundlePath::Log { .. }))
            .collect();
        order.sort_by(|a, b| self.stages[*a].path.cmp(&self.stages[*b].path));
        for index in order {
            let stage = &mut self.stages[index];
            if let Some(mut file) = stage.file.take() {
                file.flush()?;
            }
            let kept = stage.lines - stage.dropped.len() as u64;
            match &stage.path {
                BundlePath::Kube { cluster, .. } => {
                    stats.objects += kept;
                    stats.clusters_used.insert(cluster.clone());
                }
                BundlePath::History { cluster, .. } => {
                    stats.revisions += kept;
                    stats.clusters_used.insert(cluster.clone());
                }
                _ => stats.rows += kept,
            }
            if stage.dropped.is_empty() {
                writer.add_file_moved(stage.path.clone(), &stage.local)?;
            } else {
                stage.dropped.sort_unstable();
                let mut sink = writer.start_file(stage.path.clone())?;
                copy_kept(&stage.local, &stage.dropped, &mut sink)?;
                writer.finish_file(sink)?;
            }
            let _ = std::fs::remove_file(&stage.local);
        }
        if !self.latest.guessed_kinds.is_empty() {
            let kinds: Vec<&str> = self
                .latest
                .guessed_kinds
                .iter()
                .map(String::as_str)
                .collect();
            writer.manifest_mut().notes.push(mwtrace_bundle::manifest::SourceError {
                source: "import:history".into(),
                message: format!(
                    "kinds mwtrace does not know, their resource (plural) guessed from the kind: {}",
                    kinds.join(", ")
                ),
            });
        }
        if stats.reconstructed > 0 {
            writer.manifest_mut().notes.push(mwtrace_bundle::manifest::SourceError {
                source: "import:history".into(),
                message: format!(
                    "{} objects under kube/ reconstructed from their last history revision (no live copy imported; annotation {})",
                    stats.reconstructed,
                    mwtrace_bundle::history::RECONSTRUCTED_AT
                ),
            });
        }
        let (written, log_stats) = self.logs.write(writer, redact)?;
        stats.redacted += log_stats.redacted;
        if log_stats.redacted > 0 {
            writer.manifest_mut().notes.push(mwtrace_bundle::manifest::SourceError {
                source: "import".into(),
                message: format!(
                    "{} secret values in container logs redacted (bearer tokens, password= values, PEM private keys)",
                    log_stats.redacted
                ),
            });
        }
        for (cluster, error) in written {
            match error {
                None => {
                    stats.clusters_used.insert(cluster);
                }
                Some((source, message)) => writer.record_error(source, message),
            }
        }
        Ok(stats)
    }
}

impl Merger {
    /// The latest revision of every object that has no live copy, read back from the history
    /// staging files and appended to its `kube/` staging file (annotated). Returns how many.
    fn reconstruct(&mut self) -> io::Result<u64> {
        let objects = &self.objects;
        let live = |cluster: u32, key: &str| objects.contains_key(&(cluster, key.to_string()));
        let wanted = self.latest.to_reconstruct(&live, &self.live_names);
        let mut count = 0;
        let mut at = 0;
        while at < wanted.len() {
            let stage = wanted[at].0;
            let lines: Vec<u64> = wanted[at..]
                .iter()
                .take_while(|(s, _)| *s == stage)
                .map(|(_, line)| *line)
                .collect();
            at += lines.len();
            let BundlePath::History {
                cluster,
                group,
                version,
                resource,
            } = self.stages[stage].path.clone()
            else {
                continue;
            };
            let kube = BundlePath::Kube {
                cluster,
                group,
                version,
                resource,
            };
            let local = self.stages[stage].local.clone();
            let mut input = BufReader::with_capacity(1 << 20, File::open(&local)?);
            let (mut line, mut index, mut next) = (Vec::new(), 0u64, lines.iter().peekable());
            let mut batch = Vec::new();
            while let Some(&&want) = next.peek() {
                line.clear();
                if input.read_until(b'\n', &mut line)? == 0 {
                    break;
                }
                if index == want {
                    next.next();
                    batch.push(std::mem::take(&mut line));
                    if batch.len() >= ROW_BATCH {
                        count += self.append_reconstructed(&kube, std::mem::take(&mut batch))?;
                    }
                }
                index += 1;
            }
            count += self.append_reconstructed(&kube, batch)?;
        }
        for stage in &mut self.stages {
            if let Some(mut file) = stage.file.take() {
                file.flush()?;
            }
        }
        self.open = 0;
        Ok(count)
    }

    /// Staged history lines made `kube/` objects (on the parser pool) and appended in order.
    fn append_reconstructed(&mut self, kube: &BundlePath, lines: Vec<Vec<u8>>) -> io::Result<u64> {
        let objects = par_map(lines, |line| history::reconstructed(line.trim_ascii_end()));
        let mut count = 0;
        for object in objects.into_iter().flatten() {
            self.append(kube.clone(), &object)?;
            count += 1;
        }
        Ok(count)
    }

    /// Container logs staged from rows, handed to the log writer as each container's log.
    fn stage_row_logs(&mut self) -> io::Result<()> {
        for (index, stage) in self.stages.iter_mut().enumerate() {
            let BundlePath::Log {
                cluster,
                namespace,
                pod,
                container,
            } = &stage.path
            else {
                continue;
            };
            if let Some(mut file) = stage.file.take() {
                file.flush()?;
            }
            let target = LogTarget {
                namespace: namespace.clone(),
                pod: pod.clone(),
                container: container.clone(),
                part: LogPart::Current,
                insecure: false,
            };
            let source = self.log_sources.remove(&index).unwrap_or_default();
            self.logs.add(cluster, target, stage.local.clone(), source);
        }
        Ok(())
    }
}

/// Keeps `new` in the slot if it is newer; returns the position of the copy that lost.
fn replace_if_newer<R>(
    slot: &mut Slot<R>,
    new: Slot<R>,
    compare: impl Fn(&R, &R) -> Ordering,
) -> (usize, u64) {
    if compare(&new.rank, &slot.rank) == Ordering::Greater {
        let old = std::mem::replace(slot, new);
        (old.stage, old.line)
    } else {
        (new.stage, new.line)
    }
}

/// resourceVersions: integers numerically when both are, else as strings; absent is oldest.
pub(crate) fn compare_resource_versions(a: &Option<String>, b: &Option<String>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => match (a.parse::<u128>(), b.parse::<u128>()) {
            (Ok(a), Ok(b)) => a.cmp(&b),
            _ => a.cmp(b),
        },
    }
}

fn copy_kept(local: &Path, dropped: &[u64], out: &mut impl Write) -> io::Result<()> {
    let mut input = BufReader::with_capacity(1 << 20, File::open(local)?);
    let mut line = Vec::new();
    let mut index = 0u64;
    let mut next_drop = dropped.iter().peekable();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if next_drop.peek() == Some(&&index) {
            next_drop.next();
        } else {
            out.write_all(&line)?;
        }
        index += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_versions_compare_as_numbers_when_they_are() {
        let rv = |s: &str| Some(s.to_string());
        assert_eq!(
            compare_resource_versions(&rv("1000"), &rv("999")),
            Ordering::Greater
        );
        assert_eq!(
            compare_resource_versions(&rv("b"), &rv("a")),
            Ordering::Greater
        );
        assert_eq!(compare_resource_versions(&None, &rv("1")), Ordering::Less);
        let rank = |v: Option<i64>, db: bool| RowRank {
            version: v,
            updated_at: None,
            from_db: db,
        };
        assert!(rank(Some(2), false) > rank(Some(1), true));
        assert!(rank(Some(1), true) > rank(Some(1), false));
    }
}
