//! Interruption, owned in one place (issue #16 item 7). SIGINT and SIGTERM set a flag that long
//! loops check ([`check`]) and that blocking work is told about through hooks ([`on_interrupt`],
//! e.g. DuckDB's interrupt handle); the work returns [`Interrupted`], its temporary files are
//! removed as their guards drop, and `main` exits 130 or 143.
//!
//! Temporary files and directories are [`scratch`] guards: while one is alive, a signal asks the
//! work to stop; with none alive, the signal ends the process at once, as it would by default.
//! A second signal ends the process at once too, after removing every live temporary. Each
//! temporary holds a lock while it lives, so a run removes the temporaries a killed run left
//! and never those of a live one.

pub mod scratch;
mod signal;

pub use scratch::{ScratchDir, ScratchFile, sweep_stale};
pub use signal::{
    Checked, Hook, Interrupted, Signal, cancel_flag, check, install, on_interrupt, received,
};
