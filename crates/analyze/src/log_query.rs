//! Reading the `logs` table back with filters (`mwtrace logs`): one parameterized SQL query,
//! rows streamed to the caller in time order, never collected.

use duckdb::Connection;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use mwtrace_logs::Level;

/// What `mwtrace logs` asks for; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A regular expression (RE2 syntax) searched in the entry's raw text.
    pub grep: Option<String>,
    /// This level or more severe.
    pub min_level: Option<Level>,
    pub since: Option<jiff::Timestamp>,
    pub until: Option<jiff::Timestamp>,
    /// A substring of the pod name.
    pub pod: Option<String>,
    pub resource_id: Option<String>,
    pub op_id: Option<String>,
    pub limit: Option<u64>,
}

/// One entry, as `mwtrace logs -o json` prints it (a stable schema: fields are only added).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LogLine {
    /// RFC 3339, UTC, microseconds; null when the line carried no time.
    pub ts: Option<String>,
    pub cluster: String,
    pub namespace: String,
    pub pod: String,
    /// The container; `<name>.previous` for the instance before the last restart.
    pub container: String,
    /// First line of the entry in its file (1-based).
    pub line: i64,
    /// trace, debug, info, warn, error, panic, fatal; null when the format has none.
    pub level: Option<String>,
    pub logger: Option<String>,
    pub caller: Option<String>,
    pub msg: String,
    /// Structured key/values of the entry (JSON object).
    pub fields: Value,
    /// The entry as written, with its continuation lines (stack traces).
    pub raw: String,
    /// Which parser read it: json, console, klog, logfmt, stdlog, plain.
    pub format: String,
    /// maestro-server, maestro-agent, clusters-service, or null.
    pub component: Option<String>,
    pub resource_id: Option<String>,
    pub op_id: Option<String>,
    pub work_name: Option<String>,
    pub cid: Option<String>,
}

/// The columns of [`LogLine`], in order, as SQL over the `logs` table.
pub const SELECT_LINE: &str = "strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ'), cluster, namespace, pod, \
     container, line, level, logger, caller, coalesce(msg, ''), CAST(fields AS VARCHAR), \
     coalesce(raw, ''), coalesce(format, 'plain'), component, resource_id, op_id, work_name, cid";

/// A row selected with [`SELECT_LINE`] (starting at column `at`).
pub fn line_of(r: &duckdb::Row<'_>, at: usize) -> duckdb::Result<LogLine> {
    let fields: Option<String> = r.get(at + 10)?;
    Ok(LogLine {
        ts: r.get(at)?,
        cluster: r.get(at + 1)?,
        namespace: r.get(at + 2)?,
        pod: r.get(at + 3)?,
        container: r.get(at + 4)?,
        line: r.get(at + 5)?,
        level: r.get(at + 6)?,
        logger: r.get(at + 7)?,
        caller: r.get(at + 8)?,
        msg: r.get(at + 9)?,
        fields: fields
            .and_then(|f| serde_json::from_str(&f).ok())
            .unwrap_or_else(|| Value::Object(Default::default())),
        raw: r.get(at + 11)?,
        format: r.get(at + 12)?,
        component: r.get(at + 13)?,
        resource_id: r.get(at + 14)?,
        op_id: r.get(at + 15)?,
        work_name: r.get(at + 16)?,
        cid: r.get(at + 17)?,
    })
}

/// Severity of a level column as a number, for `>=` comparisons.
pub const LEVEL_RANK: &str = "CASE level WHEN 'trace' THEN 0 WHEN 'debug' THEN 1 WHEN 'info' THEN 2 \
     WHEN 'warn' THEN 3 WHEN 'error' THEN 4 WHEN 'panic' THEN 5 WHEN 'fatal' THEN 6 END";

fn rank(level: Level) -> i64 {
    Level::ALL.iter().position(|l| *l == level).unwrap_or(0) as i64
}

/// Runs the filtered query and hands each entry to `each`, in time order; an entry without a
/// time (a plain line) sorts at the time of the entry before it in its file. Returns how many
/// matched.
pub fn query<E: From<duckdb::Error>>(
    conn: &Connection,
    filter: &Filter,
    mut each: impl FnMut(LogLine) -> Result<(), E>,
) -> Result<u64, E> {
    let sql = format!(
        "SELECT {SELECT_LINE} FROM logs
         WHERE (?1::VARCHAR IS NULL OR regexp_matches(raw, ?1::VARCHAR))
           AND (?2::BIGINT IS NULL OR ({LEVEL_RANK}) >= ?2::BIGINT)
           AND (?3::VARCHAR IS NULL OR ts >= CAST(?3::VARCHAR AS TIMESTAMP))
           AND (?4::VARCHAR IS NULL OR ts <= CAST(?4::VARCHAR AS TIMESTAMP))
           AND (?5::VARCHAR IS NULL OR contains(pod, ?5::VARCHAR))
           AND (?6::VARCHAR IS NULL OR resource_id = lower(trim(?6::VARCHAR)))
           AND (?7::VARCHAR IS NULL OR op_id = trim(?7::VARCHAR))
         ORDER BY coalesce(ts, last_value(ts IGNORE NULLS) OVER (
                      PARTITION BY cluster, namespace, pod, container ORDER BY line
                      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) NULLS FIRST,
                  cluster, namespace, pod, container, line
         LIMIT ?8::BIGINT"
    );
    let mut stmt = conn.prepare(&sql)?;
    let limit = filter
        .limit
        .map(|l| l.min(i64::MAX as u64) as i64)
        .unwrap_or(i64::MAX);
    let mut rows = stmt.query(duckdb::params![
        filter.grep,
        filter.min_level.map(rank),
        filter.since.map(mwtrace_logs::sql_timestamp),
        filter.until.map(mwtrace_logs::sql_timestamp),
        filter.pod,
        filter.resource_id,
        filter.op_id,
        limit,
    ])?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        each(line_of(row, 0)?)?;
        count += 1;
    }
    Ok(count)
}
