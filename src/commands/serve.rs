//! `mwtrace serve SNAPSHOT`: the snapshot as a read-only Kubernetes API until SIGINT/SIGTERM.

use std::path::Path;

use anyhow::Context;

use crate::ExitStatus;
use crate::cli::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<ExitStatus> {
    let snapshot = super::open(&args.snapshot)?;
    let server = crate::serve::start(snapshot.conn, args.listen)?;
    let config = crate::serve::kubeconfig(server.addr, &server.ca_pem, &server.catalog);
    // Without --kubeconfig-out the file is temporary: it names a port that dies with us.
    let temporary = match &args.kubeconfig_out {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix("mwtrace-serve-")
                .suffix(".kubeconfig")
                .tempfile()?,
        ),
    };
    let path = match (&args.kubeconfig_out, &temporary) {
        (Some(path), _) => path.clone(),
        (None, Some(file)) => file.path().to_path_buf(),
        (None, None) => unreachable!("one of the two is set"),
    };
    write_atomically(&path, &config)?;
    let contexts: Vec<String> = server
        .catalog
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                format!("{} (current)", c.name)
            } else {
                c.name.clone()
            }
        })
        .collect();
    eprintln!(
        "serving {} read-only at https://{}\ncontexts: {}\nkubeconfig: {}\n  export KUBECONFIG={}\nCtrl-C stops the server.",
        args.snapshot.snapshot.display(),
        server.addr,
        mwtrace_analyze::terminal::escape_line(&contexts.join(", ")),
        path.display(),
        path.display()
    );
    while mwtrace_interrupt::received().is_none() {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    drop(server);
    drop(temporary);
    Ok(ExitStatus::Success)
}

/// Writes `text` beside `path` then renames it over: a reader never sees half a kubeconfig.
pub(crate) fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing {}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
