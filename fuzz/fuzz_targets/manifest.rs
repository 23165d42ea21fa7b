//! manifest.json from arbitrary bytes: parsed as the reader parses it (inside a bundle), parsed
//! on its own and written back (same manifest), and its file paths parsed and rendered back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mwtrace_bundle::{BundlePath, Manifest};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(Some(path)) = BundlePath::parse(text)
    {
        assert_eq!(BundlePath::parse(&path.to_string()), Ok(Some(path)));
    }
    if let Ok(manifest) = serde_json::from_slice::<Manifest>(data) {
        let written = serde_json::to_vec_pretty(&manifest).expect("a manifest serializes");
        let again: Manifest = serde_json::from_slice(&written).expect("a written manifest parses");
        assert_eq!(again, manifest);
        for record in &manifest.files {
            if let Ok(Some(path)) = BundlePath::parse(&record.path) {
                assert_eq!(BundlePath::parse(&path.to_string()), Ok(Some(path)));
            }
        }
    }
    let tar = mwtrace_fuzz::tar_of(data, &[]);
    let bundle = zstd::encode_all(&tar[..], 1).expect("zstd compresses into memory");
    let _ = mwtrace_fuzz::read_bundle(&bundle);
});
