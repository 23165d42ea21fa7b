//! One YAML file of an import, from arbitrary bytes; the first byte picks where the file sits
//! (which decides its layout: kubectl output, a DB table dump, a must-gather tree, dump-crs).
#![no_main]

use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 6] = [
    "objects.yaml",
    "resources.yaml",
    "namespaces/ns1/core/pods.yaml",
    "cluster-scoped-resources/core/nodes/node-1.yaml",
    "crs/ns1/hostedclusterlist.hypershift.openshift.io.yaml",
    "namespaces/ns1/work.open-cluster-management.io/manifestworks/w1.yaml",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(pick) % PATHS.len()];
    let direct = pick & 0x80 != 0;
    mwtrace_import::fuzz::parse_file(path, direct, false, content);
});
