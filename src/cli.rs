//! The command line, declared with clap derive: one `*Args` struct per subcommand. Help text comes
//! from the doc comments, and every subcommand's help ends with an example.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "mwtrace",
    version,
    about = "Trace Maestro ManifestWorks offline, from a snapshot bundle of the Maestro DB and the \
             management clusters",
    after_help = "Exit codes: 0 found/ok, 1 not found or findings at the --fail-on level, \
                  2 usage or unreadable input, 3 collected with errors."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show a bundle's sources, clusters, counts, errors and redaction, and verify its checksums.
    #[command(after_help = "Example:\n  mwtrace info testdata/sample.tar.zst")]
    Info(InfoArgs),
    /// Trace a ManifestWork through the Maestro DB and both AppliedManifestWork layers.
    #[command(after_help = "Examples:\n  \
        mwtrace trace testdata/sample.tar.zst --resource-id 55c61e54-a3f6-563d-9fec-b1fe297bdfdb\n  \
        mwtrace trace testdata/sample.tar.zst --manifest hostedcluster/ocm-arohcpint-2qrppk0otds3rdmdcojqcqkqq8f0s591/x8y5p7r4g6j9e3v\n  \
        mwtrace trace testdata/sample.tar.zst --cluster-id 2qrppk0otds3rdmdcojqcqkqq8f0s591 -o json")]
    Trace(TraceArgs),
    /// Run any SQL query over the bundle's tables (read-only).
    #[command(after_help = "Example:\n  \
        mwtrace sql testdata/sample.tar.zst \"SELECT id, work_name, applied FROM resources\" -o csv")]
    Sql(SqlArgs),
    /// List the tables and columns of the SQL schema, with one line of meaning each.
    #[command(after_help = "Example:\n  mwtrace schema testdata/sample.tar.zst")]
    Schema(SchemaArgs),
    /// Pack a directory laid out as a bundle (manifest.json, db/, kube/, logs/) into a bundle.
    ///
    /// The directory's manifest.json is the template; its `files` list is computed. Used to
    /// build the sample bundles in testdata/ and by tools that write the layout themselves.
    #[command(after_help = "Example:\n  mwtrace pack testdata/sample -o testdata/sample.tar.zst")]
    Pack(PackArgs),
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
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("entry").required(true).args(
    ["resource_id", "work_name", "manifest", "cluster_id", "search"])))]
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
    /// Output format. Example: -o json
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// The query. Example: "SELECT kind, count(*) FROM objects GROUP BY ALL"
    pub query: String,
    /// Output format. Example: -o parquet --out result.parquet
    #[arg(short, long, value_enum, default_value_t = TableFormat::Table)]
    pub output: TableFormat,
    /// Write the result to FILE instead of standard output. Example: --out result.csv
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
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
    /// The bundle to write. Example: -o sample.tar.zst
    #[arg(short, long = "output", value_name = "SNAPSHOT")]
    pub output: PathBuf,
}

/// Formats of documents (a trace, a bundle summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    Text,
    Json,
    Yaml,
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
