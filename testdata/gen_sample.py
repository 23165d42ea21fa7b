#!/usr/bin/env python3
"""Generate the unpacked sample snapshot bundles under testdata/.

Regenerate with:  python3 testdata/gen_sample.py
(stdlib only; output is deterministic: same input, same bytes.)

Writes:
  testdata/sample/                 bundle layout v1 (DESIGN.md section 4), origin "collect"
  testdata/variants/old-schema/    DB-only bundle from a database migrated before 2024-06
                                   (columns consumer_id / manifest, no name / payload / source)

The scenario (resources R1..R8, their AppliedManifestWorks, the HCP cluster objects) is
described in testdata/README.md. Facts used here come from
/work/shared/reference/maestro-data-model.md and kube-objects.md; shapes and condition
reasons are copied from the files in /work/shared/reference/{maestro-,}examples/.

How the DB rows imitate PostgreSQL `row_to_json`:
  * columns in table order, every column present, SQL NULL -> null;
  * timestamptz -> "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00", trailing fractional zeros dropped
    (PostgreSQL prints microseconds without trailing zeros, and no fraction at all for 0);
  * jsonb values -> JSON values whose object keys are in jsonb storage order
    (shorter key first, then bytewise), as jsonb_pretty shows in the Maestro docs examples.
  * A jsonb 'null' and an SQL NULL are both printed as null by row_to_json, so they cannot
    be told apart in a dump (see README).
"""

import copy
import datetime as dt
import hashlib
import json
import os
import shutil
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "sample")
OLD = os.path.join(HERE, "variants", "old-schema")

# Maestro docs examples, copied verbatim into testdata/src/maestro-docs/ (see its README).
# R1's payload/status/AMW are these documents with the consumer renamed (see r1()).
REF_DIR = os.path.join(HERE, "src", "maestro-docs")

# --------------------------------------------------------------------------------------------
# constants of the scenario
# --------------------------------------------------------------------------------------------
CONSUMER = "mgmt-1"
CS_SOURCE = "clusters-service"
HUB1 = "f1d8a1049b93dffc1929d57a719c3a09a4dcbfe0cd6e42840325be3b2dde73c8"  # Maestro agent (MQTT broker host)
MGMT_API = "https://api.mgmt-1.example.com:6443"
HUB2 = hashlib.sha256(MGMT_API.encode()).hexdigest()  # klusterlet of local-cluster
CID = "2qrppk0otds3rdmdcojqcqkqq8f0s591"
ENV = "arohcpint"
HC_NAME = "x8y5p7r4g6j9e3v"
HC_NS = f"ocm-{ENV}-{CID}"
HCP_NS = f"{HC_NS}-{HC_NAME}"
NP_NAME = f"{HC_NAME}-np1"
CLUSTER_NAME = "my-cluster"  # api.openshift.com/name
OCP_VERSION = "4.19.7"
K8S_VERSION = "v1.32.6"
RELEASE_IMAGE = (
    "quay.io/openshift-release-dev/ocp-release@sha256:"
    + hashlib.sha256(b"ocp-release-4.19.7-x86_64").hexdigest()
)
AZ_SUB = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
AZ_TENANT = "64dc0e2c-1b0a-4f9e-8d7c-6b5a49382716"
MANAGED_RG = f"{CLUSTER_NAME}-managed-rg"
CUSTOMER_RG = "customer-rg"
ARM_ID = (
    f"/subscriptions/{AZ_SUB}/resourceGroups/{CUSTOMER_RG}/providers/"
    f"Microsoft.RedHatOpenShift/hcpOpenShiftClusters/{CLUSTER_NAME}"
)

AMW_FINALIZER = "cluster.open-cluster-management.io/applied-manifest-work-cleanup"
MW_FINALIZER = "cluster.open-cluster-management.io/manifest-work-cleanup"
ORIGINALSOURCE_LABEL = "cloudevents.open-cluster-management.io/originalsource"
OPID_KEY = "logging.open-cluster-management.io/op-id"

BUNDLE_SPEC = "io.open-cluster-management.works.v1alpha1.manifestbundles.spec"
BUNDLE_STATUS = "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request"
SINGLE_SPEC = "io.open-cluster-management.works.v1alpha1.manifests.spec"
SINGLE_STATUS = "io.open-cluster-management.works.v1alpha1.manifests.status.update_request"

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def T(s):
    """Parse an ISO time (Z or offset, up to 9 fractional digits; extra digits truncated)."""
    s = s.replace("Z", "+00:00")
    if "." in s:
        head, rest = s.split(".", 1)
        frac, tz = rest[:-6], rest[-6:]
        s = f"{head}.{(frac + '000000')[:6]}{tz}"
    return dt.datetime.fromisoformat(s).astimezone(dt.timezone.utc)


def pg(t):
    """timestamptz as row_to_json prints it (session TimeZone UTC)."""
    if t is None:
        return None
    if isinstance(t, str):
        t = T(t)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += ("." + f"{t.microsecond:06d}").rstrip("0")
    return s + "+00:00"


def k8s(t):
    """metav1.Time: seconds precision, Z."""
    if isinstance(t, str):
        t = T(t)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def nano(t, extra_digits=""):
    """RFC3339Nano as Go prints it (trailing zeros dropped); extra_digits appends sub-us digits."""
    if isinstance(t, str):
        t = T(t)
    frac = (f"{t.microsecond:06d}" + extra_digits).rstrip("0")
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + "Z"


def plus(t, **kw):
    if isinstance(t, str):
        t = T(t)
    return t + dt.timedelta(**kw)


def duid(label):
    """Deterministic random-looking UUIDv4 for a label."""
    return str(uuid.UUID(bytes=hashlib.sha256(("mwtrace-sample/" + label).encode()).digest()[:16], version=4))


def work_id(source, consumer, work_name):
    """Resource ID as sdk-go's ManifestWorkSourceClient derives it (reference section 3)."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_OID, f"{source}-manifestworks.work.open-cluster-management.io-{consumer}-{work_name}")
    )


def jsonb(v):
    """Reorder object keys as jsonb stores them: shorter key first, then bytewise."""
    if isinstance(v, dict):
        return {k: jsonb(v[k]) for k in sorted(v, key=lambda k: (len(k.encode()), k.encode()))}
    if isinstance(v, list):
        return [jsonb(x) for x in v]
    return v


def gojson(v):
    """Compact JSON as Go's encoding/json writes it (used for JsonRaw and string extensions)."""
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


# Snowflake sequence IDs: calibrated so that the docs example's sequenceid maps to its status time.
_DOC_SEQ = 1999832099518943232
_DOC_SEQ_MS = int(T("2025-12-13T13:32:42.264601288Z").timestamp() * 1000)
_SEQ_EPOCH = _DOC_SEQ_MS - (_DOC_SEQ >> 22)


def seqid(t):
    if isinstance(t, str):
        t = T(t)
    return str(((int(t.timestamp() * 1000) - _SEQ_EPOCH) << 22) | 4096)


def cond(type_, status, reason, message, t, gen=None):
    c = {"type": type_, "status": status}
    if gen is not None:
        c["observedGeneration"] = gen
    c.update({"lastTransitionTime": k8s(t), "reason": reason, "message": message})
    return c


_rv = [782_310_000]


def rv():
    _rv[0] += 1_537
    return str(_rv[0])


def write_ndjson(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n")


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def manifest_json(created_at, origin):
    return {
        "format": "mwtrace-bundle",
        "format_version": 1,
        "created_at": created_at,
        "tool": {"name": "mwtrace", "version": "0.1.0"},
        "origin": origin,
        "clusters": [
            {"name": "svc-1", "role": "service", "context": "svc-1", "server": "https://api.svc-1.example.com:6443"},
            {"name": "mgmt-1", "role": "management", "context": "mgmt-1", "server": MGMT_API},
        ],
        "redaction": {"secrets": True},
        "files": [],
        "errors": [],
    }


# --------------------------------------------------------------------------------------------
# Kubernetes object builders
# --------------------------------------------------------------------------------------------


def owner_amw(amw):
    # NewAppliedManifestWorkOwner: apiVersion, kind, name, uid only (kube-objects.md section 3).
    return {
        "apiVersion": "work.open-cluster-management.io/v1",
        "kind": "AppliedManifestWork",
        "name": amw["metadata"]["name"],
        "uid": amw["metadata"]["uid"],
    }


def applied_res(group, version, resource, namespace, name, uid_):
    # Field order of AppliedManifestResourceMeta as the API serialises it.
    return {"group": group, "version": version, "resource": resource, "namespace": namespace, "name": name, "uid": uid_}


def amw(hub, work_name, created, labels, applied, uid_label):
    md = {
        "creationTimestamp": k8s(created),
        "finalizers": [AMW_FINALIZER],
        "generation": 1,
    }
    if labels:
        md["labels"] = labels
    md.update({"name": f"{hub}-{work_name}", "resourceVersion": rv(), "uid": duid(uid_label)})
    applied = sorted(applied, key=lambda a: (a["group"], a["version"], a["resource"], a["namespace"], a["name"]))
    return {
        "apiVersion": "work.open-cluster-management.io/v1",
        "kind": "AppliedManifestWork",
        "metadata": md,
        "spec": {"agentID": hub, "hubHash": hub, "manifestWorkName": work_name},
        "status": {"appliedResources": applied},
    }


# --------------------------------------------------------------------------------------------
# DB row builders
# --------------------------------------------------------------------------------------------


def resource_row(id_, created, updated, deleted, source, version, type_, payload, status):
    # Column order of `resources` (maestro-data-model.md section 1): name first.
    return {
        "name": id_,  # gRPC path: name == id
        "id": id_,
        "created_at": pg(created),
        "updated_at": pg(updated),
        "deleted_at": pg(deleted),
        "source": source,
        "consumer_name": CONSUMER,
        "version": version,
        "type": type_,
        "payload": None if payload is None else jsonb(payload),
        "status": None if status is None else jsonb(status),
    }


def event_row(label, resource_id, event_type, created, reconciled):
    return {
        "id": duid("event/" + label),
        "created_at": pg(created),
        "updated_at": pg(reconciled if reconciled else created),
        "deleted_at": None,
        "source": "Resources",
        "source_id": resource_id,
        "event_type": event_type,
        "reconciled_date": pg(reconciled),
    }


def status_event_row(label, resource_id, created, kind="StatusUpdate", source="", rtype="", payload=None, status=None):
    return {
        "id": duid("status_event/" + label),
        "created_at": pg(created),
        "updated_at": pg(created),
        "deleted_at": None,
        "resource_id": resource_id,
        "resource_source": source,
        "resource_type": rtype,
        "payload": None if payload is None else jsonb(payload),
        "status": None if status is None else jsonb(status),
        "status_event_type": kind,
        "reconciled_date": None,  # never set by the code
    }


def bundle_payload(id_, source, work_name, labels, created_time, manifests, manifest_configs=None,
                   delete_option=None, action="create_request", resourceversion=0, op_id=None, annotations=None):
    md = {"uid": id_, "name": work_name}
    if labels:
        md["labels"] = labels
    ann = dict(annotations or {})
    if op_id:
        ann[OPID_KEY] = op_id
    if ann:
        md["annotations"] = ann
    md.update({"namespace": CONSUMER, "resourceVersion": str(resourceversion)})
    data = {"manifests": manifests}
    if delete_option:
        data["deleteOption"] = delete_option
    if manifest_configs:
        data["manifestConfigs"] = manifest_configs
    return {
        "id": duid("ce/spec/" + id_ + "/" + action),
        "data": data,
        "time": nano(created_time, "417"),
        "type": f"{BUNDLE_SPEC}.{action}",
        "source": source,
        "metadata": md,
        "logtracing": gojson({OPID_KEY: op_id}) if op_id else "{}",
        "resourceid": id_,
        "clustername": CONSUMER,
        "specversion": "1.0",
        "originalsource": "",
        "datacontenttype": "application/json",
        "resourceversion": resourceversion,
    }


def bundle_status(payload, status_time, created, observed_version, conditions, resource_status):
    md = copy.deepcopy(payload["metadata"])
    if isinstance(md, dict):
        md["creationTimestamp"] = k8s(created)
    data = {"conditions": conditions, "resourceStatus": resource_status}
    return {
        "id": duid("ce/status/" + payload["resourceid"] + "/" + nano(status_time)),
        "data": data,
        "time": nano(status_time, "288"),
        "type": BUNDLE_STATUS,
        "source": f"{CONSUMER}-work-agent",
        "metadata": md,
        "logtracing": payload["logtracing"],
        "resourceid": payload["resourceid"],
        "sequenceid": seqid(status_time),
        "statushash": hashlib.sha256(gojson(jsonb(data)).encode()).hexdigest(),
        "clustername": CONSUMER,
        "specversion": "1.0",
        "originalsource": "maestro",
        "datacontenttype": "application/json",
        "resourceversion": str(observed_version),
    }


def rmeta(ordinal, group, version, kind, resource, name, namespace):
    return {"ordinal": ordinal, "group": group, "version": version, "kind": kind, "resource": resource,
            "name": name, "namespace": namespace}


def ok_manifest_conditions(t, feedback=False):
    return [
        cond("Applied", "True", "AppliedManifestComplete", "Apply manifest complete", t),
        cond("Available", "True", "ResourceAvailable", "Resource is available", t),
        cond("StatusFeedbackSynced", "True", "StatusFeedbackSynced" if feedback else "NoStatusFeedbackSynced", "", t),
    ]


def ok_work_conditions(t, gen):
    return [
        cond("Applied", "True", "AppliedManifestWorkComplete", "Apply manifest work complete", t, gen),
        cond("Available", "True", "ResourcesAvailable", "All resources are available", t, gen),
    ]


def configmap(ns, name, data, labels=None):
    md = {"name": name, "namespace": ns}
    if labels:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": data}


# --------------------------------------------------------------------------------------------
# the scenario
# --------------------------------------------------------------------------------------------

out = {
    "resources": [], "events": [], "status_events": [],
    "amw": [], "mw": [], "mc": [], "hc": [], "np": [], "ns": [], "deploy": [],
}
table = []  # for the README / report


def load_ref(name):
    with open(os.path.join(REF_DIR, name), encoding="utf-8") as f:
        return json.load(f)


# ---- consumer + server instances -----------------------------------------------------------
CONSUMER_ID = duid("consumer/mgmt-1")
consumers = [{
    "id": CONSUMER_ID,
    "created_at": pg("2024-04-15T08:31:09.66417Z"),  # before the oldest resource (FK)
    "updated_at": pg("2024-04-15T08:31:09.66417Z"),
    "deleted_at": None,
    "name": CONSUMER,
    "labels": None,
}]
server_instances = [
    {
        "id": "maestro-maestro-6c9d8b7f4d-q8n5w",
        "created_at": pg("2026-11-14T02:11:37.402118Z"),
        "updated_at": pg("2026-11-20T17:42:51.009314Z"),
        "deleted_at": None,
        "last_heartbeat": pg("2026-11-20T17:42:05.873342Z"),
        "ready": False,
    },
    {
        "id": "maestro-maestro-6c9d8b7f4d-7xk2p",
        "created_at": pg("2026-11-20T17:40:12.55163Z"),
        "updated_at": pg("2026-11-21T09:59:50.118422Z"),
        "deleted_at": None,
        "last_heartbeat": pg("2026-11-21T09:59:50Z"),
        "ready": True,
    },
]

# ---- R1: the Maestro docs example, consumer renamed to mgmt-1 -------------------------------


def r1():
    payload = load_ref("resource-payload.json")
    status = load_ref("resource-status.json")
    amw_doc = load_ref("appliedmanifestwork.json")
    rid = payload["resourceid"]
    assert rid == "55c61e54-a3f6-563d-9fec-b1fe297bdfdb"
    for doc in (payload, status):
        doc["clustername"] = CONSUMER
        doc["metadata"]["namespace"] = CONSUMER
    status["source"] = f"{CONSUMER}-work-agent"
    created, status_t = "2025-12-13T13:32:30.308693Z", "2025-12-13T13:32:42.264601Z"
    out["resources"].append(resource_row(rid, "2025-12-13T13:32:30.318402Z", "2025-12-13T13:32:42.27915Z", None,
                                         payload["source"], 1, "", payload, status))
    out["events"].append(event_row("r1/create", rid, "Create", "2025-12-13T13:32:30.321877Z", "2025-12-13T13:32:30.338154Z"))
    out["status_events"].append(status_event_row("r1/update", rid, "2025-12-13T13:32:42.281536Z"))

    # AMW: the docs document; creationTimestamp moved to the row's creation (the docs AMW comes
    # from a different run, 2025-12-16, which would post-date the Deployment it owns).
    amw_doc["metadata"]["creationTimestamp"] = k8s(created)
    out["amw"].append(amw_doc)
    dep_uid = amw_doc["status"]["appliedResources"][0]["uid"]
    fb_time = "2025-12-13T13:32:30Z"
    out["deploy"].append({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "annotations": {"deployment.kubernetes.io/revision": "1"},
            "creationTimestamp": fb_time,
            "generation": 1,
            "name": "maestro-e2e-upgrade-test",
            "namespace": "default",
            "ownerReferences": [owner_amw(amw_doc)],
            "resourceVersion": "1547",
            "uid": dep_uid,
        },
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": 0,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "nginx"}},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": {"app": "nginx"}},
                "spec": {
                    "containers": [{
                        "image": "quay.io/nginx/nginx-unprivileged:latest",
                        "imagePullPolicy": "IfNotPresent",
                        "name": "nginx",
                        "resources": {},
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                    }],
                    "dnsPolicy": "ClusterFirst",
                    "restartPolicy": "Always",
                    "schedulerName": "default-scheduler",
                    "securityContext": {},
                    "terminationGracePeriodSeconds": 30,
                },
            },
        },
        "status": {
            "conditions": [
                {"lastTransitionTime": fb_time, "lastUpdateTime": fb_time, "message": "Deployment has minimum availability.",
                 "reason": "MinimumReplicasAvailable", "status": "True", "type": "Available"},
                {"lastTransitionTime": fb_time, "lastUpdateTime": fb_time,
                 "message": "ReplicaSet \"maestro-e2e-upgrade-test-68bd67c4c7\" has successfully progressed.",
                 "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"},
            ],
            "observedGeneration": 1,
        },
    })
    table.append(dict(r="R1", id=rid, work=payload["metadata"]["name"], source=payload["source"],
                      amw=amw_doc["metadata"]["name"]))


# ---- R2: HCP main bundle -> layer-2 ManifestWork -> HostedCluster / NodePool ----------------

ARO_LABELS = {"api.openshift.com/environment": ENV, "api.openshift.com/id": CID, "api.openshift.com/name": CLUSTER_NAME}

HC_CONDITION_TYPES = [
    "Available", "Progressing", "Degraded", "IgnitionEndpointAvailable", "UnmanagedEtcdAvailable",
    "ValidConfiguration", "SupportedHostedCluster", "ClusterVersionSucceeding", "ClusterVersionUpgradeable",
    "ReconciliationActive", "ReconciliationSucceeded", "ValidOIDCConfiguration", "ValidReleaseImage",
    "PlatformCredentialsFound", "InfrastructureReady", "KubeAPIServerAvailable", "EtcdAvailable",
]
NP_CONDITION_TYPES = [
    "ValidPlatformImage", "ValidHostedCluster", "ValidReleaseImage", "ValidMachineConfig", "ValidTuningConfig",
    "UpdateManagementEnabled", "AutoscalingEnabled", "Ready", "ReconciliationActive", "AutorepairEnabled",
    "UpdatingVersion", "UpdatingConfig", "AsExpected", "ValidationFailed", "InplaceUpgradeFailed",
]


def feedback_rules(types, extra=None):
    paths = []
    for t in types:
        for field, key in (("Reason", "reason"), ("Status", "status"), ("Message", "message"),
                           ("LastTransitionTime", "lastTransitionTime")):
            paths.append({"name": f"{t}-{field}", "path": f'.status.conditions[?(@.type=="{t}")].{key}'})
    if extra:
        paths.extend(extra)
    return [{"jsonPaths": paths, "type": "JSONPaths"}]


def hosted_cluster_manifest():
    def mi(name):
        return {"credentialsSecretName": f"{HC_NAME}-{name}", "objectEncoding": "utf-8"}

    return {
        "apiVersion": "hypershift.openshift.io/v1beta1",
        "kind": "HostedCluster",
        "metadata": {
            "annotations": {"azure.microsoft.com/hcp-cluster-azure-resource-id": ARM_ID},
            "labels": dict(ARO_LABELS),
            "name": HC_NAME,
            "namespace": HC_NS,
        },
        "spec": {
            "autoscaling": {},
            "capabilities": {},
            "clusterID": duid("hc/clusterID"),
            "configuration": {},
            "controllerAvailabilityPolicy": "HighlyAvailable",
            "dns": {"baseDomain": f"{HC_NAME}.westus3.aroapp-hcp.int.example.net"},
            "etcd": {
                "managed": {"storage": {"persistentVolume": {"size": "8Gi"}, "type": "PersistentVolume"}},
                "managementType": "Managed",
            },
            "fips": False,
            "infraID": f"{HC_NAME}-7kq2m",
            "networking": {
                "clusterNetwork": [{"cidr": "10.128.0.0/14"}],
                "machineNetwork": [{"cidr": "10.0.0.0/16"}],
                "networkType": "OVNKubernetes",
                "serviceNetwork": [{"cidr": "172.30.0.0/16"}],
            },
            "olmCatalogPlacement": "management",
            "platform": {
                "azure": {
                    "azureAuthenticationConfig": {
                        "azureAuthenticationConfigType": "ManagedIdentities",
                        "managedIdentities": {
                            "controlPlane": {
                                "cloudProvider": mi("cloud-provider"),
                                "controlPlaneOperator": mi("control-plane-operator"),
                                "disk": mi("disk-csi-driver"),
                                "file": mi("file-csi-driver"),
                                "imageRegistry": mi("image-registry"),
                                "ingress": mi("ingress"),
                                "managedIdentitiesKeyVault": {"name": "arohcpint-usw3-mi-kv", "tenantID": AZ_TENANT},
                                "network": mi("cloud-network-config"),
                                "nodePoolManagement": mi("nodepool-management"),
                            },
                            "dataPlane": {
                                "diskMSIClientID": duid("msi/disk"),
                                "fileMSIClientID": duid("msi/file"),
                                "imageRegistryMSIClientID": duid("msi/image-registry"),
                            },
                        },
                    },
                    "location": "westus3",
                    "resourceGroup": MANAGED_RG,
                    "securityGroupID": f"/subscriptions/{AZ_SUB}/resourceGroups/{CUSTOMER_RG}/providers/Microsoft.Network/networkSecurityGroups/customer-nsg",
                    "subnetID": f"/subscriptions/{AZ_SUB}/resourceGroups/{CUSTOMER_RG}/providers/Microsoft.Network/virtualNetworks/customer-vnet/subnets/customer-subnet-1",
                    "subscriptionID": AZ_SUB,
                    "tenantID": AZ_TENANT,
                    "vnetID": f"/subscriptions/{AZ_SUB}/resourceGroups/{CUSTOMER_RG}/providers/Microsoft.Network/virtualNetworks/customer-vnet",
                },
                "type": "Azure",
            },
            "pullSecret": {"name": f"{HC_NAME}-pull-secret"},
            "release": {"image": RELEASE_IMAGE},
            "services": [
                {"service": "APIServer", "servicePublishingStrategy": {"type": "LoadBalancer"}},
                {"service": "Ignition", "servicePublishingStrategy": {"type": "Route"}},
                {"service": "Konnectivity", "servicePublishingStrategy": {"type": "Route"}},
                {"service": "OAuthServer", "servicePublishingStrategy": {"type": "Route"}},
            ],
            "sshKey": {},
        },
    }


def node_pool_manifest(replicas):
    return {
        "apiVersion": "hypershift.openshift.io/v1beta1",
        "kind": "NodePool",
        "metadata": {"labels": dict(ARO_LABELS), "name": NP_NAME, "namespace": HC_NS},
        "spec": {
            "arch": "amd64",
            "clusterName": HC_NAME,
            "management": {"autoRepair": False, "upgradeType": "Replace"},
            "nodeDrainTimeout": "0s",
            "nodeVolumeDetachTimeout": "0s",
            "platform": {
                "azure": {
                    "image": {"imageID": f"/subscriptions/{AZ_SUB}/resourceGroups/{MANAGED_RG}/providers/Microsoft.Compute/galleries/rhcos/images/rhcos-4.19/versions/419.96.202508190801", "type": "ImageID"},
                    "osDisk": {"diskStorageAccountType": "Premium_LRS", "persistence": "Persistent", "sizeGiB": 128},
                    "subnetID": f"/subscriptions/{AZ_SUB}/resourceGroups/{CUSTOMER_RG}/providers/Microsoft.Network/virtualNetworks/customer-vnet/subnets/customer-subnet-1",
                    "vmSize": "Standard_D8s_v3",
                },
                "type": "Azure",
            },
            "release": {"image": RELEASE_IMAGE},
            "replicas": replicas,
        },
    }


def namespace_manifest():
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"labels": dict(ARO_LABELS), "name": HC_NS},
        "spec": {},
        "status": {},
    }


def local_cluster_work(np_replicas):
    hc_extra = [{"name": "progress", "path": '.status.version.history[?(@.state!="")].state'}]
    return {
        "apiVersion": "work.open-cluster-management.io/v1",
        "kind": "ManifestWork",
        "metadata": {"labels": {"api.openshift.com/id": CID}, "name": CID, "namespace": "local-cluster"},
        "spec": {
            "deleteOption": {"propagationPolicy": "Foreground"},
            "manifestConfigs": [
                {
                    "feedbackRules": feedback_rules(HC_CONDITION_TYPES, hc_extra),
                    "resourceIdentifier": {"group": "hypershift.openshift.io", "name": HC_NAME, "namespace": HC_NS,
                                           "resource": "hostedclusters"},
                    "updateStrategy": {"type": "ServerSideApply"},
                },
                {
                    "feedbackRules": feedback_rules(NP_CONDITION_TYPES),
                    "resourceIdentifier": {"group": "hypershift.openshift.io", "name": NP_NAME, "namespace": HC_NS,
                                           "resource": "nodepools"},
                    "updateStrategy": {"type": "ServerSideApply"},
                },
            ],
            "workload": {"manifests": [namespace_manifest(), hosted_cluster_manifest(), node_pool_manifest(np_replicas)]},
        },
    }


def hc_conditions(t_avail, gen):
    A = "AsExpected"
    spec = [
        ("ValidAzureKMSConfig", "True", A, "Azure KMS configuration is valid"),
        ("ValidHostedControlPlaneConfiguration", "True", A, "Configuration passes validation"),
        ("ValidConfiguration", "True", A, "Configuration passes validation"),
        ("SupportedHostedCluster", "True", A, "HostedCluster is supported by operator configuration"),
        ("ValidReleaseImage", "True", A, "Release image is valid"),
        ("ValidOIDCConfiguration", "True", "StatusUnknown", "OIDC configuration is valid"),
        ("PlatformCredentialsFound", "True", A, "Required platform credentials are found"),
        ("ReconciliationActive", "True", "ReconciliationActive", "Reconciliation active on resource"),
        ("ReconciliationSucceeded", "True", "ReconciliatonSucceeded", "Reconciliation completed successfully"),
        ("InfrastructureReady", "True", A, "All is well"),
        ("EtcdAvailable", "True", "QuorumAvailable", ""),
        ("KubeAPIServerAvailable", "True", A, "Kube APIServer deployment is available"),
        ("IgnitionEndpointAvailable", "True", A, "Ignition server deployment is available"),
        ("Available", "True", A, "The hosted control plane is available"),
        ("Degraded", "False", A, "The hosted cluster is not degraded"),
        ("Progressing", "False", A, "HostedCluster is at expected version"),
        ("ClusterVersionSucceeding", "True", "FromClusterVersion", ""),
        ("ClusterVersionUpgradeable", "True", "FromClusterVersion", ""),
    ]
    return [cond(t, s, r, m, t_avail, gen) for t, s, r, m in spec]


def np_conditions(t, gen):
    A = "AsExpected"
    spec = [
        ("AutoscalingEnabled", "False", A, ""),
        ("UpdateManagementEnabled", "True", A, ""),
        ("ValidReleaseImage", "True", A, f"Using release image: {RELEASE_IMAGE}"),
        ("ValidPlatformImage", "True", A, "Bootstrap Azure image is valid"),
        ("ValidHostedCluster", "True", A, "HostedCluster is valid"),
        ("ValidMachineConfig", "True", A, ""),
        ("ValidTuningConfig", "True", A, ""),
        ("UpdatingConfig", "False", A, ""),
        ("UpdatingVersion", "False", A, ""),
        ("UpdatingPlatformMachineTemplate", "False", A, ""),
        ("ReachedIgnitionEndpoint", "True", A, ""),
        ("AllMachinesReady", "True", A, "All is well"),
        ("AllNodesHealthy", "True", A, "All is well"),
        ("ValidArchPlatform", "True", A, ""),
        ("ReconciliationActive", "True", "ReconciliationActive", "Reconciliation active on resource"),
        ("Ready", "True", A, ""),
        ("AutorepairEnabled", "False", A, ""),
    ]
    return [cond(ty, s, r, m, t, gen) for ty, s, r, m in spec]


def feedback_values(rules, obj):
    """Evaluate our simple condition JSONPaths against obj, as the work agent would."""
    conds = {c["type"]: c for c in obj["status"].get("conditions", [])}
    values = []
    for p in rules[0]["jsonPaths"]:
        name = p["name"]
        if name == "progress":
            hist = obj["status"].get("version", {}).get("history", [])
            states = [h["state"] for h in hist if h.get("state")]
            if states:
                values.append({"name": name, "fieldValue": {"type": "String", "string": states[0]}})
            continue
        ctype, field = name.rsplit("-", 1)
        key = {"Reason": "reason", "Status": "status", "Message": "message",
               "LastTransitionTime": "lastTransitionTime"}[field]
        c = conds.get(ctype)
        if c is None or c.get(key, "") == "":
            continue  # a JSONPath that matches nothing (or an empty string) yields no value
        values.append({"name": name, "fieldValue": {"type": "String", "string": c[key]}})
    return values


def r2():
    work_name = f"{CID}-hc"
    rid = work_id(CS_SOURCE, CONSUMER, work_name)
    created = "2026-11-21T08:40:12.512907Z"
    updated_spec = "2026-11-21T09:12:30.123456Z"
    op_id = duid("r2/op-id")
    labels = {"api.openshift.com/id": CID, "api.openshift.com/name": CLUSTER_NAME}
    mw_manifest = local_cluster_work(np_replicas=2)
    mw_v1 = local_cluster_work(np_replicas=1)  # what version 1 held (for history only)
    assert mw_v1 != mw_manifest
    payload_configs = [{
        "feedbackRules": [{"type": "JSONPaths", "jsonPaths": [{"name": "status", "path": ".status"}]}],
        "updateStrategy": {"type": "ServerSideApply", "serverSideApply": {"force": True, "fieldManager": "maestro-agent"}},
        "resourceIdentifier": {"name": CID, "group": "work.open-cluster-management.io", "resource": "manifestworks",
                               "namespace": "local-cluster"},
    }]
    payload = bundle_payload(rid, CS_SOURCE, work_name, labels, updated_spec, [mw_manifest], payload_configs,
                             {"propagationPolicy": "Foreground"}, action="update_request", resourceversion=1,
                             op_id=op_id)

    # ---- cluster side -------------------------------------------------------------------
    t_amw1 = plus(created, seconds=1)
    mw_uid = duid("r2/mw")
    amw1 = amw(HUB1, rid, t_amw1,
               {ORIGINALSOURCE_LABEL: "maestro", **labels},
               [applied_res("work.open-cluster-management.io", "v1", "manifestworks", "local-cluster", CID, mw_uid)],
               "r2/amw1")
    t_mw = plus(created, seconds=2)
    amw2 = amw(HUB2, CID, plus(t_mw, seconds=1), {"api.openshift.com/id": CID}, [], "r2/amw2")
    ns_uid, hc_uid, np_uid = duid("r2/ns"), duid("r2/hc"), duid("r2/np")
    amw2["status"]["appliedResources"] = [
        applied_res("", "v1", "namespaces", "", HC_NS, ns_uid),
        applied_res("hypershift.openshift.io", "v1beta1", "hostedclusters", HC_NS, HC_NAME, hc_uid),
        applied_res("hypershift.openshift.io", "v1beta1", "nodepools", HC_NS, NP_NAME, np_uid),
    ]
    t_obj = plus(t_mw, seconds=3)
    t_hc_avail = "2026-11-21T08:56:41Z"
    t_np_ready = "2026-11-21T09:14:02Z"
    t_hist_done = "2026-11-21T09:05:17Z"

    # Namespace ocm-<env>-<cid>
    ns_obj = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "creationTimestamp": k8s(t_obj),
            "labels": {**ARO_LABELS, "kubernetes.io/metadata.name": HC_NS},
            "name": HC_NS,
            "ownerReferences": [owner_amw(amw2)],
            "resourceVersion": rv(),
            "uid": ns_uid,
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }

    # HostedCluster
    hc_m = hosted_cluster_manifest()
    hc_obj = {
        "apiVersion": hc_m["apiVersion"],
        "kind": "HostedCluster",
        "metadata": {
            "annotations": hc_m["metadata"]["annotations"],
            "creationTimestamp": k8s(t_obj),
            "finalizers": ["hypershift.openshift.io/finalizer"],
            "generation": 1,
            "labels": hc_m["metadata"]["labels"],
            "managedFields": [
                {"apiVersion": "hypershift.openshift.io/v1beta1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:metadata": {"f:annotations": {"f:azure.microsoft.com/hcp-cluster-azure-resource-id": {}},
                                             "f:labels": {"f:api.openshift.com/environment": {}, "f:api.openshift.com/id": {},
                                                          "f:api.openshift.com/name": {}}},
                              "f:spec": {"f:platform": {"f:azure": {}, "f:type": {}}, "f:release": {"f:image": {}}}},
                 "manager": "work-agent", "operation": "Apply", "time": k8s(t_obj)},
                {"apiVersion": "hypershift.openshift.io/v1beta1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:metadata": {"f:ownerReferences": {".": {}, f"k:{{\"uid\":\"{amw2['metadata']['uid']}\"}}": {}}}},
                 "manager": "work-agent", "operation": "Update", "time": k8s(t_obj)},
                {"apiVersion": "hypershift.openshift.io/v1beta1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:status": {".": {}, "f:conditions": {}, "f:version": {}}},
                 "manager": "hypershift-operator-manager", "operation": "Update", "subresource": "status",
                 "time": k8s(t_hist_done)},
            ],
            "name": HC_NAME,
            "namespace": HC_NS,
            "ownerReferences": [owner_amw(amw2)],
            "resourceVersion": rv(),
            "uid": hc_uid,
        },
        "spec": hc_m["spec"],
        "status": {
            "conditions": hc_conditions(t_hc_avail, 1),
            "controlPlaneEndpoint": {"host": f"api.{HC_NAME}.westus3.aroapp-hcp.int.example.net", "port": 443},
            "ignitionEndpoint": f"ignition-server-{HCP_NS}.apps.mgmt-1.example.com",
            "kubeadminPassword": {"name": f"{HC_NAME}-kubeadmin-password"},
            "kubeconfig": {"name": f"{HC_NAME}-admin-kubeconfig"},
            "oauthCallbackURLTemplate": f"https://oauth.{HC_NAME}.westus3.aroapp-hcp.int.example.net:443/oauth2callback/[identity-provider-name]",
            "payloadArch": "Multi",
            "version": {
                "availableUpdates": None,
                "desired": {"image": RELEASE_IMAGE, "version": OCP_VERSION},
                "history": [{
                    "completionTime": k8s(t_hist_done),
                    "image": RELEASE_IMAGE,
                    "startedTime": k8s(t_obj),
                    "state": "Completed",
                    "verified": False,
                    "version": OCP_VERSION,
                }],
                "observedGeneration": 1,
            },
        },
    }

    # NodePool (generation 2: replicas 1 -> 2 in bundle version 2)
    np_m = node_pool_manifest(2)
    np_obj = {
        "apiVersion": np_m["apiVersion"],
        "kind": "NodePool",
        "metadata": {
            "annotations": {"hypershift.openshift.io/nodePoolCurrentConfig": hashlib.sha256(b"np1-config").hexdigest()[:8],
                            "hypershift.openshift.io/nodePoolCurrentConfigVersion": hashlib.sha256(b"np1-cfgver").hexdigest()[:8]},
            "creationTimestamp": k8s(t_obj),
            "finalizers": ["hypershift.openshift.io/finalizer"],
            "generation": 2,
            "labels": np_m["metadata"]["labels"],
            "managedFields": [
                {"apiVersion": "hypershift.openshift.io/v1beta1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:metadata": {"f:labels": {"f:api.openshift.com/environment": {}, "f:api.openshift.com/id": {},
                                                          "f:api.openshift.com/name": {}}},
                              "f:spec": {"f:clusterName": {}, "f:replicas": {}, "f:release": {"f:image": {}}}},
                 "manager": "work-agent", "operation": "Apply", "time": k8s(plus(updated_spec, seconds=3))},
                {"apiVersion": "hypershift.openshift.io/v1beta1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:metadata": {"f:ownerReferences": {"k:{\"uid\":\"" + hc_uid + "\"}": {}}}},
                 "manager": "hypershift-operator-manager", "operation": "Update", "time": k8s(plus(t_obj, seconds=2))},
                {"apiVersion": "hypershift.openshift.io/v1beta1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:status": {".": {}, "f:conditions": {}, "f:replicas": {}, "f:version": {}}},
                 "manager": "hypershift-operator-manager", "operation": "Update", "subresource": "status",
                 "time": k8s(t_np_ready)},
            ],
            "name": NP_NAME,
            "namespace": HC_NS,
            "ownerReferences": [
                owner_amw(amw2),
                {"apiVersion": "hypershift.openshift.io/v1beta1", "kind": "HostedCluster", "name": HC_NAME, "uid": hc_uid},
            ],
            "resourceVersion": rv(),
            "uid": np_uid,
        },
        "spec": np_m["spec"],
        "status": {"conditions": np_conditions(t_np_ready, 2), "replicas": 2, "version": OCP_VERSION},
    }

    # Layer-2 ManifestWork local-cluster/<cid>, status written by the local-cluster klusterlet
    t_mw_status = plus(updated_spec, seconds=4)
    rules = mw_manifest["spec"]["manifestConfigs"]
    mw_status = {
        # Go struct order (ManifestCondition: resourceMeta, statusFeedback, conditions), as in
        # manifestwork.maestro-watched-with-status.json; this is also the order inside jsonRaw.
        "conditions": ok_work_conditions(t_mw, 2),
        "resourceStatus": {"manifests": [
            {"resourceMeta": rmeta(0, "", "v1", "Namespace", "namespaces", HC_NS, ""),
             "statusFeedback": {},
             "conditions": ok_manifest_conditions(t_obj)},
            {"resourceMeta": rmeta(1, "hypershift.openshift.io", "v1beta1", "HostedCluster", "hostedclusters", HC_NAME, HC_NS),
             "statusFeedback": {"values": feedback_values(rules[0]["feedbackRules"], hc_obj)},
             "conditions": ok_manifest_conditions(t_obj, feedback=True)},
            {"resourceMeta": rmeta(2, "hypershift.openshift.io", "v1beta1", "NodePool", "nodepools", NP_NAME, HC_NS),
             "statusFeedback": {"values": feedback_values(rules[1]["feedbackRules"], np_obj)},
             "conditions": ok_manifest_conditions(t_obj, feedback=True)},
        ]},
    }
    mw_obj = {
        "apiVersion": "work.open-cluster-management.io/v1",
        "kind": "ManifestWork",
        "metadata": {
            "creationTimestamp": k8s(t_mw),
            "finalizers": [MW_FINALIZER],
            "generation": 2,
            "labels": {"api.openshift.com/id": CID},
            "name": CID,
            "namespace": "local-cluster",
            "ownerReferences": [owner_amw(amw1)],
            "resourceVersion": rv(),
            "uid": mw_uid,
        },
        "spec": mw_manifest["spec"],
        "status": mw_status,
    }

    # ManagedCluster <cid> (hosted mode)
    t_mc = "2026-11-21T08:58:03Z"
    mc_obj = {
        "apiVersion": "cluster.open-cluster-management.io/v1",
        "kind": "ManagedCluster",
        "metadata": {
            "annotations": {
                "import.open-cluster-management.io/hosting-cluster-name": "local-cluster",
                "import.open-cluster-management.io/klusterlet-deploy-mode": "Hosted",
                "open-cluster-management/created-via": "hypershift",
            },
            "creationTimestamp": k8s(t_mc),
            "finalizers": ["cluster.open-cluster-management.io/api-resource-cleanup"],
            "generation": 2,
            "labels": {
                "cloud": "Azure",
                "cluster.open-cluster-management.io/clusterset": "default",
                "clusterID": hc_m["spec"]["clusterID"],
                "hypershift.openshift.io/hosted-cluster": "true",
                "name": CID,
                "openshiftVersion": OCP_VERSION,
                "vendor": "OpenShift",
            },
            "name": CID,
            "resourceVersion": rv(),
            "uid": duid("r2/managedcluster"),
        },
        "spec": {"hubAcceptsClient": True, "leaseDurationSeconds": 60},
        "status": {
            "allocatable": {"cpu": "15500m", "memory": "61255Mi"},
            "capacity": {"cpu": "16", "memory": "63959Mi"},
            "clusterClaims": [
                {"name": "id.k8s.io", "value": CID},
                {"name": "kubeversion.open-cluster-management.io", "value": K8S_VERSION},
                {"name": "platform.open-cluster-management.io", "value": "Azure"},
                {"name": "product.open-cluster-management.io", "value": "OpenShift"},
                {"name": "version.openshift.io", "value": OCP_VERSION},
            ],
            "conditions": [
                cond("HubAcceptedManagedCluster", "True", "HubClusterAdminAccepted", "Accepted by hub cluster admin", t_mc),
                cond("ManagedClusterJoined", "True", "ManagedClusterJoined", "Managed cluster joined", plus(t_mc, seconds=94)),
                cond("ManagedClusterConditionAvailable", "True", "ManagedClusterAvailable", "Managed cluster is available",
                     plus(t_mc, seconds=95)),
            ],
            "version": {"kubernetes": K8S_VERSION},
        },
    }

    # ---- DB status: one manifest (the ManifestWork) with the nested status as JsonRaw -------
    # last accepted status: the NodePool feedback changed once the second node was ready
    status_t = plus(t_np_ready, seconds=3, microseconds=312_004)
    status = bundle_status(payload, status_t, created, 2,
                           ok_work_conditions(plus(created, seconds=2), 2),
                           [{
                               "conditions": ok_manifest_conditions(plus(created, seconds=2), feedback=True),
                               "resourceMeta": rmeta(0, "work.open-cluster-management.io", "v1", "ManifestWork",
                                                     "manifestworks", CID, "local-cluster"),
                               "statusFeedback": {"values": [{"name": "status", "fieldValue": {
                                   "type": "JsonRaw", "jsonRaw": gojson(mw_status)}}]},
                           }])
    out["resources"].append(resource_row(rid, created, plus(status_t, microseconds=13_201), None, CS_SOURCE, 2, "",
                                         payload, status))
    out["events"] += [
        event_row("r2/create", rid, "Create", plus(created, microseconds=2_001), plus(created, microseconds=19_340)),
        event_row("r2/update", rid, "Update", plus(updated_spec, microseconds=1_880), plus(updated_spec, microseconds=15_553)),
    ]
    out["status_events"] += [
        status_event_row("r2/s1", rid, plus(created, seconds=3, microseconds=104_226)),
        status_event_row("r2/s2", rid, plus(created, seconds=16 * 60 + 31, microseconds=550_901)),  # HC became Available
        status_event_row("r2/s3", rid, plus(updated_spec, seconds=6, microseconds=75_392)),  # version 2 applied
        status_event_row("r2/s4", rid, plus(status_t, microseconds=15_118)),
    ]
    out["amw"] += [amw1, amw2]
    out["mw"].append(mw_obj)
    out["ns"].append(ns_obj)
    out["hc"].append(hc_obj)
    out["np"].append(np_obj)
    out["mc"].append(mc_obj)
    table.append(dict(r="R2", id=rid, work=work_name, source=CS_SOURCE, amw=amw1["metadata"]["name"],
                      amw2=amw2["metadata"]["name"], op_id=op_id))
    return dict(mw_uid=mw_uid, ns_uid=ns_uid, hc_uid=hc_uid, np_uid=np_uid, amw1=amw1, amw2=amw2, mc=mc_obj)


# ---- R3: failing work (admission webhook denies the Deployment) -----------------------------


def r3():
    work_name = f"cs-config-{CID}"
    rid = work_id(CS_SOURCE, CONSUMER, work_name)
    created = "2026-11-21T09:20:05.771203Z"
    labels = {"api.openshift.com/id": CID}
    cm = configmap(HC_NS, "cluster-config", {"cluster-id": CID, "environment": ENV, "region": "westus3"}, labels)
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"labels": {"app": "capi-provider", **labels}, "name": "capi-provider", "namespace": HC_NS},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "capi-provider"}},
            "template": {
                "metadata": {"labels": {"app": "capi-provider"}},
                "spec": {"containers": [{"name": "manager", "image": "registry.example.io/unapproved/capi-provider-azure:v1.19.4",
                                         "args": ["--namespace", HC_NS, "--leader-elect"]}]},
            },
        },
    }
    payload = bundle_payload(rid, CS_SOURCE, work_name, labels, created, [cm, dep])
    t = plus(created, seconds=1)
    status_t = plus(created, seconds=1, microseconds=402_733)
    cm_uid = duid("r3/configmap")
    msg = ('Failed to apply manifest: admission webhook "validate.example.io" denied the request: image not allowed')
    status = bundle_status(payload, status_t, created, 1, [
        cond("Applied", "False", "AppliedManifestWorkFailed", "Failed to apply manifest work", t, 1),
        cond("Available", "False", "ResourcesNotAvailable", "1 of 2 resources are not available", t, 1),
    ], [
        {"conditions": ok_manifest_conditions(t),
         "resourceMeta": rmeta(0, "", "v1", "ConfigMap", "configmaps", "cluster-config", HC_NS),
         "statusFeedback": {}},
        {"conditions": [
            cond("Applied", "False", "AppliedManifestFailed", msg, t),
            cond("Available", "False", "ResourceNotAvailable", "Resource is not available", t),
        ],
         "resourceMeta": rmeta(1, "apps", "v1", "Deployment", "deployments", "capi-provider", HC_NS),
         "statusFeedback": {}},
    ])
    out["resources"].append(resource_row(rid, created, plus(status_t, microseconds=9_876), None, CS_SOURCE, 1, "",
                                         payload, status))
    out["events"].append(event_row("r3/create", rid, "Create", plus(created, microseconds=1_442), plus(created, microseconds=17_090)))
    out["status_events"].append(status_event_row("r3/s1", rid, plus(status_t, microseconds=11_356)))
    a = amw(HUB1, rid, plus(created, seconds=1), {ORIGINALSOURCE_LABEL: "maestro", **labels},
            [applied_res("", "v1", "configmaps", HC_NS, "cluster-config", cm_uid)], "r3/amw")
    out["amw"].append(a)
    table.append(dict(r="R3", id=rid, work=work_name, source=CS_SOURCE, amw=a["metadata"]["name"], cm_uid=cm_uid))


# ---- R4: deleted work, deletion confirmed (StatusDelete), AMW gone --------------------------


def r4():
    work_name = "old-maintenance-job"
    rid = work_id(CS_SOURCE, CONSUMER, work_name)
    created = "2026-11-19T14:02:11.045519Z"
    deleted = "2026-11-20T08:00:00Z"
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "maintenance", "namespace": "default"},
        "spec": {
            "backoffLimit": 2,
            "template": {"spec": {
                "containers": [{"name": "maintenance", "image": "registry.access.redhat.com/ubi9/ubi-minimal:9.5",
                                "command": ["/bin/sh", "/scripts/run.sh"],
                                "volumeMounts": [{"name": "scripts", "mountPath": "/scripts"}]}],
                "restartPolicy": "Never",
                "volumes": [{"name": "scripts", "configMap": {"name": "maintenance-script"}}],
            }},
        },
    }
    cm = configmap("default", "maintenance-script", {"run.sh": "#!/bin/sh\necho running maintenance\n"})
    payload = bundle_payload(rid, CS_SOURCE, work_name, None, created, [job, cm])
    t = plus(created, seconds=1)
    status_t = plus(created, seconds=1, microseconds=655_012)
    rs = [
        {"conditions": ok_manifest_conditions(t), "resourceMeta": rmeta(0, "batch", "v1", "Job", "jobs", "maintenance", "default"),
         "statusFeedback": {}},
        {"conditions": ok_manifest_conditions(t),
         "resourceMeta": rmeta(1, "", "v1", "ConfigMap", "configmaps", "maintenance-script", "default"), "statusFeedback": {}},
    ]
    status = bundle_status(payload, status_t, created, 1, ok_work_conditions(t, 1), rs)
    # final status sent by the agent once the manifests are gone: Deleted=True
    del_t = plus(deleted, seconds=3, microseconds=918_274)
    final = bundle_status(payload, del_t, created, 1,
                          ok_work_conditions(t, 1) + [cond("Deleted", "True", "ManifestsDeleted",
                                                           f"The manifests are deleted from the cluster {CONSUMER}", del_t)],
                          rs)
    out["resources"].append(resource_row(rid, created, deleted, deleted, CS_SOURCE, 1, "", payload, status))
    out["events"] += [
        event_row("r4/create", rid, "Create", plus(created, microseconds=2_210), plus(created, microseconds=20_007)),
        event_row("r4/delete", rid, "Delete", plus(deleted, microseconds=1_318), plus(deleted, microseconds=14_902)),
    ]
    out["status_events"] += [
        status_event_row("r4/s1", rid, plus(status_t, microseconds=12_470)),
        status_event_row("r4/delete", rid, plus(del_t, microseconds=10_551), kind="StatusDelete",
                         source=CS_SOURCE, rtype="", payload=payload, status=final),
    ]
    table.append(dict(r="R4", id=rid, work=work_name, source=CS_SOURCE, amw="(none: deleted)"))


# ---- R5: deleted in the DB, never confirmed; AMW still on the cluster ------------------------


def r5():
    work_name = "stuck-deletion-demo"
    rid = work_id(CS_SOURCE, CONSUMER, work_name)
    created = "2026-11-21T06:30:44.90113Z"
    deleted = "2026-11-21T07:00:00Z"
    cm = configmap("default", "stuck-deletion-demo", {"purpose": "demonstrates a deletion that never completes"})
    payload = bundle_payload(rid, CS_SOURCE, work_name, None, created, [cm])
    t = plus(created, seconds=1)
    status_t = plus(created, seconds=1, microseconds=210_554)
    status = bundle_status(payload, status_t, created, 1, ok_work_conditions(t, 1), [
        {"conditions": ok_manifest_conditions(t),
         "resourceMeta": rmeta(0, "", "v1", "ConfigMap", "configmaps", "stuck-deletion-demo", "default"), "statusFeedback": {}},
    ])
    out["resources"].append(resource_row(rid, created, deleted, deleted, CS_SOURCE, 1, "", payload, status))
    out["events"] += [
        event_row("r5/create", rid, "Create", plus(created, microseconds=1_876), plus(created, microseconds=16_410)),
        event_row("r5/delete", rid, "Delete", plus(deleted, microseconds=1_102), None),
    ]
    out["status_events"].append(status_event_row("r5/s1", rid, plus(status_t, microseconds=10_020)))
    cm_uid = duid("r5/configmap")
    a = amw(HUB1, rid, plus(created, seconds=1), {ORIGINALSOURCE_LABEL: "maestro"},
            [applied_res("", "v1", "configmaps", "default", "stuck-deletion-demo", cm_uid)], "r5/amw")
    out["amw"].append(a)
    table.append(dict(r="R5", id=rid, work=work_name, source=CS_SOURCE, amw=a["metadata"]["name"], cm_uid=cm_uid))


# ---- R6: created two minutes ago, not yet delivered -----------------------------------------


def r6():
    work_name = "pending-work"
    rid = work_id(CS_SOURCE, CONSUMER, work_name)
    created = "2026-11-21T09:58:00Z"
    cm = configmap("default", "pending-config", {"key": "value"})
    payload = bundle_payload(rid, CS_SOURCE, work_name, None, created, [cm])
    out["resources"].append(resource_row(rid, created, created, None, CS_SOURCE, 1, "", payload, None))
    out["events"].append(event_row("r6/create", rid, "Create", plus(created, microseconds=1_733), None))
    table.append(dict(r="R6", id=rid, work=work_name, source=CS_SOURCE, amw="(none: not delivered)"))


# ---- R7: legacy Bundle row, metadata stored as a JSON string, status jsonb null ---------------


def go_objectmeta_string(name, uid_, labels=None):
    # metav1.ObjectMeta marshalled by Go: struct order, zero creationTimestamp as null.
    md = {"name": name, "namespace": CONSUMER, "uid": uid_, "resourceVersion": "0", "creationTimestamp": None}
    if labels:
        md["labels"] = labels
    return gojson(md)


def r7():
    work_name = "legacy-string-metadata"
    rid = work_id(CS_SOURCE, CONSUMER, work_name)
    created = "2024-06-20T11:15:42.512318Z"
    cm = configmap("default", "legacy-config", {"mode": "legacy"})
    payload = {
        "id": duid("ce/spec/r7"),
        "data": {"manifests": [cm], "deleteOption": {"propagationPolicy": "Foreground"}},
        "time": nano(created, "6"),
        "type": f"{BUNDLE_SPEC}.create_request",
        "source": CS_SOURCE,
        "metadata": go_objectmeta_string(work_name, rid, {"app": "legacy"}),
        "resourceid": rid,
        "clustername": CONSUMER,
        "specversion": "1.0",
        "originalsource": "",
        "datacontenttype": "application/json",
        "resourceversion": 0,
    }
    row = resource_row(rid, created, created, None, CS_SOURCE, 1, "Bundle", payload, None)
    # status is the jsonb literal null here; row_to_json prints it exactly like SQL NULL.
    row["status"] = None
    out["resources"].append(row)
    out["events"].append(event_row("r7/create", rid, "Create", plus(created, microseconds=3_004), plus(created, microseconds=27_318)))
    cm_uid = duid("r7/configmap")
    # 2024 agent: no labels copied onto the AMW (OCM < v1.1.0)
    a = amw(HUB1, rid, plus(created, seconds=1), None,
            [applied_res("", "v1", "configmaps", "default", "legacy-config", cm_uid)], "r7/amw")
    out["amw"].append(a)
    table.append(dict(r="R7", id=rid, work=work_name, source=CS_SOURCE, amw=a["metadata"]["name"], cm_uid=cm_uid))


# ---- R8: legacy Single row (data.manifest, singular) -----------------------------------------


def r8():
    work_name = "legacy-single-configmap"
    rid = work_id(CS_SOURCE, CONSUMER, work_name)
    created_db = "2024-05-01T10:00:00.123456Z"
    cm = configmap("default", "legacy-single-cm", {"greeting": "hello"})
    payload = {
        "id": duid("ce/spec/r8"),
        "data": {"manifest": cm, "configOption": {}, "deleteOption": {"propagationPolicy": "Foreground"}},
        "time": "2024-05-01T10:00:00.1234567Z",  # 7 fractional digits
        "type": f"{SINGLE_SPEC}.create_request",
        "source": CS_SOURCE,
        "metadata": go_objectmeta_string(work_name, rid),
        "resourceid": rid,
        "clustername": CONSUMER,
        "specversion": "1.0",
        "originalsource": "",
        "datacontenttype": "application/json",
        "resourceversion": 0,
    }
    t = "2024-05-01T10:00:03Z"
    status = {
        "id": duid("ce/status/r8"),
        "data": {
            "status": {
                "conditions": ok_manifest_conditions(t),
                "resourceMeta": rmeta(0, "", "v1", "ConfigMap", "configmaps", "legacy-single-cm", "default"),
                "statusFeedback": {},
            },
            "conditions": [cond("Applied", "True", "AppliedManifestWorkComplete", "Apply manifest work complete", t, 1)],
        },
        "time": "2024-05-01T10:00:03.7654321Z",  # 7 fractional digits
        "type": SINGLE_STATUS,
        "source": f"{CONSUMER}-work-agent",
        "resourceid": rid,
        "sequenceid": seqid("2024-05-01T10:00:03.765Z"),
        "clustername": CONSUMER,
        "specversion": "1.0",
        "originalsource": "maestro",
        "datacontenttype": "application/json",
        "resourceversion": 1,  # a number here, a string elsewhere
    }
    out["resources"].append(resource_row(rid, created_db, "2024-05-01T10:00:03.781204Z", None, CS_SOURCE, 1, "Single",
                                         payload, status))
    out["events"].append(event_row("r8/create", rid, "Create", "2024-05-01T10:00:00.125907Z", "2024-05-01T10:00:00.14116Z"))
    # no status_events row: that table was created by migration 202406241426 (2024-06-24)
    cm_uid = duid("r8/configmap")
    a = amw(HUB1, rid, "2024-05-01T10:00:01Z", None,
            [applied_res("", "v1", "configmaps", "default", "legacy-single-cm", cm_uid)], "r8/amw")
    out["amw"].append(a)
    table.append(dict(r="R8", id=rid, work=work_name, source=CS_SOURCE, amw=a["metadata"]["name"], cm_uid=cm_uid))


# ---- objects that belong to no work (context / negative cases) ------------------------------


def background_objects():
    def ns(name, created, labels=None, annotations=None):
        md = {}
        if annotations:
            md["annotations"] = annotations
        md.update({"creationTimestamp": created,
                   "labels": {**(labels or {}), "kubernetes.io/metadata.name": name},
                   "name": name, "resourceVersion": rv(), "uid": duid("ns/" + name)})
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": md,
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}

    out["ns"][:0] = [
        ns("default", "2025-10-30T09:01:12Z"),
        ns("local-cluster", "2025-10-30T10:22:48Z", {"cluster.open-cluster-management.io/managedCluster": "local-cluster"}),
        ns("maestro", "2025-10-30T10:40:05Z"),
    ]
    out["ns"].append(ns(HCP_NS, "2026-11-21T08:40:19Z",
                        {"hypershift.openshift.io/hosted-control-plane": "true",
                         "hypershift.openshift.io/monitoring": "true"},
                        {"hypershift.openshift.io/cluster": f"{HC_NS}/{HC_NAME}"}))
    out["deploy"].append({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "annotations": {"deployment.kubernetes.io/revision": "3"},
            "creationTimestamp": "2025-10-30T10:40:07Z",
            "generation": 3,
            "labels": {"app": "maestro-agent"},
            "name": "maestro-agent",
            "namespace": "maestro",
            "resourceVersion": rv(),
            "uid": duid("deploy/maestro-agent"),
        },
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": 1,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "maestro-agent"}},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": {"app": "maestro-agent"}},
                "spec": {
                    "containers": [{
                        "command": ["/usr/local/bin/maestro", "agent", f"--consumer-name={CONSUMER}",
                                    "--workload-source-driver=mqtt", "--workload-source-config=/secrets/mqtt/config.yaml",
                                    "--cloudevents-client-id=$(CONSUMER_NAME)-work-agent",
                                    "--appliedmanifestwork-eviction-grace-period=876000h", "-v=2"],
                        "image": "quay.io/redhat-user-workloads/maestro-rhtap-tenant/maestro/maestro@sha256:"
                                 + hashlib.sha256(b"maestro-agent-image").hexdigest(),
                        "imagePullPolicy": "IfNotPresent",
                        "name": "maestro-agent",
                        "resources": {},
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                    }],
                    "dnsPolicy": "ClusterFirst",
                    "restartPolicy": "Always",
                    "schedulerName": "default-scheduler",
                    "securityContext": {},
                    "serviceAccount": "maestro-agent-sa",
                    "serviceAccountName": "maestro-agent-sa",
                    "terminationGracePeriodSeconds": 30,
                },
            },
        },
        "status": {
            "availableReplicas": 1,
            "conditions": [
                {"lastTransitionTime": "2025-10-30T10:40:31Z", "lastUpdateTime": "2025-10-30T10:40:31Z",
                 "message": "Deployment has minimum availability.", "reason": "MinimumReplicasAvailable",
                 "status": "True", "type": "Available"},
                {"lastTransitionTime": "2025-10-30T10:40:07Z", "lastUpdateTime": "2026-11-02T08:13:55Z",
                 "message": "ReplicaSet \"maestro-agent-5f7c9d8b6\" has successfully progressed.",
                 "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"},
            ],
            "observedGeneration": 3,
            "readyReplicas": 1,
            "replicas": 1,
            "updatedReplicas": 1,
        },
    })
    out["mc"].insert(0, {
        "apiVersion": "cluster.open-cluster-management.io/v1",
        "kind": "ManagedCluster",
        "metadata": {
            "creationTimestamp": "2025-10-30T10:22:47Z",
            "finalizers": ["cluster.open-cluster-management.io/api-resource-cleanup"],
            "generation": 1,
            "labels": {"cloud": "Azure", "cluster.open-cluster-management.io/clusterset": "default",
                       "local-cluster": "true", "name": "local-cluster", "vendor": "OpenShift"},
            "name": "local-cluster",
            "resourceVersion": rv(),
            "uid": duid("mc/local-cluster"),
        },
        "spec": {"hubAcceptsClient": True, "leaseDurationSeconds": 60,
                 "managedClusterClientConfigs": [{"url": MGMT_API}]},
        "status": {
            "conditions": [
                cond("HubAcceptedManagedCluster", "True", "HubClusterAdminAccepted", "Accepted by hub cluster admin", "2025-10-30T10:22:47Z"),
                cond("ManagedClusterJoined", "True", "ManagedClusterJoined", "Managed cluster joined", "2025-10-30T10:23:30Z"),
                cond("ManagedClusterConditionAvailable", "True", "ManagedClusterAvailable", "Managed cluster is available", "2025-10-30T10:23:30Z"),
            ],
            "version": {"kubernetes": K8S_VERSION},
        },
    })


# --------------------------------------------------------------------------------------------
# old-schema variant
# --------------------------------------------------------------------------------------------


def old_schema():
    cons_id = duid("old/consumer")
    consumers_old = [{
        "id": cons_id,
        "created_at": pg("2024-03-20T15:58:02.447102Z"),
        "updated_at": pg("2024-03-20T15:58:02.447102Z"),
        "deleted_at": None,
        "name": CONSUMER,
        "labels": None,
    }]
    # Bundle row (gRPC): ManifestBundle CloudEvent in column `manifest`, metadata as a JSON string,
    # clustername/namespace = consumer id (the column and FK referenced consumers.id then).
    b_name = "old-schema-bundle"
    b_id = work_id(CS_SOURCE, cons_id, b_name)
    b_created = "2024-03-20T16:05:11.204518Z"
    cm = configmap("default", "old-schema-bundle-cm", {"era": "2024-03"})
    b_payload = {
        "id": duid("old/ce/spec/bundle"),
        "data": {"manifests": [cm], "deleteOption": {"propagationPolicy": "Foreground"}},
        "time": nano(b_created, "3"),
        "type": f"{BUNDLE_SPEC}.create_request",
        "source": CS_SOURCE,
        "metadata": gojson({"name": b_name, "namespace": cons_id, "uid": b_id, "resourceVersion": "0",
                            "creationTimestamp": None}),
        "resourceid": b_id,
        "clustername": cons_id,
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "resourceversion": 0,
    }
    t = "2024-03-20T16:05:12Z"
    b_status = {
        "id": duid("old/ce/status/bundle"),
        "data": {
            "conditions": ok_work_conditions(t, 1),
            "resourceStatus": [{"conditions": ok_manifest_conditions(t),
                                "resourceMeta": rmeta(0, "", "v1", "ConfigMap", "configmaps", "old-schema-bundle-cm", "default"),
                                "statusFeedback": {}}],
        },
        "time": "2024-03-20T16:05:12.5518263Z",
        "type": BUNDLE_STATUS,
        "source": f"{cons_id}-work-agent",
        "resourceid": b_id,
        "sequenceid": seqid("2024-03-20T16:05:12.551Z"),
        "clustername": cons_id,
        "specversion": "1.0",
        "originalsource": "maestro",
        "datacontenttype": "application/json",
        "resourceversion": "1",
    }
    # Single row (REST /resources): id generated by the server, no status yet.
    s_id = duid("old/single")
    s_created = "2024-03-21T09:40:27.88Z"
    s_cm = configmap("default", "old-schema-single-cm", {"era": "2024-03"})
    s_payload = {
        "id": duid("old/ce/spec/single"),
        "data": {"manifest": s_cm, "deleteOption": {"propagationPolicy": "Foreground"},
                 "configOption": {"updateStrategy": {"type": "ServerSideApply"}}},
        "time": nano(s_created, "1"),
        "type": f"{SINGLE_SPEC}.create_request",
        "source": "maestro",
        "resourceid": s_id,
        "clustername": cons_id,
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "resourceversion": 1,
    }

    def row(id_, created, updated, type_, manifest, status):
        # the column list of a database first migrated on 2024-03-20/21 (see README)
        return {
            "id": id_,
            "created_at": pg(created),
            "updated_at": pg(updated),
            "deleted_at": None,
            "consumer_id": cons_id,
            "version": 1,
            "type": type_,
            "manifest": jsonb(manifest),
            "status": None if status is None else jsonb(status),
        }

    rows = [
        row(b_id, b_created, "2024-03-20T16:05:12.566734Z", "Bundle", b_payload, b_status),
        row(s_id, s_created, s_created, "Single", s_payload, None),
    ]
    write_json(os.path.join(OLD, "manifest.json"), manifest_json("2024-06-01T00:00:00Z", "import"))
    write_ndjson(os.path.join(OLD, "db", "resources.ndjson"), rows)
    write_ndjson(os.path.join(OLD, "db", "consumers.ndjson"), consumers_old)
    return dict(consumer_id=cons_id, bundle_id=b_id, bundle_name=b_name, single_id=s_id)


# --------------------------------------------------------------------------------------------
# consistency checks
# --------------------------------------------------------------------------------------------


def check(links):
    objs = out["amw"] + out["mw"] + out["mc"] + out["hc"] + out["np"] + out["ns"] + out["deploy"]
    uids = [o["metadata"]["uid"] for o in objs]
    assert len(uids) == len(set(uids)), "duplicate kube uid"
    by_uid = {o["metadata"]["uid"]: o for o in objs}
    amw_by_name = {a["metadata"]["name"]: a for a in out["amw"]}
    for a in out["amw"]:
        s = a["spec"]
        assert a["metadata"]["name"] == s["hubHash"] + "-" + s["manifestWorkName"]
        for r in a["status"]["appliedResources"]:
            o = by_uid.get(r["uid"])
            if o is not None:  # objects of kinds we do not collect (ConfigMaps) are absent
                assert o["metadata"]["name"] == r["name"], r
                assert o["metadata"].get("namespace", "") == r["namespace"], r
                owners = [x["uid"] for x in o["metadata"].get("ownerReferences", []) if x["kind"] == "AppliedManifestWork"]
                assert a["metadata"]["uid"] in owners, (r, owners)
    for o in objs:
        for ref in o["metadata"].get("ownerReferences", []):
            if ref["kind"] == "AppliedManifestWork":
                a = amw_by_name[ref["name"]]
                assert a["metadata"]["uid"] == ref["uid"]
    res_ids = {r["id"] for r in out["resources"]}
    for a in out["amw"]:
        if a["spec"]["hubHash"] == HUB1:
            assert a["spec"]["manifestWorkName"] in res_ids
    for e in out["events"]:
        assert e["source_id"] in res_ids
    for s in out["status_events"]:
        assert s["resource_id"] in res_ids
    for r in out["resources"]:
        p = r["payload"]
        assert p["resourceid"] == r["id"] and p["clustername"] == r["consumer_name"] == CONSUMER
        md = p["metadata"] if isinstance(p["metadata"], dict) else json.loads(p["metadata"])
        assert md["uid"] == r["id"] and md["namespace"] == CONSUMER
        if r["id"] != "55c61e54-a3f6-563d-9fec-b1fe297bdfdb":
            assert r["id"] == work_id(r["source"], CONSUMER, md["name"])
        if r["status"]:
            assert r["status"]["resourceid"] == r["id"]


def validate_tree(root):
    n = 0
    for d, _, files in os.walk(root):
        for fn in files:
            p = os.path.join(d, fn)
            with open(p, "rb") as f:
                raw = f.read()
            if fn.endswith(".ndjson"):
                assert raw.endswith(b"\n"), p
                for i, line in enumerate(raw.decode("utf-8").split("\n")[:-1], 1):
                    v = json.loads(line)
                    assert isinstance(v, dict) and line == json.dumps(v, separators=(",", ":"), ensure_ascii=False), (p, i)
                    n += 1
            elif fn.endswith(".json"):
                json.loads(raw)
    return n


def main():
    for d in (SAMPLE, OLD):
        if os.path.isdir(d):
            shutil.rmtree(d)
    r1()
    links = r2()
    r3()
    r4()
    r5()
    r6()
    r7()
    r8()
    background_objects()
    check(links)

    db = os.path.join(SAMPLE, "db")
    kube = os.path.join(SAMPLE, "kube", "mgmt-1")
    write_json(os.path.join(SAMPLE, "manifest.json"), manifest_json("2026-11-21T10:00:00Z", "collect"))
    write_ndjson(os.path.join(db, "resources.ndjson"), out["resources"])
    write_ndjson(os.path.join(db, "events.ndjson"), sorted(out["events"], key=lambda e: e["created_at"]))
    write_ndjson(os.path.join(db, "status_events.ndjson"), sorted(out["status_events"], key=lambda e: e["created_at"]))
    write_ndjson(os.path.join(db, "consumers.ndjson"), consumers)
    write_ndjson(os.path.join(db, "server_instances.ndjson"), server_instances)
    w = "work.open-cluster-management.io/v1"
    write_ndjson(os.path.join(kube, w, "appliedmanifestworks.ndjson"), out["amw"])
    write_ndjson(os.path.join(kube, w, "manifestworks.ndjson"), out["mw"])
    write_ndjson(os.path.join(kube, "cluster.open-cluster-management.io/v1", "managedclusters.ndjson"), out["mc"])
    write_ndjson(os.path.join(kube, "hypershift.openshift.io/v1beta1", "hostedclusters.ndjson"), out["hc"])
    write_ndjson(os.path.join(kube, "hypershift.openshift.io/v1beta1", "nodepools.ndjson"), out["np"])
    write_ndjson(os.path.join(kube, "core/v1", "namespaces.ndjson"), out["ns"])
    write_ndjson(os.path.join(kube, "apps/v1", "deployments.ndjson"), out["deploy"])
    old = old_schema()

    n = validate_tree(SAMPLE) + validate_tree(OLD)
    print(f"wrote {SAMPLE} and {OLD}: {n} NDJSON lines, all valid")
    print(f"hubHash layer 1: {HUB1}")
    print(f"hubHash layer 2: {HUB2}  (sha256 of {MGMT_API})")
    for t in table:
        print(" ", t)
    print("  links:", {k: (v if isinstance(v, str) else v["metadata"]["name"] + " uid=" + v["metadata"]["uid"])
                      for k, v in links.items()})
    print("  old-schema:", old)


if __name__ == "__main__":
    main()
