//! Direct connections with `sslmode` as libpq understands it. tokio-postgres parses only
//! disable/prefer/require, so the libpq modes are read here and mapped onto a rustls
//! configuration: `require` encrypts without verifying (libpq's meaning), `verify-ca` checks
//! the chain, `verify-full` the chain and the host name. `sslrootcert` names the CA file;
//! otherwise the system's roots are used.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config, NoTls};

use crate::error::{CollectError, PgError};

/// libpq's sslmode values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibpqSslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl FromStr for LibpqSslMode {
    type Err = CollectError;
    fn from_str(s: &str) -> Result<Self, CollectError> {
        Ok(match s {
            "disable" => LibpqSslMode::Disable,
            "allow" => LibpqSslMode::Allow,
            "prefer" => LibpqSslMode::Prefer,
            "require" => LibpqSslMode::Require,
            "verify-ca" => LibpqSslMode::VerifyCa,
            "verify-full" => LibpqSslMode::VerifyFull,
            other => {
                return Err(CollectError::SslMode {
                    value: other.to_string(),
                });
            }
        })
    }
}

/// A connection URL split into what tokio-postgres parses and the TLS settings it does not.
#[derive(Debug, PartialEq)]
pub struct ParsedUrl {
    pub url: String,
    pub sslmode: LibpqSslMode,
    pub sslrootcert: Option<String>,
}

/// Takes `sslmode` and `sslrootcert` out of a `postgres://` URL (libpq's default mode is prefer).
pub fn parse_url(url: &str) -> Result<ParsedUrl, CollectError> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, query),
        None => (url, ""),
    };
    let mut sslmode = LibpqSslMode::Prefer;
    let mut sslrootcert = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", value)) => sslmode = value.parse()?,
            Some(("sslrootcert", value)) => sslrootcert = Some(value.to_string()),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(ParsedUrl {
        url,
        sslmode,
        sslrootcert,
    })
}

/// Connects and drives the connection in the background; a server that does not answer within
/// `limit` (`--db-timeout`) is a [`CollectError::DbTimeout`].
pub async fn connect(url: &str, limit: Duration) -> Result<Client, CollectError> {
    let parsed = parse_url(url)?;
    let mut config =
        Config::from_str(&parsed.url).map_err(|e| CollectError::DbUrl { source: PgError(e) })?;
    let target = redacted_target(&config);
    let connect_err = |e: tokio_postgres::Error| CollectError::Connect {
        target: target.clone(),
        source: PgError(e),
    };
    // connect_timeout bounds the TCP connect; the handshake after it (TLS, startup, auth) with a
    // server that accepts and stays silent is bounded by the timeout around the whole connect.
    config.connect_timeout(limit);
    let doing = format!("connecting to {target}");
    if parsed.sslmode == LibpqSslMode::Disable {
        config.ssl_mode(SslMode::Disable);
        let (client, connection) = super::within(limit, &doing, config.connect(NoTls))
            .await?
            .map_err(connect_err)?;
        tokio::spawn(connection);
        return Ok(client);
    }
    config.ssl_mode(match parsed.sslmode {
        LibpqSslMode::Allow | LibpqSslMode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(client_config(
        parsed.sslmode,
        parsed.sslrootcert.as_deref(),
    )?);
    let (client, connection) = super::within(limit, &doing, config.connect(tls))
        .await?
        .map_err(connect_err)?;
    tokio::spawn(connection);
    Ok(client)
}

/// host:port/dbname, never the password.
fn redacted_target(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{host}:{port}/{}",
        config.get_dbname().unwrap_or("postgres")
    )
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn client_config(mode: LibpqSslMode, rootcert: Option<&str>) -> Result<ClientConfig, CollectError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|source| CollectError::Tls { source })?;
    let config = match mode {
        LibpqSslMode::VerifyCa | LibpqSslMode::VerifyFull => {
            let roots = Arc::new(roots(rootcert)?);
            let webpki =
                rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider())
                    .build()
                    .map_err(|source| CollectError::TlsVerifier { source })?;
            let verifier: Arc<dyn ServerCertVerifier> = if mode == LibpqSslMode::VerifyCa {
                Arc::new(ChainOnly(webpki))
            } else {
                webpki
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(verifier)
        }
        _ => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider()))),
    };
    Ok(config.with_no_client_auth())
}

fn roots(rootcert: Option<&str>) -> Result<RootCertStore, CollectError> {
    let mut store = RootCertStore::empty();
    match rootcert {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|source| CollectError::RootCertRead {
                path: path.to_string(),
                source,
            })?;
            for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
                let cert: CertificateDer<'static> =
                    cert.map_err(|source| CollectError::RootCertPem {
                        path: path.to_string(),
                        source,
                    })?;
                store
                    .add(cert)
                    .map_err(|source| CollectError::RootCertAdd {
                        path: path.to_string(),
                        source,
                    })?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = store.add(cert);
            }
        }
    }
    Ok(store)
}

/// `sslmode=require`: encrypted, the certificate not verified (libpq without a root file).
#[derive(Debug)]
struct EncryptOnly(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain must lead to a trusted root; the host name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(m, c, d)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(m, c, d)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_ssl_settings_are_taken_out_of_the_url() {
        let parsed = parse_url("postgres://u:p@db:5432/maestro?sslmode=verify-full&sslrootcert=/ca.pem&application_name=x").unwrap();
        assert_eq!(
            parsed.url,
            "postgres://u:p@db:5432/maestro?application_name=x"
        );
        assert_eq!(parsed.sslmode, LibpqSslMode::VerifyFull);
        assert_eq!(parsed.sslrootcert.as_deref(), Some("/ca.pem"));
        assert_eq!(
            parse_url("postgres://db/m").unwrap().sslmode,
            LibpqSslMode::Prefer
        );
        assert!(parse_url("postgres://db/m?sslmode=sometimes").is_err());
    }
}
