//! `mwtrace import` without the binary: the import crate alone, which builds in release in a
//! minute where the binary waits 48 for DuckDB. bench/import-speed.sh runs it
//! (`RELEASE_PIPELINE=1`) on the tree it generates; the bundle it writes is the one `mwtrace
//! import` writes, but for the tool name in manifest.json.
//!
//!   cargo run --release -p mwtrace-import --example import_pipeline -- INPUT OUTPUT.tar.zst

use mwtrace_bundle::progress::NoProgress;
use mwtrace_import::{ImportPlan, import};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: import_pipeline INPUT OUTPUT.tar.zst");
        std::process::exit(2);
    }
    let plan = ImportPlan {
        inputs: vec![args[1].clone().into()],
        output: args[2].clone().into(),
        cluster_name: None,
        redact: true,
        cancel: Default::default(),
    };
    let started = std::time::Instant::now();
    let outcome = match import(&plan, &NoProgress) {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let secs = started.elapsed().as_secs_f64();
    let read = outcome.objects + outcome.duplicates;
    let errors: u64 = outcome.inputs.iter().map(|i| i.errors).sum();
    println!(
        "objects/s         {:.0} read ({} objects, {} duplicates merged, {errors} errors, {secs:.2} s)",
        read as f64 / secs,
        outcome.objects,
        outcome.duplicates
    );
}
