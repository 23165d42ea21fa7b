//! Where a manifest trace reads the links it walks: the trace index (no DuckDB start, the
//! common case) or the database (when the index cannot be used). Both hand out the same
//! documents ([`crate::load::links`]), so the walk gives the same chains from either.

use std::io;

use duckdb::Connection;

use super::model::WorkTrace;
use super::work::{self, WorksBy};
use crate::load::index::{Key, TraceIndex};
use crate::load::links::{self, LinkDocument, LinkKind, NameLinks, Owners, Scope, WorkLinks};

/// The link documents of a snapshot, by key; an empty document when nothing has the key.
pub(crate) trait Links {
    type Error;
    /// What names the object `namespace/name` (namespace None when cluster-scoped).
    fn named(&self, namespace: Option<&str>, name: &str) -> Result<NameLinks, Self::Error>;
    /// The ownerReferences of the objects with `uid`.
    fn owners_of(&self, uid: &str) -> Result<Owners, Self::Error>;
    /// The AppliedManifestWorks and ManifestWork CRs named `name`.
    fn work_object(&self, name: &str) -> Result<WorkLinks, Self::Error>;
    /// The trace of the Maestro resource `id`, when the snapshot holds it.
    fn resource(&self, id: &str) -> Result<Option<WorkTrace>, Self::Error>;
}

/// Links assembled from the database's tables.
pub(crate) struct DbLinks<'a>(pub &'a Connection);

impl DbLinks<'_> {
    fn docs<D: LinkDocument>(&self, kind: LinkKind, key: &str) -> duckdb::Result<Vec<D>> {
        links::parsed(self.0, kind, Scope::Key(key))
    }
}

impl Links for DbLinks<'_> {
    type Error = duckdb::Error;

    fn named(&self, namespace: Option<&str>, name: &str) -> duckdb::Result<NameLinks> {
        let docs: Vec<NameLinks> = self.docs(LinkKind::Names, name)?;
        Ok(docs
            .into_iter()
            .find(|d| d.namespace.as_deref() == namespace)
            .unwrap_or_default())
    }

    fn owners_of(&self, uid: &str) -> duckdb::Result<Owners> {
        let docs = self.docs(LinkKind::Owners, uid)?;
        Ok(docs.into_iter().next().unwrap_or_default())
    }

    fn work_object(&self, name: &str) -> duckdb::Result<WorkLinks> {
        let docs = self.docs(LinkKind::Works, name)?;
        Ok(docs.into_iter().next().unwrap_or_default())
    }

    fn resource(&self, id: &str) -> duckdb::Result<Option<WorkTrace>> {
        Ok(work::trace_works(self.0, WorksBy::Id, &[id])?
            .into_iter()
            .next())
    }
}

/// Links read from the trace index.
pub(crate) struct IndexLinks<'a>(pub &'a TraceIndex);

impl IndexLinks<'_> {
    /// The document under `key` that `is` the one asked for (keys are hashes).
    fn doc<D: LinkDocument>(&self, key: Key<'_>, is: impl Fn(&D) -> bool) -> io::Result<D> {
        for doc in self.0.docs(key)? {
            let doc = D::parse(&doc).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            if is(&doc) {
                return Ok(doc);
            }
        }
        Ok(D::default())
    }
}
impl Links for IndexLinks<'_> {
    type Error = io::Error;

    fn named(&self, namespace: Option<&str>, name: &str) -> io::Result<NameLinks> {
        let key = Key::Name { namespace, name };
        self.doc(key, |d: &NameLinks| {
            d.namespace.as_deref() == namespace && d.name == name
        })
    }

    fn owners_of(&self, uid: &str) -> io::Result<Owners> {
        self.doc(Key::OwnersOf(uid), |d: &Owners| d.uid == uid)
    }

    fn work_object(&self, name: &str) -> io::Result<WorkLinks> {
        self.doc(Key::WorkObject(name), |d: &WorkLinks| d.name == name)
    }

    fn resource(&self, id: &str) -> io::Result<Option<WorkTrace>> {
        let works = work::indexed_works(self.0, WorksBy::Id, id).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "unreadable trace document")
        })?;
        Ok(works.into_iter().next())
    }
}
