//! The signal side: which signal arrived, the flag and hooks that tell the work, and the thread
//! that decides whether the work may stop by itself or the process ends at once.

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::scratch;

/// The signal that interrupted the run; 0 while none did.
static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// The same fact as a shared flag, for code that takes an `Arc<AtomicBool>` (the import plan).
static CANCEL: LazyLock<Arc<AtomicBool>> = LazyLock::new(|| Arc::new(AtomicBool::new(false)));

type HookFn = Arc<dyn Fn() + Send + Sync>;
static HOOKS: Mutex<Vec<(u64, HookFn)>> = Mutex::new(Vec::new());
static NEXT_HOOK: AtomicU64 = AtomicU64::new(0);

/// How often hooks run again after a signal: a DuckDB statement that starts after the first
/// call (the interrupt only stops the statement running then) is stopped at the next.
const HOOK_REPEAT: Duration = Duration::from_millis(100);

/// A signal that stops mwtrace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Int,
    Term,
}

impl Signal {
    fn from_raw(raw: i32) -> Option<Signal> {
        match raw {
            SIGINT => Some(Signal::Int),
            SIGTERM => Some(Signal::Term),
            _ => None,
        }
    }

    /// 128 + the signal number, as a shell reports a process the signal ended: 130 or 143.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Int => 130,
            Signal::Term => 143,
        }
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        })
    }
}

/// The work stopped because a signal asked it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted by {signal}")]
pub struct Interrupted {
    pub signal: Signal,
}

/// Carried inside an `io::Error` through code that speaks io (the bundle writer, readers). Not
/// `ErrorKind::Interrupted`: `io::copy` and `read_exact` retry that kind forever.
impl From<Interrupted> for io::Error {
    fn from(e: Interrupted) -> io::Error {
        io::Error::other(e)
    }
}

/// The signal received so far, if any.
pub fn received() -> Option<Signal> {
    Signal::from_raw(RECEIVED.load(Ordering::Relaxed))
}

/// Err once a signal arrived: long loops call this once per item or chunk.
pub fn check() -> Result<(), Interrupted> {
    match received() {
        Some(signal) => Err(Interrupted { signal }),
        None => Ok(()),
    }
}

/// A flag set when a signal arrives, for code that takes its cancellation as a flag.
pub fn cancel_flag() -> Arc<AtomicBool> {
    CANCEL.clone()
}

/// Registered work to run when a signal arrives (and again every 100 ms after), until dropped.
pub struct Hook {
    id: u64,
}

/// Runs `f` when a signal arrives, e.g. DuckDB's `InterruptHandle::interrupt` while a long
/// statement runs; `f` must be quick and must not register hooks.
pub fn on_interrupt(f: impl Fn() + Send + Sync + 'static) -> Hook {
    let id = NEXT_HOOK.fetch_add(1, Ordering::Relaxed);
    HOOKS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((id, Arc::new(f)));
    Hook { id }
}

impl Drop for Hook {
    fn drop(&mut self) {
        HOOKS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(id, _)| *id != self.id);
    }
}

fn run_hooks() {
    let hooks: Vec<HookFn> = HOOKS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(_, f)| f.clone())
        .collect();
    for hook in hooks {
        hook();
    }
}

/// Takes over SIGINT and SIGTERM for the life of the process. The first signal sets the flag
/// and runs the hooks when temporaries are alive (their owners stop and remove them), and ends
/// the process at once otherwise; a second signal removes the live temporaries and ends it.
pub fn install() -> io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("mwtrace-signals".into())
        .spawn(move || {
            for raw in signals.forever() {
                let Some(signal) = Signal::from_raw(raw) else {
                    continue;
                };
                let first = RECEIVED
                    .compare_exchange(0, raw, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok();
                CANCEL.store(true, Ordering::SeqCst);
                if !first || scratch::live_count() == 0 {
                    scratch::remove_live();
                    let code = received().unwrap_or(signal).exit_code();
                    std::process::exit(i32::from(code));
                }
                let _ = std::thread::Builder::new()
                    .name("mwtrace-interrupt-hooks".into())
                    .spawn(|| {
                        loop {
                            run_hooks();
                            std::thread::sleep(HOOK_REPEAT);
                        }
                    });
            }
        })?;
    Ok(())
}

/// A reader that fails with [`Interrupted`] once a signal arrived: copies through it stop.
pub struct Checked<R>(pub R);

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        check()?;
        self.0.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        assert_eq!(Signal::Int.exit_code(), 130);
        assert_eq!(Signal::Term.exit_code(), 143);
        assert_eq!(
            Interrupted {
                signal: Signal::Term
            }
            .to_string(),
            "interrupted by SIGTERM"
        );
    }

    #[test]
    fn nothing_is_interrupted_without_a_signal() {
        assert!(check().is_ok());
        let mut out = Vec::new();
        io::copy(&mut Checked(&b"abc"[..]), &mut out).unwrap();
        assert_eq!(out, b"abc");
        let calls = Arc::new(AtomicU64::new(0));
        let counted = calls.clone();
        let hook = on_interrupt(move || {
            counted.fetch_add(1, Ordering::Relaxed);
        });
        run_hooks();
        drop(hook);
        run_hooks();
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }
}
