//! The read side of `mwtrace serve`: a loaded snapshot seen as a read-only Kubernetes API.
//!
//! Everything here is a DuckDB query over the cache (`objects`, `resources`, `logs`), never a
//! read of the bundle's files: the catalog of resources per cluster (discovery), lists with label
//! and field selectors and `limit`/`continue` pages, the `Table` cells kubectl prints, and pod
//! logs. The HTTP side (TLS, routing, kubeconfig) lives in the binary (`src/serve/`).

mod catalog;
mod jsonpath;
mod list;
mod logs;
mod selector;
mod table;

pub use catalog::{ApiResource, Catalog, ClusterInfo, ColumnSource, MAESTRO_GROUP, PrinterColumn};
pub use list::{Item, ListPage, ListQuery, list};
pub use logs::{LogQuery, pod_log};
pub use selector::{FieldSelector, LabelSelector};
pub use table::{cells, human_duration};

/// Why a request cannot be answered; the HTTP side maps each to a Kubernetes `Status`.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// 400: a malformed selector, continue token or parameter.
    #[error("{0}")]
    BadRequest(String),
    /// 404: no such object, resource or container.
    #[error("{0}")]
    NotFound(String),
    /// 500: the database failed.
    #[error("database: {0}")]
    Db(#[from] duckdb::Error),
}
