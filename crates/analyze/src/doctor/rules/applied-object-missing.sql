-- id: applied-object-missing
-- severity: warning
-- needs: [kube/appliedmanifestworks]
-- title: Applied object missing from the cluster
-- explanation: >-
--   An AppliedManifestWork lists a resource that is not on the cluster, although that kind of
--   object was collected from it: the object was deleted behind the agent's back (it is
--   recreated on the agent's next resync unless the deletion repeats), or its namespace is being
--   removed. Kinds that were not collected are never reported. AppliedManifestWorks being
--   deleted are left to the deletion rules.
-- next_step: >-
--   Check the object on the live cluster and the audit log for who deleted it; check the work's
--   per-manifest conditions.
-- commands:
--   - kubectl: get {kind_resource} -n {namespace} {name}
--   - kubectl: get {kind_resource} {cluster_scoped_name}
--   - kubectl: get appliedmanifestwork {amw_name} -o yaml
-- message: "{resource} {object} applied by {amw_name} (layer {layer}) is not on {cluster}"
-- evidence: [cluster, amw_name, layer, manifest_work_name, resource, object, applied_uid]
SELECT a.cluster, a.amw_name, a.layer, a.manifest_work_name,
       a.resource || CASE WHEN coalesce(a."group", '') = '' THEN '' ELSE '.' || a."group" END AS resource,
       a.resource || CASE WHEN coalesce(a."group", '') = '' THEN '' ELSE '.' || a."group" END AS kind_resource,
       coalesce(a.namespace || '/', '') || a.name AS object, a.name, a.namespace,
       CASE WHEN a.namespace IS NULL THEN a.name END AS cluster_scoped_name,
       a.uid AS applied_uid
FROM applied_resources a
JOIN applied_manifest_works w ON w.cluster = a.cluster AND w.name = a.amw_name
WHERE w.deleted_at IS NULL
  AND EXISTS (SELECT 1 FROM bundle_files f
              WHERE f.path LIKE 'kube/' || a.cluster || '/'
                                || coalesce(nullif(a."group", ''), 'core') || '/%/' || a.resource || '.ndjson')
  AND NOT EXISTS (SELECT 1 FROM objects o
                  WHERE o.cluster = a.cluster AND o.api_group = coalesce(a."group", '')
                    AND o.resource = a.resource AND o.name = a.name
                    AND o.namespace IS NOT DISTINCT FROM a.namespace)
ORDER BY a.cluster, a.amw_name, a.resource, a.namespace, a.name
