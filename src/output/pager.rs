//! Long text output on a terminal goes through a pager, as git does: `MWTRACE_PAGER`, else
//! `PAGER`, else `less` (with `LESS=FRX` unless set: quit when the text fits one screen, keep
//! colors, leave the text on the screen). Never when stdout is a pipe or a file, never with
//! `--no-pager`, and an empty pager variable (or `cat`) turns it off.

use std::io::{self, IsTerminal, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;

static DISABLED: OnceLock<bool> = OnceLock::new();

/// Set once from the command line (`--no-pager`).
pub fn configure(no_pager: bool) {
    let _ = DISABLED.set(no_pager);
}

/// Where text output goes: the pager's input, or standard output. A pager quitting early (`q`
/// in less) shows as a broken pipe, which mwtrace treats as the reader being done.
pub struct Pager {
    child: Option<Child>,
    input: Option<ChildStdin>,
}

impl Pager {
    /// Starts the pager when stdout is a terminal and paging is on; otherwise writes go to
    /// stdout. A pager that cannot start is skipped (the text still comes out).
    pub fn start() -> Pager {
        let enabled = !DISABLED.get().copied().unwrap_or(false) && io::stdout().is_terminal();
        let command = enabled.then(pager_command).flatten();
        let mut child = command.and_then(|command| {
            let mut cmd = Command::new("sh");
            cmd.arg("-c").arg(&command).stdin(Stdio::piped());
            if std::env::var_os("LESS").is_none() {
                cmd.env("LESS", "FRX");
            }
            cmd.spawn().ok()
        });
        let input = child.as_mut().and_then(|c| c.stdin.take());
        Pager { child, input }
    }

    /// Writes `text` and waits for the pager to exit.
    pub fn show(mut self, text: &[u8]) -> io::Result<()> {
        self.write_all(text)?;
        self.finish()
    }

    /// Ends the input and waits for the pager (the reader is still reading when we are done).
    pub fn finish(mut self) -> io::Result<()> {
        self.flush()?;
        drop(self.input.take());
        if let Some(mut child) = self.child.take() {
            child.wait()?;
        }
        Ok(())
    }
}

impl Write for Pager {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.input {
            Some(input) => input.write(buf),
            None => io::stdout().lock().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.input {
            Some(input) => input.flush(),
            None => io::stdout().lock().flush(),
        }
    }
}

impl Drop for Pager {
    /// An error on the way must not leave the terminal to a pager still reading.
    fn drop(&mut self) {
        drop(self.input.take());
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }
}

/// The pager to run, as git chooses it; None when paging is turned off by an empty value or
/// `cat`.
fn pager_command() -> Option<String> {
    let chosen = std::env::var("MWTRACE_PAGER")
        .or_else(|_| std::env::var("PAGER"))
        .unwrap_or_else(|_| "less".to_string());
    let chosen = chosen.trim();
    (!chosen.is_empty() && chosen != "cat").then(|| chosen.to_string())
}
