//! Text from bundle data on its way to a terminal. A bundle may be crafted by someone else, and a
//! terminal obeys what it is sent: escape sequences clear the screen, retitle the window, hide
//! text or plant OSC 8 hyperlinks; bidirectional overrides show text in another order than it is.
//! Text output shows such characters as visible escapes (`\u{1b}`); JSON, CSV and Parquet keep
//! values exact.

use std::borrow::Cow;

/// `text` for a text report: every control character but newline and tab shown as an escape.
/// For whole rendered reports, whose own line breaks must stay.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || c == '\t')
}

/// `text` as one line: every control character, newline and tab included, shown as an escape.
/// For a value inside a line (a table cell, a condition message, a log line).
pub fn escape_line(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| needs_escape(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) && !keep(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// C0 and C1 controls and DEL (every escape sequence starts with one), and the bidirectional
/// embedding, override and isolate characters.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        // Screen clear, an OSC 8 hyperlink, a bell, a C1 CSI, a right-to-left override.
        let hostile = "a\x1b[2Jb\x1b]8;;https://x.example/\x07c\u{9b}1m\u{202e}d";
        let shown = escape_text(hostile);
        assert_eq!(
            shown,
            "a\\u{1b}[2Jb\\u{1b}]8;;https://x.example/\\u{7}c\\u{9b}1m\\u{202e}d"
        );
        assert!(!shown.chars().any(needs_escape));
    }

    #[test]
    fn line_breaks_stay_in_reports_and_go_in_lines() {
        assert_eq!(escape_text("one\n\ttwo\r"), "one\n\ttwo\\r");
        assert_eq!(escape_line("one\n\ttwo"), "one\\n\\ttwo");
        assert!(matches!(escape_line("plain ünïcödé"), Cow::Borrowed(_)));
    }
}
