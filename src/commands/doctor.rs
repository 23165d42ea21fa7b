//! `mwtrace doctor`: being written (issue 5).

use anyhow::{Result, bail};

use crate::ExitStatus;
use crate::cli::DoctorArgs;

pub fn run(_args: DoctorArgs) -> Result<ExitStatus> {
    bail!("doctor is not implemented yet")
}
