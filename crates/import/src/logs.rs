//! Pod logs of a must-gather (`namespaces/<ns>/pods/<pod>/<container>/<container>/logs/*.log`)
//! become `logs/<cluster>/<ns>/<pod>/<container>.log`, and the instance before the container's
//! last restart (`previous.log`) `<container>.previous.log`, as `collect --logs` names them (the
//! loader reads both as the same container). `rotated/*` files (`--rotated-pod-logs`) are older
//! parts of the current log and come first, by name. An `*.insecure.log` (the same log fetched
//! without TLS verification) is used only when its verified twin is absent. Bytes are copied as
//! they are.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::detect::{LogPart, LogTarget};
use mwtrace_bundle::{BundlePath, BundleWriter};

pub(crate) struct LogSet {
    dir: PathBuf,
    /// (cluster, namespace, pod, container) -> its parts.
    parts: BTreeMap<(String, String, String, String), Vec<Part>>,
}

/// A container's log in the bundle: its cluster, or why a part of it is missing.
pub(crate) type Written = (String, Option<(String, String)>);

struct Part {
    part: LogPart,
    insecure: bool,
    file: PathBuf,
    source: String,
}

impl LogSet {
    pub fn new(dir: PathBuf) -> LogSet {
        LogSet {
            dir,
            parts: BTreeMap::new(),
        }
    }

    /// Where archive readers stream log entries to (created on first use).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn add(&mut self, cluster: &str, target: LogTarget, file: PathBuf, source: String) {
        let container = match target.part {
            LogPart::Previous => format!("{}.previous", target.container),
            _ => target.container,
        };
        let key = (cluster.to_string(), target.namespace, target.pod, container);
        self.parts.entry(key).or_default().push(Part {
            part: target.part,
            insecure: target.insecure,
            file,
            source,
        });
    }

    /// Writes every container's log; returns, per container, its cluster and the error (source,
    /// message) that kept it (or a part of it) out of the bundle, if any.
    pub fn write(self, writer: &mut BundleWriter) -> io::Result<Vec<Written>> {
        let mut results = Vec::new();
        for ((cluster, namespace, pod, container), mut parts) in self.parts {
            let path = BundlePath::Log {
                cluster: cluster.clone(),
                namespace,
                pod,
                container,
            };
            let source = parts[0].source.clone();
            if BundlePath::parse(&path.to_string()).ok().flatten().as_ref() != Some(&path) {
                let message = "namespace, pod or container name cannot name a bundle file".into();
                results.push((cluster, Some((source, message))));
                continue;
            }
            // Verified before insecure; first found wins among equals (several PATHs).
            parts.sort_by(|a, b| (&a.part, a.insecure).cmp(&(&b.part, b.insecure)));
            parts.dedup_by(|later, earlier| later.part == earlier.part);
            let mut reader: Box<dyn Read> = Box::new(io::empty());
            for part in &parts {
                match File::open(&part.file) {
                    Ok(file) => reader = Box::new(reader.chain(file)),
                    Err(e) => {
                        results.push((
                            cluster.clone(),
                            Some((part.source.clone(), format!("cannot read: {e}"))),
                        ));
                    }
                }
            }
            writer.add_file(path, reader)?;
            results.push((cluster, None));
        }
        Ok(results)
    }
}
