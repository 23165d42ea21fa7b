//! What a package installs beside the binary (issue 17): `--version` naming the build, shell
//! completions, man pages, and the kubectl/oc plugin name.

use std::process::Command;

use crate::common::*;

#[test]
fn long_version_names_the_commit_the_build_date_and_duckdb() {
    let env = Env::new();
    let long = stdout(&env.run(&["--version"]));
    let pattern = regex::Regex::new(
        r"^mwtrace \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-modified)?|unknown), built (\d{4}-\d{2}-\d{2}|unknown), DuckDB v\d+\.\d+\.\d+\)\n$",
    )
    .unwrap();
    assert!(pattern.is_match(&long), "{long:?}");
    // Built from a git checkout (as tests are), the commit is known.
    assert!(!long.contains("commit unknown"), "{long}");
    let short = stdout(&env.run(&["-V"]));
    assert_eq!(short, format!("mwtrace {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn completion_scripts_cover_every_shell_and_bash_registers_one() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = env.run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(
            script.contains("resource-id") && script.contains("doctor"),
            "{shell}: the script knows the subcommands and their flags"
        );
    }
    let script = env.path("mwtrace.bash");
    std::fs::write(&script, env.run(&["completions", "bash"]).stdout).unwrap();
    let registered = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p mwtrace",
            script.display()
        ))
        .output()
        .unwrap();
    let registered = stdout(&registered);
    assert!(
        registered.contains("-F _mwtrace") && registered.trim_end().ends_with(" mwtrace"),
        "bash completes mwtrace with the script's function: {registered}"
    );
    let refused = env.run(&["completions", "tcsh"]);
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn man_pages_print_or_go_into_a_directory_one_per_subcommand() {
    let env = Env::new();
    let page = stdout(&env.run(&["man"]));
    assert!(
        page.starts_with(".ie ") || page.contains(".TH mwtrace 1"),
        "{page}"
    );
    assert!(page.contains(".TH mwtrace 1"), "{page}");
    assert!(page.contains("trace"), "the page lists the subcommands");
    let dir = env.path("man1");
    let out = env.run(&["man", "--out-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let trace = std::fs::read_to_string(dir.join("mwtrace-trace.1")).unwrap();
    assert!(trace.contains("resource\\-id"), "{trace}");
    assert!(dir.join("mwtrace-doctor.1").exists() && dir.join("mwtrace.1").exists());
}

#[test]
fn installed_as_a_kubectl_or_oc_plugin_it_names_itself_so() {
    let env = Env::new();
    let binary = assert_cmd::cargo::cargo_bin("mwtrace");
    for (file, name) in [
        ("kubectl-mwtrace", "kubectl mwtrace"),
        ("oc-mwtrace", "oc mwtrace"),
    ] {
        let plugin = env.path(file);
        std::os::unix::fs::symlink(&binary, &plugin).unwrap();
        let out = Command::new(&plugin)
            .args(["trace", "--help"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(&format!("Usage: {name} trace ")),
            "{}",
            stdout(&out)
        );
    }
    // Any other name is the name it was run by, as with every command.
    let other = env.path("mwtrace-dev");
    std::os::unix::fs::symlink(&binary, &other).unwrap();
    let out = Command::new(&other)
        .args(["trace", "--help"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("Usage: mwtrace-dev trace "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_krew_manifest_installs_the_binary_under_the_plugin_name() {
    let text = std::fs::read_to_string(repo().join("dist/krew/mwtrace.yaml")).unwrap();
    // krew-release-bot fills the template; a rendered line stands in for it here.
    let rendered: String = text
        .lines()
        .map(|line| match line.trim_start().starts_with("{{ addURIAndSha") {
            true => "      uri: https://example.invalid/mwtrace.tar.gz\n      sha256: 9f86d081884c7d65\n".to_string(),
            false => format!("{}\n", line.replace("{{ .TagName }}", "v0.1.0")),
        })
        .collect();
    let manifest: serde_json::Value = serde_saphyr::from_str(&rendered).unwrap();
    assert_eq!(manifest["kind"], "Plugin");
    assert_eq!(manifest["metadata"]["name"], "mwtrace");
    let platforms = manifest["spec"]["platforms"].as_array().unwrap();
    assert!(platforms.len() >= 2);
    for p in platforms {
        assert_eq!(p["bin"], "mwtrace");
        assert!(p["uri"].is_string() && p["sha256"].is_string());
    }
}
