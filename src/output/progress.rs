//! The indicatif side of [`mwtrace_bundle::progress::Progress`]: a bar on stderr when it is a terminal,
//! nothing when piped.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use mwtrace_bundle::progress::{NoProgress, Progress, Unit};

pub struct Bar {
    bar: ProgressBar,
}

/// A progress reporter suited to where stderr goes.
pub fn for_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        Box::new(Bar { bar })
    } else {
        Box::new(NoProgress)
    }
}

impl Progress for Bar {
    fn phase(&self, name: &str, total: u64, unit: Unit) {
        let template = match (unit, total) {
            (Unit::Bytes, 0) => "{spinner} {msg} {bytes} ({bytes_per_sec})",
            (Unit::Bytes, _) => "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({eta})",
            (Unit::Items, 0) => "{spinner} {msg} {pos} ({elapsed})",
            (Unit::Items, _) => "{spinner} {msg} [{bar:30}] {pos}/{len} ({eta})",
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        self.bar.set_style(style);
        self.bar.set_length(total);
        self.bar.set_position(0);
        self.bar.set_message(name.to_string());
        self.bar
            .enable_steady_tick(std::time::Duration::from_millis(120));
    }

    fn advance(&self, delta: u64) {
        self.bar.inc(delta);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
