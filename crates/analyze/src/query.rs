//! How this crate runs DuckDB queries: parameterized, timed on request, keyed lookups through
//! the hash columns the loader orders tables by. One home for these helpers, so load, the trace
//! store, trace and doctor query the same way.

use duckdb::Connection;

/// The version of the DuckDB engine linked into mwtrace (`v1.2.0`), for `--version`.
pub fn duckdb_version() -> String {
    // SAFETY: duckdb_library_version returns a pointer to a static, NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(duckdb::ffi::duckdb_library_version()) };
    version.to_string_lossy().into_owned()
}

/// Runs a query and maps every row (prepared statements are cached per connection).
pub fn rows<T, P: duckdb::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    map: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<T>,
) -> duckdb::Result<Vec<T>> {
    timed(
        || sql.split_whitespace().collect::<Vec<_>>().join(" "),
        || {
            let mut stmt = conn.prepare_cached(sql)?;
            stmt.query_map(params, map)?.collect()
        },
    )
}

/// `column IN (?, ...)` for `n` values, found through `column_key` (hash(column), by which the
/// loader orders the tables traces look up): DuckDB reads only the row groups holding them.
/// Bind the values twice, with [`keyed_params`].
pub fn keyed(column: &str, n: usize) -> String {
    if n == 0 {
        return "false".to_string();
    }
    let list = |item: &str| vec![item; n].join(", ");
    format!(
        "({column}_key IN ({}) AND {column} IN ({}))",
        list("hash(?)"),
        list("?")
    )
}

/// The parameters of [`keyed`] for `values`, followed by `rest` (NULL where None).
pub fn keyed_params<S: AsRef<str>>(
    values: &[S],
    rest: &[Option<&str>],
) -> duckdb::ParamsFromIter<Vec<Option<String>>> {
    let values = values.iter().map(|v| Some(v.as_ref().to_string()));
    let rest = rest.iter().map(|v| v.map(str::to_string));
    duckdb::params_from_iter(values.clone().chain(values).chain(rest).collect())
}

/// A quoted SQL identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A TIMESTAMP column (UTC) as RFC 3339, `2024-05-01T10:00:00Z`. Formatted here rather than
/// in SQL: the first call of a timestamp function costs DuckDB about 3 ms in each process.
pub fn rfc3339_at(r: &duckdb::Row<'_>, at: usize) -> duckdb::Result<Option<String>> {
    Ok(match r.get::<_, duckdb::types::Value>(at)? {
        duckdb::types::Value::Timestamp(unit, value) => {
            jiff::Timestamp::from_microsecond(unit.to_micros(value))
                .ok()
                .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        }
        _ => None,
    })
}

/// Runs `step`; with `MWTRACE_TIMINGS` set, prints how long it took and `label()` to stderr:
/// how a slow load or query is profiled in the field.
pub fn timed<T, E, L: AsRef<str>>(
    label: impl FnOnce() -> L,
    step: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if !*ENABLED.get_or_init(|| std::env::var_os("MWTRACE_TIMINGS").is_some()) {
        return step();
    }
    let start = std::time::Instant::now();
    let result = step();
    let label: String = label().as_ref().chars().take(160).collect();
    eprintln!("{:9.4} s  {label}", start.elapsed().as_secs_f64());
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_lookups_bind_each_value_to_its_key_and_its_column() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t AS SELECT v, hash(v) AS v_key, n FROM (VALUES ('a', 1), ('b', 2), ('c', 3)) x(v, n)
             ORDER BY v_key;
             -- A key that collides with another value's must not match it.
             INSERT INTO t VALUES ('d', hash('a'), 4);",
        )
        .unwrap();
        let lookup = |values: &[&str], n_min: i64| -> Vec<i64> {
            rows(
                &conn,
                &format!(
                    "SELECT n FROM t WHERE {} AND n >= ? ORDER BY n",
                    keyed("v", values.len())
                ),
                keyed_params(values, &[Some(&n_min.to_string())]),
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(lookup(&["a", "c"], 0), vec![1, 3]);
        assert_eq!(lookup(&["a", "c"], 2), vec![3]);
        assert_eq!(lookup(&["x"], 0), Vec::<i64>::new());
        assert_eq!(lookup(&[], 0), Vec::<i64>::new());
    }
}
