-- Derived tables of the mwtrace SQL schema (DESIGN.md §5), built once at load time from the raw
-- tables (resources, events, ..., objects) so that traces join on plain columns and never parse
-- JSON at query time. Runs after the raw tables exist. Each table and column is documented with
-- COMMENT ON, which `mwtrace schema` prints.
--
-- Lookup keys: a `<column>_key` is hash(<column>), and the tables traces look up are ordered by
-- the key they are looked up by (a manifest trace looks up applied and carried objects by name).
-- DuckDB keeps min/max per row group, exact for integers (a VARCHAR keeps only 8 bytes, and AMW
-- names share a 64-character prefix), so `x_key = hash(?) AND x = ?` reads one small row group
-- instead of the whole column. hash() is the engine's: mwtrace_meta records the
-- engine version, and a database written by another one is rebuilt.

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
-- The table is written once, with its derived columns, from the loader's temporary copy of the
-- dump. Each payload is parsed once, by json_transform, into the few fields the derived columns
-- need and the head (apiVersion, kind, namespace, name) of each manifest; the manifests
-- themselves are not copied: `resources.manifests` and `resource_manifests.manifest` are view
-- columns that extract them from the payload on read (each copy of 100,000 payloads' manifests
-- cost 6 to 8 s of a load, and only a user's query reads them).
-- The shapes json_transform reads documents into (a field that is absent or of another type is
-- NULL): the head of a manifest, a condition, a per-manifest status.
CREATE TEMP MACRO mw_manifest_head_shape() AS
    '{"apiVersion": "VARCHAR", "kind": "VARCHAR",
      "metadata": {"namespace": "VARCHAR", "name": "VARCHAR"}}';
CREATE TEMP MACRO mw_condition_shape() AS
    '{"type": "VARCHAR", "status": "VARCHAR", "reason": "VARCHAR", "message": "VARCHAR",
      "lastTransitionTime": "VARCHAR"}';
CREATE TEMP MACRO mw_manifest_status_shape() AS
    '{"resourceMeta": {"ordinal": "BIGINT"}, "conditions": [' || mw_condition_shape() || ']}';
CREATE TEMP MACRO mw_first_condition(conditions, t) AS
    list_filter(conditions, lambda c: c.type = t)[1];
CREATE TEMP MACRO mw_any_condition(conditions, t) AS
    list_bool_or(list_transform(list_filter(conditions, lambda c: c.type = t),
                                lambda c: c.status = 'True'));

-- A row without id is kept here (and in the `resources` view) but in no table keyed by id: it
-- cannot be traced, and load_issues names its line. mw_ordinal (its row in the dump: the raw
-- table keeps the file's order) and mw_untyped (its conditions without type) feed load_issues
-- and are dropped below.
CREATE TABLE mw_resources AS
WITH parsed AS (
    SELECT r.*, r.rowid + 1 AS mw_ordinal,
           json_transform(r.payload, '{"metadata": "JSON", "logtracing": "JSON",
               "kind": "VARCHAR", "apiVersion": "VARCHAR",
               "data": {"manifest": "JSON", "manifests": [' || mw_manifest_head_shape() || ']},
               "spec": {"workload": {"manifests": [' || mw_manifest_head_shape() || ']}}}') AS mw_p,
           json_transform(mw_json_or_null(r.status), '{"resourceversion": "VARCHAR",
               "data": {"conditions": [' || mw_condition_shape() || ']}}') AS mw_s
    FROM mw_raw_resources r
), shaped AS (
    SELECT parsed.*,
           -- `metadata` is an object in current rows and a JSON string in rows written before
           -- 2024-06-25.
           CASE
               WHEN json_type(mw_p.metadata) = 'OBJECT' THEN mw_p.metadata
               WHEN json_type(mw_p.metadata) = 'VARCHAR' AND json_valid(mw_p.metadata ->> '$')
                   THEN CAST(mw_p.metadata ->> '$' AS JSON)
           END AS mw_meta,
           -- Where the payload holds its manifests, whatever its format version.
           CASE
               WHEN mw_p.data.manifests IS NOT NULL THEN '$.data.manifests'
               WHEN json_type(mw_p.data.manifest) = 'OBJECT' THEN '$.data.manifest'
               WHEN mw_p.spec.workload.manifests IS NOT NULL THEN '$.spec.workload.manifests'
               -- Before 2024-03 the column held one raw Kubernetes object.
               WHEN mw_p.kind IS NOT NULL AND mw_p.apiVersion IS NOT NULL THEN '$'
           END AS manifests_path
    FROM parsed
), heads AS (
    SELECT shaped.*,
           CASE manifests_path
               WHEN '$.data.manifests' THEN mw_p.data.manifests
               WHEN '$.data.manifest' THEN [json_transform(mw_p.data.manifest, mw_manifest_head_shape())]
               WHEN '$.spec.workload.manifests' THEN mw_p.spec.workload.manifests
               WHEN '$' THEN [struct_pack("apiVersion" := mw_p.apiVersion, kind := mw_p.kind,
                                          metadata := struct_pack(namespace := mw_p.metadata ->> 'namespace',
                                                                  name := mw_p.metadata ->> 'name'))]
           END AS manifest_heads
    FROM shaped
)
SELECT heads.* EXCLUDE (mw_p, mw_s, mw_meta, manifests_path, manifest_heads, mw_ordinal),
       mw_meta ->> 'name' AS work_name,
       mw_meta ->> 'namespace' AS work_namespace,
       mw_label(mw_meta -> 'labels', 'api.openshift.com/id') AS cid,
       mw_meta -> 'labels' AS labels,
       manifests_path,
       coalesce(len(manifest_heads), 0)::BIGINT AS manifest_count,
       mw_any_condition(mw_s.data.conditions, 'Applied') AS applied,
       mw_any_condition(mw_s.data.conditions, 'Available') AS available,
       deleted_at IS NOT NULL AS is_deleted,
       mw_json_or_null(status) IS NOT NULL AS has_status,
       TRY_CAST(mw_s.resourceversion AS BIGINT) AS observed_version,
       coalesce(
           mw_meta -> 'annotations' ->> '$."logging.open-cluster-management.io/op-id"',
           CASE WHEN json_valid(mw_p.logtracing ->> '$')
                THEN CAST(mw_p.logtracing ->> '$' AS JSON) ->> '$."logging.open-cluster-management.io/op-id"'
           END) AS op_id,
       hash(id) AS id_key,
       hash(mw_meta ->> 'name') AS work_name_key,
       hash(mw_label(mw_meta -> 'labels', 'api.openshift.com/id')) AS cid_key,
       manifest_heads, mw_ordinal,
       len(list_filter(mw_s.data.conditions, lambda c: c.type IS NULL)) AS mw_untyped
FROM heads;
DROP TABLE mw_raw_resources;

INSERT INTO mw_issue_rows
SELECT 'db/resources.ndjson', mw_ordinal, 'condition_without_type',
       mw_untyped || CASE WHEN mw_untyped = 1 THEN ' condition' ELSE ' conditions' END
           || ' of status.data.conditions without type (kept, with a NULL type)'
FROM mw_resources WHERE mw_untyped > 0;
ALTER TABLE mw_resources DROP COLUMN mw_untyped;
ALTER TABLE mw_resources DROP COLUMN mw_ordinal;

-- resource_manifests: one row per manifest, with its status from the DB status ---------------
CREATE TEMP TABLE mw_manifest_status AS
WITH parsed AS (
    SELECT id,
           json_transform(mw_json_or_null(status),
               '{"data": {"resourceStatus": [' || mw_manifest_status_shape() || '],
                          "status": "JSON"}}') AS found
    FROM mw_resources WHERE id IS NOT NULL
)
SELECT resource_id, coalesce(s.resourceMeta.ordinal, 0) AS ordinal, s.conditions
FROM (SELECT id AS resource_id,
             unnest(CASE
                        WHEN found.data.resourceStatus IS NOT NULL THEN found.data.resourceStatus
                        -- legacy `Single` rows report the one manifest's status at data.status
                        WHEN json_type(found.data.status) = 'OBJECT'
                            THEN [json_transform(found.data.status, mw_manifest_status_shape())]
                    END) AS s
      FROM parsed);

-- The stored part of resource_manifests: the manifest heads parsed with mw_resources, and
-- their status. mwtrace's own lookups read this table (the view adds a join).
CREATE TABLE mw_resource_manifests AS
WITH numbered AS (
    SELECT id, unnest(manifest_heads) AS head, generate_subscripts(manifest_heads, 1) - 1 AS ordinal
    FROM mw_resources WHERE manifest_count > 0 AND id IS NOT NULL
), joined AS (
    SELECT n.id, n.ordinal, n.head,
           mw_first_condition(s.conditions, 'Applied') AS applied,
           mw_first_condition(s.conditions, 'Available') AS available
    FROM numbered n
    LEFT JOIN mw_manifest_status s ON s.resource_id = n.id AND s.ordinal = n.ordinal
)
SELECT id AS resource_id,
       ordinal,
       head."apiVersion" AS api_version,
       head.kind AS kind,
       head.metadata.namespace AS namespace,
       head.metadata.name AS name,
       applied.status = 'True' AS applied,
       available.status = 'True' AS available,
       coalesce(CASE WHEN applied.status <> 'True' THEN applied.reason END,
                CASE WHEN available.status <> 'True' THEN available.reason END,
                applied.reason) AS reason,
       coalesce(CASE WHEN applied.status <> 'True' THEN applied.message END,
                CASE WHEN available.status <> 'True' THEN available.message END) AS message,
       hash(id) AS resource_id_key,
       hash(head.metadata.name) AS name_key
FROM joined;
-- Not ordered: a lookup by name scans one small row per manifest.
-- The heads are in mw_resource_manifests now.
ALTER TABLE mw_resources DROP COLUMN manifest_heads;

CREATE VIEW resources AS
SELECT *,
       CASE manifests_path
           WHEN '$.data.manifest' THEN json_array(json_extract(payload, '$.data.manifest'))
           WHEN '$' THEN json_array(payload)
           ELSE coalesce(json_extract(payload, manifests_path), '[]'::JSON)
       END AS manifests
FROM mw_resources;

CREATE TABLE resource_conditions AS
WITH unnested AS (
    SELECT resource_id, unnest(conditions) AS c, generate_subscripts(conditions, 1) - 1 AS ordinal
    FROM (SELECT id AS resource_id,
                 mw_json_array(mw_json_or_null(status) -> '$.data.conditions') AS conditions
          FROM resources WHERE id IS NOT NULL)
)
SELECT resource_id,
       c ->> 'type' AS type, c ->> 'status' AS status, c ->> 'reason' AS reason,
       c ->> 'message' AS message,
       mw_ts(c ->> 'lastTransitionTime') AS last_transition_time,
       ordinal,
       hash(resource_id) AS resource_id_key
FROM unnested
ORDER BY resource_id_key, resource_id, ordinal;

CREATE VIEW resource_manifests AS
SELECT m.resource_id, m.ordinal, m.api_version, m.kind, m.namespace, m.name,
       CASE r.manifests_path
           WHEN '$' THEN r.payload
           WHEN '$.data.manifest' THEN json_extract(r.payload, '$.data.manifest')
           ELSE json_extract(r.payload, r.manifests_path || '[' || m.ordinal || ']')
       END AS manifest,
       m.* EXCLUDE (resource_id, ordinal, api_version, kind, namespace, name)
FROM mw_resource_manifests m
LEFT JOIN mw_resources r ON r.id = m.resource_id;

-- objects-derived tables ------------------------------------------------------------------------
CREATE TABLE owner_refs AS
SELECT o.uid AS child_uid, o.kind AS child_kind, o.namespace AS child_namespace,
       o.name AS child_name,
       r ->> 'apiVersion' AS owner_api_version, r ->> 'kind' AS owner_kind,
       r ->> 'name' AS owner_name, r ->> 'uid' AS owner_uid, o.cluster,
       hash(o.uid) AS child_uid_key
FROM (SELECT uid, kind, namespace, name, cluster, unnest(mw_json_array(owner_refs)) AS r
      FROM objects) o
ORDER BY child_uid_key;

-- Each AppliedManifestWork parsed once, into what the tables below need (conditions too).
CREATE TEMP TABLE mw_amws_parsed AS
WITH parsed AS (
    SELECT cluster, namespace, name, uid, labels, created_at, deleted_at, name_key, uid_key,
           json_transform(object, '{"spec": {"hubHash": "VARCHAR", "agentID": "VARCHAR",
                                             "manifestWorkName": "VARCHAR"},
                                    "status": {"evictionStartTime": "VARCHAR",
                                               "conditions": [' || mw_condition_shape() || '],
                                               "appliedResources": [{"group": "VARCHAR",
                                                   "version": "VARCHAR", "resource": "VARCHAR",
                                                   "namespace": "VARCHAR", "name": "VARCHAR",
                                                   "uid": "VARCHAR"}]}}') AS p
    FROM objects
    WHERE kind = 'AppliedManifestWork'
)
SELECT cluster, name, uid,
       p.spec."hubHash" AS hub_hash,
       p.spec."agentID" AS agent_id,
       p.spec."manifestWorkName" AS manifest_work_name,
       labels ->> 'cloudevents.open-cluster-management.io/originalsource' = 'maestro'
           AS maestro_label,
       coalesce(len(p.status."appliedResources"), 0)::BIGINT AS applied_count,
       mw_ts(p.status."evictionStartTime") AS eviction_start_time,
       labels, created_at, deleted_at,
       hash(p.spec."manifestWorkName") AS manifest_work_name_key,
       name_key, uid_key,
       p.status."appliedResources" AS applied_resources,
       namespace, p.status.conditions AS conditions
FROM parsed;

-- What the bundle can show, per source: an answer that claims something is absent rests on a
-- row here with collected = true, else it says "not collected" and names the source. A kind of a
-- cluster is collected when its list is in the bundle, or when the cluster does not serve it
-- (collect records "(CRD absent)": none can exist); a DB table when its dump is. The kinds traces
-- and doctor rules read are listed for every management cluster, collected or not.
-- A kube/ file that holds only objects rebuilt from history (import, bundle-format.md) was not
-- listed: the export shows the objects that changed in its window, not every object of the kind.
CREATE TABLE coverage AS
WITH files AS (
    SELECT string_split(path, '/') AS p FROM bundle_files
), reconstructed AS (
    SELECT 'kube' AS source, cluster, CASE WHEN api_group = '' THEN 'core' ELSE api_group END AS api_group,
           resource
    FROM objects GROUP BY ALL HAVING bool_and(reconstructed_at IS NOT NULL)
), listed AS (
    (SELECT 'kube' AS source, p[2] AS cluster, p[3] AS api_group,
            regexp_replace(p[5], '\.ndjson$', '') AS resource
     FROM files WHERE p[1] = 'kube' AND len(p) = 5
     EXCEPT
     SELECT * FROM reconstructed)
    UNION
    SELECT 'db', NULL, NULL, regexp_replace(p[2], '\.ndjson$', '')
    FROM files WHERE p[1] = 'db' AND len(p) = 2
), wanted AS (
    SELECT 'kube' AS source, c.name AS cluster, k.api_group, k.resource
    FROM clusters c, (VALUES ('work.open-cluster-management.io', 'appliedmanifestworks'),
                             ('work.open-cluster-management.io', 'manifestworks'),
                             ('cluster.open-cluster-management.io', 'managedclusters'),
                             ('hypershift.openshift.io', 'hostedclusters'),
                             ('hypershift.openshift.io', 'nodepools')) k(api_group, resource)
    WHERE c.role = 'management'
    UNION
    SELECT 'db', NULL, NULL, t FROM (VALUES ('resources'), ('events'), ('status_events'),
                                            ('consumers'), ('server_instances')) v(t)
    UNION
    SELECT * FROM listed
    UNION
    SELECT * FROM reconstructed
), errors AS (
    SELECT w.source, w.cluster, w.api_group, w.resource,
           string_agg(e.message, '; ' ORDER BY e.source, e.message) AS message,
           bool_or(e.message LIKE '%(CRD absent)%') AS absent,
           -- A REST list imported with pages missing (import's merge): rows are there, but
           -- an absence in it proves nothing.
           bool_or(e.message LIKE '% is partial (%') AS partial
    FROM wanted w
    JOIN collection_errors e
      ON (w.source = 'kube'
          AND (e.source = 'kube/' || w.cluster
               OR e.source LIKE 'kube/' || w.cluster || '/' || w.api_group || '/%/' || w.resource))
      OR (w.source = 'db'
          AND (e.source = 'db' OR e.source = 'db/' || w.resource OR e.source LIKE 'db/' || w.resource || '/%'))
    GROUP BY ALL
)
SELECT w.source, w.cluster, w.api_group, w.resource,
       (l.resource IS NOT NULL AND NOT coalesce(e.partial, false)) OR coalesce(e.absent, false)
           AS collected,
       CASE WHEN l.resource IS NULL AND coalesce(e.absent, false) THEN 'not served (CRD absent)'
            WHEN l.resource IS NULL AND r.resource IS NOT NULL
                THEN 'not listed: only objects reconstructed from history'
            ELSE e.message END AS detail
FROM wanted w
LEFT JOIN listed l
       ON l.source = w.source AND l.cluster IS NOT DISTINCT FROM w.cluster
      AND l.api_group IS NOT DISTINCT FROM w.api_group AND l.resource = w.resource
LEFT JOIN reconstructed r
       ON r.source = w.source AND r.cluster IS NOT DISTINCT FROM w.cluster
      AND r.api_group IS NOT DISTINCT FROM w.api_group AND r.resource = w.resource
LEFT JOIN errors e
       ON e.source = w.source AND e.cluster IS NOT DISTINCT FROM w.cluster
      AND e.api_group IS NOT DISTINCT FROM w.api_group AND e.resource = w.resource
ORDER BY w.source, w.cluster, w.api_group, w.resource;

-- Which DB row a Maestro (layer-1) AppliedManifestWork belongs to. Two generations of the agent
-- are deployed (maestro-data-model.md): since maestro PR #434 (2026-01-14) spec.manifestWorkName
-- is the resource id; before, it was the user work name (payload.metadata.name), unique per
-- consumer only. By id first; else by work name: one row of that name, or one of the consumer
-- that runs on the AMW's cluster (a consumer is known to run there when an AMW of the cluster is
-- linked by id to one of its rows, or when it is named like the cluster or its context). Still
-- several rows is ambiguous: linked to none, and said so (linked_by).
CREATE TABLE consumer_clusters AS
SELECT DISTINCT r.consumer_name AS consumer, a.cluster, 'amw_by_resource_id' AS evidence
FROM mw_amws_parsed a JOIN resources r ON r.id = a.manifest_work_name
WHERE r.consumer_name IS NOT NULL
UNION
SELECT c.name, c.name, 'cluster_name' FROM clusters c WHERE c.role IS DISTINCT FROM 'service'
UNION
SELECT c.context, c.name, 'cluster_context' FROM clusters c
WHERE c.context IS NOT NULL AND c.role IS DISTINCT FROM 'service'
ORDER BY consumer, cluster, evidence;

-- Per consumer: whether the AppliedManifestWorks and the ManifestWorks of every cluster that
-- runs it were collected (coverage). Only there is an absent AMW or ManifestWork evidence: the
-- doctor rules that claim one read this table.
CREATE TABLE consumer_coverage AS
SELECT cc.consumer,
       bool_and(coalesce(a.collected, false)) AS amws_collected,
       bool_and(coalesce(w.collected, false)) AS manifestworks_collected
FROM consumer_clusters cc
LEFT JOIN coverage a
       ON a.source = 'kube' AND a.cluster = cc.cluster AND a.resource = 'appliedmanifestworks'
LEFT JOIN coverage w
       ON w.source = 'kube' AND w.cluster = cc.cluster AND w.resource = 'manifestworks'
GROUP BY cc.consumer;

CREATE TEMP TABLE mw_amw_links AS
WITH by_id AS (
    SELECT a.cluster, a.name, r.id AS resource_id, r.consumer_name
    FROM mw_amws_parsed a JOIN resources r ON r.id = a.manifest_work_name
), consumer_clusters AS (
    SELECT consumer AS consumer_name, cluster FROM consumer_clusters
), candidates AS (
    SELECT a.cluster, a.name, r.id,
           EXISTS (SELECT 1 FROM consumer_clusters c
                   WHERE c.cluster = a.cluster AND c.consumer_name = r.consumer_name) AS here
    FROM mw_amws_parsed a JOIN resources r ON r.work_name = a.manifest_work_name
    WHERE NOT EXISTS (SELECT 1 FROM by_id i WHERE i.cluster = a.cluster AND i.name = a.name)
), by_name AS (
    SELECT cluster, name, count(*) AS n, count(*) FILTER (WHERE here) AS n_here,
           min(id) AS any_id, min(id) FILTER (WHERE here) AS here_id
    FROM candidates GROUP BY cluster, name
)
SELECT cluster, name, resource_id, 'resource_id' AS linked_by, 1::BIGINT AS candidates FROM by_id
UNION ALL
SELECT cluster, name,
       CASE WHEN n = 1 THEN any_id WHEN n_here = 1 THEN here_id END,
       CASE WHEN n = 1 OR n_here = 1 THEN 'work_name' ELSE 'work_name_ambiguous' END,
       n
FROM by_name;

-- Layer 1 (the Maestro agent's) or 2 (the klusterlet's, for a local-cluster ManifestWork): the
-- agent's label, else a resource id or uuid, else a ManifestWork CR of that name on the cluster
-- (layer 2), else a DB work name (an older agent, layer 1).
CREATE TEMP TABLE mw_amws AS
SELECT a.*, l.resource_id, l.linked_by,
       CASE
           WHEN coalesce(a.maestro_label, false) OR mw_is_uuid(a.manifest_work_name)
               OR l.linked_by = 'resource_id' THEN 1
           WHEN EXISTS (SELECT 1 FROM objects w
                        WHERE w.kind = 'ManifestWork' AND w.cluster = a.cluster
                          AND w.name = a.manifest_work_name) THEN 2
           WHEN l.linked_by IS NOT NULL THEN 1
           ELSE 2
       END::BIGINT AS layer
FROM mw_amws_parsed a
LEFT JOIN mw_amw_links l ON l.cluster = a.cluster AND l.name = a.name;

CREATE TABLE applied_manifest_works AS
SELECT * EXCLUDE (applied_resources, namespace, conditions, maestro_label,
                  resource_id, linked_by, layer),
       layer,
       -- A layer-2 AMW's work name may match a DB work name: it links to no DB row.
       CASE WHEN layer = 1 THEN resource_id END AS resource_id,
       CASE WHEN layer = 1 THEN linked_by END AS linked_by
FROM mw_amws ORDER BY name_key;

CREATE TABLE applied_resources AS
WITH entries AS (
    SELECT cluster, amw_name, amw_uid, layer, manifest_work_name, resource_id,
           e."group" AS "group", e.version, e.resource, nullif(e.namespace, '') AS namespace,
           e.name, e.uid
    FROM (SELECT cluster, name AS amw_name, uid AS amw_uid, layer, manifest_work_name,
                 CASE WHEN layer = 1 THEN resource_id END AS resource_id,
                 unnest(applied_resources) AS e
          FROM mw_amws)
), collected AS (
    SELECT DISTINCT cluster, resource, api_group FROM objects
), present AS (
    SELECT DISTINCT cluster, resource, namespace, name, uid FROM objects
)
-- Whether the applied object is in the snapshot is decided here, once, not by each trace.
SELECT e.*,
       CASE WHEN c.cluster IS NOT NULL THEN p.cluster IS NOT NULL END AS in_snapshot,
       hash(e.amw_name) AS amw_name_key,
       hash(e.name) AS name_key
FROM entries e
LEFT JOIN collected c
       ON c.cluster = e.cluster AND c.resource = e.resource AND c.api_group = coalesce(e."group", '')
LEFT JOIN present p
       ON p.cluster = e.cluster AND p.resource = e.resource AND p.name = e.name
      AND p.namespace IS NOT DISTINCT FROM e.namespace AND p.uid IS NOT DISTINCT FROM e.uid
ORDER BY name_key;

-- Each ManifestWork CR parsed once, into what the tables below need (its manifests are not
-- copied: they are in objects.object).
CREATE TEMP TABLE mw_works AS
SELECT cluster, namespace, name, uid, labels, created_at, deleted_at, name_key,
       json_transform(object, '{"metadata": {"generation": "BIGINT"},
           "spec": {"workload": {"manifests": [' || mw_manifest_head_shape() || ']}},
           "status": {"conditions": [' || mw_condition_shape() || '],
                      "resourceStatus": {"manifests": [' || mw_manifest_status_shape() || ']}}}') AS p
FROM objects
WHERE kind = 'ManifestWork';

CREATE TABLE conditions AS
SELECT *, hash(name) AS name_key
FROM (
    SELECT 'object' AS source, o.cluster, o.kind, o.namespace, o.name,
           c.type, c.status, c.reason, c.message, mw_ts(c."lastTransitionTime") AS last_transition_time
    FROM (
        -- ManifestWorks and AppliedManifestWorks, most of the objects' bytes, were parsed above.
        SELECT cluster, 'ManifestWork' AS kind, namespace, name, unnest(p.status.conditions) AS c
        FROM mw_works
        UNION ALL
        SELECT cluster, 'AppliedManifestWork', namespace, name, unnest(conditions) FROM mw_amws
        UNION ALL
        SELECT cluster, kind, namespace, name,
               unnest(json_transform(object,
                   '{"status": {"conditions": [' || mw_condition_shape() || ']}}').status.conditions)
        FROM objects
        WHERE kind IS DISTINCT FROM 'ManifestWork' AND kind IS DISTINCT FROM 'AppliedManifestWork'
    ) o
    UNION ALL
    SELECT 'resources', r.consumer_name, 'MaestroResource', r.consumer_name, c.resource_id,
           c.type, c.status, c.reason, c.message, c.last_transition_time
    FROM resource_conditions c JOIN resources r ON r.id = c.resource_id
)
ORDER BY name_key;

-- An object condition without type is kept (type NULL); load_issues names its object's line.
INSERT INTO mw_issue_objects
SELECT o.cluster, o.api_group, o.resource, o.namespace, o.name, 'condition_without_type',
       c.n || CASE WHEN c.n = 1 THEN ' condition' ELSE ' conditions' END
           || ' of status.conditions without type (kept, with a NULL type)'
FROM (SELECT cluster, kind, namespace, name, count(*) AS n FROM conditions
      WHERE source = 'object' AND type IS NULL GROUP BY ALL) c
JOIN objects o ON o.cluster = c.cluster AND o.kind IS NOT DISTINCT FROM c.kind
              AND o.namespace IS NOT DISTINCT FROM c.namespace AND o.name = c.name;

CREATE TEMP MACRO mw_object_condition(o_cluster, o_kind, o_namespace, o_name, t) AS (
    SELECT c.status = 'True' FROM conditions c
    WHERE c.source = 'object' AND c.cluster = o_cluster AND c.kind = o_kind
      AND c.namespace IS NOT DISTINCT FROM o_namespace AND c.name = o_name AND c.type = t
    LIMIT 1);

CREATE TABLE manifest_works AS
SELECT *, hash(cid) AS cid_key
FROM (
    SELECT cluster, namespace, name, uid,
           coalesce(mw_label(labels, 'api.openshift.com/id'),
                    CASE WHEN namespace = 'local-cluster'
                         THEN nullif(regexp_extract(name, '^([a-z0-9]{32})(-|$)', 1), '') END) AS cid,
           p.metadata.generation AS generation,
           (mw_first_condition(p.status.conditions, 'Applied')).status = 'True' AS applied,
           (mw_first_condition(p.status.conditions, 'Available')).status = 'True' AS available,
           coalesce(len(p.spec.workload.manifests), 0)::BIGINT AS manifest_count,
           labels, created_at, deleted_at, name_key
    FROM mw_works
)
ORDER BY name_key;

CREATE TABLE work_manifests AS
WITH numbered AS (
    SELECT cluster, namespace AS work_namespace, name AS work_name,
           unnest(p.spec.workload.manifests) AS head,
           generate_subscripts(p.spec.workload.manifests, 1) - 1 AS ordinal
    FROM mw_works
), statuses AS (
    SELECT cluster, work_namespace, work_name, coalesce(s."resourceMeta".ordinal, 0) AS ordinal,
           mw_first_condition(s.conditions, 'Applied') AS applied,
           mw_first_condition(s.conditions, 'Available') AS available
    FROM (SELECT cluster, namespace AS work_namespace, name AS work_name,
                 unnest(p.status."resourceStatus".manifests) AS s
          FROM mw_works)
)
SELECT n.cluster, n.work_namespace, n.work_name, n.ordinal,
       n.head."apiVersion" AS api_version, n.head.kind AS kind,
       n.head.metadata.namespace AS namespace,
       n.head.metadata.name AS name,
       s.applied.status = 'True' AS applied,
       s.available.status = 'True' AS available,
       CASE WHEN s.applied.status <> 'True' THEN s.applied.message END AS message,
       hash(n.work_name) AS work_name_key,
       hash(n.head.metadata.name) AS name_key
FROM numbered n
LEFT JOIN statuses s USING (cluster, work_namespace, work_name, ordinal)
ORDER BY name_key;

CREATE TABLE hosted_clusters AS
SELECT *, hash(cid) AS cid_key FROM (
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
    WHERE o.kind = 'HostedCluster'
);

CREATE TABLE node_pools AS
SELECT *, hash(cid) AS cid_key FROM (
    SELECT o.cluster, o.namespace, o.name, o.uid,
           coalesce(mw_label(o.labels, 'api.openshift.com/id'), mw_cid_from_namespace(o.namespace)) AS cid,
           o.object -> 'spec' ->> 'clusterName' AS cluster_name,
           TRY_CAST(o.object -> 'spec' ->> 'replicas' AS BIGINT) AS replicas,
           mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'Ready') AS ready,
           o.labels, o.created_at, o.deleted_at
    FROM objects o
    WHERE o.kind = 'NodePool'
);

CREATE TABLE managed_clusters AS
SELECT o.cluster, o.name, o.uid, o.name AS cid,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'HubAcceptedManagedCluster') AS accepted,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'ManagedClusterJoined') AS joined,
       mw_object_condition(o.cluster, o.kind, o.namespace, o.name, 'ManagedClusterConditionAvailable') AS available,
       o.labels, o.created_at, o.deleted_at,
       o.name_key AS cid_key
FROM objects o
WHERE o.kind = 'ManagedCluster';
-- work_traces and cluster_traces: each trace assembled once -------------------------------------
-- A cached trace is one process: opening DuckDB costs about 20 ms, and each cold lookup a few
-- more (it reads and decodes one row group per column). The parts of a resource's trace (its
-- conditions, manifests, layer-1 AMW and what it applied, the layer-2 works it carries) and of
-- a hosted cluster's (its ManifestWorks, HostedClusters, NodePools, ManagedClusters) are
-- therefore joined here for all of them at once; a trace reads one row, or the trace index.
CREATE TEMP TABLE mw_first_amw AS
SELECT resource_id,
       arg_min(struct_pack(cluster := cluster, name := name, uid := uid, hub_hash := hub_hash,
                           manifest_work_name := manifest_work_name, layer := layer,
                           resource_id := resource_id, linked_by := linked_by),
               (cluster, name)) AS amw
FROM applied_manifest_works
WHERE resource_id IS NOT NULL
GROUP BY resource_id;

-- The layer-2 ManifestWorks to resolve: those each resource carries (on the cluster of its AMW
-- when there), and each hosted cluster's: its CRs by name, then those its resources carry.
CREATE TEMP TABLE mw_wanted_works AS
SELECT 'resource' AS owner_kind, m.resource_id AS owner, m.ordinal AS position,
       m.namespace, m.name, a.amw.cluster AS preferred
FROM mw_resource_manifests m
LEFT JOIN mw_first_amw a ON a.resource_id = m.resource_id
WHERE m.kind = 'ManifestWork' AND m.namespace IS NOT NULL AND m.name IS NOT NULL
UNION ALL
SELECT 'cluster', cid, row_number() OVER (PARTITION BY cid ORDER BY first_seen), namespace, name,
       NULL
FROM (
    SELECT cid, namespace, name, min(seen) AS first_seen
    FROM (
        SELECT cid, namespace, name,
               struct_pack(carried := false, name := name, created_at := NULL::TIMESTAMP,
                           id := NULL::VARCHAR, ordinal := NULL::BIGINT) AS seen
        FROM manifest_works WHERE cid IS NOT NULL AND namespace IS NOT NULL
        UNION ALL
        SELECT r.cid, m.namespace, m.name,
               struct_pack(carried := true, name := NULL::VARCHAR, created_at := r.created_at,
                           id := r.id, ordinal := m.ordinal)
        FROM resources r JOIN mw_resource_manifests m ON m.resource_id = r.id
        WHERE r.cid IS NOT NULL AND m.kind = 'ManifestWork'
          AND m.namespace IS NOT NULL AND m.name IS NOT NULL
    )
    GROUP BY cid, namespace, name
);

-- Each ManifestWork CR's manifests as one JSON array, built once per CR (not once per work
-- that carries it). A layer-2 work's manifests come from its CR only, on the CR's cluster.
CREATE TEMP TABLE mw_work_manifest_lists AS
SELECT cluster, work_namespace, work_name,
       ('[' || string_agg(to_json(struct_pack(ordinal := ordinal, api_version := api_version,
                                              kind := kind, namespace := namespace, name := name,
                                              applied := applied, available := available,
                                              reason := NULL::VARCHAR, message := message))::VARCHAR,
                          ',' ORDER BY ordinal) || ']')::JSON AS manifests
FROM work_manifests
GROUP BY cluster, work_namespace, work_name;

CREATE TEMP TABLE mw_nested_works AS
WITH cr AS (
    -- The CR on the preferred cluster, else the first by cluster.
    SELECT w.owner_kind, w.owner, w.position,
           arg_min(struct_pack(cluster := c.cluster, applied := c.applied, available := c.available),
                   (c.cluster IS DISTINCT FROM w.preferred, c.cluster)) AS cr
    FROM mw_wanted_works w JOIN manifest_works c ON c.namespace = w.namespace AND c.name = w.name
    GROUP BY w.owner_kind, w.owner, w.position
), resolved AS (
    SELECT w.*, cr.cr, coalesce(cr.cr.cluster, w.preferred) AS cr_cluster
    FROM mw_wanted_works w LEFT JOIN cr USING (owner_kind, owner, position)
), amw AS (
    SELECT r.owner_kind, r.owner, r.position,
           arg_min(struct_pack(cluster := a.cluster, name := a.name, uid := a.uid,
                               hub_hash := a.hub_hash, manifest_work_name := a.manifest_work_name,
                               layer := a.layer, resource_id := a.resource_id,
                               linked_by := a.linked_by),
                   (a.cluster, a.name)) AS amw
    FROM resolved r
    JOIN applied_manifest_works a
      ON a.manifest_work_name = r.name AND a.layer = 2
     AND (r.cr_cluster IS NULL OR a.cluster = r.cr_cluster)
    GROUP BY r.owner_kind, r.owner, r.position
)
SELECT r.owner_kind, r.owner,
       list(struct_pack(cluster := r.cr_cluster, namespace := r.namespace, name := r.name,
                        applied := r.cr.applied, available := r.cr.available,
                        in_snapshot := r.cr IS NOT NULL, applied_manifest_work := a.amw,
                        manifests := coalesce(m.manifests, '[]'::JSON))
            ORDER BY r.position) AS nested_works
FROM resolved r
LEFT JOIN amw a USING (owner_kind, owner, position)
LEFT JOIN mw_work_manifest_lists m
       ON m.cluster = r.cr_cluster AND m.work_namespace = r.namespace AND m.work_name = r.name
GROUP BY r.owner_kind, r.owner;

CREATE TABLE work_traces AS
WITH conditions AS (
    SELECT resource_id,
           list(struct_pack(type := type, status := status, reason := reason, message := message,
                            last_transition_time := strftime(last_transition_time, '%Y-%m-%dT%H:%M:%SZ'))
                ORDER BY ordinal) AS conditions
    FROM resource_conditions GROUP BY resource_id
), manifests AS (
    SELECT resource_id,
           list(struct_pack(ordinal := ordinal, api_version := api_version, kind := kind,
                            namespace := namespace, name := name, applied := applied,
                            available := available, reason := reason, message := message)
                ORDER BY ordinal) AS manifests
    FROM mw_resource_manifests GROUP BY resource_id
), applied AS (
    -- JSON text: aggregating 2M small strings is faster than as many structs.
    SELECT cluster, amw_name,
           ('[' || string_agg(to_json(struct_pack("group" := "group", version := version,
                                                  resource := resource, namespace := namespace,
                                                  name := name, uid := uid,
                                                  in_snapshot := in_snapshot))::VARCHAR,
                              ',' ORDER BY "group", resource, namespace, name) || ']')::JSON
               AS applied_resources
    -- A resource's trace shows what its layer-1 AMW applied (mw_first_amw).
    FROM applied_resources WHERE layer = 1 GROUP BY cluster, amw_name
)
SELECT r.id, r.id_key, r.work_name, r.work_name_key, r.cid, r.cid_key, r.created_at,
       to_json(struct_pack(
           resource_id := r.id, work_name := r.work_name, consumer := r.consumer_name,
           source := r.source, cid := r.cid, version := r.version,
           observed_version := r.observed_version,
           created_at := strftime(r.created_at, '%Y-%m-%dT%H:%M:%SZ'),
           updated_at := strftime(r.updated_at, '%Y-%m-%dT%H:%M:%SZ'),
           deleted_at := strftime(r.deleted_at, '%Y-%m-%dT%H:%M:%SZ'),
           applied := r.applied, available := r.available, has_status := r.has_status,
           conditions := coalesce(c.conditions, []),
           manifests := coalesce(m.manifests, []),
           applied_manifest_work := a.amw,
           applied_resources := coalesce(ar.applied_resources, '[]'::JSON),
           nested_works := coalesce(n.nested_works, [])
       ))::VARCHAR AS trace
FROM resources r
LEFT JOIN conditions c ON c.resource_id = r.id
LEFT JOIN manifests m ON m.resource_id = r.id
LEFT JOIN mw_first_amw a ON a.resource_id = r.id
LEFT JOIN applied ar ON ar.cluster = a.amw.cluster AND ar.amw_name = a.amw.name
LEFT JOIN mw_nested_works n ON n.owner_kind = 'resource' AND n.owner = r.id
WHERE r.id IS NOT NULL
ORDER BY r.id_key;

CREATE TEMP MACRO mw_object_status(o_cluster, o_kind, o_namespace, o_name, o_uid, o_healthy, o_conditions) AS
    struct_pack(cluster := o_cluster, kind := o_kind, namespace := o_namespace, name := o_name,
                uid := o_uid, healthy := o_healthy, conditions := coalesce(o_conditions, []));

CREATE TABLE cluster_traces AS
WITH object_conditions AS (
    SELECT cluster, kind, namespace, name,
           list(struct_pack(type := type, status := status, reason := reason, message := message,
                            last_transition_time := strftime(last_transition_time, '%Y-%m-%dT%H:%M:%SZ'))
                ORDER BY type) AS conditions
    FROM conditions
    WHERE source = 'object' AND kind IN ('HostedCluster', 'NodePool', 'ManagedCluster')
    GROUP BY cluster, kind, namespace, name
), statuses AS (
    SELECT cid, 'HostedCluster' AS kind, cluster, namespace, name, uid,
           available AND NOT coalesce(degraded, false) AS healthy
    FROM hosted_clusters
    UNION ALL
    SELECT cid, 'NodePool', cluster, namespace, name, uid, ready FROM node_pools
    UNION ALL
    SELECT cid, 'ManagedCluster', cluster, NULL, name, uid, joined AND available
    FROM managed_clusters
), objects_of AS (
    SELECT s.cid,
           list(mw_object_status(s.cluster, s.kind, s.namespace, s.name, s.uid, s.healthy,
                                 c.conditions) ORDER BY s.cluster, s.namespace, s.name)
               FILTER (WHERE s.kind = 'HostedCluster') AS hosted_clusters,
           list(mw_object_status(s.cluster, s.kind, s.namespace, s.name, s.uid, s.healthy,
                                 c.conditions) ORDER BY s.cluster, s.namespace, s.name)
               FILTER (WHERE s.kind = 'NodePool') AS node_pools,
           list(mw_object_status(s.cluster, s.kind, s.namespace, s.name, s.uid, s.healthy,
                                 c.conditions) ORDER BY s.cluster, s.name)
               FILTER (WHERE s.kind = 'ManagedCluster') AS managed_clusters
    FROM statuses s
    LEFT JOIN object_conditions c
           ON c.cluster = s.cluster AND c.kind = s.kind
          AND c.namespace IS NOT DISTINCT FROM s.namespace AND c.name = s.name
    WHERE s.cid IS NOT NULL
    GROUP BY s.cid
), cids AS (
    SELECT cid FROM resources WHERE cid IS NOT NULL
    UNION SELECT owner FROM mw_nested_works WHERE owner_kind = 'cluster'
    UNION SELECT cid FROM objects_of
)
SELECT c.cid, hash(c.cid) AS cid_key,
       to_json(struct_pack(
           manifest_works := coalesce(w.nested_works, []),
           hosted_clusters := coalesce(o.hosted_clusters, []),
           node_pools := coalesce(o.node_pools, []),
           managed_clusters := coalesce(o.managed_clusters, [])
       ))::VARCHAR AS trace
FROM cids c
LEFT JOIN mw_nested_works w ON w.owner_kind = 'cluster' AND w.owner = c.cid
LEFT JOIN objects_of o USING (cid)
ORDER BY cid_key;
