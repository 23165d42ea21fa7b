//! Shared helpers: a private cache directory per test, the sample bundle, bundle builders.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use mwtrace_bundle::{BundlePath, BundleWriter, Manifest};
use serde_json::Value;
use tempfile::TempDir;

pub const R1_HEALTHY: &str = "55c61e54-a3f6-563d-9fec-b1fe297bdfdb";
pub const R1_WORK: &str = "e44ec579-9646-549a-b679-db8d19d6da37";
pub const R2_HCP: &str = "1ee62e78-d2ca-5c49-8a65-01e695821450";
pub const R3_FAILING: &str = "d488e97d-e4f9-577d-9831-7ec25dea980a";
pub const R4_DELETED: &str = "ec475e30-d65b-5c80-8030-c91d200af7f3";
pub const R5_STUCK: &str = "ecee2132-9ca8-5004-bb33-79d844603e69";
pub const R6_PENDING: &str = "3b323507-abeb-59db-b706-b04472f4eb5f";
pub const R7_STRING_META: &str = "1ccdd768-659d-5e97-a50b-1cd9d1e7814c";
pub const R8_SINGLE: &str = "f0ecc915-1833-5b07-834b-d235923f6349";
pub const CID: &str = "2qrppk0otds3rdmdcojqcqkqq8f0s591";
pub const HC_NAMESPACE: &str = "ocm-arohcpint-2qrppk0otds3rdmdcojqcqkqq8f0s591";

/// The checkout, read at run time: test binaries in a target directory that several checkouts
/// share may have been built in another one (cargo does not rebuild them for a new path), and
/// `env!` would point there. The same holds for every test's `CARGO_MANIFEST_DIR`.
pub fn repo() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo test"))
}

pub fn sample_bundle() -> PathBuf {
    repo().join("testdata/sample.tar.zst")
}

/// A scratch directory that is also the test's private cache ($XDG_CACHE_HOME).
pub struct Env {
    pub dir: TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("mwtrace").expect("binary");
        cmd.env("XDG_CACHE_HOME", self.cache());
        cmd.env_remove("MWTRACE_MAX_UNPACKED_BYTES");
        cmd.env_remove("MWTRACE_TIMINGS");
        cmd.env_remove("MWTRACE_MEMORY_LIMIT");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run mwtrace")
    }

    /// Runs `trace` on a bundle with `-o json` and returns the exit code and the report.
    pub fn trace_json(&self, bundle: &Path, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["trace", bundle.to_str().unwrap()];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", "json"]);
        let out = self.run(&all);
        assert_no_panic(&out);
        let report = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
        (out.status.code().unwrap(), report)
    }
}

/// Copies a directory tree (a bundle's files in testdata/) so a test can change it.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The sample bundle's tree (testdata/sample) with `edit` applied, packed as `<name>.tar.zst`.
pub fn sample_edited(env: &Env, name: &str, edit: impl FnOnce(&Path)) -> PathBuf {
    let tree = env.path(name);
    copy_tree(&repo().join("testdata/sample"), &tree);
    edit(&tree);
    pack_tree(env, &tree, name)
}

/// Packs a bundle tree with `mwtrace pack` into `<name>.tar.zst` in the test's directory.
pub fn pack_tree(env: &Env, tree: &Path, name: &str) -> PathBuf {
    let bundle = env.path(&format!("{name}.tar.zst"));
    let out = env.run(&[
        "pack",
        tree.to_str().unwrap(),
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    bundle
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn assert_no_panic(out: &Output) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "mwtrace panicked: {err}");
}

/// Writes a bundle with the library's writer: `files` are (bundle path, NDJSON rows).
pub fn write_bundle(target: &Path, files: &[(&str, Vec<Value>)]) {
    let mut manifest = Manifest::new("import", "2026-11-21T10:00:00Z".into());
    manifest.clusters.push(mwtrace_bundle::manifest::Cluster {
        name: "mgmt-1".into(),
        role: "management".into(),
        context: Some("mgmt-1".into()),
        server: None,
    });
    let mut writer = BundleWriter::create(target, manifest).expect("create");
    for (path, rows) in files {
        let path = BundlePath::parse(path).unwrap().unwrap();
        let mut sink = writer.start_file(path).unwrap();
        for row in rows {
            sink.write_row(row).unwrap();
        }
        writer.finish_file(sink).unwrap();
    }
    writer.finish().expect("finish");
}

/// `mwtrace` run on a pseudo-terminal (util-linux `script`) of a chosen width, with the test's
/// cache, environment variables and typed input.
pub struct Terminal<'e> {
    env: &'e Env,
    columns: u16,
    vars: Vec<(String, String)>,
    input: String,
}

impl<'e> Terminal<'e> {
    pub fn new(env: &'e Env) -> Terminal<'e> {
        Terminal {
            env,
            columns: 120,
            vars: Vec::new(),
            input: String::new(),
        }
    }

    pub fn columns(mut self, columns: u16) -> Self {
        self.columns = columns;
        self
    }

    pub fn vars(mut self, vars: &[(&str, &str)]) -> Self {
        self.vars = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self
    }

    /// What is typed at the terminal.
    pub fn input(mut self, input: &str) -> Self {
        self.input = input.to_string();
        self
    }

    /// Runs `mwtrace ARGS` (shell words) and returns what the terminal showed, `\r\n` as `\n`.
    pub fn run(self, args: &str) -> String {
        use std::io::Write;
        let binary = assert_cmd::cargo::cargo_bin("mwtrace");
        let command = format!(
            "stty cols {} rows 40; {} {args}",
            self.columns,
            binary.display()
        );
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &command, "/dev/null"])
            .env("XDG_CACHE_HOME", self.env.cache())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("script (util-linux)");
        let mut stdin = child.stdin.take().unwrap();
        // Typed as a person types: a line once the program waits for it (a line editor
        // discards what arrived before its prompt), and the terminal stays open until the
        // program ends (`script` ends the session at the end of its input).
        let input = self.input.clone();
        let typist = std::thread::spawn(move || {
            for line in input.split_inclusive('\n') {
                std::thread::sleep(std::time::Duration::from_millis(400));
                if stdin.write_all(line.as_bytes()).is_err() {
                    return;
                }
            }
            std::thread::sleep(std::time::Duration::from_secs(20));
        });
        let out = child.wait_with_output().unwrap();
        drop(typist);
        String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
    }
}
