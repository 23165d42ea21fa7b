//! Stamps the binary with its git commit and build date for `mwtrace --version`, so a bug
//! report names the exact build. Outside a git checkout both read "unknown".

use std::process::Command;

fn main() {
    let commit = run("git", &["rev-parse", "--short=12", "HEAD"]);
    let dirty = run("git", &["status", "--porcelain", "--untracked-files=no"]);
    let commit = match (commit, dirty) {
        (Some(commit), Some(dirty)) if !dirty.is_empty() => format!("{commit}-modified"),
        (Some(commit), _) => commit,
        (None, _) => "unknown".to_string(),
    };
    // SOURCE_DATE_EPOCH makes the date reproducible for packagers.
    let date = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(epoch) => run("date", &["-u", "-d", &format!("@{epoch}"), "+%Y-%m-%d"]),
        Err(_) => run("date", &["-u", "+%Y-%m-%d"]),
    }
    .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=MWTRACE_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=MWTRACE_BUILD_DATE={date}");
    // Stamped again when the checked-out commit changes, not on every build.
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/index");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
}

fn run(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
