//! How long-running work reports progress without knowing how it is drawn: domain code calls
//! this trait; the CLI implements it with indicatif on a terminal and with nothing when piped.

pub trait Progress: Sync {
    /// A new phase begins; `total` is in `unit`s, 0 when unknown.
    fn phase(&self, name: &str, total: u64, unit: Unit);
    /// Advances the current phase by `delta`.
    fn advance(&self, delta: u64);
    /// The work is over; clear whatever was drawn.
    fn finish(&self);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Items,
}

/// Progress that goes nowhere: pipes, tests, quiet mode.
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _: &str, _: u64, _: Unit) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
