//! The trace index: a file beside a loaded database holding each resource's and each hosted
//! cluster's assembled trace (the `work_traces` and `cluster_traces` tables) under hashed
//! lookup keys. A cached trace by resource id, work name or cluster id reads it without
//! starting DuckDB, whose start alone (about 25 ms) costs more than the rest of such a trace.
//! What the index cannot answer (nothing found, other entry points, a stale or damaged index)
//! goes through the database.
//!
//! Layout: the documents (JSON, each a zstd frame, back to back) | the header (JSON) | the
//! keys, 20 bytes each
//! (key hash u64, document offset u64, frame length u32; little-endian, sorted by hash) |
//! the footer, 40 bytes (header offset, header length, keys offset, key count, magic).
//! Compressed, the documents take about a tenth of their JSON: an index is a cache entry, and a
//! support engineer's cache holds many bundles.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use duckdb::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::rows;

const MAGIC: &[u8; 8] = b"MWTIDX02";
const ENTRY_BYTES: u64 = 20;
const FOOTER_BYTES: u64 = 40;
/// Larger documents or headers mean a damaged index: never allocate for them.
const MAX_DOC_BYTES: u64 = 64 << 20;
const ZSTD_LEVEL: i32 = 3;
/// `work_traces` is read in this many slices of its key space, each ordered and bounded, so the
/// index is written without holding the table in memory.
const SLICES: u64 = 256;

/// What every trace needs besides the documents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexHeader {
    pub loader_version: i64,
    pub bundle_sha256: String,
    pub snapshot_created_at: Option<String>,
    pub clusters: Vec<IndexCluster>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexCluster {
    pub name: String,
    pub context: Option<String>,
    pub service: bool,
}

/// What a document is looked up by.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    /// A resource's trace by its id.
    ResourceId(&'a str),
    /// Resources' traces by their work name.
    WorkName(&'a str),
    /// Resources' traces by their hosted cluster id.
    WorkCid(&'a str),
    /// A hosted cluster's parts by its id.
    Cluster(&'a str),
}

impl Key<'_> {
    fn hash(self) -> u64 {
        let (tag, value) = match self {
            Key::ResourceId(v) => (b'r', v),
            Key::WorkName(v) => (b'w', v),
            Key::WorkCid(v) => (b'c', v),
            Key::Cluster(v) => (b'C', v),
        };
        let digest = Sha256::new()
            .chain_update([tag])
            .chain_update(value.as_bytes())
            .finalize();
        u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
    }
}

/// The index of the database at `db`.
pub fn path_for(db: &Path) -> PathBuf {
    let mut path = db.as_os_str().to_owned();
    path.push(".traces");
    PathBuf::from(path)
}

/// Writes the index of the loaded database `conn` to `path`.
pub fn write(conn: &Connection, path: &Path, header: &IndexHeader) -> Result<(), WriteError> {
    let mut out = BufWriter::new(File::create(path)?);
    let mut offset = 0u64;
    let mut entries: Vec<(u64, u64, u32)> = Vec::new();
    let mut put = |out: &mut BufWriter<File>, doc: &str, keys: &[Key<'_>]| -> io::Result<()> {
        let frame = zstd::bulk::compress(doc.as_bytes(), ZSTD_LEVEL)?;
        let len = u32::try_from(frame.len()).map_err(io::Error::other)?;
        out.write_all(&frame)?;
        for key in keys {
            entries.push((key.hash(), offset, len));
        }
        offset += u64::from(len);
        Ok(())
    };
    for slice in 0..SLICES {
        let low = slice << 56;
        let high = low | ((1u64 << 56) - 1);
        let docs = rows(
            conn,
            "SELECT id, work_name, cid, trace FROM work_traces
             WHERE id_key BETWEEN ? AND ? ORDER BY id_key",
            duckdb::params![low, high],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )?;
        for (id, work_name, cid, doc) in &docs {
            let mut keys = vec![Key::ResourceId(id)];
            keys.extend(work_name.as_deref().map(Key::WorkName));
            keys.extend(cid.as_deref().map(Key::WorkCid));
            put(&mut out, doc, &keys)?;
        }
    }
    let clusters = rows(conn, "SELECT cid, trace FROM cluster_traces", [], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    for (cid, doc) in &clusters {
        put(&mut out, doc, &[Key::Cluster(cid)])?;
    }
    // Stable: documents under one key keep the order they were written in.
    entries.sort_by_key(|(hash, _, _)| *hash);
    let header_json = serde_json::to_vec(header).map_err(io::Error::other)?;
    let header_at = offset;
    out.write_all(&header_json)?;
    let keys_at = header_at + header_json.len() as u64;
    for (hash, at, len) in &entries {
        out.write_all(&hash.to_le_bytes())?;
        out.write_all(&at.to_le_bytes())?;
        out.write_all(&len.to_le_bytes())?;
    }
    for n in [
        header_at,
        header_json.len() as u64,
        keys_at,
        entries.len() as u64,
    ] {
        out.write_all(&n.to_le_bytes())?;
    }
    out.write_all(MAGIC)?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error(transparent)]
    Db(#[from] duckdb::Error),
}

/// An opened index.
pub struct TraceIndex {
    file: File,
    pub header: IndexHeader,
    keys_at: u64,
    count: u64,
}

impl TraceIndex {
    /// The index at `path` when it was written for this bundle by this loader; None when it is
    /// absent, stale or damaged (the database answers instead).
    pub fn open(path: &Path, bundle_sha256: &str, loader_version: i64) -> Option<TraceIndex> {
        let file = File::open(path).ok()?;
        let len = file.metadata().ok()?.len();
        let mut footer = [0u8; FOOTER_BYTES as usize];
        file.read_exact_at(&mut footer, len.checked_sub(FOOTER_BYTES)?)
            .ok()?;
        if &footer[32..] != MAGIC {
            return None;
        }
        let field = |i: usize| u64::from_le_bytes(footer[i * 8..i * 8 + 8].try_into().unwrap());
        let (header_at, header_len, keys_at, count) = (field(0), field(1), field(2), field(3));
        let keys_end = keys_at.checked_add(count.checked_mul(ENTRY_BYTES)?)?;
        if header_len > MAX_DOC_BYTES
            || header_at.checked_add(header_len)? != keys_at
            || keys_end != len - FOOTER_BYTES
        {
            return None;
        }
        let mut header = vec![0u8; header_len as usize];
        file.read_exact_at(&mut header, header_at).ok()?;
        let header: IndexHeader = serde_json::from_slice(&header).ok()?;
        if header.loader_version != loader_version || header.bundle_sha256 != bundle_sha256 {
            return None;
        }
        Some(TraceIndex {
            file,
            header,
            keys_at: header_at + header_len,
            count,
        })
    }

    /// Every document stored under `key`'s hash, in the order written. A hash can be shared:
    /// callers check that each document is the one asked for.
    pub fn docs(&self, key: Key<'_>) -> io::Result<Vec<String>> {
        let hash = key.hash();
        // The first entry whose hash is not below `hash`.
        let (mut low, mut high) = (0u64, self.count);
        while low < high {
            let mid = low + (high - low) / 2;
            if self.entry(mid)?.0 < hash {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        let mut docs = Vec::new();
        for i in low..self.count {
            let (entry_hash, at, len) = self.entry(i)?;
            if entry_hash != hash {
                break;
            }
            if u64::from(len) > MAX_DOC_BYTES || at + u64::from(len) > self.keys_at {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "damaged entry"));
            }
            let mut frame = vec![0u8; len as usize];
            self.file.read_exact_at(&mut frame, at)?;
            let doc = zstd::bulk::decompress(&frame, MAX_DOC_BYTES as usize)?;
            docs.push(String::from_utf8(doc).map_err(io::Error::other)?);
        }
        Ok(docs)
    }

    fn entry(&self, i: u64) -> io::Result<(u64, u64, u32)> {
        let mut raw = [0u8; ENTRY_BYTES as usize];
        self.file
            .read_exact_at(&mut raw, self.keys_at + i * ENTRY_BYTES)?;
        Ok((
            u64::from_le_bytes(raw[0..8].try_into().unwrap()),
            u64::from_le_bytes(raw[8..16].try_into().unwrap()),
            u32::from_le_bytes(raw[16..20].try_into().unwrap()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database with the two tables the index is written from.
    fn loaded() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE work_traces AS
             SELECT id, hash(id) AS id_key, work_name, cid, '{\"id\":\"' || id || '\"}' AS trace
             FROM (VALUES ('r1', 'w', 'c1'), ('r2', 'w', 'c1'), ('r3', NULL, NULL))
                  AS t(id, work_name, cid);
             CREATE TABLE cluster_traces AS SELECT 'c1' AS cid, '{\"cluster\":true}' AS trace;",
        )
        .unwrap();
        conn
    }

    fn header(sha: &str) -> IndexHeader {
        IndexHeader {
            loader_version: 7,
            bundle_sha256: sha.to_string(),
            snapshot_created_at: Some("2026-11-22T00:00:00Z".into()),
            clusters: vec![IndexCluster {
                name: "svc".into(),
                context: None,
                service: true,
            }],
        }
    }

    #[test]
    fn documents_are_found_by_each_of_their_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("x.duckdb"));
        write(&loaded(), &path, &header("abc")).unwrap();
        let index = TraceIndex::open(&path, "abc", 7).expect("current index");
        assert_eq!(index.header.clusters[0].name, "svc");
        assert_eq!(
            index.docs(Key::ResourceId("r3")).unwrap(),
            vec![r#"{"id":"r3"}"#]
        );
        let mut by_work = index.docs(Key::WorkName("w")).unwrap();
        by_work.sort();
        assert_eq!(by_work, vec![r#"{"id":"r1"}"#, r#"{"id":"r2"}"#]);
        assert_eq!(index.docs(Key::WorkCid("c1")).unwrap().len(), 2);
        assert_eq!(
            index.docs(Key::Cluster("c1")).unwrap(),
            vec![r#"{"cluster":true}"#]
        );
        // The same value under another kind of key is another key.
        assert!(index.docs(Key::ResourceId("w")).unwrap().is_empty());
        assert!(index.docs(Key::Cluster("r1")).unwrap().is_empty());
    }

    #[test]
    fn a_stale_or_damaged_index_is_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("x.duckdb"));
        write(&loaded(), &path, &header("abc")).unwrap();
        assert!(TraceIndex::open(&path, "other bundle", 7).is_none());
        assert!(TraceIndex::open(&path, "abc", 8).is_none());
        let bytes = std::fs::read(&path).unwrap();
        for damaged in [
            &bytes[..bytes.len() - 1],
            &bytes[1..],
            &bytes[..10],
            &[][..],
        ] {
            std::fs::write(&path, damaged).unwrap();
            assert!(TraceIndex::open(&path, "abc", 7).is_none());
        }
        assert!(TraceIndex::open(&dir.path().join("absent"), "abc", 7).is_none());
    }
}
