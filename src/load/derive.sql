-- Derived tables of the mwtrace SQL schema (DESIGN.md §5), built once at load time from the raw
-- tables (resources, events, ..., objects) so that traces join on plain columns and never parse
-- JSON at query time. Runs after the raw tables exist. Each table and column is documented with
-- COMMENT ON, which `mwtrace schema` prints.

-- Empty status is SQL NULL or JSON null (maestro-data-model.md §2): treat both as "no status".
CREATE TEMP MACRO mw_json_or_null(v) AS
    CASE WHEN v IS NULL OR json_type(v) = 'NULL' THEN NULL ELSE v END;
CREATE TEMP MACRO mw_label(labels, key) AS json_extract_string(labels, '$."' || key || '"');
-- cid from a namespace named ocm-<env>-<cid>[-<hcName>] (kube-objects.md §3).
CREATE TEMP MACRO mw_cid_from_namespace(ns) AS
    nullif(regexp_extract(ns, '^ocm-[a-z0-9]+-([a-z0-9]{32})(-|$)', 1), '');
CREATE TEMP MACRO mw_is_uuid(s) AS
    regexp_full_match(coalesce(s, ''), '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}');
-- The elements of a JSON array (else none). Arrays are unnested in the SELECT list of a query
-- over the extracted list only: a lateral `FROM t, unnest(...)` would copy each row's wide
-- columns (whole objects, payloads) once per element.
CREATE TEMP MACRO mw_json_array(v) AS
    CASE WHEN json_type(v) = 'ARRAY' THEN json_extract(v, '$[*]') ELSE []::JSON[] END;

-- resources: derived columns -------------------------------------------------------------------
-- The table is rebuilt once with its derived columns (cheaper than UPDATE over wide rows), and
-- each payload and status is parsed once: json_extract with a list of paths returns them all.
CREATE TEMP MACRO mw_any_condition(conditions, t) AS
    list_bool_or(list_transform(list_filter(conditions, lambda c: c ->> 'type' = t),
                                lambda c: (c ->> 'status') = 'True'));

CREATE TABLE mw_resources_derived AS
WITH parsed AS (
    SELECT r.*,
           json_extract(r.payload, ['$.metadata', '$.data.manifests', '$.data.manifest',
                                    '$.spec.workload.manifests', '$.kind', '$.apiVersion',
                                    '$.logtracing']) AS mw_p,
           json_extract(mw_json_or_null(r.status), ['$.data.conditions', '$.resourceversion']) AS mw_s
    FROM resources r
), shaped AS (
    SELECT parsed.*,
           -- `metadata` is an object in current rows and a JSON string in rows written before
           -- 2024-06-25.
           CASE
               WHEN json_type(mw_p[1]) = 'OBJECT' THEN mw_p[1]
               WHEN json_type(mw_p[1]) = 'VARCHAR' AND json_valid(mw_p[1] ->> '$')
                   THEN CAST(mw_p[1] ->> '$' AS JSON)
           END AS mw_meta,
           CASE
               WHEN json_type(mw_p[2]) = 'ARRAY' THEN mw_p[2]
               WHEN json_type(mw_p[3]) = 'OBJECT' THEN json_array(mw_p[3])
               WHEN json_type(mw_p[4]) = 'ARRAY' THEN mw_p[4]
               -- Before 2024-03 the column held one raw Kubernetes object.
               WHEN mw_p[5] ->> '$' IS NOT NULL AND mw_p[6] ->> '$' IS NOT NULL
                   THEN json_array(payload)
           END AS mw_manifests,
           mw_json_array(mw_s[1]) AS mw_conditions
    FROM parsed
)
SELECT shaped.* EXCLUDE (mw_p, mw_s, mw_meta, mw_manifests, mw_conditions),
       mw_meta ->> 'name' AS work_name,
       mw_meta ->> 'namespace' AS work_namespace,
       mw_label(mw_meta -> 'labels', 'api.openshift.com/id') AS cid,
       mw_meta -> 'labels' AS labels,
       coalesce(mw_manifests, '[]'::JSON) AS manifests,
       coalesce(json_array_length(mw_manifests), 0)::BIGINT AS manifest_count,
       mw_any_condition(mw_conditions, 'Applied') AS applied,
       mw_any_condition(mw_conditions, 'Available') AS available,
       deleted_at IS NOT NULL AS is_deleted,
       mw_json_or_null(status) IS NOT NULL AS has_status,
       TRY_CAST(mw_s[2] ->> '$' AS BIGINT) AS observed_version,
       coalesce(
           mw_meta -> 'annotations' ->> '$."logging.open-cluster-management.io/op-id"',
           CASE WHEN json_valid(mw_p[7] ->> '$')
                THEN CAST(mw_p[7] ->> '$' AS JSON) ->> '$."logging.open-cluster-management.io/op-id"'
           END) AS op_id
FROM shaped;
DROP TABLE resources;
ALTER TABLE mw_resources_derived RENAME TO resources;

CREATE TABLE resource_conditions AS
WITH unnested AS (
    SELECT resource_id, unnest(conditions) AS c
    FROM (SELECT id AS resource_id,
                 mw_json_array(mw_json_or_null(status) -> '$.data.conditions') AS conditions
          FROM resources)
)
SELECT resource_id,
       c ->> 'type' AS type, c ->> 'status' AS status, c ->> 'reason' AS reason,
       c ->> 'message' AS message,
       mw_ts(c ->> 'lastTransitionTime') AS last_transition_time
FROM unnested;

-- resource_manifests: one row per manifest, with its status from the DB status ---------------
CREATE TEMP TABLE mw_manifest_status AS
WITH parsed AS (
    SELECT id, json_extract(mw_json_or_null(status), ['$.data.resourceStatus', '$.data.status']) AS found
    FROM resources
)
SELECT resource_id,
       coalesce(TRY_CAST(s -> '$.resourceMeta' ->> 'ordinal' AS BIGINT), 0) AS ordinal,
       s -> 'conditions' AS conditions
FROM (SELECT id AS resource_id,
             unnest(CASE
                        WHEN json_type(found[1]) = 'ARRAY' THEN mw_json_array(found[1])
                        -- legacy `Single` rows report the one manifest's status at data.status
                        WHEN json_type(found[2]) = 'OBJECT' THEN [found[2]]
                        ELSE []::JSON[]
                    END) AS s
      FROM parsed);

CREATE TEMP MACRO mw_condition(conditions, t, field) AS
    list_filter(mw_json_array(conditions), lambda c: c ->> 'type' = t)[1] ->> field;

-- Each manifests array is parsed once, not once per manifest.
CREATE TABLE resource_manifests AS
WITH numbered AS (
    SELECT id, unnest(manifests) AS manifest, generate_subscripts(manifests, 1) - 1 AS ordinal
    FROM (SELECT id, mw_json_array(manifests) AS manifests FROM resources WHERE manifest_count > 0)
)
SELECT n.id AS resource_id,
       n.ordinal,
       n.manifest ->> 'apiVersion' AS api_version,
       n.manifest ->> 'kind' AS kind,
       n.manifest -> 'metadata' ->> 'namespace' AS namespace,
       n.manifest -> 'metadata' ->> 'name' AS name,
       n.manifest,
       mw_condition(s.conditions, 'Applied', 'status') = 'True' AS applied,
       mw_condition(s.conditions, 'Available', 'status') = 'True' AS available,
       coalesce(
           CASE WHEN mw_condition(s.conditions, 'Applied', 'status') <> 'True'
                THEN mw_condition(s.conditions, 'Applied', 'reason') END,
           CASE WHEN mw_condition(s.conditions, 'Available', 'status') <> 'True'
                THEN mw_condition(s.conditions, 'Available', 'reason') END,
           mw_condition(s.conditions, 'Applied', 'reason')) AS reason,
       coalesce(
           CASE WHEN mw_condition(s.conditions, 'Applied', 'status') <> 'True'
                THEN mw_condition(s.conditions, 'Applied', 'message') END,
           CASE WHEN mw_condition(s.conditions, 'Available', 'status') <> 'True'
                THEN mw_condition(s.conditions, 'Available', 'message') END) AS message
FROM numbered n
LEFT JOIN mw_manifest_status s ON s.resource_id = n.id AND s.ordinal = n.ordinal;

-- objects-derived tables ------------------------------------------------------------------------
CREATE TABLE owner_refs AS
SELECT o.uid AS child_uid, o.kind AS child_kind, o.namespace AS child_namespace,
       o.name AS child_name,
       r ->> 'apiVersion' AS owner_api_version, r ->> 'kind' AS owner_kind,
       r ->> 'name' AS owner_name, r ->> 'uid' AS owner_uid, o.cluster
FROM (SELECT uid, kind, namespace, name, cluster, unnest(mw_json_array(owner_refs)) AS r
      FROM objects) o;

CREATE TABLE applied_manifest_works AS
SELECT o.cluster, o.name, o.uid,
       o.object -> 'spec' ->> 'hubHash' AS hub_hash,
       o.object -> 'spec' ->> 'agentID' AS agent_id,
       o.object -> 'spec' ->> 'manifestWorkName' AS manifest_work_name,
       CASE
           WHEN mw_is_uuid(o.object -> 'spec' ->> 'manifestWorkName')
               OR (o.object -> 'spec' ->> 'manifestWorkName') IN (SELECT id FROM resources) THEN 1
           ELSE 2
       END::BIGINT AS layer,
       coalesce(json_array_length(o.object -> '$.status.appliedResources'), 0)::BIGINT AS applied_count,
       mw_ts(o.object -> 'status' ->> 'evictionStartTime') AS eviction_start_time,
       o.labels, o.created_at, o.deleted_at
FROM objects o
WHERE o.kind = 'AppliedManifestWork';

CREATE TABLE applied_resources AS
WITH entries AS (
    SELECT a.cluster, a.name AS amw_name, a.uid AS amw_uid, a.layer, a.manifest_work_name,
           e ->> 'group' AS "group", e ->> 'version' AS version, e ->> 'resource' AS resource,
           nullif(e ->> 'namespace', '') AS namespace, e ->> 'name' AS name, e ->> 'uid' AS uid
    FROM applied_manifest_works a
    JOIN (SELECT cluster, name, uid,
                 unnest(json_extract(object, '$.status.appliedResources[*]')) AS e
          FROM objects WHERE kind = 'AppliedManifestWork') o
      ON o.cluster = a.cluster AND o.name = a.name AND o.uid IS NOT DISTINCT FROM a.uid
), collected AS (
    SELECT DISTINCT cluster, resource, api_group FROM objects
), present AS (
    SELECT DISTINCT cluster, resource, namespace, name, uid FROM objects
)
-- Whether the applied object is in the snapshot is decided here, once, not by each trace.
SELECT e.*,
       CASE WHEN c.cluster IS NOT NULL THEN p.cluster IS NOT NULL END AS in_snapshot
FROM entries e
LEFT JOIN collected c
       ON c.cluster = e.cluster AND c.resource = e.resource AND c.api_group = coalesce(e."group", '')
LEFT JOIN present p
       ON p.cluster = e.cluster AND p.resource = e.resource AND p.name = e.name
      AND p.namespace IS NOT DISTINCT FROM e.namespace AND p.uid IS NOT DISTINCT FROM e.uid;

CREATE TABLE conditions AS
SELECT 'object' AS source, o.cluster, o.kind, o.namespace, o.name,
       c ->> 'type' AS type, c ->> 'status' AS status, c ->> 'reason' AS reason,
       c ->> 'message' AS message, mw_ts(c ->> 'lastTransitionTime') AS last_transition_time
FROM (SELECT cluster, kind, namespace, name,
             unnest(json_extract(object, '$.status.conditions[*]')) AS c
      FROM objects) o
UNION ALL
SELECT 'resources', r.consumer_name, 'MaestroResource', r.consumer_name, c.resource_id,
       c.type, c.status, c.reason, c.message, c.last_transition_time
FROM resource_conditions c JOIN resources r ON r.id = c.resource_id;

CREATE TEMP MACRO mw_object_condition(o_cluster, o_kind, o_namespace, o_name, t) AS (
    SELECT c.status = 'True' FROM conditions c
    WHERE c.source = 'object' AND c.cluster = o_cluster AND c.kind = o_kind
      AND c.namespace IS NOT DISTINCT FROM o_namespace AND c.name = o_name AND c.type = t
    LIMIT 1);

CREATE TABLE manifest_works AS
SELECT o.cluster, o.namespace, o.name, o.uid,
       coalesce(mw_label(o.labels, 'api.openshift.com/id'),
                CASE WHEN o.namespace = 'local-cluster'
                     THEN nullif(regexp_extract(o.name, '^([a-z0-9]{32})(-|$)', 1), '') END) AS cid,
       TRY_CAST(o.object -> 'metadata' ->> 'generation' AS BIGINT) AS generation,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'Applied') AS applied,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'Available') AS available,
       coalesce(json_array_length(o.object -> '$.spec.workload.manifests'), 0)::BIGINT AS manifest_count,
       o.labels, o.created_at, o.deleted_at
FROM objects o
WHERE o.kind = 'ManifestWork';

CREATE TABLE work_manifests AS
WITH parsed AS (
    SELECT cluster, namespace AS work_namespace, name AS work_name,
           json_extract(object, '$.spec.workload.manifests[*]') AS manifests,
           json_extract(object, '$.status.resourceStatus.manifests[*]') AS statuses
    FROM objects WHERE kind = 'ManifestWork'
), numbered AS (
    SELECT cluster, work_namespace, work_name, unnest(manifests) AS manifest,
           generate_subscripts(manifests, 1) - 1 AS ordinal
    FROM parsed
), statuses AS (
    SELECT cluster, work_namespace, work_name,
           coalesce(TRY_CAST(s -> 'resourceMeta' ->> 'ordinal' AS BIGINT), 0) AS ordinal,
           s -> 'conditions' AS conditions
    FROM (SELECT cluster, work_namespace, work_name, unnest(statuses) AS s FROM parsed)
)
SELECT n.cluster, n.work_namespace, n.work_name, n.ordinal,
       n.manifest,
       n.manifest ->> 'apiVersion' AS api_version, n.manifest ->> 'kind' AS kind,
       n.manifest -> 'metadata' ->> 'namespace' AS namespace,
       n.manifest -> 'metadata' ->> 'name' AS name,
       mw_condition(s.conditions, 'Applied', 'status') = 'True' AS applied,
       mw_condition(s.conditions, 'Available', 'status') = 'True' AS available,
       CASE WHEN mw_condition(s.conditions, 'Applied', 'status') <> 'True'
            THEN mw_condition(s.conditions, 'Applied', 'message') END AS message
FROM numbered n
LEFT JOIN statuses s USING (cluster, work_namespace, work_name, ordinal);

CREATE TABLE hosted_clusters AS
SELECT o.cluster, o.namespace, o.name, o.uid,
       coalesce(mw_label(o.labels, 'api.openshift.com/id'), mw_cid_from_namespace(o.namespace)) AS cid,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'Available') AS available,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'Degraded') AS degraded,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'Progressing') AS progressing,
       coalesce(o.object -> '$.status.version.history[0]' ->> 'version',
                o.object -> '$.status.version.desired' ->> 'version') AS version,
       o.object -> '$.spec.release' ->> 'image' AS release_image,
       o.namespace || '-' || replace(o.name, '.', '-') AS control_plane_namespace,
       o.labels, o.created_at, o.deleted_at
FROM objects o
WHERE o.kind = 'HostedCluster';

CREATE TABLE node_pools AS
SELECT o.cluster, o.namespace, o.name, o.uid,
       coalesce(mw_label(o.labels, 'api.openshift.com/id'), mw_cid_from_namespace(o.namespace)) AS cid,
       o.object -> 'spec' ->> 'clusterName' AS cluster_name,
       TRY_CAST(o.object -> 'spec' ->> 'replicas' AS BIGINT) AS replicas,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'Ready') AS ready,
       o.labels, o.created_at, o.deleted_at
FROM objects o
WHERE o.kind = 'NodePool';

CREATE TABLE managed_clusters AS
SELECT o.cluster, o.name, o.uid, o.name AS cid,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'HubAcceptedManagedCluster') AS accepted,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'ManagedClusterJoined') AS joined,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'ManagedClusterConditionAvailable') AS available,
       o.labels, o.created_at, o.deleted_at
FROM objects o
WHERE o.kind = 'ManagedCluster';
