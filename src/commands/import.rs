//! `mwtrace import`: being written (issue 4).

use anyhow::{Result, bail};

use crate::ExitStatus;
use crate::cli::ImportArgs;

pub fn run(_args: ImportArgs) -> Result<ExitStatus> {
    bail!("import is not implemented yet")
}
