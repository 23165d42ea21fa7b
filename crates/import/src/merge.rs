//! The two passes that merge duplicates without holding objects in memory.
//!
//! Pass 1 ([`Merger::merge`]): every normalized (and redacted) object or row is appended to a
//! staging file per bundle file, and only its identity, resourceVersion (or row rank) and
//! position (staging file, line) are remembered. When an identity comes back, the older copy's
//! position is marked dropped. Pass 2 ([`Merger::finish`]): each staging file is copied into the
//! bundle, skipping its dropped lines; a file without any is copied as is.
//!
//! "Newer" for objects: the higher `metadata.resourceVersion`, compared as integers when both
//! are integers (etcd revisions), else as strings; an object without one is oldest. On a tie
//! the first one read wins, so the result follows the order of the PATHs and of the files.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::detect::LogTarget;
use super::logs::LogSet;
use super::{InputReport, Record, RowRank};
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
            Record::EmptyList(label) => {
                report.found.insert(label);
            }
            Record::Timestamp(t) => {
                self.gathered_at = Some(self.gathered_at.map_or(t, |g| g.max(t)));
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
        };
        let mut order: Vec<usize> = (0..self.stages.len()).collect();
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
                _ => stats.rows += kept,
            }
            if stage.dropped.is_empty() {
                writer.add_file(stage.path.clone(), File::open(&stage.local)?)?;
            } else {
                stage.dropped.sort_unstable();
                let mut sink = writer.start_file(stage.path.clone())?;
                copy_kept(&stage.local, &stage.dropped, &mut sink)?;
                writer.finish_file(sink)?;
            }
            let _ = std::fs::remove_file(&stage.local);
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
