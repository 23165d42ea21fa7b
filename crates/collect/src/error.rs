//! Why a collection, or one of its sources, failed. A failed source is data (STYLE.md §1.7): its
//! error is recorded in `manifest.errors` as the one line [`CollectError::one_line`] makes, and
//! the other sources are still collected. Only [`CollectError::CreateBundle`] and
//! [`CollectError::WriteBundle`] end a collection.
//!
//! Each variant either shows its source in its message or chains it, never both, so that a
//! chain walk prints every cause once. kube-client's errors do both (its messages end with their
//! source's text); [`KubeError`] folds such a chain into one line where it enters.

use std::error::Error;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("{}: cannot create the bundle", path.display())]
    CreateBundle {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot write the bundle", path.display())]
    WriteBundle {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A bundle file of the source could not be spooled (disk full, say).
    #[error("spool")]
    Spool { source: std::io::Error },

    #[error("{cid:?} is not a cluster id (lowercase letters and digits)")]
    BadClusterId { cid: String },

    #[error("in-cluster configuration")]
    InClusterConfig { source: KubeError },
    #[error("kubeconfig {}", path.display())]
    KubeconfigFile { path: PathBuf, source: KubeError },
    #[error("context {context}")]
    Context { context: String, source: KubeError },
    #[error("kubeconfig")]
    Kubeconfig { source: KubeError },
    #[error("client")]
    Client { source: KubeError },
    /// The API answered, but this kind alone cannot be discovered (403 on discovery, say).
    #[error("discovery of {kind}")]
    Discovery { kind: String, source: KubeError },
    /// Transport or auth: one error covers every kind of the cluster.
    #[error("cluster {cluster} unreachable")]
    Unreachable { cluster: String, source: KubeError },
    #[error("list {kind}")]
    List { kind: String, source: KubeError },
    #[error("encode {kind}")]
    Encode {
        kind: String,
        source: serde_json::Error,
    },
    #[error("list pods {selector} in namespace {namespace}")]
    ListPods {
        namespace: String,
        selector: String,
        source: KubeError,
    },

    #[error("names unusable in a bundle path")]
    UnusableLogPath,
    #[error("read log")]
    ReadLog { source: KubeError },
    /// What arrived is kept: a partial log is still evidence.
    #[error("log stream broke (partial log kept)")]
    LogStream { source: std::io::Error },

    #[error("no service cluster (give --svc-context or --svc-kubeconfig, or --db postgres://...)")]
    NoServiceCluster,
    #[error("no running pod labelled {selector} in namespace {namespace}")]
    NoRunningPod { namespace: String, selector: String },
    /// `--db auto`: neither maestro-db nor postgres-breakglass could be used; both reasons.
    #[error("{}; {}", .maestro_db.one_line(), .breakglass.one_line())]
    NoPsqlPod {
        maestro_db: Box<CollectError>,
        breakglass: Box<CollectError>,
    },
    #[error("deployment {namespace}/{deployment}")]
    Deployment {
        namespace: String,
        deployment: String,
        source: KubeError,
    },
    #[error("{deployment} is scaled to 0 and scaling was declined")]
    ScaleDeclined { deployment: String },
    #[error("scaling {deployment}")]
    Scale {
        deployment: String,
        source: KubeError,
    },
    #[error("no running {deployment} pod after {seconds} s")]
    NotRunning { deployment: String, seconds: u64 },
    #[error("{question} (cannot ask: standard input is not a terminal; use --yes)")]
    CannotAsk { question: String },
    #[error("reading the answer from the terminal")]
    Answer { source: std::io::Error },
    #[error("running the SQL was declined")]
    SqlDeclined,
    #[error("exec in pod {pod}")]
    Exec { pod: String, source: KubeError },
    #[error("exec in pod {pod}: no {stream}")]
    ExecStream { pod: String, stream: &'static str },
    #[error("psql in pod {pod}")]
    PsqlIo { pod: String, source: std::io::Error },
    /// psql wrote to stderr: its text, as it wrote it, is the reason.
    #[error("psql in pod {pod}{}: {stderr}", .table.as_ref().map(|t| format!(" ({t})")).unwrap_or_default())]
    Psql {
        pod: String,
        table: Option<String>,
        stderr: String,
    },
    #[error("reading psql output")]
    PsqlOutput { source: std::io::Error },

    #[error("unknown sslmode {value:?} (disable, allow, prefer, require, verify-ca, verify-full)")]
    SslMode { value: String },
    #[error("database URL")]
    DbUrl { source: PgError },
    #[error("cannot connect to {target}")]
    Connect { target: String, source: PgError },
    #[error("TLS")]
    Tls { source: rustls::Error },
    #[error("TLS")]
    TlsVerifier {
        source: rustls::client::VerifierBuilderError,
    },
    #[error("sslrootcert {path}")]
    RootCertRead {
        path: String,
        source: std::io::Error,
    },
    #[error("sslrootcert {path}")]
    RootCertPem {
        path: String,
        source: rustls::pki_types::pem::Error,
    },
    #[error("sslrootcert {path}")]
    RootCertAdd { path: String, source: rustls::Error },
    /// The server accepted but did not answer in time (a stuck proxy, a hung server).
    #[error("no answer within {seconds} s while {doing} (--db-timeout)")]
    DbTimeout { doing: String, seconds: u64 },
    #[error("starting the read-only transaction")]
    Session { source: PgError },
    #[error("listing tables")]
    ListTables { source: PgError },
    #[error("reading {table}")]
    Query { table: String, source: PgError },
    #[error("{table}: a row is not JSON")]
    RowNotJson {
        table: String,
        source: serde_json::Error,
    },
}

impl CollectError {
    /// The error and its causes on one line (`cannot connect to db:5432/maestro: error
    /// connecting to server: Connection refused (os error 111)`), as `manifest.errors` and the
    /// summary record it.
    pub fn one_line(&self) -> String {
        one_line(self)
    }
}

/// An error and every cause, joined by `: `. Right for chains whose links each either show or
/// chain their source, as ours do.
fn one_line(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A kube-client error (configuration, transport, API status) as one line, with no source.
///
/// kube-client's errors both print and chain their source, down their whole chain
/// (`ServiceError: client error (Connect)`, whose source is `client error (Connect)`), so a
/// cause is dropped here when the text before it already ends with it. An API status is
/// `403 Forbidden: ...` rather than kube's debug dump.
#[derive(Debug)]
pub struct KubeError(String);

impl KubeError {
    pub fn new(error: &(dyn Error + 'static)) -> KubeError {
        if let Some(kube::Error::Api(status)) = error.downcast_ref::<kube::Error>() {
            return KubeError(format!(
                "{} {}: {}",
                status.code, status.reason, status.message
            ));
        }
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !text.ends_with(&cause_text) {
                text.push_str(": ");
                text.push_str(&cause_text);
            }
            source = cause.source();
        }
        KubeError(text)
    }
}

impl From<kube::Error> for KubeError {
    fn from(error: kube::Error) -> KubeError {
        KubeError::new(&error)
    }
}

impl fmt::Display for KubeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for KubeError {}

/// A PostgreSQL error: the server's `SEVERITY: message` when it answered (without the DETAIL
/// and HINT lines, so it stays one line), else the client's error, its cause chained.
#[derive(Debug)]
pub struct PgError(pub tokio_postgres::Error);

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_db_error() {
            Some(db) => write!(f, "{}: {}", db.severity(), db.message()),
            None => self.0.fmt(f),
        }
    }
}

impl Error for PgError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self.0.as_db_error() {
            // Shown above.
            Some(_) => None,
            None => self.0.source(),
        }
    }
}

impl From<tokio_postgres::Error> for PgError {
    fn from(error: tokio_postgres::Error) -> PgError {
        PgError(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer: {0}")]
    struct ShowsAndChains(#[source] std::io::Error);

    #[test]
    fn one_line_joins_every_cause_once() {
        let error = CollectError::Spool {
            source: std::io::Error::other("disk full"),
        };
        assert_eq!(error.one_line(), "spool: disk full");
        let error = CollectError::Unreachable {
            cluster: "mgmt-1".into(),
            source: KubeError::new(&ShowsAndChains(std::io::Error::other("refused"))),
        };
        assert_eq!(
            error.one_line(),
            "cluster mgmt-1 unreachable: outer: refused"
        );
    }

    #[test]
    fn auto_fallback_names_both_reasons() {
        let error = CollectError::NoPsqlPod {
            maestro_db: Box::new(CollectError::NoRunningPod {
                namespace: "maestro".into(),
                selector: "name=maestro-db".into(),
            }),
            breakglass: Box::new(CollectError::Deployment {
                namespace: "maestro".into(),
                deployment: "postgres-breakglass".into(),
                source: KubeError("404 NotFound: not found".into()),
            }),
        };
        assert_eq!(
            error.one_line(),
            "no running pod labelled name=maestro-db in namespace maestro; \
             deployment maestro/postgres-breakglass: 404 NotFound: not found"
        );
    }

    #[test]
    fn psql_stderr_names_the_table_when_known() {
        let error = CollectError::Psql {
            pod: "maestro-db-0".into(),
            table: Some("events".into()),
            stderr: "ERROR: boom".into(),
        };
        assert_eq!(
            error.to_string(),
            "psql in pod maestro-db-0 (events): ERROR: boom"
        );
    }
}
