-- timeline: every dated fact of the snapshot, one row each, for `mwtrace timeline` and for SQL.
-- Runs after derive.sql. A table, not a view: the facts come from large tables (logs, object
-- history) and a cached `timeline --cluster-id` must answer in milliseconds, so they are
-- gathered once at load time, ordered by the hosted cluster they belong to.
--
-- Each fact names its source (`db`: the Maestro DB, clock of the DB server; `cluster`: a live
-- object's own timestamps, clock of its API server; `history`: a revision from the Kusto export,
-- clock of the informer that recorded it; `log`: a container log line, clock of its node), the
-- object it is about, and, where known, the resource bundle (`resource_id`) and hosted cluster
-- (`cid`) it belongs to. `level` is `error` or `warning` for facts that say something went
-- wrong (a condition turning bad, a failed apply, a deletion, a warning or error log line).

-- The cid of an object: its api.openshift.com/id label, its ocm-<env>-<cid>[-<name>] namespace,
-- a ManagedCluster's name, or a local-cluster ManifestWork named <cid>[-...].
CREATE TEMP MACRO mw_object_cid(labels, kind, namespace, name) AS
    coalesce(mw_label(labels, 'api.openshift.com/id'),
             mw_cid_from_namespace(namespace),
             CASE WHEN kind = 'ManagedCluster' THEN name END,
             CASE WHEN kind = 'ManifestWork' AND namespace = 'local-cluster'
                  THEN nullif(regexp_extract(name, '^([a-z0-9]{32})(-|$)', 1), '') END);

-- Conditions whose True (or False) is the healthy state; a change away from it is a problem.
CREATE TEMP MACRO mw_condition_level(type, status) AS
    CASE
        WHEN type IN ('Degraded', 'Deleting') AND status = 'True' THEN 'error'
        WHEN type IN ('Available', 'Applied', 'Ready', 'ManagedClusterConditionAvailable',
                      'ManagedClusterJoined', 'HubAcceptedManagedCluster', 'AllMachinesReady',
                      'AllNodesHealthy', 'ReconciliationSucceeded', 'ValidConfiguration',
                      'ValidReleaseImage')
             AND status IN ('False', 'Unknown') THEN 'error'
        ELSE 'info'
    END;

CREATE TABLE timeline AS
WITH amw_links AS (
    SELECT cluster, name, resource_id FROM applied_manifest_works WHERE resource_id IS NOT NULL
), facts AS (
    -- The Maestro DB: a resource bundle created, last updated (the DB keeps no earlier update)
    -- and soft-deleted.
    SELECT created_at AS ts, 'db' AS source, consumer_name AS cluster,
           'MaestroResource' AS kind, NULL AS namespace, id AS name, id AS resource_id, cid,
           'created' AS event,
           'work ' || coalesce(work_name, '?') || ', version ' || coalesce(version::VARCHAR, '?')
               AS detail,
           'info' AS level
    FROM resources WHERE created_at IS NOT NULL
    UNION ALL
    SELECT updated_at, 'db', consumer_name, 'MaestroResource', NULL, id, id, cid,
           'updated', 'last update, version ' || coalesce(version::VARCHAR, '?')
               || CASE WHEN observed_version IS NOT NULL
                       THEN ' (agent reported version ' || observed_version || ')' ELSE '' END,
           'info'
    FROM resources WHERE updated_at IS NOT NULL AND updated_at IS DISTINCT FROM created_at
    UNION ALL
    SELECT deleted_at, 'db', consumer_name, 'MaestroResource', NULL, id, id, cid,
           'deleted', 'soft-deleted (deleted_at set); the agent removes the work', 'warning'
    FROM resources WHERE deleted_at IS NOT NULL
    UNION ALL
    -- The work-level conditions of a bundle's DB status (as the agent reported them).
    SELECT c.last_transition_time, 'db', r.consumer_name, 'MaestroResource', NULL, r.id, r.id,
           r.cid, 'status condition',
           coalesce(c.type, '?') || ' -> ' || coalesce(c.status, '?')
               || CASE WHEN c.reason IS NOT NULL THEN ' (' || c.reason || ')' ELSE '' END
               || CASE WHEN c.message IS NOT NULL AND c.message <> ''
                       THEN ': ' || c.message ELSE '' END,
           mw_condition_level(c.type, c.status)
    FROM resource_conditions c JOIN resources r ON r.id = c.resource_id
    WHERE c.last_transition_time IS NOT NULL
    UNION ALL
    -- Spec events: written by the server, reconciled once delivered.
    SELECT e.created_at, 'db', r.consumer_name, 'Event', NULL, e.id, e.source_id, r.cid,
           lower(coalesce(e.event_type, '?')) || ' event',
           CASE WHEN e.reconciled_date IS NULL THEN 'not reconciled at the snapshot'
                ELSE 'reconciled ' || strftime(e.reconciled_date, '%Y-%m-%dT%H:%M:%SZ') END,
           CASE WHEN e.reconciled_date IS NULL THEN 'warning' ELSE 'info' END
    FROM events e LEFT JOIN resources r ON r.id = e.source_id
    WHERE e.created_at IS NOT NULL
    UNION ALL
    SELECT s.created_at, 'db', r.consumer_name, 'StatusEvent', NULL, s.id, s.resource_id, r.cid,
           lower(coalesce(s.status_event_type, '?')) || ' status event',
           CASE WHEN s.reconciled_date IS NULL THEN 'not reconciled at the snapshot'
                ELSE 'reconciled' END,
           'info'
    FROM status_events s LEFT JOIN resources r ON r.id = s.resource_id
    WHERE s.created_at IS NOT NULL
    UNION ALL
    -- Live objects: created, and deletion requested (deletionTimestamp).
    SELECT o.created_at, 'cluster', o.cluster, o.kind, o.namespace, o.name, a.resource_id,
           mw_object_cid(o.labels, o.kind, o.namespace, o.name),
           CASE WHEN o.reconstructed_at IS NULL THEN 'created'
                ELSE 'created (object reconstructed from history)' END,
           'uid ' || coalesce(o.uid, '?'), 'info'
    FROM objects o LEFT JOIN amw_links a ON o.kind = 'AppliedManifestWork'
                                         AND a.cluster = o.cluster AND a.name = o.name
    WHERE o.created_at IS NOT NULL AND o.kind IS DISTINCT FROM 'Event'
    UNION ALL
    SELECT o.deleted_at, 'cluster', o.cluster, o.kind, o.namespace, o.name, a.resource_id,
           mw_object_cid(o.labels, o.kind, o.namespace, o.name),
           'deletion requested',
           'finalizers: ' || coalesce(CAST(o.object -> '$.metadata.finalizers' AS VARCHAR), 'none'),
           'warning'
    FROM objects o LEFT JOIN amw_links a ON o.kind = 'AppliedManifestWork'
                                         AND a.cluster = o.cluster AND a.name = o.name
    WHERE o.deleted_at IS NOT NULL
    UNION ALL
    -- Live objects' conditions: the last transition of each.
    SELECT c.last_transition_time, 'cluster', c.cluster, c.kind, c.namespace, c.name,
           a.resource_id, mw_object_cid(o.labels, c.kind, c.namespace, c.name),
           'condition',
           coalesce(c.type, '?') || ' -> ' || coalesce(c.status, '?')
               || CASE WHEN c.reason IS NOT NULL THEN ' (' || c.reason || ')' ELSE '' END
               || CASE WHEN c.message IS NOT NULL AND c.message <> ''
                       THEN ': ' || c.message ELSE '' END,
           mw_condition_level(c.type, c.status)
    FROM conditions c
    LEFT JOIN objects o ON o.cluster = c.cluster AND o.kind = c.kind
                       AND o.namespace IS NOT DISTINCT FROM c.namespace AND o.name = c.name
    LEFT JOIN amw_links a ON c.kind = 'AppliedManifestWork' AND a.cluster = c.cluster
                         AND a.name = c.name
    WHERE c.source = 'object' AND c.last_transition_time IS NOT NULL
    UNION ALL
    -- Kubernetes Events about objects.
    SELECT coalesce(mw_ts(o.object ->> 'lastTimestamp'), mw_ts(o.object ->> 'eventTime'),
                    o.created_at),
           'cluster', o.cluster, o.object -> 'involvedObject' ->> 'kind',
           o.object -> 'involvedObject' ->> 'namespace', o.object -> 'involvedObject' ->> 'name',
           NULL, mw_cid_from_namespace(o.object -> 'involvedObject' ->> 'namespace'),
           'k8s event ' || coalesce(o.object ->> 'reason', '?'),
           coalesce(o.object ->> 'message', ''),
           CASE WHEN o.object ->> 'type' = 'Warning' THEN 'warning' ELSE 'info' END
    FROM objects o WHERE o.kind = 'Event'
    UNION ALL
    -- Object revisions from the history export, with what an Update changed.
    SELECT h.ts, 'history', h.cluster, h.kind, h.namespace, h.name, a.resource_id,
           mw_object_cid(h.object -> '$.metadata.labels', h.kind, h.namespace, h.name),
           lower(h.event),
           CASE h.event
               WHEN 'Update' THEN
                   CASE WHEN h.changed_paths IS NULL THEN 'first revision in the export'
                        WHEN len(h.changed_paths) = 0 THEN 'no change but heartbeats'
                        ELSE 'changed ' || array_to_string(h.changed_paths[1:8], ', ')
                             || CASE WHEN len(h.changed_paths) > 8
                                     THEN ' and ' || (len(h.changed_paths) - 8) || ' more'
                                     ELSE '' END
                   END
               ELSE 'uid ' || coalesce(h.uid, '?')
           END,
           CASE WHEN h.event = 'Delete' THEN 'warning' ELSE 'info' END
    FROM object_history h
    LEFT JOIN amw_links a ON h.kind = 'AppliedManifestWork' AND a.cluster = h.cluster
                         AND a.name = h.name
    WHERE h.ts IS NOT NULL
    UNION ALL
    -- Condition transitions seen in the history: each run of a condition state, from its
    -- transition time (else the first revision that showed it). A turn from a healthy state to
    -- a bad one is an error; a condition first seen bad (an object being created) a warning.
    SELECT coalesce(c.last_transition_time, c.first_seen), 'history', c.cluster, c.kind,
           c.namespace, c.name, a.resource_id,
           mw_object_cid(NULL, c.kind, c.namespace, c.name),
           'condition',
           coalesce(c.type, '?') || ' ' || coalesce(c.previous, '(new)')
               || '->' || coalesce(c.status, '?')
               || CASE WHEN c.reason IS NOT NULL THEN ' (' || c.reason || ')' ELSE '' END
               || CASE WHEN c.message IS NOT NULL AND c.message <> ''
                       THEN ': ' || c.message ELSE '' END,
           CASE WHEN mw_condition_level(c.type, c.status) = 'info' THEN 'info'
                WHEN c.previous IS NULL THEN 'warning'
                ELSE 'error' END
    FROM (SELECT *, lag(status) OVER (PARTITION BY cluster, kind, namespace, name, uid, type
                                      ORDER BY first_seen) AS previous
          FROM condition_history) c
    LEFT JOIN amw_links a ON c.kind = 'AppliedManifestWork' AND a.cluster = c.cluster
                         AND a.name = c.name
    UNION ALL
    -- Log lines about a resource bundle, and every warning and error.
    SELECT l.ts, 'log', l.cluster, 'Log', l.namespace, l.pod || '/' || l.container,
           l.resource_id, coalesce(l.cid, r.cid),
           coalesce(lower(l.level), 'line'), coalesce(l.msg, l.raw),
           CASE WHEN lower(l.level) IN ('error', 'fatal', 'panic') THEN 'error'
                WHEN lower(l.level) IN ('warn', 'warning') THEN 'warning'
                ELSE 'info' END
    FROM logs l LEFT JOIN resources r ON r.id = l.resource_id
    WHERE l.ts IS NOT NULL
      AND (l.resource_id IS NOT NULL OR l.cid IS NOT NULL
           OR lower(l.level) IN ('error', 'fatal', 'panic', 'warn', 'warning'))
)
-- A fact about a resource bundle belongs to the bundle's hosted cluster too, so that a
-- cluster's timeline is one lookup on cid_key.
SELECT f.ts, f.source, f.cluster, f.kind, f.namespace, f.name, f.resource_id,
       coalesce(f.cid, r.cid) AS cid, f.event, f.detail, f.level,
       hash(coalesce(f.cid, r.cid)) AS cid_key, hash(f.resource_id) AS resource_id_key
FROM facts f LEFT JOIN (SELECT id, cid FROM resources WHERE id IS NOT NULL) r
                    ON r.id = f.resource_id
WHERE f.ts IS NOT NULL
ORDER BY cid_key, f.ts;
