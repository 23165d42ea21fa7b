//! The cells of a `Table` row: kubectl prints what the server computes, so ages, pod readiness
//! and CRD printer columns are computed here. Ages count back from the snapshot's time, not the
//! reader's clock: the snapshot is frozen.

use serde_json::Value;

use super::jsonpath::select;
use super::{ApiResource, ColumnSource};

/// The row's cells: the name, then one per column of `resource`.
pub fn cells(resource: &ApiResource, object: &Value, now: Option<jiff::Timestamp>) -> Vec<Value> {
    let mut out = Vec::with_capacity(resource.columns.len() + 1);
    out.push(object["metadata"]["name"].clone());
    for column in &resource.columns {
        out.push(match &column.source {
            ColumnSource::Age => age(object["metadata"]["creationTimestamp"].as_str(), now),
            ColumnSource::Path(path) => {
                let values = select(object, path);
                match (column.type_.as_str(), values.as_slice()) {
                    (_, []) => Value::String(String::new()),
                    ("date", [one]) => age(one.as_str(), now),
                    (_, [one]) if !one.is_object() && !one.is_array() => (*one).clone(),
                    (_, many) => Value::String(
                        many.iter()
                            .map(|v| match v {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                }
            }
            ColumnSource::PodReady => {
                let statuses = object["status"]["containerStatuses"].as_array();
                let total = object["spec"]["containers"]
                    .as_array()
                    .map(Vec::len)
                    .unwrap_or_else(|| statuses.map(Vec::len).unwrap_or(0));
                let ready = statuses
                    .into_iter()
                    .flatten()
                    .filter(|s| s["ready"] == Value::Bool(true))
                    .count();
                Value::String(format!("{ready}/{total}"))
            }
            ColumnSource::PodStatus => Value::String(pod_status(object)),
            ColumnSource::PodRestarts => {
                let restarts: i64 = object["status"]["containerStatuses"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s["restartCount"].as_i64())
                    .sum();
                Value::from(restarts)
            }
            ColumnSource::Replicas => {
                let ready = object["status"]["readyReplicas"].as_i64().unwrap_or(0);
                let desired = object["spec"]["replicas"].as_i64().unwrap_or(0);
                Value::String(format!("{ready}/{desired}"))
            }
        });
    }
    out
}

/// As kubectl prints a pod's STATUS: Terminating, a container's waiting or terminated reason,
/// the pod's reason, else its phase.
fn pod_status(pod: &Value) -> String {
    if pod["metadata"]["deletionTimestamp"].is_string() {
        return "Terminating".to_string();
    }
    for status in pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for state in ["waiting", "terminated"] {
            if let Some(reason) = status["state"][state]["reason"].as_str() {
                return reason.to_string();
            }
        }
    }
    pod["status"]["reason"]
        .as_str()
        .or(pod["status"]["phase"].as_str())
        .unwrap_or("Unknown")
        .to_string()
}

fn age(created: Option<&str>, now: Option<jiff::Timestamp>) -> Value {
    let (Some(created), Some(now)) = (created.and_then(|c| c.parse::<jiff::Timestamp>().ok()), now)
    else {
        return Value::String("<unknown>".to_string());
    };
    let secs = now.as_second() - created.as_second();
    Value::String(human_duration(secs))
}

/// Kubernetes' `duration.HumanDuration`: `45s`, `3m12s`, `5h`, `3d4h`, `120d`, `2y30d`.
pub fn human_duration(secs: i64) -> String {
    if secs < 0 {
        return "<invalid>".to_string();
    }
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86400);
    if secs < 120 {
        format!("{secs}s")
    } else if m < 10 {
        match secs % 60 {
            0 => format!("{m}m"),
            s => format!("{m}m{s}s"),
        }
    } else if h < 3 {
        format!("{m}m")
    } else if h < 8 {
        match m % 60 {
            0 => format!("{h}h"),
            mm => format!("{h}h{mm}m"),
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 24 * 8 {
        match h % 24 {
            0 => format!("{d}d"),
            hh => format!("{d}d{hh}h"),
        }
    } else if h < 24 * 365 * 2 {
        format!("{d}d")
    } else if h < 24 * 365 * 8 {
        let y = d / 365;
        match d % 365 {
            0 => format!("{y}y"),
            dd => format!("{y}y{dd}d"),
        }
    } else {
        format!("{}y", d / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_kubectl_prints_them() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(192), "3m12s");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
        assert_eq!(human_duration(20 * 3600), "20h");
        assert_eq!(human_duration(3 * 86400 + 4 * 3600), "3d4h");
        assert_eq!(human_duration(100 * 86400), "100d");
    }
}
