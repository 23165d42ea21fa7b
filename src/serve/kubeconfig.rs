//! The kubeconfig of a running server: one cluster, user-less context per cluster of the bundle
//! (`https://ADDR/clusters/<name>`), the first management cluster current. Written as JSON, which
//! every YAML reader (kubectl, client-go, kube) accepts, so names need no YAML quoting.

use std::net::SocketAddr;

use mwtrace_analyze::serve::Catalog;
use serde_json::json;

pub fn kubeconfig(addr: SocketAddr, ca_pem: &str, catalog: &Catalog) -> String {
    let ca = base64(ca_pem.as_bytes());
    let clusters: Vec<_> = catalog
        .clusters
        .iter()
        .map(|c| {
            json!({"name": c.name, "cluster": {
                "server": format!("https://{addr}/clusters/{}", path_segment(&c.name)),
                "certificate-authority-data": ca,
            }})
        })
        .collect();
    let contexts: Vec<_> = catalog
        .clusters
        .iter()
        .map(|c| json!({"name": c.name, "context": {"cluster": c.name, "user": "mwtrace"}}))
        .collect();
    let current = catalog
        .clusters
        .first()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": clusters,
        "contexts": contexts,
        "current-context": current,
        // A token, ignored: with no credentials at all kubectl prompts for a username.
        "users": [{"name": "mwtrace", "user": {"token": "snapshot"}}],
        "preferences": {},
    });
    serde_json::to_string_pretty(&config).unwrap_or_default() + "\n"
}

/// A cluster name as one URL path segment: anything but unreserved characters percent-encoded
/// (the server decodes segments before matching).
fn path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn cluster_names_are_one_path_segment() {
        assert_eq!(super::path_segment("mgmt-1"), "mgmt-1");
        assert_eq!(super::path_segment("a b/c?"), "a%20b%2Fc%3F");
    }

    #[test]
    fn base64_pads() {
        assert_eq!(super::base64(b"a"), "YQ==");
        assert_eq!(super::base64(b"ab"), "YWI=");
        assert_eq!(super::base64(b"abc"), "YWJj");
    }
}
