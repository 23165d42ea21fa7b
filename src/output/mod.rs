//! Everything that reaches the terminal: errors, documents in text/json/yaml, progress bars,
//! and the sanitizing of strings that come from clusters (which may hold escape sequences).

pub mod progress;
pub mod table;

use std::io::{self, Write};

use serde::Serialize;

use crate::cli::DocFormat;

/// Prints an error as `error: ...` followed by its causes, once each.
pub fn print_error(err: &anyhow::Error) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", sanitize(&err.to_string()));
    let mut last = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        // Typed errors often repeat their source's text; print each line of meaning once.
        if !last.contains(&text) {
            let _ = writeln!(stderr, "  caused by: {}", sanitize(&text));
        }
        last = text;
    }
}

/// Whether an error is only a closed stdout (`mwtrace ... | head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let io_kind = cause
            .downcast_ref::<io::Error>()
            .map(io::Error::kind)
            .or_else(|| {
                // serde_json and serde_yaml wrap the writer's error in their own.
                cause
                    .downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        io_kind == Some(io::ErrorKind::BrokenPipe)
            || cause.to_string().contains("Broken pipe (os error 32)")
    })
}

/// Escapes control characters (ANSI escapes above all) so that data from a cluster or a bundle
/// cannot drive the terminal. Newlines and tabs are kept.
pub fn sanitize(text: &str) -> String {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Writes a document (trace report, bundle info) as JSON or YAML, or its text rendering.
pub fn write_document<T: Serialize>(
    format: DocFormat,
    doc: &T,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    match format {
        DocFormat::Text => stdout.write_all(sanitize(&text()).as_bytes())?,
        DocFormat::Json => {
            serde_json::to_writer_pretty(&mut stdout, doc)?;
            stdout.write_all(b"\n")?;
        }
        DocFormat::Yaml => serde_yaml::to_writer(&mut stdout, doc)?,
    }
    stdout.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_terminal_control_but_keeps_layout() {
        assert_eq!(sanitize("a\tb\nc"), "a\tb\nc");
        assert_eq!(sanitize("x\u{1b}[31mred"), "x\\u{1b}[31mred");
    }
}
