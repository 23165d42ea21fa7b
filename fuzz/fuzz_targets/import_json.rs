//! One JSON or NDJSON file of an import, from arbitrary bytes; the first byte picks where the
//! file sits (its format and layout) and whether JSON is read in memory or as a stream.
#![no_main]

use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 8] = [
    "objects.json",
    "consumers.json",
    "resources.ndjson",
    "objects.ndjson",
    "namespaces/ns1/apps/deployments.json",
    "cluster-scoped-resources/cluster.open-cluster-management.io/managedclusters/c.json",
    "kube/c1/work.open-cluster-management.io/v1/appliedmanifestworks.ndjson",
    "timestamp",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(pick) % PATHS.len()];
    let direct = pick & 0x40 != 0;
    let stream = pick & 0x80 != 0;
    mwtrace_import::fuzz::parse_file(path, direct, stream, content);
});
