//! `mwtrace completions` and `mwtrace man`: what a package installs beside the binary, generated
//! from the command line's own declaration so it never drifts from it.

use std::io::{self, Write};

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::ExitStatus;
use crate::cli::{Cli, CompletionsArgs, ManArgs};

pub fn completions(args: CompletionsArgs) -> Result<ExitStatus> {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    let mut out = io::stdout().lock();
    clap_complete::generate(args.shell, &mut command, name, &mut out);
    out.flush()?;
    Ok(ExitStatus::Success)
}

pub fn man(args: ManArgs) -> Result<ExitStatus> {
    let command = Cli::command().version(env!("CARGO_PKG_VERSION"));
    match args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("{}: cannot create", dir.display()))?;
            clap_mangen::generate_to(command, &dir)
                .with_context(|| format!("{}: cannot write the man pages", dir.display()))?;
        }
        None => {
            let mut out = io::stdout().lock();
            clap_mangen::Man::new(command).render(&mut out)?;
            out.flush()?;
        }
    }
    Ok(ExitStatus::Success)
}
