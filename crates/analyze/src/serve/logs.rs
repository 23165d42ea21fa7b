//! Pod logs from the `logs` table: the raw entries of one container in file order, as
//! `/api/v1/namespaces/<ns>/pods/<pod>/log` returns them. `previous` is the `<name>.previous`
//! file the collector wrote.

use duckdb::Connection;

use super::ServeError;

#[derive(Debug, Clone)]
pub struct LogQuery<'a> {
    pub cluster: &'a str,
    pub namespace: &'a str,
    pub pod: &'a str,
    pub container: Option<&'a str>,
    pub previous: bool,
    pub tail_lines: Option<usize>,
}

/// The log text, one entry per line (stack traces keep their lines).
pub fn pod_log(conn: &Connection, q: &LogQuery<'_>) -> Result<String, ServeError> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT container FROM logs WHERE cluster = ? AND namespace = ? AND pod = ? ORDER BY 1",
    )?;
    let containers = stmt
        .query_map([q.cluster, q.namespace, q.pod], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let current: Vec<&String> = containers
        .iter()
        .filter(|c| !c.ends_with(".previous"))
        .collect();
    let container = match q.container.filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None => match current.as_slice() {
            [one] => one.to_string(),
            [] => {
                return Err(ServeError::NotFound(format!(
                    "no logs for pod \"{}\" in namespace \"{}\" in the snapshot",
                    q.pod, q.namespace
                )));
            }
            many => {
                let names: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
                return Err(ServeError::BadRequest(format!(
                    "a container name must be specified for pod {}, choose one of: [{}]",
                    q.pod,
                    names.join(" ")
                )));
            }
        },
    };
    let file = if q.previous {
        format!("{container}.previous")
    } else {
        container.clone()
    };
    if !containers.contains(&file) {
        return Err(ServeError::NotFound(if q.previous {
            format!(
                "previous terminated container \"{container}\" in pod \"{}\" not found",
                q.pod
            )
        } else {
            format!(
                "container \"{container}\" in pod \"{}\" has no logs in the snapshot",
                q.pod
            )
        }));
    }
    let mut stmt = conn.prepare(
        "SELECT raw FROM logs WHERE cluster = ? AND namespace = ? AND pod = ? AND container = ? ORDER BY line",
    )?;
    let entries = stmt
        .query_map([q.cluster, q.namespace, q.pod, file.as_str()], |r| {
            r.get::<_, Option<String>>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut lines: Vec<String> = entries.into_iter().flatten().collect();
    if let Some(n) = q.tail_lines {
        let skip = lines.len().saturating_sub(n);
        lines.drain(..skip);
    }
    let mut text = lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    Ok(text)
}
