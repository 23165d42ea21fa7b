//! `mwtrace collect`: a read-only snapshot of the Maestro DB (service cluster) and of the
//! ManifestWork-related objects of the management cluster(s), written as a bundle.
//!
//! Every source is independent: one that fails (unreachable cluster, forbidden list, absent
//! CRD, DB error) is recorded in the manifest and the others are still collected. Rows and
//! objects are streamed page by page into the bundle writer's spool files, so memory stays
//! flat whatever the size of a table.

pub mod components;
pub mod db;
pub mod error;
pub mod kube;
pub mod logs;
pub mod scope;

use std::path::PathBuf;
use std::time::Duration;

use mwtrace_bundle::manifest::{Cluster, SourceError};
use mwtrace_bundle::progress::{Progress, Unit};
use mwtrace_bundle::{BundlePath, BundleWriter, Manifest};

pub use error::CollectError;
pub use logs::DEFAULT_LOG_SINCE;
pub use scope::Scope;

/// A cluster to read from, as kubectl would resolve it.
#[derive(Debug, Clone)]
pub struct ClusterTarget {
    /// The cluster's name in the bundle.
    pub name: String,
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// Use the pod's service account (the must-gather image).
    pub in_cluster: bool,
}

/// How the Maestro database is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbAccess {
    /// maestro-db, then postgres-breakglass.
    Auto,
    /// `psql` in the pod labelled `name=maestro-db`, through the exec API.
    MaestroDb,
    /// `psql` in the postgres-breakglass deployment, with confirmations.
    Breakglass,
    /// A direct connection (`postgres://...`, sslmode as libpq understands it).
    Url(String),
}

/// Everything `collect` needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct CollectPlan {
    pub output: PathBuf,
    pub service: Option<ClusterTarget>,
    pub management: Vec<ClusterTarget>,
    pub db: Option<DbAccess>,
    pub maestro_namespace: String,
    pub scope: Scope,
    pub redact: bool,
    pub assume_yes: bool,
    pub statement_timeout: Duration,
    /// How long to wait for the DB server to answer (connect, each statement, each next row)
    /// before the source is recorded as failed (`--db-timeout`).
    pub db_timeout: Duration,
    /// Collect container logs going back this far (`--logs --since`); None: no logs.
    pub logs: Option<Duration>,
}

/// One line of the final summary.
#[derive(Debug, Clone)]
pub struct SourceReport {
    pub source: String,
    pub count: u64,
    pub bytes: u64,
    pub error: Option<String>,
}

/// What a collection produced.
pub struct CollectOutcome {
    pub manifest: Manifest,
    pub sources: Vec<SourceReport>,
}

impl CollectOutcome {
    pub fn failed_sources(&self) -> usize {
        self.manifest.errors.len()
    }
}

/// Shared state of one collection: the bundle being written and the per-source report.
pub struct Collector<'a> {
    pub writer: BundleWriter,
    pub sources: Vec<SourceReport>,
    pub progress: &'a dyn Progress,
    pub redact: bool,
}

impl Collector<'_> {
    /// Records a failed source: in the manifest, and in the summary.
    pub fn fail(&mut self, source: &str, error: CollectError) {
        let message = error.one_line();
        self.writer.record_error(source, &message);
        self.sources.push(SourceReport {
            source: source.to_string(),
            count: 0,
            bytes: 0,
            error: Some(message),
        });
    }

    /// Records a fact about collection that is not a failure (an absent CRD, a scaled
    /// deployment).
    pub fn note(&mut self, source: &str, message: String) {
        self.writer.manifest_mut().notes.push(SourceError {
            source: source.to_string(),
            message,
        });
    }

    /// Starts a bundle file for a source; rows go through [`RowSink::write`].
    pub fn sink(&mut self, path: BundlePath) -> Result<RowSink, CollectError> {
        self.progress.phase(&path.to_string(), 0, Unit::Items);
        Ok(RowSink {
            file: self
                .writer
                .start_file(path)
                .map_err(|source| CollectError::Spool { source })?,
            rows: 0,
            redacted: 0,
            redact: self.redact,
        })
    }

    /// Closes a source's file and reports it.
    pub fn finish_sink(&mut self, source: &str, sink: RowSink) -> Result<(), CollectError> {
        let rows = sink.rows;
        let record = self
            .writer
            .finish_file(sink.file)
            .map_err(|source| CollectError::Spool { source })?;
        self.sources.push(SourceReport {
            source: source.to_string(),
            count: rows,
            bytes: record.bytes,
            error: None,
        });
        Ok(())
    }
}

/// Rows of one bundle file, redacted on the way in.
pub struct RowSink {
    file: mwtrace_bundle::writer::FileSink,
    pub rows: u64,
    pub redacted: usize,
    redact: bool,
}

impl RowSink {
    pub fn write(
        &mut self,
        mut row: serde_json::Value,
        progress: &dyn Progress,
    ) -> Result<(), CollectError> {
        if self.redact {
            self.redacted += mwtrace_bundle::redact::redact(&mut row);
        }
        self.file
            .write_row(&row)
            .map_err(|source| CollectError::Spool { source })?;
        self.rows += 1;
        progress.advance(1);
        Ok(())
    }
}

/// Runs a collection to completion: the bundle is written even when sources failed.
pub async fn collect(
    plan: &CollectPlan,
    progress: &dyn Progress,
) -> Result<CollectOutcome, CollectError> {
    let created_at = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut manifest = Manifest::new("collect", created_at);
    manifest.redaction.secrets = plan.redact;
    let writer = BundleWriter::create(&plan.output, manifest).map_err(|source| {
        CollectError::CreateBundle {
            path: plan.output.clone(),
            source,
        }
    })?;
    let mut collector = Collector {
        writer,
        sources: Vec::new(),
        progress,
        redact: plan.redact,
    };

    let mut scope = plan.scope.clone();
    match &plan.db {
        Some(db) => db::collect_db(&mut collector, plan, db, &mut scope).await,
        None => collector.note(
            "db",
            "Maestro DB not collected: no service cluster or --db URL given".into(),
        ),
    }
    if let Some(service) = &plan.service {
        components::collect_service(&mut collector, service, &plan.maestro_namespace).await;
    }
    for target in &plan.management {
        kube::collect_cluster(&mut collector, target, &scope).await;
        components::collect_management(&mut collector, target).await;
    }
    if let Some(since) = plan.logs {
        logs::collect_logs(&mut collector, plan, since).await;
    }

    let clusters = plan
        .service
        .iter()
        .map(|t| (t, "service"))
        .chain(plan.management.iter().map(|t| (t, "management")));
    for (target, role) in clusters {
        collector.writer.manifest_mut().clusters.push(Cluster {
            name: target.name.clone(),
            role: role.to_string(),
            context: target.context.clone(),
            server: kube::server_of(target).await,
        });
    }
    progress.finish();
    let Collector {
        writer, sources, ..
    } = collector;
    let manifest = writer
        .finish()
        .map_err(|source| CollectError::WriteBundle {
            path: plan.output.clone(),
            source,
        })?;
    Ok(CollectOutcome { manifest, sources })
}
