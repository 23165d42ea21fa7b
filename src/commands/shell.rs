//! `mwtrace shell SNAPSHOT [-c CMD]`: `serve` on a free port, KUBECONFIG exported to `$SHELL`
//! (or `sh -c CMD`), the server stopped when it exits; the exit code is the shell's.

use anyhow::Context;

use crate::ExitStatus;
use crate::cli::ShellArgs;

pub fn run(args: ShellArgs) -> anyhow::Result<ExitStatus> {
    let snapshot = super::open(&args.snapshot)?;
    let listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let server = crate::serve::start(snapshot.conn, listen)?;
    let dir = tempfile::Builder::new()
        .prefix("mwtrace-shell-")
        .tempdir()
        .context("a temporary directory for the kubeconfig")?;
    let kubeconfig = dir.path().join("kubeconfig");
    super::serve::write_atomically(
        &kubeconfig,
        &crate::serve::kubeconfig(server.addr, &server.ca_pem, &server.catalog),
    )?;
    let mut command = match &args.command {
        Some(cmd) => {
            let mut c = std::process::Command::new("sh");
            c.arg("-c").arg(cmd);
            c
        }
        None => {
            let shell = std::env::var_os("SHELL").unwrap_or_else(|| "sh".into());
            eprintln!(
                "mwtrace shell: kubectl now reads {} (server https://{}); exit the shell to stop it",
                args.snapshot.snapshot.display(),
                server.addr
            );
            std::process::Command::new(shell)
        }
    };
    let status = command
        .env("KUBECONFIG", &kubeconfig)
        .env("MWTRACE_SERVE", format!("https://{}", server.addr))
        .status()
        .context("starting the shell")?;
    drop(server);
    drop(dir);
    // The shell's own exit code, whatever it is (a signal that killed it: 128 + the signal).
    let code = status.code().unwrap_or_else(|| {
        use std::os::unix::process::ExitStatusExt;
        128 + status.signal().unwrap_or(0)
    });
    if code == 0 {
        return Ok(ExitStatus::Success);
    }
    std::process::exit(code);
}
