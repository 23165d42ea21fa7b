//! Color on a terminal: the markers mwtrace's own reports use (✗ critical or failing, ⚠ warning,
//! ℹ info, ✓ passing) and the severity word after them, and log levels. Applied after text from
//! data is escaped, so no escape sequence but these ever reaches the terminal.
//! `--color auto|always|never`; `auto` colors a terminal unless `NO_COLOR` is set (no-color.org).

use std::borrow::Cow;
use std::io::IsTerminal;
use std::sync::OnceLock;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

static ENABLED: OnceLock<bool> = OnceLock::new();

/// Decides once, from the command line and the environment.
pub fn configure(choice: ColorChoice) {
    let enabled = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    let _ = ENABLED.set(enabled);
}

fn enabled() -> bool {
    ENABLED.get().copied().unwrap_or(false)
}

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
const BLUE: &str = "\x1b[36m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";

/// A report's text with its markers (and the severity word after one) colored.
pub fn paint_report(text: &str) -> Cow<'_, str> {
    if !enabled() || !text.contains(['✗', '⚠', 'ℹ', '✓']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(at) = rest.find(['✗', '⚠', 'ℹ', '✓']) {
        out.push_str(&rest[..at]);
        let marker = rest[at..].chars().next().expect("found");
        let color = match marker {
            '✗' => RED,
            '⚠' => YELLOW,
            'ℹ' => BLUE,
            _ => GREEN,
        };
        let after = &rest[at + marker.len_utf8()..];
        let word = ["critical", "warning", "info"]
            .into_iter()
            .find(|w| after.strip_prefix(' ').is_some_and(|a| a.starts_with(w)))
            .map_or(0, |w| w.len() + 1);
        out.push_str(color);
        out.push(marker);
        out.push_str(&after[..word]);
        out.push_str(RESET);
        rest = &after[word..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A `logs` text line (time padded to 27 columns, then the level) with its level colored.
pub fn paint_log_line(line: &str) -> Cow<'_, str> {
    if !enabled() {
        return Cow::Borrowed(line);
    }
    let Some((start, _)) = line.char_indices().nth(28) else {
        return Cow::Borrowed(line);
    };
    let level_end = line[start..].find(' ').map_or(line.len(), |i| start + i);
    let color = match &line[start..level_end] {
        "ERROR" | "FATAL" | "PANIC" => RED,
        "WARN" | "WARNING" => YELLOW,
        _ => return Cow::Borrowed(line),
    };
    Cow::Owned(format!(
        "{}{color}{}{RESET}{}",
        &line[..start],
        &line[start..level_end],
        &line[level_end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_severity_words_are_painted() {
        let _ = ENABLED.set(true);
        let text = "  ✗ critical  rule-a\n  ⚠ warning   rule-b\n✓ All applied";
        assert_eq!(
            paint_report(text),
            "  \x1b[1;31m✗ critical\x1b[0m  rule-a\n  \x1b[33m⚠ warning\x1b[0m   rule-b\n\x1b[32m✓\x1b[0m All applied"
        );
        let log = format!("{:<27} ERROR mgmt-1/pod/c  boom", "2026-11-21T09:12:30Z");
        assert_eq!(
            paint_log_line(&log),
            format!(
                "{:<27} \x1b[1;31mERROR\x1b[0m mgmt-1/pod/c  boom",
                "2026-11-21T09:12:30Z"
            )
        );
        let info = format!("{:<27} INFO  mgmt-1/pod/c  fine", "-");
        assert_eq!(paint_log_line(&info), info);
    }
}
