//! The trace index: a file beside a loaded database holding each resource's and each hosted
//! cluster's assembled trace (the `work_traces` and `cluster_traces` tables), and the link
//! documents a manifest trace walks (see [`super::db`]), under hashed lookup keys. A cached
//! trace reads it without starting DuckDB, whose start alone (about 25 ms) costs more than the
//! rest of such a trace. What the index cannot answer (nothing found, the other entry points, a
//! stale or damaged index) goes through the database.
//!
//! Layout: blocks (zstd frames, each of documents back to back, about [`BLOCK_BYTES`] before
//! compression) | the header (JSON) | the keys, 28 bytes each (key hash u64, block offset u64,
//! block length u32, document offset and length in the block u32 u32; little-endian, sorted by
//! hash) | the footer, 40 bytes (header offset, header length, keys offset, key count, magic).
//! Compressed in blocks, the documents take about a tenth of their JSON (the 2 million small
//! link documents of 100,000 resources compress poorly one by one): an index is a cache entry,
//! and a support engineer's cache holds many bundles.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use duckdb::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::db::{self as links, LinkKind, Scope};
use super::model::{ClusterDoc, LinkDocument, NameLinks, Owners, WorkDoc, WorkLinks};
use super::{SnapshotFacts, StoreError, TraceStore, WorksBy};
use crate::query::{ident, rows};

const MAGIC: &[u8; 8] = b"MWTIDX04";
const ENTRY_BYTES: u64 = 28;
const FOOTER_BYTES: u64 = 40;
/// Documents are compressed together until a block holds this much; a larger document is a
/// block of its own.
const BLOCK_BYTES: usize = 32 << 10;
/// Larger blocks or headers mean a damaged index: never allocate for them.
const MAX_BLOCK_BYTES: u64 = 64 << 20;
const ZSTD_LEVEL: i32 = 3;
/// The tables are read in this many slices of their key space, each bounded, so the index is
/// written without holding a table in memory.
const SLICES: u64 = 16;

/// What every trace needs besides the documents, and what the index was written for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexHeader {
    pub loader_version: i64,
    pub bundle_sha256: String,
    pub facts: SnapshotFacts,
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
    /// What names an object ([`NameLinks`]); namespace None when cluster-scoped.
    Name {
        namespace: Option<&'a str>,
        name: &'a str,
    },
    /// The ownerReferences of the objects with a uid ([`Owners`]).
    OwnersOf(&'a str),
    /// The AppliedManifestWorks and ManifestWorks of a name ([`WorkLinks`]).
    WorkObject(&'a str),
}

impl Key<'_> {
    fn hash(self) -> u64 {
        let (tag, parts): (u8, [&str; 2]) = match self {
            Key::ResourceId(v) => (b'r', [v, ""]),
            Key::WorkName(v) => (b'w', [v, ""]),
            Key::WorkCid(v) => (b'c', [v, ""]),
            Key::Cluster(v) => (b'C', [v, ""]),
            Key::OwnersOf(v) => (b'u', [v, ""]),
            Key::WorkObject(v) => (b'a', [v, ""]),
            Key::Name {
                namespace: None,
                name,
            } => (b'N', [name, ""]),
            // Kubernetes names hold no NUL; where a hostile bundle's do, the documents still
            // name their key and callers check it.
            Key::Name {
                namespace: Some(ns),
                name,
            } => (b'n', [ns, name]),
        };
        let digest = Sha256::new()
            .chain_update([tag])
            .chain_update(parts[0].as_bytes())
            .chain_update([0])
            .chain_update(parts[1].as_bytes())
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

/// Writes the index of the loaded database `conn` to `path`. [`WORKERS`] threads, each with
/// its own connection, assemble the documents of alternate key slices (DuckDB runs a query on
/// one slice mostly on one core); a third compresses and writes the blocks they fill.
pub fn write(conn: &Connection, path: &Path, header: &IndexHeader) -> Result<(), WriteError> {
    let file = BlockFile::new(File::create(path)?)?;
    // A new connection starts in the default database: give it the one `conn` uses.
    let database: String = conn.query_row("SELECT current_database()", [], |r| r.get(0))?;
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::sync_channel::<Block>(4);
        let writer = scope.spawn(move || file.write_all(receiver));
        let mut workers = Vec::new();
        for worker in 0..WORKERS {
            let (sender, conn, database) = (sender.clone(), conn.try_clone(), &database);
            workers.push(scope.spawn(move || -> Result<(), WriteError> {
                let conn = conn?;
                conn.execute_batch(&format!("USE {}", ident(database)))?;
                let mut blocks = Blocks {
                    sender,
                    block: Block::default(),
                };
                fill(&conn, worker, &mut blocks)?;
                Ok(blocks.flush()?)
            }));
        }
        drop(sender);
        let filled: Vec<_> = workers.into_iter().map(join).collect();
        // The writer's error explains a failed send: report it first.
        let file = join(writer)?;
        filled.into_iter().collect::<Result<(), _>>()?;
        file.finish(header)
    })
}

/// Threads assembling documents.
const WORKERS: u64 = 2;

fn join<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Puts the documents of `worker`'s key slices into `blocks`.
fn fill(conn: &Connection, worker: u64, blocks: &mut Blocks) -> Result<(), WriteError> {
    let mine = || slices().skip(worker as usize).step_by(WORKERS as usize);
    for (low, high) in mine() {
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
            blocks.put(doc.as_bytes(), &keys)?;
        }
        let clusters = rows(
            conn,
            "SELECT cid, trace FROM cluster_traces WHERE cid_key BETWEEN ? AND ?",
            duckdb::params![low, high],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?;
        for (cid, doc) in &clusters {
            blocks.put(doc.as_bytes(), &[Key::Cluster(cid)])?;
        }
    }
    links::prepare_slices(conn)?;
    for (low, high) in mine() {
        for kind in [LinkKind::Names, LinkKind::Owners, LinkKind::Works] {
            for doc in links::documents(conn, kind, Scope::Slice(low, high))? {
                let key = match kind {
                    LinkKind::Names => Key::Name {
                        namespace: doc.namespace.as_deref(),
                        name: &doc.key,
                    },
                    LinkKind::Owners => Key::OwnersOf(&doc.key),
                    LinkKind::Works => Key::WorkObject(&doc.key),
                };
                blocks.put(doc.json.as_bytes(), &[key])?;
            }
        }
    }
    Ok(())
}

/// The key space in [`SLICES`] bounded slices.
fn slices() -> impl Iterator<Item = (u64, u64)> {
    (0..SLICES).map(|slice| {
        let width = u64::MAX / SLICES + 1;
        (slice * width, slice * width + (width - 1))
    })
}

/// Documents back to back, before compression, and their keys.
#[derive(Default)]
struct Block {
    bytes: Vec<u8>,
    /// (key hash, document offset, document length) of each key of each document.
    keys: Vec<(u64, u32, u32)>,
}

/// Fills blocks and hands each full one to the writer thread.
struct Blocks {
    sender: mpsc::SyncSender<Block>,
    block: Block,
}

impl Blocks {
    fn put(&mut self, doc: &[u8], keys: &[Key<'_>]) -> io::Result<()> {
        let too_large = || io::Error::other("a trace index document exceeds 4 GiB");
        let at = u32::try_from(self.block.bytes.len()).map_err(|_| too_large())?;
        let len = u32::try_from(doc.len()).map_err(|_| too_large())?;
        self.block.bytes.extend_from_slice(doc);
        for key in keys {
            self.block.keys.push((key.hash(), at, len));
        }
        if self.block.bytes.len() >= BLOCK_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.block.bytes.is_empty() {
            return Ok(());
        }
        let block = std::mem::take(&mut self.block);
        self.sender
            .send(block)
            .map_err(|_| io::Error::other("the trace index writer stopped"))
    }
}

/// One key of a document: its hash, where its block is, and where it is in the block.
struct Entry {
    hash: u64,
    block_at: u64,
    block_len: u32,
    doc_at: u32,
    doc_len: u32,
}

/// The index file being written: compressed blocks, then the header, keys and footer.
struct BlockFile {
    out: BufWriter<File>,
    compressor: zstd::bulk::Compressor<'static>,
    /// Where the next block starts.
    offset: u64,
    entries: Vec<Entry>,
}

impl BlockFile {
    fn new(file: File) -> io::Result<BlockFile> {
        Ok(BlockFile {
            out: BufWriter::new(file),
            compressor: zstd::bulk::Compressor::new(ZSTD_LEVEL)?,
            offset: 0,
            entries: Vec::new(),
        })
    }

    /// Compresses and writes every block received.
    fn write_all(mut self, blocks: mpsc::Receiver<Block>) -> io::Result<BlockFile> {
        for block in blocks {
            let frame = self.compressor.compress(&block.bytes)?;
            let block_len = u32::try_from(frame.len()).map_err(io::Error::other)?;
            self.out.write_all(&frame)?;
            for (hash, doc_at, doc_len) in block.keys {
                self.entries.push(Entry {
                    hash,
                    block_at: self.offset,
                    block_len,
                    doc_at,
                    doc_len,
                });
            }
            self.offset += u64::from(block_len);
        }
        Ok(self)
    }

    /// Writes the header, the keys and the footer.
    fn finish(mut self, header: &IndexHeader) -> Result<(), WriteError> {
        // Documents under one key come in no particular order: readers order them.
        self.entries
            .sort_unstable_by_key(|e| (e.hash, e.block_at, e.doc_at));
        let header_json = serde_json::to_vec(header).map_err(io::Error::other)?;
        let header_at = self.offset;
        let out = &mut self.out;
        out.write_all(&header_json)?;
        let keys_at = header_at + header_json.len() as u64;
        for e in &self.entries {
            out.write_all(&e.hash.to_le_bytes())?;
            out.write_all(&e.block_at.to_le_bytes())?;
            out.write_all(&e.block_len.to_le_bytes())?;
            out.write_all(&e.doc_at.to_le_bytes())?;
            out.write_all(&e.doc_len.to_le_bytes())?;
        }
        for n in [
            header_at,
            header_json.len() as u64,
            keys_at,
            self.entries.len() as u64,
        ] {
            out.write_all(&n.to_le_bytes())?;
        }
        out.write_all(MAGIC)?;
        self.out
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        Ok(())
    }
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
    /// Where the blocks end (the header starts).
    blocks_end: u64,
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
        if header_len > MAX_BLOCK_BYTES
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
            blocks_end: header_at,
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
            if self.entry(mid)?.hash < hash {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        let damaged = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
        let mut docs = Vec::new();
        // Documents under one key usually share a block: decompress it once.
        let mut block: Option<(u64, Vec<u8>)> = None;
        for i in low..self.count {
            let e = self.entry(i)?;
            if e.hash != hash {
                break;
            }
            if block.as_ref().is_none_or(|(at, _)| *at != e.block_at) {
                let end = e.block_at.checked_add(u64::from(e.block_len));
                if u64::from(e.block_len) > MAX_BLOCK_BYTES
                    || end.is_none_or(|end| end > self.blocks_end)
                {
                    return Err(damaged("damaged entry"));
                }
                let mut frame = vec![0u8; e.block_len as usize];
                self.file.read_exact_at(&mut frame, e.block_at)?;
                let bytes = zstd::bulk::decompress(&frame, MAX_BLOCK_BYTES as usize)?;
                block = Some((e.block_at, bytes));
            }
            let bytes = &block.as_ref().expect("read above").1;
            let doc = bytes
                .get(e.doc_at as usize..e.doc_at as usize + e.doc_len as usize)
                .ok_or_else(|| damaged("damaged entry"))?;
            docs.push(String::from_utf8(doc.to_vec()).map_err(io::Error::other)?);
        }
        Ok(docs)
    }

    fn entry(&self, i: u64) -> io::Result<Entry> {
        let mut raw = [0u8; ENTRY_BYTES as usize];
        self.file
            .read_exact_at(&mut raw, self.keys_at + i * ENTRY_BYTES)?;
        let u32_at = |at: usize| u32::from_le_bytes(raw[at..at + 4].try_into().unwrap());
        Ok(Entry {
            hash: u64::from_le_bytes(raw[0..8].try_into().unwrap()),
            block_at: u64::from_le_bytes(raw[8..16].try_into().unwrap()),
            block_len: u32_at(16),
            doc_at: u32_at(20),
            doc_len: u32_at(24),
        })
    }
}

/// The trace store over an opened index: every document by key, nothing else.
pub struct IndexStore<'a>(pub &'a TraceIndex);

impl IndexStore<'_> {
    /// The documents under `key` that `is` the one asked for (keys are hashes).
    fn parsed<D: serde::de::DeserializeOwned>(
        &self,
        key: Key<'_>,
        parse: impl Fn(&str) -> serde_json::Result<D>,
    ) -> Result<Vec<D>, StoreError> {
        self.0
            .docs(key)
            .map_err(StoreError::Index)?
            .iter()
            .map(|doc| parse(doc).map_err(StoreError::Document))
            .collect()
    }

    fn link<D: LinkDocument>(
        &self,
        key: Key<'_>,
        is: impl Fn(&D) -> bool,
    ) -> Result<D, StoreError> {
        Ok(self
            .parsed(key, D::parse)?
            .into_iter()
            .find(is)
            .unwrap_or_default())
    }
}

impl TraceStore for IndexStore<'_> {
    fn facts(&self) -> Result<SnapshotFacts, StoreError> {
        Ok(self.0.header.facts.clone())
    }

    fn work_docs(&self, by: WorksBy, value: &str) -> Result<Vec<WorkDoc>, StoreError> {
        let key = match by {
            WorksBy::Id => Key::ResourceId(value),
            WorksBy::WorkName => Key::WorkName(value),
            WorksBy::Cid => Key::WorkCid(value),
        };
        self.parsed(key, |doc| serde_json::from_str(doc))
    }

    fn cluster_doc(&self, cid: &str) -> Result<ClusterDoc, StoreError> {
        // Keys are hashes: a document of another cid under the same hash is not told apart by
        // its content, so more than one means the database must answer.
        match self
            .parsed::<ClusterDoc>(Key::Cluster(cid), |doc| serde_json::from_str(doc))?
            .as_slice()
        {
            [] => Ok(ClusterDoc::default()),
            [doc] => Ok(doc.clone()),
            _ => Err(StoreError::NeedsDatabase),
        }
    }

    fn named(&self, namespace: Option<&str>, name: &str) -> Result<NameLinks, StoreError> {
        self.link(Key::Name { namespace, name }, |d: &NameLinks| {
            d.namespace.as_deref() == namespace && d.name == name
        })
    }

    fn owners_of(&self, uid: &str) -> Result<Owners, StoreError> {
        self.link(Key::OwnersOf(uid), |d: &Owners| d.uid == uid)
    }

    fn work_object(&self, name: &str) -> Result<WorkLinks, StoreError> {
        self.link(Key::WorkObject(name), |d: &WorkLinks| d.name == name)
    }

    fn connection(&self) -> Option<&Connection> {
        None
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
             CREATE TABLE cluster_traces AS
             SELECT 'c1' AS cid, hash('c1') AS cid_key, '{\"cluster\":true}' AS trace;",
        )
        .unwrap();
        links::tests::create_sample_tables(&conn);
        conn
    }

    fn header(sha: &str) -> IndexHeader {
        IndexHeader {
            loader_version: 7,
            bundle_sha256: sha.to_string(),
            facts: SnapshotFacts {
                created_at: Some("2026-11-22T00:00:00Z".into()),
                clusters: vec![super::super::SnapshotCluster {
                    name: "svc".into(),
                    context: None,
                    service: true,
                }],
                ..SnapshotFacts::default()
            },
        }
    }

    #[test]
    fn documents_are_found_by_each_of_their_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("x.duckdb"));
        write(&loaded(), &path, &header("abc")).unwrap();
        let index = TraceIndex::open(&path, "abc", 7).expect("current index");
        assert_eq!(index.header.facts.clusters[0].name, "svc");
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
