//! Everything that reaches the terminal: errors, documents in text/json/yaml, progress bars,
//! with strings from data escaped (`mwtrace_analyze::terminal`).

pub mod arrow_frame;
mod arrow_json;
pub mod color;
pub mod local_time;
pub mod pager;
pub mod progress;
pub mod table;

use std::io::{self, Write};

use mwtrace_analyze::terminal::escape_text;
use serde::Serialize;

use crate::cli::DocFormat;

/// Prints an error as `error: ...` followed by its causes.
pub fn print_error(err: &anyhow::Error) {
    let _ = io::stderr().lock().write_all(render_error(err).as_bytes());
}

/// `error: <message>`, then one `  Caused by: <cause>` per link of the chain. Every error of
/// ours either shows its source in its message or chains it, never both (STYLE.md §1.6), so
/// each link is new text; a link that repeats an earlier one word for word (a wrapper that
/// forwards its source's message) is printed once.
fn render_error(err: &anyhow::Error) -> String {
    let mut printed: Vec<String> = Vec::new();
    for link in err.chain() {
        let link = link.to_string();
        if !printed.contains(&link) {
            printed.push(link);
        }
    }
    let mut text = String::new();
    for (i, link) in printed.iter().enumerate() {
        let label = if i == 0 { "error:" } else { "  Caused by:" };
        text.push_str(&format!("{label} {}\n", escape_text(link)));
    }
    text
}

/// Whether an error is only a closed stdout (`mwtrace ... | head`), which is not a failure:
/// a `BrokenPipe` io::Error anywhere in the chain, including inside the errors that wrap the
/// writer's error without chaining it (serde_json, polars, an io::Error around another).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(is_broken_pipe_error)
}

fn is_broken_pipe_error(error: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(io) = error.downcast_ref::<io::Error>() {
        return io.kind() == io::ErrorKind::BrokenPipe
            || io
                .get_ref()
                .is_some_and(|inner| is_broken_pipe_error(inner));
    }
    if let Some(json) = error.downcast_ref::<serde_json::Error>() {
        return json.io_error_kind() == Some(io::ErrorKind::BrokenPipe);
    }
    if let Some(polars) = error.downcast_ref::<polars::prelude::PolarsError>() {
        return polars_broken_pipe(polars);
    }
    false
}

fn polars_broken_pipe(error: &polars::prelude::PolarsError) -> bool {
    use polars::prelude::PolarsError;
    match error {
        PolarsError::IO { error, .. } => error.kind() == io::ErrorKind::BrokenPipe,
        PolarsError::Context { error, .. } => polars_broken_pipe(error),
        _ => false,
    }
}

/// Writes a document (trace report, bundle info) as JSON or YAML, or its text rendering.
pub fn write_document<T: Serialize>(
    format: DocFormat,
    doc: &T,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    if format == DocFormat::Text {
        let text = escape_text(&text()).into_owned();
        let text = local_time::localize(&text);
        pager::Pager::start().show(color::paint_report(&text).as_bytes())?;
        return Ok(());
    }
    let mut stdout = io::stdout().lock();
    match format {
        DocFormat::Text => unreachable!("paged above"),
        DocFormat::Json => {
            serde_json::to_writer_pretty(&mut stdout, doc)?;
            stdout.write_all(b"\n")?;
        }
        DocFormat::Yaml => serde_saphyr::to_io_writer(&mut stdout, doc)?,
    }
    stdout.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_print_each_cause_on_its_own_line() {
        let io = io::Error::new(io::ErrorKind::NotFound, "No such file or directory");
        let err = anyhow::Error::new(mwtrace_bundle::BundleError::Io {
            bundle: "x.tar.zst".into(),
            source: io,
        })
        .context("opening the snapshot");
        assert_eq!(
            render_error(&err),
            "error: opening the snapshot\n  \
             Caused by: x.tar.zst: cannot read bundle\n  \
             Caused by: No such file or directory\n"
        );
    }

    #[test]
    fn broken_pipe_is_found_by_kind_wherever_it_is_wrapped() {
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(
            &anyhow::Error::new(pipe()).context("writing")
        ));
        let json = serde_json::Error::io(pipe());
        assert!(is_broken_pipe(&anyhow::Error::new(json)));
        let polars = polars::prelude::PolarsError::from(pipe());
        let polars = polars.context("writing csv".into());
        assert!(is_broken_pipe(&anyhow::Error::new(polars)));
        let wrapped = io::Error::other(pipe());
        assert!(is_broken_pipe(&anyhow::Error::new(wrapped)));
        // The words alone are not a broken pipe.
        let text = anyhow::anyhow!("Broken pipe (os error 32)");
        assert!(!is_broken_pipe(&text));
        assert!(!is_broken_pipe(&anyhow::Error::new(io::Error::from(
            io::ErrorKind::NotFound
        ))));
    }
}
