//! The one definition of where a Maestro request shows in the server and agent logs: each stage
//! with its side, the lowercase messages that mark it, whether sdk-go logs it only at `-v=2`,
//! and which of the seven layers of the SREs' transitions matrix it is. `trace --logs` matches
//! lines with [`stage_of`]; `mwtrace transitions` counts them in SQL with [`layer_sql`], which is
//! generated from the same table (and tested to agree with [`stage_of`]), so the two cannot
//! drift apart. Both attribute the agent's apply lines, which name the object and not the
//! resource id, with the one [`attributed_by_name_sql`].

use serde_json::Value;

use crate::log_query::LogLine;

/// Which side of Maestro logs a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    Server,
    Agent,
}

impl Role {
    pub(crate) fn component(self) -> &'static str {
        match self {
            Role::Server => "maestro-server",
            Role::Agent => "maestro-agent",
        }
    }
}

pub(crate) struct StageDef {
    pub(crate) name: &'static str,
    pub(crate) title: &'static str,
    pub(crate) role: Role,
    /// Lowercase text the message contains (any of them).
    pub(crate) needles: &'static [&'static str],
    /// sdk-go logs these events only at klog -v=2 or higher.
    pub(crate) verbose_only: bool,
    /// The layer (1-7) of the transitions matrix, when the stage is one.
    pub(crate) layer: Option<u8>,
    /// The words for a layer that never happened.
    pub(crate) never: &'static str,
}

pub(crate) const STAGES: [StageDef; 10] = [
    StageDef {
        name: "received_from_client",
        title: "server received the spec from the client",
        role: Role::Server,
        needles: &["receive the event from client"],
        verbose_only: false,
        layer: Some(1),
        never: "the server never received the spec from the client",
    },
    StageDef {
        name: "published",
        title: "server published the resource",
        role: Role::Server,
        needles: &["publishing resource"],
        verbose_only: false,
        layer: None,
        never: "the server never published the resource",
    },
    StageDef {
        name: "sent_to_agent",
        title: "server sent the event to the agent",
        role: Role::Server,
        needles: &["sending event"],
        verbose_only: true,
        layer: Some(2),
        never: "the server never sent the spec to the broker",
    },
    StageDef {
        name: "received_by_agent",
        title: "agent received the event",
        role: Role::Agent,
        needles: &["received event"],
        verbose_only: true,
        layer: Some(3),
        never: "the agent never received the spec",
    },
    StageDef {
        name: "applied_by_agent",
        title: "agent acted on the cluster",
        role: Role::Agent,
        needles: &["server side applied", "noop because its read-only"],
        verbose_only: false,
        layer: Some(4),
        never: "the agent never applied the manifests on the cluster",
    },
    StageDef {
        name: "status_sent_by_agent",
        title: "agent sent the status",
        role: Role::Agent,
        needles: &["sending event"],
        verbose_only: true,
        layer: Some(5),
        never: "the agent never sent the status back",
    },
    StageDef {
        name: "status_received",
        title: "server received the status update",
        role: Role::Server,
        needles: &["received status update"],
        verbose_only: false,
        layer: None,
        never: "the server never received the status update",
    },
    StageDef {
        name: "status_updated",
        title: "server updated the resource status",
        role: Role::Server,
        needles: &["updating resource status"],
        verbose_only: false,
        layer: Some(6),
        never: "the server never received the status from the broker",
    },
    StageDef {
        name: "status_broadcast",
        title: "server broadcast the status",
        role: Role::Server,
        needles: &["broadcast the resource status"],
        verbose_only: false,
        layer: None,
        never: "the server never broadcast the status",
    },
    StageDef {
        name: "sent_to_subscribers",
        title: "server sent the status to subscribers",
        role: Role::Server,
        needles: &["send the event to status subscribers"],
        verbose_only: false,
        layer: Some(7),
        never: "the server never sent the status to its subscribers",
    },
];

/// The columns an agent line names its object by (`resourceNamespace`/`resourceName`, the
/// resource of `gvr`), as `rns`, `rname` and `rres`, to select from `logs` for
/// [`attributed_by_name_sql`].
pub(crate) const NAMED_OBJECT_COLUMNS: &str = "fields ->> 'resourceName' AS rname, \
     coalesce(fields ->> 'resourceNamespace', '') AS rns, \
     nullif(regexp_extract(coalesce(fields ->> 'gvr', ''), 'Resource=([A-Za-z0-9.-]+)', 1), '') \
     AS rres";

/// Lines of the relation `lines` (the key columns of `logs`, `resource_id`, and
/// [`NAMED_OBJECT_COLUMNS`]) that carry no resource id but name an object, attributed to the
/// one bundle that applies that object: its layer-1 AppliedManifestWork lists it, or its
/// manifests name it (on its consumer's cluster when that is known). A line whose object
/// several bundles apply stays unattributed. Rows: `cluster, namespace, pod, container, line,
/// rid`.
pub(crate) fn attributed_by_name_sql(lines: &str) -> String {
    format!(
        "WITH applies AS (
             SELECT cluster, resource_id AS rid, coalesce(namespace, '') AS ns, name, resource
             FROM applied_resources WHERE layer = 1 AND resource_id IS NOT NULL
             UNION
             SELECT cc.cluster, m.resource_id, coalesce(m.namespace, ''), m.name, NULL
             FROM resource_manifests m JOIN resources r ON r.id = m.resource_id
             LEFT JOIN consumer_clusters cc ON cc.consumer = r.consumer_name
         )
         SELECT l.cluster, l.namespace, l.pod, l.container, l.line, any_value(a.rid) AS rid
         FROM ({lines}) l JOIN applies a
           ON a.name = l.rname AND a.ns = l.rns
          AND (a.cluster IS NULL OR a.cluster = l.cluster)
          AND (a.resource IS NULL OR l.rres IS NULL OR a.resource = l.rres)
         WHERE l.resource_id IS NULL AND l.rname IS NOT NULL
         GROUP BY ALL HAVING count(DISTINCT a.rid) = 1"
    )
}

/// The stage of the transitions matrix's layer `layer` (1-7).
pub(crate) fn of_layer(layer: u8) -> &'static StageDef {
    STAGES
        .iter()
        .find(|s| s.layer == Some(layer))
        .expect("every layer 1-7 is a stage")
}

/// The side that wrote a line: its pod's component, else (pods with other names) the
/// CloudEvent's direction: a spec event is sent by the server, a status event by the agent.
fn role_of(line: &LogLine) -> Option<Role> {
    match line.component.as_deref() {
        Some("maestro-server") => return Some(Role::Server),
        Some("maestro-agent") => return Some(Role::Agent),
        _ => {}
    }
    let event = line.fields.get("eventType").and_then(Value::as_str)?;
    let msg = line.msg.to_lowercase();
    match (event.contains(".spec."), msg.as_str()) {
        (true, "sending event") | (false, "received event") => Some(Role::Server),
        (true, "received event") | (false, "sending event") => Some(Role::Agent),
        _ => None,
    }
}

/// The index in [`STAGES`] of the stage a line marks.
pub(crate) fn stage_of(line: &LogLine) -> Option<usize> {
    let msg = line.msg.to_lowercase();
    let role = role_of(line)?;
    STAGES
        .iter()
        .position(|s| s.role == role && s.needles.iter().any(|n| msg.contains(n)))
}

/// [`role_of`] as SQL over the `logs` table: `'maestro-server'`, `'maestro-agent'` or NULL.
pub(crate) fn role_sql() -> String {
    "CASE WHEN component IN ('maestro-server', 'maestro-agent') THEN component \
          WHEN lower(msg) = 'sending event' AND contains(fields ->> 'eventType', '.spec.') \
               THEN 'maestro-server' \
          WHEN lower(msg) = 'received event' AND NOT contains(fields ->> 'eventType', '.spec.') \
               THEN 'maestro-server' \
          WHEN lower(msg) = 'received event' AND contains(fields ->> 'eventType', '.spec.') \
               THEN 'maestro-agent' \
          WHEN lower(msg) = 'sending event' AND NOT contains(fields ->> 'eventType', '.spec.') \
               THEN 'maestro-agent' END"
        .to_string()
}

/// [`stage_of`] as SQL over the `logs` table, restricted to the layers of the transitions
/// matrix: the layer (1-7) of a line, or NULL. The needles are constants of this file.
pub(crate) fn layer_sql() -> String {
    let role = role_sql();
    let mut sql = String::from("CASE");
    for stage in &STAGES {
        let test = stage
            .needles
            .iter()
            .map(|n| format!("contains(lower(msg), '{n}')"))
            .collect::<Vec<_>>()
            .join(" OR ");
        // A stage that is no layer still claims its lines first, as stage_of does.
        let then = match stage.layer {
            Some(layer) => layer.to_string(),
            None => "NULL".to_string(),
        };
        sql.push_str(&format!(
            " WHEN ({role}) = '{}' AND ({test}) THEN {then}",
            stage.role.component()
        ));
    }
    sql.push_str(" END");
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn line(component: Option<&str>, msg: &str, fields: Value) -> LogLine {
        LogLine {
            ts: Some("2026-11-21T09:12:30.000000Z".into()),
            cluster: "c".into(),
            namespace: "maestro".into(),
            pod: "p".into(),
            container: "c".into(),
            line: 1,
            level: Some("info".into()),
            logger: None,
            caller: None,
            msg: msg.into(),
            fields,
            raw: msg.into(),
            format: "klog".into(),
            component: component.map(str::to_string),
            resource_id: None,
            op_id: None,
            work_name: None,
            cid: None,
        }
    }

    #[test]
    fn every_layer_is_one_stage_in_order() {
        let layers: Vec<u8> = STAGES.iter().filter_map(|s| s.layer).collect();
        assert_eq!(layers, [1, 2, 3, 4, 5, 6, 7]);
        for s in &STAGES {
            assert!(
                s.needles
                    .iter()
                    .all(|n| *n == n.to_lowercase() && !n.contains('\''))
            );
        }
        assert_eq!(of_layer(3).never, "the agent never received the spec");
    }

    /// The SQL matcher and the Rust one agree, line by line.
    #[test]
    fn the_sql_matcher_is_the_rust_one() {
        let spec = serde_json::json!({"eventType": "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.update_request"});
        let status = serde_json::json!({"eventType": "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request"});
        let none = serde_json::json!({});
        let cases = [
            line(
                Some("maestro-server"),
                "receive the event from client",
                none.clone(),
            ),
            line(
                Some("maestro-server"),
                "Publishing resource for db row insert",
                none.clone(),
            ),
            line(Some("maestro-server"), "Sending event", spec.clone()),
            line(Some("maestro-agent"), "Received event", spec.clone()),
            line(Some("maestro-agent"), "Server side applied", none.clone()),
            line(
                Some("maestro-agent"),
                "Noop because its read-only",
                none.clone(),
            ),
            line(Some("maestro-agent"), "Sending event", status.clone()),
            line(
                Some("maestro-server"),
                "received status update for resource",
                none.clone(),
            ),
            line(
                Some("maestro-server"),
                "Updating resource status",
                none.clone(),
            ),
            line(
                Some("maestro-server"),
                "Broadcast the resource status",
                none.clone(),
            ),
            line(
                Some("maestro-server"),
                "send the event to status subscribers",
                none.clone(),
            ),
            line(None, "Sending event", spec.clone()),
            line(None, "Sending event", status.clone()),
            line(None, "Received event", spec),
            line(None, "Received event", status),
            line(
                Some("maestro-agent"),
                "receive the event from client",
                none.clone(),
            ),
            line(Some("clusters-service"), "Sending event", none.clone()),
            line(None, "Server side applied", none),
        ];
        let conn = duckdb::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE logs (component VARCHAR, msg VARCHAR, fields JSON)")
            .unwrap();
        for case in &cases {
            conn.execute(
                "INSERT INTO logs VALUES (?, ?, ?)",
                duckdb::params![case.component, case.msg, case.fields.to_string()],
            )
            .unwrap();
        }
        let sql = format!("SELECT ({}) FROM logs", layer_sql());
        let from_sql: Vec<Option<i64>> = crate::query::rows(&conn, &sql, [], |r| r.get(0)).unwrap();
        let from_rust: Vec<Option<i64>> = cases
            .iter()
            .map(|l| stage_of(l).and_then(|i| STAGES[i].layer).map(i64::from))
            .collect();
        assert_eq!(from_sql, from_rust);
        assert_eq!(
            from_rust,
            [
                Some(1),
                None,
                Some(2),
                Some(3),
                Some(4),
                Some(4),
                Some(5),
                None,
                Some(6),
                None,
                Some(7),
                Some(2),
                Some(5),
                Some(3),
                None,
                None,
                None,
                None
            ]
        );
    }
}
