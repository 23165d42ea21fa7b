//! `mwtrace serve`: a read-only Kubernetes API over HTTPS backed by the loaded snapshot, so
//! kubectl, k9s and oc work offline. One context per cluster of the bundle, each under its own
//! path prefix (`/clusters/<name>`); queries go to DuckDB (`mwtrace_analyze::serve`), never to the
//! bundle's files. HTTP/1.1 only (ALPN `http/1.1`): hyper's server, rustls with ring.

mod body;
mod http;
mod kubeconfig;
mod routes;
mod tls;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use duckdb::Connection;
use hyper_util::rt::TokioIo;
use mwtrace_analyze::serve::Catalog;

pub use kubeconfig::kubeconfig;

/// Connections to the read-only database, one per request in flight (DuckDB connections are
/// cheap clones of one database instance).
pub(crate) struct Db {
    base: Mutex<Connection>,
    idle: Mutex<Vec<Connection>>,
}

impl Db {
    /// Runs `f` on a connection of the pool.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&Connection) -> T) -> Result<T, duckdb::Error> {
        let conn = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match conn {
            Some(conn) => conn,
            None => self
                .base
                .lock()
                .map_err(|_| duckdb::Error::InvalidQuery)?
                .try_clone()?,
        };
        let out = f(&conn);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
        Ok(out)
    }
}

pub(crate) struct State {
    pub catalog: Catalog,
    pub db: Db,
}

/// A running server: its address and the certificate clients must trust. Dropping it stops the
/// server.
pub struct Server {
    pub addr: SocketAddr,
    pub ca_pem: String,
    pub catalog: Catalog,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Open watches never end by themselves.
            runtime.shutdown_background();
        }
    }
}

/// Starts serving `conn`'s snapshot on `listen` (port 0: a free port).
pub fn start(conn: Connection, listen: SocketAddr) -> anyhow::Result<Server> {
    let catalog = Catalog::load(&conn).context("reading the snapshot's resources")?;
    let (ca_pem, tls_config) = tls::self_signed(listen.ip()).context("making the certificate")?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls_config));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .thread_name("mwtrace-serve")
        .build()
        .context("starting the server's runtime")?;
    let listener =
        std::net::TcpListener::bind(listen).with_context(|| format!("listening on {listen}"))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let state = Arc::new(State {
        catalog: catalog.clone(),
        db: Db {
            base: Mutex::new(conn),
            idle: Mutex::new(Vec::new()),
        },
    });
    let listener = {
        let _guard = runtime.enter();
        tokio::net::TcpListener::from_std(listener)?
    };
    runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let state = state.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, std::convert::Infallible>(routes::handle(state, req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Ok(Server {
        addr,
        ca_pem,
        catalog,
        runtime: Some(runtime),
    })
}
