-- id: orphan-amw-layer2
-- severity: warning
-- needs: [kube/appliedmanifestworks, kube/manifestworks]
-- title: "Orphan AppliedManifestWork (layer 2): no ManifestWork CR"
-- explanation: >-
--   A klusterlet AppliedManifestWork (spec.manifestWorkName names a local-cluster ManifestWork)
--   has no ManifestWork of that name on the same cluster. The work was deleted without the agent
--   cleaning up, or the hub hash changed; the agent sets evictionStartTime and deletes the AMW and
--   its objects after the eviction grace period (60 minutes by default). Checked only for
--   clusters whose ManifestWorks were collected.
-- next_step: >-
--   Check on the live cluster whether the ManifestWork exists; if it was deleted on purpose, the
--   AppliedManifestWork's objects go with its eviction, else find why the work disappeared.
-- commands:
--   - kubectl: get appliedmanifestwork {amw_name} -o yaml
--   - kubectl: get manifestwork -A --field-selector metadata.name={manifest_work_name}
-- message: "AppliedManifestWork {amw_name} on {cluster} ({applied_count} resources) has no ManifestWork {manifest_work_name}"
-- evidence: [cluster, amw_name, manifest_work_name, hub_hash, applied_count, created_at, eviction_start_time]
SELECT a.cluster, a.name AS amw_name, a.manifest_work_name, a.hub_hash, a.applied_count,
       mw_rfc3339(a.created_at) AS created_at,
       mw_rfc3339(a.eviction_start_time) AS eviction_start_time
FROM applied_manifest_works a
WHERE a.layer = 2
  AND EXISTS (SELECT 1 FROM bundle_files f
              WHERE f.path = 'kube/' || a.cluster || '/work.open-cluster-management.io/v1/manifestworks.ndjson')
  AND NOT EXISTS (SELECT 1 FROM manifest_works w
                  WHERE w.cluster = a.cluster AND w.name = a.manifest_work_name)
ORDER BY a.cluster, a.name
