//! `manifest.json`: what a bundle holds, where it came from, and the checksum of every file.

use serde::{Deserialize, Serialize};

/// The only format this version of mwtrace reads and writes.
pub const FORMAT: &str = "mwtrace-bundle";
pub const FORMAT_VERSION: u64 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub format_version: u64,
    /// RFC 3339; the snapshot's own "now", against which ages are computed.
    pub created_at: String,
    #[serde(default)]
    pub tool: Tool,
    /// `collect` or `import`.
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    #[serde(default)]
    pub redaction: Redaction,
    #[serde(default)]
    pub files: Vec<FileRecord>,
    #[serde(default)]
    pub errors: Vec<SourceError>,
    /// Facts about collection that are not failures: a CRD absent on a cluster, the one write
    /// mwtrace may make (scaling postgres-breakglass to 1). An addition to DESIGN.md §4.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<SourceError>,
    /// The Maestro server and agent and the HyperShift operator the collection or import saw,
    /// one per container image (docs/bundle-format.md; an addition to DESIGN.md §4, absent from
    /// older bundles). Found by [`crate::components`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// One container of a Maestro or HyperShift deployment, and the version its image names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Component {
    pub cluster: String,
    pub namespace: String,
    /// The Deployment's name (a Pod's is derived from its ReplicaSet).
    pub name: String,
    /// `maestro-server`, `maestro-agent` or `hypershift-operator`.
    pub component: String,
    pub container: String,
    /// The image reference as the pod spec gives it.
    pub image: String,
    /// The image's tag (`0.6.1`, `v0.6.1`, a commit), or null when it is pinned by digest only.
    pub version: Option<String>,
    /// `sha256:...` of the image reference (or of the running pod's `imageID`), or null.
    pub digest: Option<String>,
    /// `collect`, or `import:<path>` (the PATH the object came from).
    pub source: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Cluster {
    pub name: String,
    /// `management` or `service`.
    #[serde(default)]
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Redaction {
    pub secrets: bool,
}

impl Default for Redaction {
    fn default() -> Self {
        Redaction { secrets: true }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileRecord {
    pub path: String,
    /// Lines of an `.ndjson` file; absent for logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceError {
    pub source: String,
    pub message: String,
}

impl Manifest {
    /// A manifest for a new bundle, created now by this build of mwtrace.
    pub fn new(origin: &str, created_at: String) -> Self {
        Manifest {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            created_at,
            tool: Tool {
                name: env!("CARGO_PKG_NAME").to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            origin: origin.to_string(),
            clusters: Vec::new(),
            redaction: Redaction::default(),
            files: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            components: Vec::new(),
        }
    }

    pub fn file(&self, path: &str) -> Option<&FileRecord> {
        self.files.iter().find(|f| f.path == path)
    }

    pub fn is_supported(&self) -> bool {
        self.format == FORMAT && self.format_version == FORMAT_VERSION
    }
}
