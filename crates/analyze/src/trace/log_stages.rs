//! `trace --logs`: a request's lifecycle in the Maestro server and agent logs, in time order,
//! stage by stage as the trace-resource-request procedure greps for them
//! (maestro-data-model.md §5): the server receives the spec from the client, publishes it and
//! sends the event; the agent receives it, applies it and sends the status back; the server
//! receives the status, updates the resource, broadcasts it and sends it to the subscribers.
//! The first stage with no line is named, with the lines found as evidence.
//!
//! Lines are gathered by the identifiers the loader extracted (`logs.resource_id`, `op_id`,
//! `work_name`, `cid`): no text search at query time. The agent's apply lines carry only the
//! object's name; they come with the one bundle that applies that object, as in
//! `mwtrace transitions` (one attribution, [`attributed_by_name_sql`]).

use std::collections::BTreeSet;

use duckdb::Connection;
use serde_json::Value;

use super::Query;
use super::model::*;
use crate::log_query::{LogLine, SELECT_LINE, line_of};
use crate::query::rows;
use crate::store::SnapshotFacts;
use crate::transitions::stages::{
    NAMED_OBJECT_COLUMNS, Role, STAGES, attributed_by_name_sql, stage_of,
};

/// Failure messages of the Maestro code paths (the skill's error scan).
const ERROR_SCAN: [&str; 5] = [
    "failed to publish resource",
    "failed to create status event",
    "unmatched consumer name",
    "failed to convert resource",
    "failed to decode cloudevent",
];

/// Messages that look like failures and are normal.
const BENIGN: [(&str, &str); 2] = [
    (
        "no clients registered on this instance",
        "normal: no gRPC subscriber for this consumer on this replica",
    ),
    (
        "skipping resource status update as it is not owned by the current instance",
        "normal: another replica owns this status update (shared subscription)",
    ),
];

/// Most entries read for one trace; the stages and errors are computed over these.
const READ_MAX: usize = 5000;

/// Resources an operation touched: from the DB (`resources.op_id`), else from the log lines
/// that carry both the op-id and a resource id the DB knows.
pub(crate) fn resources_of_op(conn: &Connection, op: &str) -> duckdb::Result<Vec<String>> {
    let op = op.trim();
    let mut ids: Vec<String> = rows(
        conn,
        "SELECT id FROM resources WHERE op_id = ? ORDER BY id",
        [op],
        |r| r.get(0),
    )?;
    if ids.is_empty() {
        ids = rows(
            conn,
            "SELECT DISTINCT l.resource_id FROM logs l JOIN resources r ON r.id = l.resource_id
             WHERE l.op_id = ? ORDER BY 1",
            [op],
            |r| r.get(0),
        )?;
    }
    Ok(ids)
}

fn in_list(column: &str, n: usize) -> String {
    match n {
        0 => "false".to_string(),
        n => format!("{column} IN ({})", vec!["?"; n].join(", ")),
    }
}

fn strings(conn: &Connection, sql: &str, params: &[&String]) -> duckdb::Result<BTreeSet<String>> {
    let found: Vec<Option<String>> =
        rows(conn, sql, duckdb::params_from_iter(params.iter()), |r| {
            r.get(0)
        })?;
    Ok(found.into_iter().flatten().collect())
}

/// Adds the `logs` section to a finished trace.
pub fn attach(conn: &Connection, query: &Query, report: &mut TraceReport) -> duckdb::Result<()> {
    let ctx = SnapshotFacts::read(conn)?;
    let mut rids: BTreeSet<String> = BTreeSet::new();
    let mut ops: BTreeSet<String> = BTreeSet::new();
    let mut works: BTreeSet<String> = BTreeSet::new();
    let mut cids: BTreeSet<String> = BTreeSet::new();
    match query {
        Query::ResourceId(id) => {
            rids.insert(id.trim().to_lowercase());
        }
        Query::OpId(op) => {
            ops.insert(op.trim().to_string());
        }
        Query::WorkName(name) => {
            works.insert(name.trim().to_string());
        }
        Query::ClusterId(cid) => {
            cids.insert(cid.trim().to_string());
        }
        Query::Manifest(_) | Query::Search(_) => {}
    }
    rids.extend(report.works.iter().map(|w| w.resource_id.clone()));
    rids.extend(report.chains.iter().filter_map(|c| c.resource_id.clone()));
    if let Some(cluster) = &report.cluster {
        rids.extend(cluster.resources.iter().map(|r| r.resource_id.clone()));
    }
    let by_op = matches!(query, Query::OpId(_));
    if by_op {
        let list: Vec<&String> = ops.iter().collect();
        rids.extend(strings(
            conn,
            &format!(
                "SELECT DISTINCT resource_id FROM logs WHERE {} AND resource_id IS NOT NULL",
                in_list("op_id", list.len())
            ),
            &list,
        )?);
    } else if !rids.is_empty() {
        // Every operation on these resources, so that lines without a resource id (Clusters
        // Service's) come too.
        let list: Vec<&String> = rids.iter().collect();
        ops.extend(strings(
            conn,
            &format!(
                "SELECT op_id FROM resources WHERE {} AND op_id IS NOT NULL",
                in_list("id", list.len())
            ),
            &list,
        )?);
        ops.extend(strings(
            conn,
            &format!(
                "SELECT DISTINCT op_id FROM logs WHERE {} AND op_id IS NOT NULL",
                in_list("resource_id", list.len())
            ),
            &list,
        )?);
    }

    let rid_list: Vec<&String> = rids.iter().collect();
    let op_list: Vec<&String> = ops.iter().collect();
    let work_list: Vec<&String> = works.iter().collect();
    let cid_list: Vec<&String> = cids.iter().collect();
    // The agent's apply lines name the object, not the resource: those attributed to one of
    // these resources by name (as `mwtrace transitions` counts them). Takes `rid_list`.
    let by_name = attributed_by_name_sql(&format!(
        "SELECT cluster, namespace, pod, container, line, resource_id, {NAMED_OBJECT_COLUMNS}
         FROM logs WHERE resource_id IS NULL AND fields ->> 'resourceName' IS NOT NULL"
    ));
    let named = format!(
        "EXISTS (SELECT 1 FROM ({by_name}) n
            WHERE {} AND n.cluster = logs.cluster AND n.namespace = logs.namespace
              AND n.pod = logs.pod AND n.container = logs.container AND n.line = logs.line)",
        in_list("n.rid", rid_list.len())
    );
    let (filter, params): (String, Vec<&String>) = if by_op {
        // The op's own lines, and the resource's lines without an op-id (the status broadcast,
        // the agent's apply) from the op's first line to 30 s after its last.
        let window = format!(
            "SELECT min(ts) AS lo, max(ts) + INTERVAL 30 SECOND AS hi FROM logs WHERE {}",
            in_list("op_id", op_list.len())
        );
        let filter = format!(
            "{} OR (({} OR {named}) AND op_id IS NULL AND ts BETWEEN (SELECT lo FROM ({window})) AND (SELECT hi FROM ({window})))",
            in_list("op_id", op_list.len()),
            in_list("resource_id", rid_list.len())
        );
        let mut params = op_list.clone();
        params.extend(&rid_list);
        params.extend(&rid_list);
        params.extend(&op_list);
        params.extend(&op_list);
        (filter, params)
    } else {
        let filter = format!(
            "{} OR {} OR {} OR {} OR {named}",
            in_list("resource_id", rid_list.len()),
            in_list("op_id", op_list.len()),
            in_list("work_name", work_list.len()),
            in_list("cid", cid_list.len()),
        );
        let mut params = rid_list.clone();
        params.extend(&op_list);
        params.extend(&work_list);
        params.extend(&cid_list);
        params.extend(&rid_list);
        (filter, params)
    };
    let total: i64 = rows(
        conn,
        &format!("SELECT count(*) FROM logs WHERE {filter}"),
        duckdb::params_from_iter(params.iter()),
        |r| r.get(0),
    )?
    .into_iter()
    .next()
    .unwrap_or(0);
    let lines: Vec<LogLine> = rows(
        conn,
        &format!(
            "SELECT {SELECT_LINE} FROM logs WHERE {filter}
             ORDER BY ts NULLS LAST, cluster, namespace, pod, container, line LIMIT {READ_MAX}"
        ),
        duckdb::params_from_iter(params.iter()),
        |r| line_of(r, 0),
    )?;
    let snapshot_lines: i64 = rows(conn, "SELECT count(*) FROM logs", [], |r| r.get(0))?
        .into_iter()
        .next()
        .unwrap_or(0);

    let mut trace = build(
        rids.into_iter().collect(),
        ops.into_iter().collect(),
        total,
        snapshot_lines,
        &lines,
    );
    note_verbosity(conn, &mut trace)?;
    note_truncation(conn, &mut trace)?;
    if let Some(step) = next_step(conn, &ctx, &trace) {
        report.next_steps.push(step);
    }
    if report.outcome == Outcome::NotFound && trace.lines > 0 {
        report.outcome = Outcome::Found;
        report.message = format!(
            "Not in the Maestro DB of the snapshot; {} log entries mention it. {}",
            trace.lines, trace.verdict
        );
    }
    report.logs = Some(trace);
    Ok(())
}

fn evidence(line: &LogLine, stage: Option<usize>) -> LogEvidence {
    let msg = line.msg.to_lowercase();
    let error = ["err", "error"]
        .iter()
        .find_map(|k| line.fields.get(*k))
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    LogEvidence {
        ts: line.ts.clone(),
        cluster: line.cluster.clone(),
        namespace: line.namespace.clone(),
        pod: line.pod.clone(),
        container: line.container.clone(),
        line: line.line,
        level: line.level.clone(),
        component: line.component.clone(),
        msg: line.msg.clone(),
        error,
        stage: stage.map(|i| STAGES[i].name.to_string()),
        note: BENIGN
            .iter()
            .find(|(needle, _)| msg.contains(needle))
            .map(|(_, note)| note.to_string()),
        raw: line.raw.clone(),
    }
}

fn is_error(line: &LogLine) -> bool {
    let msg = line.msg.to_lowercase();
    matches!(line.level.as_deref(), Some("error" | "panic" | "fatal"))
        || ERROR_SCAN.iter().any(|needle| msg.contains(needle))
}

fn build(
    resource_ids: Vec<String>,
    op_ids: Vec<String>,
    total: i64,
    snapshot_lines: i64,
    lines: &[LogLine],
) -> LogTrace {
    let mut stages: Vec<LogStage> = STAGES
        .iter()
        .map(|s| LogStage {
            name: s.name.to_string(),
            title: s.title.to_string(),
            component: s.role.component().to_string(),
            status: "missing".to_string(),
            count: 0,
            first_ts: None,
            note: None,
            evidence: Vec::new(),
        })
        .collect();
    let mut timeline = Vec::new();
    let mut errors = Vec::new();
    for line in lines {
        let stage = stage_of(line);
        let item = evidence(line, stage);
        if let Some(i) = stage {
            let s = &mut stages[i];
            s.status = "ok".to_string();
            s.count += 1;
            if s.first_ts.is_none() {
                s.first_ts = line.ts.clone();
            }
            if s.evidence.len() < 3 {
                s.evidence.push(item.clone());
            }
        }
        if is_error(line) && item.note.is_none() {
            errors.push(item.clone());
        }
        if timeline.len() < LogTrace::TIMELINE_MAX {
            timeline.push(item);
        }
    }
    let first_missing = stages.iter().position(|s| s.status == "missing");
    let last_seen = stages.iter().rposition(|s| s.status == "ok");
    for (i, stage) in stages.iter_mut().enumerate() {
        if stage.status == "missing" && STAGES[i].verbose_only {
            stage.note = Some(if last_seen.is_some_and(|last| last > i) {
                "not logged, but later stages are: this stage is logged only at -v=2 or higher"
                    .to_string()
            } else {
                "logged only at -v=2 or higher: absent also when the pod logs at a lower verbosity"
                    .to_string()
            });
        }
        if stage.status == "missing"
            && STAGES[i].layer == Some(4)
            && last_seen.is_some_and(|last| last > i)
        {
            stage.note = Some(
                "not found, but later stages are: the agent's apply line names the object, not \
                 the resource, and is taken only when no other bundle applies that object \
                 (applies with the Update strategy log none)"
                    .to_string(),
            );
        }
    }
    let verdict = verdict(
        total,
        snapshot_lines,
        &stages,
        first_missing,
        last_seen,
        &errors,
    );
    LogTrace {
        resource_ids,
        op_ids,
        lines: total,
        snapshot_lines,
        first_missing_stage: first_missing.map(|i| stages[i].name.clone()),
        last_stage_seen: last_seen.map(|i| stages[i].name.clone()),
        stages,
        verdict,
        errors,
        timeline,
        truncated_files: Vec::new(),
    }
}

/// Says which log files the load cut: what is missing from them may lie past the cut.
fn note_truncation(conn: &Connection, trace: &mut LogTrace) -> duckdb::Result<()> {
    trace.truncated_files = crate::load::issues::truncated_logs(conn)?;
    if !trace.truncated_files.is_empty() {
        trace.verdict.push_str(&format!(
            " ({} log files were cut at load, see `info`: what is missing may lie past the cut)",
            trace.truncated_files.len()
        ));
    }
    Ok(())
}

fn verdict(
    total: i64,
    snapshot_lines: i64,
    stages: &[LogStage],
    first_missing: Option<usize>,
    last_seen: Option<usize>,
    errors: &[LogEvidence],
) -> String {
    if snapshot_lines == 0 {
        return "The snapshot holds no logs (collect with --logs, or import pod logs)".to_string();
    }
    if total == 0 {
        return format!("No log entry mentions it ({snapshot_lines} entries in the snapshot)");
    }
    let mut text = match (first_missing, last_seen) {
        (None, _) => "Every stage is logged: the spec reached the agent and the status came back \
                      to the subscribers"
            .to_string(),
        (Some(_), None) => format!(
            "{total} log entries mention it, but none is a Maestro request stage \
             (server/agent logs missing?)"
        ),
        (Some(missing), Some(last)) => {
            let m = &stages[missing];
            let l = &stages[last];
            let mut t = format!(
                "First missing stage: {} ({}); last stage logged: {} at {}",
                m.name,
                m.title,
                l.name,
                l.first_ts.as_deref().unwrap_or("an unknown time")
            );
            if last > missing {
                t.push_str(" (later stages are logged, so the gap is verbosity, not a failure)");
            }
            t
        }
    };
    if let Some(e) = errors.first() {
        text.push_str(&format!(
            "; {} error{}, first: {}{}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            e.msg,
            e.error
                .as_ref()
                .map(|err| format!(": {err}"))
                .unwrap_or_default()
        ));
    }
    text
}

/// A missing -v=2 stage whose message other requests do log: the pods log at that verbosity,
/// so the stage did not happen for this request.
fn note_verbosity(conn: &Connection, trace: &mut LogTrace) -> duckdb::Result<()> {
    let last_seen = trace.stages.iter().rposition(|s| s.status == "ok");
    for (i, stage) in trace.stages.iter_mut().enumerate() {
        let def = &STAGES[i];
        if stage.status != "missing" || !def.verbose_only || last_seen.is_some_and(|l| l > i) {
            continue;
        }
        let elsewhere: i64 = rows(
            conn,
            "SELECT count(*) FROM logs WHERE component = ? AND contains(lower(msg), ?)",
            [def.role.component(), def.needles[0]],
            |r| r.get(0),
        )?
        .into_iter()
        .next()
        .unwrap_or(0);
        if elsewhere > 0 {
            stage.note = Some(format!(
                "not logged for this request, though the {} logs it for others ({elsewhere} {}): \
                 it runs at -v=2, so this stage did not happen",
                def.role.component(),
                if elsewhere == 1 { "entry" } else { "entries" }
            ));
        }
    }
    Ok(())
}

/// Where to look on the live system for the first missing stage.
fn next_step(conn: &Connection, ctx: &SnapshotFacts, trace: &LogTrace) -> Option<String> {
    let missing = trace.first_missing_stage.as_deref()?;
    let def = STAGES.iter().find(|s| s.name == missing)?;
    let id = trace
        .op_ids
        .first()
        .or(trace.resource_ids.first())?
        .replace(['\'', '"', '$', '`', '\\'], "");
    Some(match def.role {
        Role::Server => format!(
            "{} -n maestro logs -l app=maestro --since=1h --prefix | grep -i '{id}'",
            ctx.service_kubectl()
        ),
        Role::Agent => {
            let cluster = trace
                .timeline
                .iter()
                .find(|l| l.component.as_deref() == Some("maestro-agent"))
                .map(|l| l.cluster.clone())
                .or_else(|| {
                    rows(
                        conn,
                        "SELECT name FROM clusters WHERE role = 'management' ORDER BY name LIMIT 1",
                        [],
                        |r| r.get::<_, String>(0),
                    )
                    .ok()
                    .and_then(|v| v.into_iter().next())
                });
            let kubectl = cluster
                .map(|c| ctx.kubectl(&c))
                .unwrap_or_else(|| "kubectl".to_string());
            format!(
                "{kubectl} -n maestro logs -l app=maestro-agent --since=1h --prefix | grep -i '{id}'"
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(component: &str, msg: &str, level: &str) -> LogLine {
        LogLine {
            ts: Some("2026-11-21T09:12:30.000000Z".into()),
            cluster: "c".into(),
            namespace: "maestro".into(),
            pod: "p".into(),
            container: "c".into(),
            line: 1,
            level: Some(level.into()),
            logger: None,
            caller: None,
            msg: msg.into(),
            fields: serde_json::json!({}),
            raw: msg.into(),
            format: "klog".into(),
            component: Some(component.into()),
            resource_id: None,
            op_id: None,
            work_name: None,
            cid: None,
        }
    }

    #[test]
    fn stages_by_component_and_message() {
        let server = |m: &str| stage_of(&line("maestro-server", m, "info")).map(|i| STAGES[i].name);
        let agent = |m: &str| stage_of(&line("maestro-agent", m, "info")).map(|i| STAGES[i].name);
        assert_eq!(server("Sending event"), Some("sent_to_agent"));
        assert_eq!(agent("Sending event"), Some("status_sent_by_agent"));
        assert_eq!(agent("Received event"), Some("received_by_agent"));
        assert_eq!(agent("Server side applied"), Some("applied_by_agent"));
        assert_eq!(
            agent("Noop because its read-only"),
            Some("applied_by_agent")
        );
        assert_eq!(
            server("received status update for resource"),
            Some("status_received")
        );
        assert_eq!(
            server("Publishing resource for db row delete"),
            Some("published")
        );
        assert_eq!(agent("receive the event from client"), None);
        let mut other = line("x", "Sending event", "info");
        other.component = None;
        other.fields = serde_json::json!({"eventType": "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request"});
        assert_eq!(
            stage_of(&other).map(|i| STAGES[i].name),
            Some("status_sent_by_agent")
        );
    }

    #[test]
    fn the_first_missing_stage_and_the_errors() {
        let lines = vec![
            line("maestro-server", "receive the event from client", "info"),
            line(
                "maestro-server",
                "Publishing resource for db row insert",
                "info",
            ),
            line("maestro-server", "Failed to publish resource", "error"),
            line(
                "maestro-server",
                "no clients registered on this instance",
                "error",
            ),
        ];
        let t = build(vec!["r".into()], vec![], 4, 10, &lines);
        assert_eq!(t.first_missing_stage.as_deref(), Some("sent_to_agent"));
        assert_eq!(t.last_stage_seen.as_deref(), Some("published"));
        assert_eq!(t.errors.len(), 1, "the benign line is not an error");
        assert!(
            t.verdict.starts_with("First missing stage: sent_to_agent"),
            "{}",
            t.verdict
        );
        assert!(
            t.verdict.contains("Failed to publish resource"),
            "{}",
            t.verdict
        );
        assert!(t.timeline[3].note.as_deref().unwrap().starts_with("normal"));
    }

    /// An apply line that could not be given to the request (its object is shared) is noted
    /// as such when later stages are there, and left silent when the request stopped before.
    #[test]
    fn a_missing_apply_line_behind_later_stages_says_why() {
        let received = line("maestro-agent", "Received event", "info");
        let status = line("maestro-agent", "Sending event", "info");
        let t = build(vec!["r".into()], vec![], 2, 10, &[received.clone(), status]);
        let applied = t.stages.iter().find(|s| s.name == "applied_by_agent");
        let note = applied.and_then(|s| s.note.as_deref()).unwrap_or_default();
        assert!(
            note.starts_with("not found, but later stages are"),
            "{note}"
        );
        let t = build(vec!["r".into()], vec![], 1, 10, &[received]);
        let applied = t.stages.iter().find(|s| s.name == "applied_by_agent");
        assert_eq!(applied.map(|s| s.note.is_none()), Some(true));
    }

    #[test]
    fn a_verbosity_gap_is_not_a_failure() {
        let lines = vec![
            line("maestro-server", "receive the event from client", "info"),
            line(
                "maestro-server",
                "Publishing resource for db row update",
                "info",
            ),
            line(
                "maestro-server",
                "received status update for resource",
                "info",
            ),
        ];
        let t = build(vec![], vec!["op".into()], 3, 3, &lines);
        assert_eq!(t.first_missing_stage.as_deref(), Some("sent_to_agent"));
        assert!(t.verdict.contains("verbosity"), "{}", t.verdict);
        assert!(
            t.stages[2]
                .note
                .as_deref()
                .unwrap()
                .contains("later stages are")
        );
    }

    #[test]
    fn no_logs_at_all() {
        let t = build(vec!["r".into()], vec![], 0, 0, &[]);
        assert!(t.verdict.contains("no logs"), "{}", t.verdict);
        assert_eq!(
            t.first_missing_stage.as_deref(),
            Some("received_from_client")
        );
    }
}
