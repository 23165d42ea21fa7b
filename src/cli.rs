//! The command line, declared with clap derive: one `*Args` struct per subcommand. Help text comes
//! from the doc comments, and every subcommand's help ends with an example.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// Parses the process's arguments. `--version` names the build (commit, date, DuckDB), and
/// usage lines name the command as it was run: `kubectl mwtrace` when the binary is installed
/// as the kubectl (or oc) plugin `kubectl-mwtrace`.
pub fn parse() -> Result<Cli, clap::Error> {
    let mut command = Cli::command().long_version(long_version());
    if let Some(name) = plugin_invocation(std::env::args_os().next()) {
        command = command.bin_name(name);
    }
    Cli::from_arg_matches(&command.try_get_matches()?)
}

/// `0.1.0 (commit 5f56e82a1b2c, built 2026-12-03, DuckDB v1.2.0)`.
fn long_version() -> &'static str {
    let text = format!(
        "{} (commit {}, built {}, DuckDB {})",
        env!("CARGO_PKG_VERSION"),
        env!("MWTRACE_GIT_COMMIT"),
        env!("MWTRACE_BUILD_DATE"),
        mwtrace_analyze::query::duckdb_version()
    );
    // Once per process: clap keeps the text for as long as the command.
    Box::leak(text.into_boxed_str())
}

/// `kubectl mwtrace` for a binary run as `kubectl-mwtrace`, `oc mwtrace` for `oc-mwtrace`.
fn plugin_invocation(arg0: Option<std::ffi::OsString>) -> Option<String> {
    let arg0 = PathBuf::from(arg0?);
    let file = arg0.file_name()?.to_str()?;
    let file = file.strip_suffix(".exe").unwrap_or(file);
    let (tool, plugin) = file.split_once('-')?;
    (matches!(tool, "kubectl" | "oc") && plugin == "mwtrace").then(|| format!("{tool} {plugin}"))
}

#[derive(Debug, Parser)]
#[command(
    name = "mwtrace",
    version,
    about = "Trace Maestro ManifestWorks offline, from a snapshot bundle of the Maestro DB and the \
             management clusters",
    after_help = "Exit codes: 0 found/ok, 1 not found, findings at the --fail-on level or differences (diff), 2 usage or unreadable input, 3 collected with errors, 130/143 interrupted by SIGINT/SIGTERM."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Never send text output through a pager (MWTRACE_PAGER, PAGER, else less) on a terminal.
    #[arg(long, global = true)]
    pub no_pager: bool,
    /// Color on a terminal: auto (unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = crate::output::color::ColorChoice::Auto)]
    pub color: crate::output::color::ColorChoice,
    /// Show the times of text reports in the local time zone (TZ), offset written out; JSON,
    /// CSV and Parquet stay in UTC.
    #[arg(long, global = true)]
    pub local: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect a read-only, redacted snapshot bundle from the service and management clusters.
    ///
    /// Reads the Maestro DB (service cluster) and the AppliedManifestWorks, ManifestWorks,
    /// ManagedClusters, HostedClusters and NodePools of every management cluster. A source that
    /// fails is recorded in the bundle and the rest is still collected (exit 3).
    #[command(after_help = "Examples:\n  \
        mwtrace collect --svc-context svc-int --mgmt-context mgmt-int-1 --out \\\n      \
        snapshot.tar.zst\n  \
        mwtrace collect --mgmt-kubeconfig mgmt.kubeconfig --out s.tar.zst \\\n      \
        --db 'postgres://maestro@localhost:5432/maestro?sslmode=require'\n  \
        mwtrace collect --svc-context svc --mgmt-context mgmt --cluster-id \\\n      \
        2qrppk0otds3rdmdcojqcqkqq8f0s591 --out incident.tar.zst")]
    Collect(CollectArgs),
    /// Build a bundle from what engineers already have: must-gather and inspect trees (or their
    /// .tar/.tar.gz/.tar.zst/.tar.xz/.tar.bz2/.zip, also nested), hcpctl dump-crs trees, kubectl
    /// -o json|yaml output, Maestro DB rows (NDJSON or a JSON array), Maestro REST
    /// resource-bundle lists, and mwtrace bundles (their clusters kept apart).
    ///
    /// A PATH in which nothing is recognized is an error (exit 2): no bundle is written.
    #[command(after_help = "Examples:\n  \
        mwtrace import must-gather.local.123/ --out snapshot.tar.zst\n  \
        mwtrace import crs/ resources.ndjson --cluster-name mgmt-int-1 --out \\\n      \
        snapshot.tar.zst\n  \
        mwtrace import mg-1.tar.xz mg-2.zip --verbose --out snapshot.tar.zst\n  \
        mwtrace import week-1.tar.zst week-2.tar.zst --out merged.tar.zst")]
    Import(ImportArgs),
    /// Report what is wrong in a snapshot: findings with evidence and the next step.
    #[command(after_help = "Examples:\n  \
        mwtrace doctor testdata/sample.tar.zst\n  \
        mwtrace doctor snapshot.tar.zst -o json --fail-on critical\n  \
        mwtrace doctor snapshot.tar.zst --brief --severity warning\n  \
        mwtrace doctor snapshot.tar.zst --cluster-id \\\n      \
        2qrppk0otds3rdmdcojqcqkqq8f0s591\n  \
        mwtrace doctor --list-rules")]
    Doctor(DoctorArgs),
    /// Show a bundle's sources, clusters, counts, errors and redaction, and verify its checksums.
    #[command(after_help = "Example:\n  mwtrace info testdata/sample.tar.zst")]
    Info(InfoArgs),
    /// Trace a ManifestWork through the Maestro DB and both AppliedManifestWork layers.
    #[command(after_help = "Examples:\n  \
        mwtrace trace testdata/sample.tar.zst --resource-id \\\n      \
        55c61e54-a3f6-563d-9fec-b1fe297bdfdb\n  \
        mwtrace trace testdata/sample.tar.zst --manifest \\\n      \
        hc/ocm-arohcpint-2qrppk0otds3rdmdcojqcqkqq8f0s591/x8y5p7r4g6j9e3v\n  \
        mwtrace trace testdata/sample.tar.zst --cluster-id \\\n      \
        2qrppk0otds3rdmdcojqcqkqq8f0s591 -o json\n  \
        mwtrace trace snapshot.tar.zst --op-id \\\n      \
        e6317c0b-4c48-4ae5-836e-09b0d4c22763 --logs")]
    Trace(TraceArgs),
    /// The story of a hosted cluster or a work in time: DB rows and events, objects and their
    /// revisions and conditions, Kubernetes Events and log lines, with gaps and the first sign
    /// of trouble.
    #[command(after_help = "Examples:\n  \
        mwtrace timeline testdata/sample.tar.zst --cluster-id \\\n      \
        2qrppk0otds3rdmdcojqcqkqq8f0s591\n  \
        mwtrace timeline snapshot.tar.zst --resource-id \\\n      \
        1ee62e78-d2ca-5c49-8a65-01e695821450 --since 3h\n  \
        mwtrace timeline snapshot.tar.zst --cluster-id \\\n      \
        2qrppk0otds3rdmdcojqcqkqq8f0s591 --out timeline.html")]
    Timeline(TimelineArgs),
    /// What changed between two snapshots: DB resources and objects added, removed or
    /// changed (conditions, deletions, spec, the rest), with the field paths that differ.
    ///
    /// Only sources both snapshots collected are compared; the others are listed as not
    /// compared. Exit 0 when nothing differs, 1 when something does, 2 on errors.
    #[command(after_help = "Examples:\n  \
        mwtrace diff monday.tar.zst tuesday.tar.zst\n  \
        mwtrace diff before.tar.zst after.tar.zst --cluster-id \\\n      \
        2qrppk0otds3rdmdcojqcqkqq8f0s591\n  \
        mwtrace diff before.tar.zst after.tar.zst -o json")]
    Diff(DiffArgs),
    /// The SREs' transitions matrix: per resource bundle, its log lines at the seven layers a
    /// request crosses (server, broker, agent, cluster and back), and the first layer that
    /// breaks the expectations, in words.
    ///
    /// A layer whose logs the snapshot lacks is "not collected", never 0, and never blamed.
    /// Exit 0; 1 when no bundle matches, or with --fail-on-broken when a bundle breaks them.
    #[command(after_help = "Examples:\n  \
        mwtrace transitions snapshot.tar.zst\n  \
        mwtrace transitions snapshot.tar.zst --cluster-id \\\n      \
        2qrppk0otds3rdmdcojqcqkqq8f0s591\n  \
        mwtrace transitions snapshot.tar.zst --resource-id \\\n      \
        1ee62e78-d2ca-5c49-8a65-01e695821450 -o json")]
    Transitions(TransitionsArgs),
    /// Read the container logs of a snapshot, parsed: filter by text, level, time, pod,
    /// resource id or op-id; entries in time order, stack traces attached.
    #[command(after_help = "Examples:\n  \
        mwtrace logs snapshot.tar.zst --level error --since 2h\n  \
        mwtrace logs snapshot.tar.zst --resource-id \\\n      \
        1ee62e78-d2ca-5c49-8a65-01e695821450\n  \
        mwtrace logs snapshot.tar.zst --grep '(?i)connection refused' --pod \\\n      \
        maestro-agent -o json")]
    Logs(LogsArgs),
    /// Run any SQL query over the bundle's tables (read-only, no file or network access unless
    /// --allow-files); with no query on a terminal, an interactive prompt.
    #[command(after_help = "Examples:\n  \
        mwtrace sql testdata/sample.tar.zst \\\n      \
        \"SELECT id, work_name, applied FROM resources\" -o csv\n  \
        mwtrace sql testdata/sample.tar.zst -f stuck-deletions.sql\n  \
        mwtrace sql testdata/sample.tar.zst    # a prompt: .tables, .schema, .help")]
    Sql(SqlArgs),
    /// Export snapshots as one Parquet dataset (hive-partitioned, zstd) for DuckDB, Spark,
    /// Trino or ADX; `mwtrace sql DIR` queries it. A bundle already in DIR is skipped.
    #[command(after_help = "Examples:\n  \
        mwtrace export incident-*.tar.zst --parquet fleet/\n  \
        mwtrace export today.tar.zst --parquet fleet/ --partition-by cluster\n  \
        mwtrace sql fleet/ \"SELECT _bundle, count(*) FROM resources GROUP BY 1\"")]
    Export(ExportArgs),
    /// List the tables and columns of the SQL schema, with one line of meaning each.
    #[command(after_help = "Example:\n  mwtrace schema testdata/sample.tar.zst")]
    Schema(SchemaArgs),
    /// Pack a directory laid out as a bundle (manifest.json, db/, kube/, logs/) into a bundle.
    ///
    /// The directory's manifest.json is the template; its `files` list is computed. Used to
    /// build the sample bundles in testdata/ and by tools that write the layout themselves.
    #[command(
        after_help = "Example:\n  mwtrace pack testdata/sample --out testdata/sample.tar.zst"
    )]
    Pack(PackArgs),
    /// List, prune or locate the loaded databases of the cache ($XDG_CACHE_HOME/mwtrace).
    #[command(after_help = "Examples:\n  \
        mwtrace cache ls\n  \
        mwtrace cache prune --older-than 7d\n  \
        duckdb -readonly \"$(mwtrace cache path snapshot.tar.zst)\"")]
    Cache(CacheArgs),
    /// Serve the snapshot as a read-only Kubernetes API over HTTPS, for kubectl, k9s and oc.
    ///
    /// One context per cluster of the bundle (https://ADDR/clusters/<name>), the first
    /// management cluster current; a self-signed certificate made at start (needs `openssl`) that
    /// the kubeconfig trusts. get, list (label and field selectors, pages), watch, pod logs, and
    /// the Maestro DB rows as `maestrobundles.mwtrace.local`; every write is refused (405).
    /// Ctrl-C stops it.
    #[command(after_help = "Examples:\n  \
        mwtrace serve testdata/sample.tar.zst \\\n      \
        --kubeconfig-out /tmp/snapshot.kubeconfig\n  \
        KUBECONFIG=/tmp/snapshot.kubeconfig kubectl get hostedclusters -A\n  \
        mwtrace serve snapshot.tar.zst --listen 127.0.0.1:6443")]
    Serve(ServeArgs),
    /// Run a shell (or one command) with KUBECONFIG pointing at `mwtrace serve` on the snapshot;
    /// the server stops when the shell exits, and the exit code is the shell's.
    #[command(after_help = "Examples:\n  \
        mwtrace shell testdata/sample.tar.zst\n  \
        mwtrace shell testdata/sample.tar.zst -c 'kubectl get maestrobundles'")]
    Shell(ShellArgs),
    /// Print a shell completion script.
    #[command(after_help = "Examples:\n  \
        mwtrace completions bash > \\\n      \
        ~/.local/share/bash-completion/completions/mwtrace\n  \
        mwtrace completions zsh > \"${fpath[1]}/_mwtrace\"\n  \
        mwtrace completions fish > ~/.config/fish/completions/mwtrace.fish")]
    Completions(CompletionsArgs),
    /// Print the man page, or write one page per subcommand into a directory.
    #[command(after_help = "Examples:\n  \
        mwtrace man | man -l -\n  \
        mwtrace man --out-dir ~/.local/share/man/man1")]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Context of the service cluster (Maestro server and DB). Example: --svc-context svc-int
    #[arg(long, value_name = "CONTEXT")]
    pub svc_context: Option<String>,
    /// Kubeconfig file of the service cluster (default: $KUBECONFIG or ~/.kube/config).
    /// Example: --svc-kubeconfig svc.kubeconfig
    #[arg(long, value_name = "FILE")]
    pub svc_kubeconfig: Option<PathBuf>,
    /// Context of a management cluster; repeat for several. Example: --mgmt-context mgmt-1
    #[arg(long, value_name = "CONTEXT")]
    pub mgmt_context: Vec<String>,
    /// Kubeconfig file of a management cluster; repeat for several (paired in order with
    /// --mgmt-context when both are given). Example: --mgmt-kubeconfig mgmt-1.kubeconfig
    #[arg(long, value_name = "FILE")]
    pub mgmt_kubeconfig: Vec<PathBuf>,
    /// Name of the service cluster in the bundle (default: its context name). Example: --svc-name svc-int
    #[arg(long, value_name = "NAME")]
    pub svc_name: Option<String>,
    /// Name of a management cluster in the bundle, in order (default: its context name).
    /// Example: --mgmt-name mgmt-1
    #[arg(long, value_name = "NAME")]
    pub mgmt_name: Vec<String>,
    /// Use the pod's service account for the management cluster (the must-gather image).
    #[arg(long)]
    pub in_cluster: bool,
    /// How to reach the Maestro DB: auto (maestro-db, then breakglass), maestro-db, breakglass,
    /// postgres://... (direct, sslmode as libpq), or none. Example: --db maestro-db
    #[arg(long, value_name = "ACCESS", default_value = "auto", value_parser = parse_db_access)]
    pub db: DbArg,
    /// Namespace of the Maestro server and DB. Example: --maestro-namespace maestro
    #[arg(long, value_name = "NS", default_value = "maestro")]
    pub maestro_namespace: String,
    /// Collect only what belongs to one hosted cluster (CS cluster id). Example: --cluster-id 2qrppk0otds3rdmdcojqcqkqq8f0s591
    #[arg(long, value_name = "CID")]
    pub cluster_id: Option<String>,
    /// Also collect container logs (current and previous containers): the Maestro server pods
    /// (service cluster, label app=maestro), the Maestro agent pods (each management cluster,
    /// namespace maestro, label app=maestro-agent) and Clusters Service when present (namespace
    /// clusters-service). Example: --logs --since 6h
    #[arg(long)]
    pub logs: bool,
    /// How far back logs go, as a Go duration (24h, 90m, 6h0m0s; 0 for all the kubelet holds);
    /// default 24h. Example: --since 6h0m0s
    #[arg(long, value_name = "DURATION", requires = "logs", value_parser = parse_duration)]
    pub since: Option<std::time::Duration>,
    /// Keep Secret values (recorded in the bundle's manifest). Example: --no-redact
    #[arg(long)]
    pub no_redact: bool,
    /// Answer yes to the breakglass confirmations (scaling, running the SQL).
    #[arg(long)]
    pub yes: bool,
    /// Statement timeout for each DB query, in seconds. Example: --statement-timeout 300
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub statement_timeout: u64,
    /// How long to wait for the DB server to answer (connecting, each statement, each next row)
    /// before the DB is recorded as failed and the rest is still collected. Example: --db-timeout 10
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub db_timeout: u64,
    #[command(flatten)]
    pub out: BundleOut,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files, directories or archives to import, in any mix. Example: must-gather.local.123/
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub out: BundleOut,
    /// Name of the cluster the objects come from (default: a stable name derived from the tree).
    /// Example: --cluster-name mgmt-int-1
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// Keep Secret values (recorded in the bundle's manifest). Example: --no-redact
    #[arg(long)]
    pub no_redact: bool,
    /// Also print every bundle file (path, rows, bytes) and every error; by default a summary
    /// per cluster and kind, and errors grouped by kind with their first paths.
    /// Example: --verbose
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The snapshot bundle (.tar.zst); not needed with --list-rules.
    #[arg(required_unless_present = "list_rules")]
    pub snapshot: Option<PathBuf>,
    /// Use this DuckDB file instead of the cache. Example: --db /tmp/incident-42.duckdb
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// SNAPSHOT is an export (`mwtrace export`): run on its bundle whose sha256 starts with
    /// SHA, rebuilt from the Parquet files into the cache once. Example: --bundle 238dfbaa
    #[arg(long, value_name = "SHA", conflicts_with = "db")]
    pub bundle: Option<String>,
    /// Output format. Example: -o json
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,
    /// Exit 1 when a finding at this severity or worse exists. Example: --fail-on critical
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Print the catalog of rules and exit.
    #[arg(long)]
    pub list_rules: bool,
    /// Only the summary: one line per finding (severity, rule, age, object), no details.
    #[arg(long)]
    pub brief: bool,
    /// Only the findings of this rule; repeat for several. Example: --rule deletion-stuck
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Only findings at this severity or worse. Example: --severity warning
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub severity: Option<SeverityArg>,
    /// Only findings about this hosted cluster (CS cluster id). Example: --cluster-id 2qrppk0otds3rdmdcojqcqkqq8f0s591
    #[arg(long, value_name = "CID")]
    pub cluster_id: Option<String>,
}

/// A doctor severity, as findings name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Warning,
    Critical,
}

impl SeverityArg {
    pub fn severity(self) -> mwtrace_analyze::doctor::Severity {
        use mwtrace_analyze::doctor::Severity;
        match self {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Warning,
    Critical,
}

impl FailOn {
    /// The least severity that fails the command.
    pub fn severity(self) -> mwtrace_analyze::doctor::Severity {
        match self {
            FailOn::Warning => mwtrace_analyze::doctor::Severity::Warning,
            FailOn::Critical => mwtrace_analyze::doctor::Severity::Critical,
        }
    }
}

/// `--db`: an access path, or a connection URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbArg {
    Auto,
    MaestroDb,
    Breakglass,
    Url(String),
    None,
}

fn parse_duration(value: &str) -> Result<std::time::Duration, String> {
    mwtrace_logs::duration::parse_go_duration(value)
}

fn parse_db_access(value: &str) -> Result<DbArg, String> {
    Ok(match value {
        "auto" => DbArg::Auto,
        "maestro-db" => DbArg::MaestroDb,
        "breakglass" => DbArg::Breakglass,
        "none" => DbArg::None,
        url if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            DbArg::Url(url.to_string())
        }
        other => {
            return Err(format!(
                "{other:?}: expected auto, maestro-db, breakglass, none or a postgres:// URL"
            ));
        }
    })
}

/// Where the loaded DuckDB database of a bundle lives.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The snapshot bundle (.tar.zst).
    pub snapshot: PathBuf,
    /// Use this DuckDB file instead of the cache ($XDG_CACHE_HOME/mwtrace/<bundle sha256>.duckdb).
    /// Example: --db /tmp/incident-42.duckdb
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The snapshot bundle (.tar.zst). Example: snapshot.tar.zst
    pub snapshot: PathBuf,
    /// Output format. Example: -o json
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,
    /// Also list every file (path, rows, bytes) and every error; by default a summary per
    /// cluster and kind, and errors grouped by kind with their first paths (text output only).
    /// Example: --verbose
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("entry").required(true).args(
    ["resource_id", "work_name", "op_id", "manifest", "cluster_id", "search"])))]
pub struct TraceArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// A Maestro resource (bundle) id. Example: --resource-id 55c61e54-a3f6-563d-9fec-b1fe297bdfdb
    #[arg(long, value_name = "ID")]
    pub resource_id: Option<String>,
    /// The user's ManifestWork name (payload.metadata.name). Example: --work-name nginx-work
    #[arg(long, value_name = "NAME")]
    pub work_name: Option<String>,
    /// An applied object as KIND/NAMESPACE/NAME, or KIND/NAME when cluster-scoped; KIND is
    /// case-insensitive, singular, plural or short. Example: --manifest deploy/default/nginx
    #[arg(long, value_name = "KIND/NS/NAME")]
    pub manifest: Option<String>,
    /// Everything for one hosted cluster (CS cluster id). Example: --cluster-id 2qrppk0otds3rdmdcojqcqkqq8f0s591
    #[arg(long, value_name = "CID")]
    pub cluster_id: Option<String>,
    /// Partial, case-insensitive search over ids and names. Example: --search nginx
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// An operation id (X-Operation-ID, annotation logging.open-cluster-management.io/op-id):
    /// the resources it touched. Example: --op-id e6317c0b-4c48-4ae5-836e-09b0d4c22763
    #[arg(long, value_name = "ID")]
    pub op_id: Option<String>,
    /// Also trace the request through the Maestro server and agent logs of the snapshot: each
    /// stage in time order, the first missing one named, the log lines as evidence.
    /// Example: --resource-id 1ee62e78-d2ca-5c49-8a65-01e695821450 --logs
    #[arg(long, conflicts_with = "search")]
    pub logs: bool,
    /// Trace as of an earlier moment, from the bundle's history revisions (a Kusto
    /// kubernetesResourceSnapshots export imported with it): objects and conditions as they
    /// were then; the DB as at the snapshot. RFC 3339, or a duration before the snapshot.
    /// Example: --at 2026-11-21T09:35:00Z
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with = "logs")]
    pub at: Option<TimeArg>,
    /// SNAPSHOT is an export (`mwtrace export`): run on its bundle whose sha256 starts with
    /// SHA, rebuilt from the Parquet files into the cache once. Example: --bundle 238dfbaa
    #[arg(long, value_name = "SHA", conflicts_with = "at")]
    pub bundle: Option<String>,
    /// Exit 1 when the traced work or cluster is failing at this level or worse: critical for
    /// a failing work or creation stage, warning also for one stuck in deletion, not applied,
    /// of unknown state, or a missing stage. Example: --fail-on critical
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Output format. Example: -o json
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// Only entries whose text (as written, stack trace included) matches this regular
    /// expression (RE2 syntax; `(?i)` ignores case). Example: --grep 'x509|tls:'
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,
    /// Only entries at this level or more severe. Example: --level warn
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub level: Option<LevelArg>,
    /// Only entries at or after TIME: RFC 3339, or a duration before the snapshot's creation
    /// time (2h, 30m, 1h30m). Example: --since 2h
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<TimeArg>,
    /// Only entries at or before TIME: RFC 3339, or a duration before the snapshot's creation
    /// time. Example: --until 2026-11-21T09:30:00Z
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<TimeArg>,
    /// Only pods whose name contains this text. Example: --pod maestro-agent
    #[arg(long, value_name = "POD")]
    pub pod: Option<String>,
    /// Only entries about this Maestro resource. Example: --resource-id 1ee62e78-d2ca-5c49-8a65-01e695821450
    #[arg(long, value_name = "ID")]
    pub resource_id: Option<String>,
    /// Only entries of this operation id. Example: --op-id e6317c0b-4c48-4ae5-836e-09b0d4c22763
    #[arg(long, value_name = "ID")]
    pub op_id: Option<String>,
    /// Print at most N entries. Example: --limit 100
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Output format: text (one entry per line, stack traces indented) or json (an array of
    /// entries, each with every column of the logs table). Example: -o json
    #[arg(short, long, value_enum, default_value_t = LogFormat::Text)]
    pub output: LogFormat,
}

/// Log levels, least severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Trace,
    Debug,
    Info,
    /// Also `warning`, as doctor says it.
    #[value(alias = "warning")]
    Warn,
    Error,
    Panic,
    Fatal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// A point in time on the command line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeArg {
    At(jiff::Timestamp),
    /// This long before the snapshot's creation time.
    BeforeSnapshot(std::time::Duration),
}

impl TimeArg {
    /// The instant meant, a duration counting back from `created` (the snapshot's creation
    /// time); errors name `flag`.
    pub fn resolve(
        self,
        created: Option<jiff::Timestamp>,
        flag: &str,
    ) -> anyhow::Result<jiff::Timestamp> {
        match self {
            TimeArg::At(ts) => Ok(ts),
            TimeArg::BeforeSnapshot(d) => {
                let base = created
                    .ok_or_else(|| anyhow::anyhow!("{flag}: the snapshot has no creation time"))?;
                let span = jiff::SignedDuration::try_from(d)
                    .map_err(|e| anyhow::anyhow!("{flag}: {e}"))?;
                base.checked_sub(span)
                    .map_err(|e| anyhow::anyhow!("{flag}: {e}"))
            }
        }
    }
}

fn parse_time(value: &str) -> Result<TimeArg, String> {
    if let Ok(ts) = value.trim().parse::<jiff::Timestamp>() {
        return Ok(TimeArg::At(ts));
    }
    mwtrace_logs::duration::parse_go_duration(value)
        .map(TimeArg::BeforeSnapshot)
        .map_err(|_| {
            format!(
                "{value:?}: expected an RFC 3339 time (2026-11-21T09:30:00Z) or a duration (2h)"
            )
        })
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(
    ["resource_id", "work_name", "manifest", "cluster_id"])))]
pub struct TimelineArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// One hosted cluster (CS cluster id). Example: --cluster-id 2qrppk0otds3rdmdcojqcqkqq8f0s591
    #[arg(long, value_name = "CID")]
    pub cluster_id: Option<String>,
    /// One Maestro resource (bundle) id. Example: --resource-id 1ee62e78-d2ca-5c49-8a65-01e695821450
    #[arg(long, value_name = "ID")]
    pub resource_id: Option<String>,
    /// The resources of a user work name. Example: --work-name nginx-work
    #[arg(long, value_name = "NAME")]
    pub work_name: Option<String>,
    /// An object as KIND/NAMESPACE/NAME (or KIND/NAME), and the works that carry it.
    /// Example: --manifest hc/ocm-arohcpint-2qrppk0otds3rdmdcojqcqkqq8f0s591/x8y5p7r4g6j9e3v
    #[arg(long, value_name = "KIND/NS/NAME")]
    pub manifest: Option<String>,
    /// Facts at or after this time: RFC 3339, or a duration before the snapshot.
    /// Example: --since 6h
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<TimeArg>,
    /// Facts at or before this time: RFC 3339, or a duration before the snapshot.
    /// Example: --until 2026-11-21T09:30:00Z
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<TimeArg>,
    /// Output format (default: from --out's extension, else text). Example: -o json
    #[arg(short, long, value_enum)]
    pub output: Option<TimelineFormat>,
    /// Write to FILE instead of standard output; .json and .html choose the format when -o is
    /// not given. Example: --out timeline.html
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl TimelineArgs {
    /// `-o`, else what `--out`'s extension names, else text.
    pub fn format(&self) -> TimelineFormat {
        if let Some(format) = self.output {
            return format;
        }
        match out_extension(self.out.as_deref()).as_deref() {
            Some("json") => TimelineFormat::Json,
            Some("html" | "htm") => TimelineFormat::Html,
            _ => TimelineFormat::Text,
        }
    }
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier snapshot bundle (.tar.zst). Example: before.tar.zst
    pub a: PathBuf,
    /// The later snapshot bundle (.tar.zst). Example: after.tar.zst
    pub b: PathBuf,
    /// Only what belongs to this hosted cluster (CS cluster id), as trace --cluster-id finds
    /// it. Example: --cluster-id 2qrppk0otds3rdmdcojqcqkqq8f0s591
    #[arg(long, value_name = "CID")]
    pub cluster_id: Option<String>,
    /// Output format. Example: -o json
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,
}

#[derive(Debug, Args)]
pub struct TransitionsArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// Only the bundles of this hosted cluster (CS cluster id). Example: --cluster-id 2qrppk0otds3rdmdcojqcqkqq8f0s591
    #[arg(long, value_name = "CID", conflicts_with = "resource_id")]
    pub cluster_id: Option<String>,
    /// Only this resource bundle. Example: --resource-id 1ee62e78-d2ca-5c49-8a65-01e695821450
    #[arg(long, value_name = "ID")]
    pub resource_id: Option<String>,
    /// Exit 1 when a bundle breaks the expectations (as doctor --fail-on does for findings).
    /// Example: --fail-on-broken
    #[arg(long)]
    pub fail_on_broken: bool,
    /// Output format. Example: -o json
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// The query; or -f FILE, or SQL on standard input (none on a terminal: an interactive
    /// prompt). Example: "SELECT kind, count(*) FROM objects GROUP BY ALL"
    #[arg(conflicts_with = "file")]
    pub query: Option<String>,
    /// Read the query from FILE (`-` for standard input). Example: -f stuck-deletions.sql
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Output format (default: from --out's extension, else table). Example: -o csv
    #[arg(short, long, value_enum)]
    pub output: Option<TableFormat>,
    /// Write the result to FILE instead of standard output; .csv, .json, .ndjson/.jsonl and
    /// .parquet choose the format when -o is not given. Example: --out result.parquet
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Let the query read local files (read_csv, read_json, read_parquet, glob...). Without it
    /// a query sees the snapshot only; with it, statements that write files, attach databases
    /// or install extensions are still refused, and nothing is fetched from the network.
    /// Example: --allow-files "SELECT * FROM read_csv('ids.csv')"
    #[arg(long)]
    pub allow_files: bool,
}

impl SqlArgs {
    /// `-o`, else what `--out`'s extension names, else a table.
    pub fn format(&self) -> TableFormat {
        if let Some(format) = self.output {
            return format;
        }
        match out_extension(self.out.as_deref()).as_deref() {
            Some("csv") => TableFormat::Csv,
            Some("json") => TableFormat::Json,
            Some("ndjson" | "jsonl") => TableFormat::Ndjson,
            Some("parquet") => TableFormat::Parquet,
            _ => TableFormat::Table,
        }
    }
}

/// The extension of an `--out` file, lowercase: what names its format when `-o` is absent.
fn out_extension(out: Option<&std::path::Path>) -> Option<String> {
    out.and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The snapshot bundles (.tar.zst). Example: a.tar.zst b.tar.zst
    #[arg(required = true, value_name = "SNAPSHOT")]
    pub snapshots: Vec<PathBuf>,
    /// The dataset directory, created or appended to. Example: --parquet fleet/
    #[arg(long, value_name = "DIR")]
    pub parquet: PathBuf,
    /// The hive partition key of every table: the bundle's sha256 (`_bundle`), the `cluster`
    /// column where a table has one (else `_bundle`), or none. An existing DIR keeps its own.
    /// Example: --partition-by cluster
    #[arg(long, value_enum, value_name = "KEY", default_value_t = PartitionBy::Snapshot)]
    pub partition_by: PartitionBy,
}

/// How `export` partitions each table's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PartitionBy {
    Snapshot,
    Cluster,
    None,
}

impl PartitionBy {
    pub fn name(self) -> &'static str {
        match self {
            PartitionBy::Snapshot => "snapshot",
            PartitionBy::Cluster => "cluster",
            PartitionBy::None => "none",
        }
    }
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
}

#[derive(Debug, Args)]
pub struct PackArgs {
    /// A directory in the bundle layout, with a manifest.json template. Example: testdata/sample
    pub dir: PathBuf,
    #[command(flatten)]
    pub out: BundleOut,
}

/// Where collect, import and pack write their bundle. `-o` is a format in every other command,
/// so the file is `--out`; `-o FILE` still works here for a while, with a warning, and a format
/// name given to it is refused rather than written as a bundle named `json`.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct BundleOut {
    /// The bundle to write. Example: --out snapshot.tar.zst
    #[arg(long, value_name = "SNAPSHOT")]
    out: Option<PathBuf>,
    /// Deprecated spelling of --out.
    #[arg(short = 'o', long = "output", value_name = "SNAPSHOT", hide = true)]
    output: Option<PathBuf>,
}

/// Every value `-o` takes as a format somewhere in mwtrace.
const FORMAT_NAMES: [&str; 7] = ["text", "json", "yaml", "table", "csv", "ndjson", "parquet"];

impl BundleOut {
    /// The bundle path; warns on stderr when it came from `-o`.
    pub fn path(&self) -> Result<PathBuf, String> {
        match (&self.out, &self.output) {
            (Some(out), _) => Ok(out.clone()),
            (None, Some(path)) if FORMAT_NAMES.contains(&path.to_string_lossy().as_ref()) => {
                Err(format!(
                    "-o {}: this command writes a bundle, not a format; give the file with --out FILE",
                    path.display()
                ))
            }
            (None, Some(path)) => {
                eprintln!(
                    "warning: -o FILE is deprecated here: use --out {} (-o names a format in the other commands)",
                    path.display()
                );
                Ok(path.clone())
            }
            (None, None) => Err("--out FILE is required: the bundle to write".into()),
        }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// The address to listen on; port 0 picks a free port. Example: --listen 127.0.0.1:6443
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Write the kubeconfig here (else into a temporary file, removed at exit, whose path is
    /// printed). Example: --kubeconfig-out /tmp/snapshot.kubeconfig
    #[arg(long, value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShellArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// Run this command with `sh -c` instead of an interactive $SHELL.
    /// Example: -c 'kubectl get pods -A'
    #[arg(short = 'c', long = "command", value_name = "CMD")]
    pub command: Option<String>,
}

#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub command: CacheCommand,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// List the loaded databases: bundle digest, size, age, loader version, bundle path.
    Ls {
        /// Output format. Example: -o json
        #[arg(short, long, value_enum, default_value = "text")]
        output: DocFormat,
    },
    /// Remove the databases no mwtrace of this version can use, and those older than
    /// --older-than (or all with --all). A removed database is rebuilt on the bundle's next use.
    Prune {
        /// Also remove databases loaded longer ago than this (7d, 12h, 1w). Example: --older-than 7d
        #[arg(long, value_name = "AGE", value_parser = parse_age)]
        older_than: Option<jiff::SignedDuration>,
        /// Remove every database.
        #[arg(long)]
        all: bool,
        /// Only say what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the path of a bundle's loaded database (loading it first), for other tools:
    /// duckdb -readonly "$(mwtrace cache path s.tar.zst)".
    Path(SnapshotArgs),
}

/// An age such as `7d`, `12h`, `1w2d` or `90m` (days of 24 hours).
fn parse_age(text: &str) -> Result<jiff::SignedDuration, String> {
    let span: jiff::Span = text
        .parse()
        .map_err(|e| format!("{text:?}: not an age such as 7d, 12h or 90m ({e})"))?;
    span.to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|e| format!("{text:?}: {e}"))
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for. Example: bash
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write mwtrace.1 and one mwtrace-<subcommand>.1 per subcommand into this directory instead
    /// of printing mwtrace.1. Example: --out-dir ~/.local/share/man/man1
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// Formats of documents (a trace, a bundle summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    Text,
    Json,
    Yaml,
}

/// Formats of a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    Text,
    Json,
    /// One self-contained page: lanes per object, hover for details.
    Html,
}

/// Formats of query results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Table,
    Csv,
    Json,
    Ndjson,
    Parquet,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Help examples are copied into a terminal: none may be wrapped in the middle of a command
    /// by an 80-column terminal, so long ones continue on the next line with a backslash.
    #[test]
    fn help_examples_fit_80_columns() {
        let mut command = Cli::command();
        command.build();
        let mut checked = 0;
        for sub in command.get_subcommands() {
            let Some(help) = sub.get_after_help() else {
                continue;
            };
            for line in help.to_string().lines() {
                assert!(
                    line.chars().count() <= 78,
                    "mwtrace {} --help: {line:?} is {} columns",
                    sub.get_name(),
                    line.chars().count()
                );
                checked += 1;
            }
        }
        assert!(checked > 20, "the examples were found ({checked} lines)");
    }
}
