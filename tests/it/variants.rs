//! Every payload variant of DESIGN.md §2 loads: old column names, metadata as a string,
//! `Single` rows, SQL or JSON null status, string or number resourceversion, 7-digit times.

use serde_json::json;

use crate::common::*;

fn csv(env: &Env, bundle: &std::path::Path, query: &str) -> String {
    let out = env.run(&["sql", bundle.to_str().unwrap(), query, "-o", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn old_schema_with_manifest_and_consumer_id_columns() {
    let env = Env::new();
    let bundle = env.path("old.tar.zst");
    let out = env.run(&[
        "pack",
        repo()
            .join("testdata/variants/old-schema")
            .to_str()
            .unwrap(),
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = csv(
        &env,
        &bundle,
        "SELECT id, consumer_name, type, manifest_count, has_status, json_extract_string(manifests, '$[0].metadata.name') AS m
         FROM resources ORDER BY id",
    );
    assert_eq!(
        rows,
        "id,consumer_name,type,manifest_count,has_status,m\n\
         16bcad32-fd6d-515c-b65a-99aa00952419,df9d56b7-d4e1-4b03-9f6f-f2d4b5d721bb,Bundle,1,true,old-schema-bundle-cm\n\
         601f465e-f571-4fc0-bdfd-b748e7e2ef4b,df9d56b7-d4e1-4b03-9f6f-f2d4b5d721bb,Single,1,false,old-schema-single-cm\n"
    );
    // the dumped columns are kept under their own names too
    assert_eq!(
        csv(
            &env,
            &bundle,
            "SELECT count(manifest) AS n, count(consumer_id) AS c FROM resources"
        ),
        "n,c\n2,2\n"
    );
    let (code, report) = env.trace_json(
        &bundle,
        &["--resource-id", "601f465e-f571-4fc0-bdfd-b748e7e2ef4b"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        report["works"][0]["manifests"][0]["name"],
        "old-schema-single-cm"
    );
}

#[test]
fn sample_rows_of_older_formats_load() {
    let env = Env::new();
    let rows = csv(
        &env,
        &sample_bundle(),
        &format!(
            "SELECT id, work_name, manifest_count, observed_version, has_status FROM resources
             WHERE id IN ('{R7_STRING_META}', '{R8_SINGLE}') ORDER BY id"
        ),
    );
    assert_eq!(
        rows,
        format!(
            "id,work_name,manifest_count,observed_version,has_status\n\
             {R7_STRING_META},legacy-string-metadata,1,,false\n\
             {R8_SINGLE},legacy-single-configmap,1,1,true\n"
        )
    );
}

#[test]
fn status_nulls_resourceversion_types_and_seven_digit_timestamps() {
    let env = Env::new();
    let bundle = env.path("variants.tar.zst");
    let payload = |name: &str| {
        json!({"specversion": "1.0", "metadata": {"name": name},
               "data": {"manifests": [{"apiVersion": "v1", "kind": "ConfigMap",
                                       "metadata": {"name": name, "namespace": "default"}}]}})
    };
    let status = |version: serde_json::Value| {
        json!({"resourceversion": version, "data": {"conditions": [
            {"type": "Applied", "status": "True", "lastTransitionTime": "2024-05-01T10:00:00.1234567Z"}]}})
    };
    write_bundle(
        &bundle,
        &[(
            "db/resources.ndjson",
            vec![
                json!({"id": "a", "version": 3, "created_at": "2024-05-01T10:00:00.1234567Z",
                       "payload": payload("sql-null"), "status": null}),
                json!({"id": "b", "version": 3, "created_at": "2024-05-01T12:00:00.1234567+02:00",
                       "payload": payload("string-version"), "status": status(json!("3"))}),
                json!({"id": "c", "version": "3", "created_at": "2024-05-01T10:00:00Z",
                       "payload": payload("number-version"), "status": status(json!(3))}),
            ],
        )],
    );
    let rows = csv(
        &env,
        &bundle,
        "SELECT r.id, r.work_name, r.version, r.observed_version, r.applied, r.has_status,
                strftime(r.created_at, '%Y-%m-%dT%H:%M:%S.%f') AS created,
                strftime(c.last_transition_time, '%H:%M:%S.%f') AS applied_at
         FROM resources r LEFT JOIN resource_conditions c ON c.resource_id = r.id ORDER BY r.id",
    );
    assert_eq!(
        rows,
        "id,work_name,version,observed_version,applied,has_status,created,applied_at\n\
         a,sql-null,3,,,false,2024-05-01T10:00:00.123456,\n\
         b,string-version,3,3,true,true,2024-05-01T10:00:00.123456,10:00:00.123456\n\
         c,number-version,3,3,true,true,2024-05-01T10:00:00.000000,10:00:00.123456\n"
    );
}

/// `resources.manifests` and `resource_manifests.manifest` are extracted from the payload on
/// read (DESIGN.md §5): for every payload format they must give the manifests the load parsed.
#[test]
fn manifests_of_every_payload_format_agree_with_their_heads() {
    let env = Env::new();
    let bundle = env.path("formats.tar.zst");
    let cm = |name: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": name, "namespace": "ns"}, "data": {"k": name}})
    };
    write_bundle(
        &bundle,
        &[(
            "db/resources.ndjson",
            vec![
                json!({"id": "a", "payload": {"metadata": {"name": "a"},
                                              "data": {"manifests": [cm("a0"), cm("a1")]}}}),
                json!({"id": "b", "payload": {"metadata": {"name": "b"},
                                              "data": {"manifest": cm("b0")}}}),
                json!({"id": "c", "payload": {"spec": {"workload": {"manifests": [cm("c0")]}}}}),
                json!({"id": "d", "payload": cm("d0")}),
                json!({"id": "e", "payload": {"metadata": {"name": "e"}, "data": {"manifests": 7}}}),
            ],
        )],
    );
    assert_eq!(
        csv(
            &env,
            &bundle,
            "SELECT id, manifests_path, manifest_count,
                    json_array_length(manifests) AS n, manifests ->> '$[0].data.k' AS first
             FROM resources ORDER BY id"
        ),
        "id,manifests_path,manifest_count,n,first\n\
         a,$.data.manifests,2,2,a0\n\
         b,$.data.manifest,1,1,b0\n\
         c,$.spec.workload.manifests,1,1,c0\n\
         d,$,1,1,d0\n\
         e,,0,0,\n"
    );
    assert_eq!(
        csv(
            &env,
            &bundle,
            "SELECT m.resource_id, m.ordinal, m.kind, m.namespace, m.name,
                    m.manifest ->> '$.data.k' AS k,
                    m.manifest = json_extract(r.manifests, '$[' || m.ordinal || ']') AS same
             FROM resource_manifests m JOIN resources r ON r.id = m.resource_id
             ORDER BY m.resource_id, m.ordinal"
        ),
        "resource_id,ordinal,kind,namespace,name,k,same\n\
         a,0,ConfigMap,ns,a0,a0,true\n\
         a,1,ConfigMap,ns,a1,a1,true\n\
         b,0,ConfigMap,ns,b0,b0,true\n\
         c,0,ConfigMap,ns,c0,c0,true\n\
         d,0,ConfigMap,ns,d0,d0,true\n"
    );
}
