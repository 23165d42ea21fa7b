-- Derived tables of the mwtrace SQL schema (DESIGN.md §5), built once at load time from the raw
-- tables (resources, events, ..., objects) so that traces join on plain columns and never parse
-- JSON at query time. Runs after the raw tables exist. Each table and column is documented with
-- COMMENT ON, which `mwtrace schema` prints.

-- Empty status is SQL NULL or JSON null (maestro-data-model.md §2): treat both as "no status".
CREATE TEMP MACRO mw_json_or_null(v) AS
    CASE WHEN v IS NULL OR json_type(v) = 'NULL' THEN NULL ELSE v END;
-- `metadata` is an object in current rows and a JSON string in rows written before 2024-06-25.
CREATE TEMP MACRO mw_metadata(payload) AS
    CASE
        WHEN json_type(payload -> 'metadata') = 'VARCHAR' AND json_valid(payload ->> 'metadata')
            THEN CAST(payload ->> 'metadata' AS JSON)
        WHEN json_type(payload -> 'metadata') = 'OBJECT' THEN payload -> 'metadata'
    END;
CREATE TEMP MACRO mw_label(labels, key) AS json_extract_string(labels, '$."' || key || '"');
-- cid from a namespace named ocm-<env>-<cid>[-<hcName>] (kube-objects.md §3).
CREATE TEMP MACRO mw_cid_from_namespace(ns) AS
    nullif(regexp_extract(ns, '^ocm-[a-z0-9]+-([a-z0-9]{32})(-|$)', 1), '');
CREATE TEMP MACRO mw_is_uuid(s) AS
    regexp_full_match(coalesce(s, ''), '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}');
CREATE TEMP MACRO mw_json_array(v) AS
    CASE WHEN json_type(v) = 'ARRAY' THEN CAST(v AS JSON[]) ELSE []::JSON[] END;

-- resources: derived columns -------------------------------------------------------------------
CREATE TEMP TABLE mw_resource_meta AS
SELECT id,
       mw_metadata(payload) AS meta,
       mw_json_or_null(status) AS status_value,
       CASE
           WHEN json_type(payload -> '$.data.manifests') = 'ARRAY' THEN payload -> '$.data.manifests'
           WHEN json_type(payload -> '$.data.manifest') = 'OBJECT'
               THEN json_array(payload -> '$.data.manifest')
           WHEN json_type(payload -> '$.spec.workload.manifests') = 'ARRAY'
               THEN payload -> '$.spec.workload.manifests'
           -- Before 2024-03 the column held one raw Kubernetes object.
           WHEN payload ->> 'kind' IS NOT NULL AND payload ->> 'apiVersion' IS NOT NULL
               THEN json_array(payload)
       END AS manifests
FROM resources;

CREATE TABLE resource_conditions AS
SELECT m.id AS resource_id,
       c ->> 'type' AS type, c ->> 'status' AS status, c ->> 'reason' AS reason,
       c ->> 'message' AS message,
       mw_ts(c ->> 'lastTransitionTime') AS last_transition_time
FROM mw_resource_meta m, unnest(mw_json_array(m.status_value -> '$.data.conditions')) AS u(c);

ALTER TABLE resources ADD COLUMN work_name VARCHAR;
ALTER TABLE resources ADD COLUMN work_namespace VARCHAR;
ALTER TABLE resources ADD COLUMN cid VARCHAR;
ALTER TABLE resources ADD COLUMN labels JSON;
ALTER TABLE resources ADD COLUMN manifests JSON;
ALTER TABLE resources ADD COLUMN manifest_count BIGINT;
ALTER TABLE resources ADD COLUMN applied BOOLEAN;
ALTER TABLE resources ADD COLUMN available BOOLEAN;
ALTER TABLE resources ADD COLUMN is_deleted BOOLEAN;
ALTER TABLE resources ADD COLUMN has_status BOOLEAN;
ALTER TABLE resources ADD COLUMN observed_version BIGINT;
ALTER TABLE resources ADD COLUMN op_id VARCHAR;

UPDATE resources AS r SET
    work_name = m.meta ->> 'name',
    work_namespace = m.meta ->> 'namespace',
    labels = m.meta -> 'labels',
    cid = mw_label(m.meta -> 'labels', 'api.openshift.com/id'),
    manifests = coalesce(m.manifests, '[]'::JSON),
    manifest_count = coalesce(json_array_length(m.manifests), 0)::BIGINT,
    applied = (SELECT bool_or(c.status = 'True') FROM resource_conditions c
               WHERE c.resource_id = r.id AND c.type = 'Applied'),
    available = (SELECT bool_or(c.status = 'True') FROM resource_conditions c
                 WHERE c.resource_id = r.id AND c.type = 'Available'),
    is_deleted = r.deleted_at IS NOT NULL,
    has_status = m.status_value IS NOT NULL,
    observed_version = TRY_CAST(m.status_value ->> 'resourceversion' AS BIGINT),
    op_id = coalesce(
        m.meta -> 'annotations' ->> '$."logging.open-cluster-management.io/op-id"',
        CASE WHEN json_valid(r.payload ->> 'logtracing')
             THEN CAST(r.payload ->> 'logtracing' AS JSON) ->> '$."logging.open-cluster-management.io/op-id"'
        END)
FROM mw_resource_meta m
WHERE m.id = r.id;

-- resource_manifests: one row per manifest, with its status from the DB status ---------------
CREATE TEMP TABLE mw_manifest_status AS
SELECT m.id AS resource_id,
       coalesce(TRY_CAST(s -> '$.resourceMeta' ->> 'ordinal' AS BIGINT), 0) AS ordinal,
       s -> 'conditions' AS conditions
FROM mw_resource_meta m,
     unnest(CASE
                WHEN json_type(m.status_value -> '$.data.resourceStatus') = 'ARRAY'
                    THEN mw_json_array(m.status_value -> '$.data.resourceStatus')
                -- legacy `Single` rows report the one manifest's status at data.status
                WHEN json_type(m.status_value -> '$.data.status') = 'OBJECT'
                    THEN [m.status_value -> '$.data.status']
                ELSE []::JSON[]
            END) AS u(s);

CREATE TEMP MACRO mw_condition(conditions, t, field) AS
    list_filter(mw_json_array(conditions), lambda c: c ->> 'type' = t)[1] ->> field;

CREATE TABLE resource_manifests AS
WITH numbered AS (
    SELECT r.id, unnest(range(r.manifest_count)) AS ordinal, r.manifests
    FROM resources r WHERE r.manifest_count > 0
)
SELECT n.id AS resource_id,
       n.ordinal,
       json_extract(n.manifests, n.ordinal) ->> 'apiVersion' AS api_version,
       json_extract(n.manifests, n.ordinal) ->> 'kind' AS kind,
       json_extract(n.manifests, n.ordinal) -> 'metadata' ->> 'namespace' AS namespace,
       json_extract(n.manifests, n.ordinal) -> 'metadata' ->> 'name' AS name,
       json_extract(n.manifests, n.ordinal) AS manifest,
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
FROM objects o, unnest(mw_json_array(o.owner_refs)) AS u(r);

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
SELECT a.cluster, a.name AS amw_name, a.uid AS amw_uid, a.layer, a.manifest_work_name,
       e ->> 'group' AS "group", e ->> 'version' AS version, e ->> 'resource' AS resource,
       nullif(e ->> 'namespace', '') AS namespace, e ->> 'name' AS name, e ->> 'uid' AS uid
FROM applied_manifest_works a
JOIN objects o ON o.cluster = a.cluster AND o.kind = 'AppliedManifestWork' AND o.name = a.name
     AND o.uid IS NOT DISTINCT FROM a.uid,
     unnest(mw_json_array(o.object -> '$.status.appliedResources')) AS u(e);

CREATE TABLE conditions AS
SELECT 'object' AS source, o.cluster, o.kind, o.namespace, o.name,
       c ->> 'type' AS type, c ->> 'status' AS status, c ->> 'reason' AS reason,
       c ->> 'message' AS message, mw_ts(c ->> 'lastTransitionTime') AS last_transition_time
FROM objects o, unnest(mw_json_array(o.object -> '$.status.conditions')) AS u(c)
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
WITH numbered AS (
    SELECT o.cluster, o.namespace AS work_namespace, o.name AS work_name, o.object,
           unnest(range(coalesce(json_array_length(o.object -> '$.spec.workload.manifests'), 0)::BIGINT))
               AS ordinal
    FROM objects o WHERE o.kind = 'ManifestWork'
), statuses AS (
    SELECT o.cluster, o.namespace AS work_namespace, o.name AS work_name,
           coalesce(TRY_CAST(s -> 'resourceMeta' ->> 'ordinal' AS BIGINT), 0) AS ordinal,
           s -> 'conditions' AS conditions
    FROM objects o, unnest(mw_json_array(o.object -> '$.status.resourceStatus.manifests')) AS u(s)
    WHERE o.kind = 'ManifestWork'
)
SELECT n.cluster, n.work_namespace, n.work_name, n.ordinal,
       json_extract(n.object, '$.spec.workload.manifests[' || n.ordinal || ']') AS manifest,
       manifest ->> 'apiVersion' AS api_version, manifest ->> 'kind' AS kind,
       manifest -> 'metadata' ->> 'namespace' AS namespace,
       manifest -> 'metadata' ->> 'name' AS name,
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
