//! The Maestro database, read inside one REPEATABLE READ, READ ONLY transaction with a statement
//! timeout, table by table, one JSON row (`row_to_json`) per line, whatever the column names of
//! the schema's age. Two transports carry the same SQL (collector/sql/, embedded here):
//! a direct connection (tokio-postgres), or `psql` run inside the maestro-db or
//! postgres-breakglass pod through the Kubernetes exec API.

use std::io::{BufRead, Write};
use std::time::Duration;

use futures::{StreamExt, pin_mut};
use serde_json::Value;

use super::error::{CollectError, PgError};
use super::scope::Scope;
use super::{CollectPlan, Collector, DbAccess, RowSink};
use mwtrace_bundle::BundlePath;

pub mod exec;
pub mod tls;

/// Tables dumped when present, in this order.
pub use mwtrace_bundle::layout::MAESTRO_TABLES as TABLES;

const SESSION_SQL: &str = include_str!("../../../../collector/sql/session.sql");
const TABLES_SQL: &str = include_str!("../../../../collector/sql/tables.sql");

/// The statement that dumps `table`, scoped to a cid when one is given (`$1`).
pub fn table_sql(table: &str, scoped: bool) -> &'static str {
    match (table, scoped) {
        ("resources", true) => include_str!("../../../../collector/sql/resources_by_cid.sql"),
        ("events", true) => include_str!("../../../../collector/sql/events_by_cid.sql"),
        ("status_events", true) => {
            include_str!("../../../../collector/sql/status_events_by_cid.sql")
        }
        ("resources", false) => include_str!("../../../../collector/sql/resources.sql"),
        ("events", false) => include_str!("../../../../collector/sql/events.sql"),
        ("status_events", false) => include_str!("../../../../collector/sql/status_events.sql"),
        ("consumers", _) => include_str!("../../../../collector/sql/consumers.sql"),
        ("server_instances", _) => include_str!("../../../../collector/sql/server_instances.sql"),
        ("event_instances", _) => include_str!("../../../../collector/sql/event_instances.sql"),
        _ => unreachable!("unknown table {table}"),
    }
}

/// The session setup with the statement timeout filled in.
pub fn session_sql(timeout_ms: u128) -> String {
    SESSION_SQL.replace("{timeout_ms}", &timeout_ms.to_string())
}

pub fn tables_sql() -> &'static str {
    TABLES_SQL
}

/// Marker lines in psql output: which table the following rows belong to.
pub const TABLE_MARKER: &str = "@@mwtrace-table ";

/// The psql script of the exec path: the session setup, then every table behind a marker line.
/// `cid` is inlined as a literal (psql has no bind parameters); it is validated as alphanumeric
/// by [`Scope::cluster`].
pub fn psql_script(tables: &[String], timeout_ms: u128, cid: Option<&str>) -> String {
    let mut script = String::from("\\pset pager off\n");
    script.push_str(&session_sql(timeout_ms));
    script.push('\n');
    for table in tables {
        let mut sql = table_sql(table, cid.is_some())
            .trim()
            .trim_end_matches(';')
            .to_string();
        if let Some(cid) = cid {
            debug_assert!(cid.bytes().all(|b| b.is_ascii_alphanumeric()));
            sql = sql.replace("$1", &format!("'{cid}'"));
        }
        script.push_str(&format!("\\echo {TABLE_MARKER}{table}\n{sql};\n"));
    }
    script.push_str("ROLLBACK;\n");
    script
}

/// One line of psql output (`-A -t`: one row per line).
#[derive(Debug, PartialEq, Eq)]
pub enum PsqlLine<'a> {
    /// The rows that follow belong to this table.
    Table(&'a str),
    Row(&'a str),
    /// Blank lines (psql prints nothing else with -q).
    Noise,
}

pub fn classify(line: &str) -> PsqlLine<'_> {
    if let Some(name) = line.strip_prefix(TABLE_MARKER) {
        return PsqlLine::Table(name.trim());
    }
    match line.trim() {
        "" => PsqlLine::Noise,
        text => PsqlLine::Row(text),
    }
}

/// Splits psql output into (table, row) pairs; rows before the first marker are ignored.
pub fn demux_psql_output(
    input: impl BufRead,
    mut on_row: impl FnMut(&str, &str) -> Result<(), CollectError>,
) -> Result<(), CollectError> {
    let mut table: Option<String> = None;
    for line in input.lines() {
        let line = line.map_err(|source| CollectError::PsqlOutput { source })?;
        match classify(&line) {
            PsqlLine::Table(name) => table = Some(name.to_string()),
            PsqlLine::Row(row) => {
                if let Some(t) = &table {
                    on_row(t, row)?;
                }
            }
            PsqlLine::Noise => {}
        }
    }
    Ok(())
}

/// Collects the DB through the chosen access path; failures are recorded, never fatal.
pub async fn collect_db(
    collector: &mut Collector<'_>,
    plan: &CollectPlan,
    access: &DbAccess,
    scope: &mut Scope,
) {
    let result = match access {
        DbAccess::Url(url) => direct(collector, plan, url, scope).await,
        DbAccess::MaestroDb | DbAccess::Breakglass | DbAccess::Auto => {
            exec::collect_via_exec(collector, plan, access, scope).await
        }
    };
    if let Err(error) = result {
        collector.fail("db", error);
    }
}

/// The tables to dump, in [`TABLES`] order, from the names the database reported.
pub fn existing_tables(reported: &[String]) -> Vec<String> {
    TABLES
        .iter()
        .filter(|t| reported.iter().any(|r| r == *t))
        .map(|t| t.to_string())
        .collect()
}

/// Writes one JSON row of `table`, remembering resource ids for the scope.
pub fn write_row(
    collector: &Collector<'_>,
    sink: &mut RowSink,
    table: &str,
    text: &str,
    scope: &mut Scope,
) -> Result<(), CollectError> {
    let row: Value = serde_json::from_str(text).map_err(|source| CollectError::RowNotJson {
        table: table.to_string(),
        source,
    })?;
    if table == "resources"
        && scope.cid.is_some()
        && let Some(id) = row["id"].as_str()
    {
        scope.resource_ids.insert(id.to_string());
    }
    sink.write(row, collector.progress)
}

/// Awaits `work` for at most `limit`; past it the server is taken as gone (`--db-timeout`).
pub(crate) async fn within<T>(
    limit: Duration,
    doing: &str,
    work: impl Future<Output = T>,
) -> Result<T, CollectError> {
    tokio::time::timeout(limit, work)
        .await
        .map_err(|_| CollectError::DbTimeout {
            doing: doing.to_string(),
            seconds: limit.as_secs(),
        })
}

/// The direct path: tokio-postgres over TCP, TLS as `sslmode` says. Every wait on the server is
/// bounded: `--db-timeout` for the connection, each short statement and each next row; the first
/// row of a table may take the statement timeout too (the server sorts before it sends).
async fn direct(
    collector: &mut Collector<'_>,
    plan: &CollectPlan,
    url: &str,
    scope: &mut Scope,
) -> Result<(), CollectError> {
    let wait = plan.db_timeout;
    let client = tls::connect(url, wait).await?;
    let timeout = plan.statement_timeout.as_millis();
    let doing = "starting the read-only transaction";
    within(wait, doing, client.batch_execute(&session_sql(timeout)))
        .await?
        .map_err(|e| CollectError::Session { source: e.into() })?;
    let reported: Vec<String> = within(wait, "listing tables", client.query(tables_sql(), &[]))
        .await?
        .map_err(|e| CollectError::ListTables { source: e.into() })?
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect();
    for table in existing_tables(&reported) {
        let path = BundlePath::Db {
            table: table.clone(),
        };
        let source = format!("db/{table}");
        let sql = table_sql(&table, scope.cid.is_some());
        let cid = scope.cid.clone();
        let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = match &cid {
            Some(cid) if sql.contains("$1") => vec![cid],
            _ => vec![],
        };
        let mut sink = collector.sink(path)?;
        let query_err = |e: tokio_postgres::Error| CollectError::Query {
            table: table.clone(),
            source: PgError(e),
        };
        let doing = format!("reading {table}");
        let outcome: Result<(), CollectError> = async {
            let first_wait = plan.statement_timeout + wait;
            let rows = within(
                first_wait,
                &doing,
                client.query_raw(sql, params.iter().copied()),
            )
            .await?
            .map_err(query_err)?;
            pin_mut!(rows);
            let mut limit = first_wait;
            while let Some(row) = within(limit, &doing, rows.next()).await? {
                limit = wait;
                let row = row.map_err(query_err)?;
                let text: String = row.try_get(0).map_err(query_err)?;
                write_row(collector, &mut sink, &table, &text, scope)?;
            }
            Ok(())
        }
        .await;
        match outcome {
            Ok(()) => collector.finish_sink(&source, sink)?,
            Err(error) => {
                collector.fail(&source, error);
                // A failed statement aborts the transaction: the remaining tables cannot be read
                // in it, so stop here rather than report each as failed for the same reason.
                break;
            }
        }
    }
    let _ = within(
        wait,
        "ending the transaction",
        client.batch_execute("ROLLBACK"),
    )
    .await;
    Ok(())
}

/// The same SQL as text, for the confirmation prompt of the breakglass path.
pub fn describe_sql(
    tables: &[String],
    timeout_ms: u128,
    cid: Option<&str>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    out.write_all(psql_script(tables, timeout_ms, cid).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psql_script_is_one_read_only_transaction_with_markers() {
        let tables = vec!["resources".to_string(), "consumers".to_string()];
        let script = psql_script(&tables, 30000, None);
        let begin = script.find("READ ONLY").unwrap();
        let first = script.find("@@mwtrace-table resources").unwrap();
        assert!(begin < first);
        assert!(script.contains("statement_timeout = 30000"));
        assert!(script.contains("FROM consumers t;"));
        assert!(script.trim_end().ends_with("ROLLBACK;"));
        let scoped = psql_script(&tables, 1, Some("abc123"));
        assert!(scoped.contains("= 'abc123'"), "{scoped}");
        assert!(!scoped.contains("$1"));
    }

    #[test]
    fn psql_output_is_split_by_table_markers() {
        let output = "BEGIN\nSET\n@@mwtrace-table resources\n{\"id\":\"a\"}\n{\"id\":\"b\"}\n\n@@mwtrace-table consumers\n{\"name\":\"c\"}\n";
        let mut rows = Vec::new();
        demux_psql_output(output.as_bytes(), |table, row| {
            rows.push(format!("{table}:{row}"));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            rows,
            [
                "resources:{\"id\":\"a\"}",
                "resources:{\"id\":\"b\"}",
                "consumers:{\"name\":\"c\"}"
            ]
        );
    }

    #[test]
    fn only_known_tables_in_dump_order() {
        let reported = vec![
            "status_events".into(),
            "migrations".into(),
            "resources".into(),
        ];
        assert_eq!(existing_tables(&reported), ["resources", "status_events"]);
    }
}
