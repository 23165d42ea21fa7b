//! The server's certificate, self-signed and made at start by `openssl req` (no certificate
//! crate in the dependency tree), valid for localhost, 127.0.0.1, ::1 and the listen address.
//! The kubeconfig trusts it through certificate-authority-data.

use std::net::IpAddr;
use std::process::Command;

use anyhow::{Context, bail};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The certificate as PEM, and the TLS configuration serving it (HTTP/1.1 by ALPN).
pub(crate) fn self_signed(ip: IpAddr) -> anyhow::Result<(String, rustls::ServerConfig)> {
    let dir = tempfile::tempdir().context("a temporary directory for the key")?;
    let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
    let mut names = "DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1".to_string();
    if !ip.is_unspecified() && !ip.is_loopback() {
        names.push_str(&format!(",IP:{ip}"));
    }
    // A leaf, not a CA (rustls refuses a CA certificate as the server's), trusted as itself.
    let config = dir.path().join("openssl.cnf");
    std::fs::write(
        &config,
        format!(
            "[req]\ndistinguished_name = dn\nx509_extensions = leaf\nprompt = no\n[dn]\nCN = mwtrace serve\n\
             [leaf]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n\
             extendedKeyUsage = serverAuth\nsubjectAltName = {names}\n"
        ),
    )
    .context("writing the openssl configuration")?;
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
        .args(["-nodes", "-days", "3650", "-config"])
        .arg(&config)
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .context("running openssl (mwtrace serve makes its certificate with `openssl req`; hint: install openssl)")?;
    if !out.status.success() {
        bail!(
            "openssl req failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let pem = std::fs::read_to_string(&cert).context("reading the certificate")?;
    let certs = CertificateDer::pem_file_iter(&cert)
        .context("reading the certificate")?
        .collect::<Result<Vec<_>, _>>()
        .context("parsing the certificate")?;
    let key = PrivateKeyDer::from_pem_file(&key).context("reading the key")?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the certificate")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((pem, config))
}
