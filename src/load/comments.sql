-- One line of meaning per table and per derived column; `mwtrace schema` prints them.
-- Raw Maestro tables
COMMENT ON TABLE resources IS 'Maestro resource bundles (one row per ManifestWork sent through Maestro), every dumped column plus derived ones';
COMMENT ON COLUMN resources.id IS 'resource id (UUIDv5); the layer-1 AppliedManifestWork''s spec.manifestWorkName';
COMMENT ON COLUMN resources.name IS 'resources.name column; equals id for gRPC-created bundles (not the work name)';
COMMENT ON COLUMN resources.consumer_name IS 'Maestro consumer = management cluster agent (consumer_id in dumps before 2024-03)';
COMMENT ON COLUMN resources.version IS 'spec version (authoritative), compared with observed_version';
COMMENT ON COLUMN resources.payload IS 'the CloudEvent of the last spec write (the manifest column of dumps before 2024-06)';
COMMENT ON COLUMN resources.status IS 'the agent''s last status CloudEvent; SQL NULL or JSON null when never reported';
COMMENT ON COLUMN resources.work_name IS 'derived: user work name, payload.metadata.name (metadata as object or JSON string)';
COMMENT ON COLUMN resources.work_namespace IS 'derived: payload.metadata.namespace (the consumer name)';
COMMENT ON COLUMN resources.cid IS 'derived: CS cluster id from the label api.openshift.com/id';
COMMENT ON COLUMN resources.labels IS 'derived: payload.metadata.labels';
COMMENT ON COLUMN resources.manifests IS 'derived: JSON array of the manifests, whatever the payload format (data.manifests, data.manifest, raw object)';
COMMENT ON COLUMN resources.manifest_count IS 'derived: number of manifests';
COMMENT ON COLUMN resources.applied IS 'derived: work condition Applied is True (NULL when no status)';
COMMENT ON COLUMN resources.available IS 'derived: work condition Available is True (NULL when no status)';
COMMENT ON COLUMN resources.is_deleted IS 'derived: deleted_at is set (deletion requested, not yet confirmed by the agent)';
COMMENT ON COLUMN resources.has_status IS 'derived: the agent has reported a status';
COMMENT ON COLUMN resources.observed_version IS 'derived: status.resourceversion, the spec version the agent applied';
COMMENT ON COLUMN resources.op_id IS 'derived: operation id (logging.open-cluster-management.io/op-id) when the client set one';
COMMENT ON TABLE events IS 'Maestro spec outbox: Create/Update/Delete per resource (source_id = resources.id); reconciled_date NULL = not yet published';
COMMENT ON TABLE status_events IS 'Maestro status fan-out queue (resource_id = resources.id); StatusDelete rows keep the last payload of hard-deleted bundles';
COMMENT ON TABLE consumers IS 'Maestro consumers (one per management cluster agent)';
COMMENT ON TABLE server_instances IS 'Maestro server replicas with their last heartbeat';
COMMENT ON TABLE event_instances IS 'which server instance delivered which status event';
-- Derived from the DB
COMMENT ON TABLE resource_manifests IS 'one row per manifest of a Maestro resource, with its per-manifest status from the DB status';
COMMENT ON COLUMN resource_manifests.ordinal IS 'index in the manifests array (status resourceMeta.ordinal)';
COMMENT ON COLUMN resource_manifests.applied IS 'per-manifest condition Applied is True';
COMMENT ON COLUMN resource_manifests.available IS 'per-manifest condition Available is True (the object exists)';
COMMENT ON COLUMN resource_manifests.reason IS 'reason of the failing (else the Applied) condition';
COMMENT ON COLUMN resource_manifests.message IS 'message of the failing condition';
COMMENT ON TABLE resource_conditions IS 'one row per work-level condition of a resource''s DB status';
-- Kubernetes objects
COMMENT ON TABLE objects IS 'every Kubernetes object of every cluster in the bundle';
COMMENT ON COLUMN objects.cluster IS 'cluster name in the bundle (kube/<cluster>/...)';
COMMENT ON COLUMN objects.resource IS 'plural resource name, from the bundle path';
COMMENT ON COLUMN objects.owner_refs IS 'metadata.ownerReferences as JSON';
COMMENT ON COLUMN objects.object IS 'the whole object as the API returned it (secrets redacted)';
COMMENT ON TABLE owner_refs IS 'one row per ownerReference: child -> owner, matched by uid';
COMMENT ON TABLE applied_manifest_works IS 'AppliedManifestWorks; layer 1 = applied by the Maestro agent (manifestWorkName is a resource id), layer 2 = by the local-cluster klusterlet';
COMMENT ON COLUMN applied_manifest_works.manifest_work_name IS 'spec.manifestWorkName: a resources.id (layer 1) or a local-cluster ManifestWork name (layer 2)';
COMMENT ON COLUMN applied_manifest_works.layer IS '1 (Maestro) or 2 (local-cluster ManifestWork)';
COMMENT ON TABLE applied_resources IS 'one row per status.appliedResources entry of an AppliedManifestWork';
COMMENT ON COLUMN applied_resources.uid IS 'uid the agent applied; differs from objects.uid when the object was recreated';
COMMENT ON TABLE manifest_works IS 'ManifestWork CRs (layer 2 lives in namespace local-cluster), with conditions and cid';
COMMENT ON TABLE work_manifests IS 'one row per manifest of a ManifestWork CR, with its per-manifest status';
COMMENT ON TABLE hosted_clusters IS 'HyperShift HostedClusters with cid, key conditions and version';
COMMENT ON TABLE node_pools IS 'HyperShift NodePools with cid, HostedCluster name and Ready';
COMMENT ON TABLE managed_clusters IS 'OCM ManagedClusters (name = cid) with accepted/joined/available';
COMMENT ON TABLE conditions IS 'one row per condition of any object (source object) or DB status (source resources)';
-- From the manifest
COMMENT ON TABLE snapshot IS 'the bundle: creation time (the snapshot''s now), origin, tool, redaction';
COMMENT ON TABLE clusters IS 'clusters the bundle was collected from, with their role';
COMMENT ON TABLE bundle_files IS 'files of the bundle with rows, bytes and sha256';
COMMENT ON TABLE collection_errors IS 'sources that failed during collection or import';
COMMENT ON TABLE mwtrace_meta IS 'loader version and bundle digest of this database';
