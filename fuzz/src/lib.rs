//! What the fuzz targets share: a bundle on disk from the fuzzer's bytes (the reader opens paths),
//! read the way `mwtrace info` reads it, every entry to its end.

use std::path::PathBuf;

use mwtrace_bundle::{BundleError, BundleReader, Limits};

pub const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Small bounds, so that a bomb is found in milliseconds rather than after 64 GiB.
pub const LIMITS: Limits = Limits {
    max_unpacked_bytes: 4 << 20,
    max_manifest_bytes: 1 << 20,
};

/// One scratch file per fuzzing process (libFuzzer runs one input at a time per process).
fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("mwtrace-fuzz-{}.tar.zst", std::process::id()))
}

/// Bytes that start with the zstd magic are the bundle itself; anything else is the tar inside
/// it, compressed here, so that mutations reach the tar headers and manifest.json rather than
/// dying in the zstd frame check.
pub fn as_bundle(data: &[u8]) -> Vec<u8> {
    if data.starts_with(&ZSTD_MAGIC) {
        data.to_vec()
    } else {
        zstd::encode_all(data, 1).expect("zstd compresses into memory")
    }
}

/// Opens `bundle` and reads every entry; returns the files read, or the error that refused it.
pub fn read_bundle(bundle: &[u8]) -> Result<Vec<(String, Vec<u8>)>, BundleError> {
    let path = scratch();
    std::fs::write(&path, bundle).expect("the scratch file is writable");
    let result = read_path(&path);
    let _ = std::fs::remove_file(&path);
    result
}

fn read_path(path: &std::path::Path) -> Result<Vec<(String, Vec<u8>)>, BundleError> {
    let reader = BundleReader::open(path, LIMITS)?;
    let manifest = reader.manifest();
    assert!(
        manifest.is_supported(),
        "an opened bundle has a known format"
    );
    let mut files = Vec::new();
    reader.for_each_file(|file, content| {
        let mut bytes = Vec::new();
        // A read error is the reader's to report after visit returns (it drains and checks).
        let _ = content.read_to_end(&mut bytes);
        assert!(
            bytes.len() as u64 <= file.record.bytes,
            "the reader hands out no more than the manifest lists"
        );
        files.push((file.path.to_string(), bytes));
        Ok::<(), BundleError>(())
    })?;
    // A verified bundle holds exactly its manifest's files, each whole.
    assert_eq!(files.len(), manifest.files.len());
    for (path, bytes) in &files {
        let record = manifest.file(path).expect("every file read is listed");
        assert_eq!(bytes.len() as u64, record.bytes);
    }
    Ok(files)
}

/// A tar holding `manifest.json` with `manifest` as its content, then `entries`.
pub fn tar_of(manifest: &[u8], entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut append = |name: &str, content: &[u8]| {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        tar.append_data(&mut header, name, content)
            .expect("a tar in memory");
    };
    append("manifest.json", manifest);
    for (name, content) in entries {
        append(name, content);
    }
    tar.into_inner().expect("a tar in memory")
}
