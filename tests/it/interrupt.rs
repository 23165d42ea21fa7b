//! Issue #16 item 7: SIGINT and SIGTERM stop a first load, an import, a pack and a collect
//! mid-phase with exit 130/143 and no `.mwtrace-*` temporary left; a temporary a killed run
//! left is removed by the next run while a live one is kept; `collect --db` gives up on a
//! silent server after `--db-timeout`; `info` and `trace` refuse a FIFO or a device.
//!
//! Phases are recognized by the files they make (the load's `snapshot.duckdb`, the bundle
//! temporary of the last step), never by timing; the only time limits are generous bounds on
//! "returns at all".

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use mwtrace_bundle::{BundlePath, BundleReader, BundleWriter, Limits, Manifest};

use crate::common::{Env, sample_bundle};

/// How long anything may take before the test calls it hung.
const HUNG: Duration = Duration::from_secs(240);

/// Rows of the generated bundle: enough that staging, DuckDB, import and pack each last
/// seconds in a debug build, so a signal sent when a phase is seen lands inside it.
const BIG_ROWS: usize = 40_000;

/// A bundle layout directory and its bundle, made once per target directory and kept there.
fn big_input() -> (PathBuf, PathBuf) {
    static ONCE: std::sync::OnceLock<(PathBuf, PathBuf)> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("interrupt-{BIG_ROWS}"));
        let dir = root.join("layout");
        let bundle = root.join("big.tar.zst");
        if bundle.exists() {
            return (dir, bundle);
        }
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(dir.join("db")).unwrap();
        let sample =
            fs::read_to_string(crate::common::repo().join("testdata/sample/db/resources.ndjson"))
                .unwrap();
        let template = sample.lines().next().unwrap();
        let id = "55c61e54-a3f6-563d-9fec-b1fe297bdfdb";
        let mut out = BufWriter::new(File::create(dir.join("db/resources.ndjson")).unwrap());
        for i in 0..BIG_ROWS {
            let row = template.replace(id, &format!("{i:08x}-a3f6-563d-9fec-{i:012x}"));
            writeln!(out, "{row}").unwrap();
        }
        out.flush().unwrap();
        drop(out);
        let manifest = Manifest::new("collect", "2026-11-21T10:00:00Z".into());
        fs::write(
            dir.join("manifest.json"),
            serde_json::to_vec_pretty(&manifest).unwrap(),
        )
        .unwrap();
        let tmp = root.join("big.tar.zst.tmp");
        let mut writer = BundleWriter::create(&tmp, manifest).unwrap();
        let path = BundlePath::Db {
            table: "resources".into(),
        };
        writer
            .add_file(path, File::open(dir.join("db/resources.ndjson")).unwrap())
            .unwrap();
        writer.finish().unwrap();
        fs::rename(&tmp, &bundle).unwrap();
        (dir, bundle)
    })
    .clone()
}

fn spawn(env: &Env, args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("mwtrace"))
        .args(args)
        .env("XDG_CACHE_HOME", env.cache())
        .env_remove("MWTRACE_MAX_UNPACKED_BYTES")
        .env_remove("MWTRACE_MEMORY_LIMIT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mwtrace")
}

/// Waits until `seen` is true, failing if the process ends first or it takes too long.
fn wait_until(child: &mut Child, what: &str, mut seen: impl FnMut() -> bool) {
    let start = Instant::now();
    while !seen() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("mwtrace ended ({status}) before {what}");
        }
        assert!(start.elapsed() < HUNG, "never saw {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// The exit code and stderr of `child`, which must end within [`HUNG`].
fn finish(mut child: Child) -> (i32, String) {
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > HUNG {
            let _ = child.kill();
            panic!("mwtrace did not stop");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (
        status.code().unwrap_or_else(|| panic!("killed: {status}")),
        stderr,
    )
}

/// Names in `dir` starting with `.mwtrace-`, and every name inside those.
fn temps(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".mwtrace-"))
        .collect();
    names.sort();
    names
}

/// The path of the first entry of `dir` named `prefix*`, if any.
fn find(dir: &Path, prefix: &str) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
}

fn assert_interrupted(code: i32, stderr: &str, signal: &str, expected: i32) {
    assert_eq!(code, expected, "{stderr}");
    assert!(
        stderr.contains(&format!("interrupted by SIG{signal}")),
        "{stderr}"
    );
}

/// A first load interrupted while staging (`N.ndjson` files in the work directory) or while
/// DuckDB runs (`snapshot.duckdb` there): no work directory and no database are left.
fn interrupt_load(signal: &str, expected: i32, phase_file: &'static str) -> (Env, PathBuf) {
    let (_, bundle) = big_input();
    let env = Env::new();
    let child = spawn(
        &env,
        &[
            "sql",
            bundle.to_str().unwrap(),
            "SELECT count(*) FROM resources",
        ],
    );
    let mut child = child;
    let cache = env.cache().join("mwtrace");
    wait_until(&mut child, phase_file, || {
        find(&cache, ".mwtrace-load-").is_some_and(|work| work.join(phase_file).exists())
    });
    send(&child, signal);
    let (code, stderr) = finish(child);
    assert_interrupted(code, &stderr, signal, expected);
    assert_eq!(temps(&cache), Vec::<String>::new());
    let databases: Vec<_> = fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".duckdb"))
        .collect();
    assert!(databases.is_empty(), "{databases:?}");
    (env, bundle)
}

#[test]
fn sigint_while_a_first_load_stages_exits_130_and_removes_the_work_dir() {
    interrupt_load("INT", 130, "0.ndjson");
}

#[test]
fn sigterm_while_duckdb_loads_exits_143_and_removes_the_work_dir() {
    interrupt_load("TERM", 143, "snapshot.duckdb");
}

#[test]
fn sigint_while_duckdb_loads_exits_130_and_the_next_load_succeeds() {
    let (env, bundle) = interrupt_load("INT", 130, "snapshot.duckdb");
    let out = env.run(&[
        "sql",
        bundle.to_str().unwrap(),
        "SELECT count(*) AS n FROM resources",
        "-o",
        "csv",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("n\n{BIG_ROWS}\n")
    );
}

/// `command` (import or pack) of the big input into a bundle, stopped once a temporary named
/// `phase_prefix` appears: while it reads or spools, or while it writes the bundle (the last
/// step, which used to ignore Ctrl-C). Nothing may be left behind.
fn interrupt_writer(
    command: &str,
    input: &Path,
    signals: &[&str],
    expected: i32,
    phase_prefix: &'static str,
) {
    let env = Env::new();
    let out = env.path("out");
    fs::create_dir_all(&out).unwrap();
    let target = out.join("written.tar.zst");
    let mut child = spawn(
        &env,
        &[
            command,
            input.to_str().unwrap(),
            "--out",
            target.to_str().unwrap(),
        ],
    );
    wait_until(&mut child, phase_prefix, || {
        find(&out, phase_prefix).is_some()
    });
    for signal in signals {
        send(&child, signal);
    }
    let (code, stderr) = finish(child);
    match signals {
        [signal] => assert_interrupted(code, &stderr, signal, expected),
        // A second signal exits at once, without the first one's message.
        _ => assert_eq!(code, expected, "the first signal names the exit: {stderr}"),
    }
    assert_eq!(temps(&out), Vec::<String>::new());
    assert!(!target.exists());
}

/// Ctrl-C, then an impatient SIGTERM before the first finished cleaning up: the second signal
/// removes the live temporaries itself and ends the process with the first signal's code.
#[test]
fn a_second_signal_ends_at_once_and_still_leaves_nothing_behind() {
    interrupt_writer(
        "pack",
        &big_input().0,
        &["INT", "TERM"],
        130,
        ".mwtrace-spool-",
    );
}

fn interrupt_import(signal: &str, expected: i32, phase_prefix: &'static str) {
    interrupt_writer("import", &big_input().1, &[signal], expected, phase_prefix);
}

#[test]
fn sigterm_while_importing_exits_143_and_removes_spool_and_staging() {
    interrupt_import("TERM", 143, ".mwtrace-import-");
}

#[test]
fn sigint_in_the_last_step_of_an_import_exits_130() {
    interrupt_import("INT", 130, ".mwtrace-bundle-");
}

fn interrupt_pack(signal: &str, expected: i32, phase_prefix: &'static str) {
    interrupt_writer("pack", &big_input().0, &[signal], expected, phase_prefix);
}

#[test]
fn sigint_while_packing_exits_130_and_removes_spool_and_bundle_temp() {
    interrupt_pack("INT", 130, ".mwtrace-bundle-");
}

#[test]
fn sigterm_while_spooling_a_pack_exits_143() {
    interrupt_pack("TERM", 143, ".mwtrace-spool-");
}

/// What a run killed outright (SIGKILL) leaves: a temporary with its lock file, unheld, an hour
/// old.
fn stale(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    fs::create_dir_all(&path).unwrap();
    fs::write(path.join("0"), b"partial").unwrap();
    let lock = File::create(path.join(".lock")).unwrap();
    lock.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    path
}

#[test]
fn stale_temporaries_are_removed_by_the_next_run_and_live_ones_kept() {
    let env = Env::new();
    let out = env.path("out");
    fs::create_dir_all(&out).unwrap();
    stale(&out, ".mwtrace-spool-killed");
    let dead_bundle = out.join(".mwtrace-bundle-killed");
    File::create(&dead_bundle)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    // A live run's temporary: its lock held (by this test), however old.
    let live = stale(&out, ".mwtrace-import-live");
    let held = File::open(live.join(".lock")).unwrap();
    held.lock().unwrap();

    let target = out.join("sample.tar.zst");
    let sample_dir = crate::common::repo().join("testdata/sample");
    let packed = env.run(&[
        "pack",
        sample_dir.to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
    ]);
    assert!(packed.status.success(), "{packed:?}");
    assert_eq!(temps(&out), [".mwtrace-import-live"]);
    assert!(live.join("0").exists());
    drop(held);

    // The cache: a load killed outright leaves its work directory there.
    let cache = env.cache().join("mwtrace");
    fs::create_dir_all(&cache).unwrap();
    stale(&cache, ".mwtrace-load-killed");
    let loaded = env.run(&["sql", target.to_str().unwrap(), "SELECT 1"]);
    assert!(loaded.status.success(), "{loaded:?}");
    assert_eq!(temps(&cache), Vec::<String>::new());
}

/// Accepts connections and never answers, as a hung server or a stuck proxy does.
fn silent_server() -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    (port, handle)
}

#[test]
fn collect_db_gives_up_on_a_silent_server_and_records_the_db_as_failed() {
    let (port, _server) = silent_server();
    let env = Env::new();
    for (name, url) in [
        (
            "plain",
            format!("postgres://maestro@127.0.0.1:{port}/maestro?sslmode=disable"),
        ),
        (
            "tls",
            format!("postgres://maestro@127.0.0.1:{port}/maestro"),
        ),
    ] {
        let target = env.path(&format!("{name}.tar.zst"));
        let child = spawn(
            &env,
            &[
                "collect",
                "--db",
                &url,
                "--db-timeout",
                "2",
                "--out",
                target.to_str().unwrap(),
            ],
        );
        let (code, stderr) = finish(child);
        assert_eq!(code, 3, "{name}: {stderr}");
        let reader = BundleReader::open(&target, Limits::from_env()).unwrap();
        let errors = &reader.manifest().errors;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].source, "db");
        assert!(
            errors[0].message.contains("no answer within 2 s")
                && errors[0].message.contains("--db-timeout"),
            "{}",
            errors[0].message
        );
        assert_eq!(temps(env.dir.path()), Vec::<String>::new());
    }
}

#[test]
fn sigterm_while_collect_waits_for_the_db_exits_143() {
    let (port, _server) = silent_server();
    let env = Env::new();
    let out = env.path("out");
    fs::create_dir_all(&out).unwrap();
    let target = out.join("c.tar.zst");
    let url = format!("postgres://maestro@127.0.0.1:{port}/maestro?sslmode=disable");
    let mut child = spawn(
        &env,
        &["collect", "--db", &url, "--out", target.to_str().unwrap()],
    );
    wait_until(&mut child, "the spool", || {
        find(&out, ".mwtrace-spool-").is_some()
    });
    send(&child, "TERM");
    let (code, stderr) = finish(child);
    assert_interrupted(code, &stderr, "TERM", 143);
    assert_eq!(temps(&out), Vec::<String>::new());
    assert!(!target.exists());
}

#[test]
fn info_and_trace_refuse_a_fifo_and_a_device_before_reading() {
    let env = Env::new();
    let fifo = env.path("bundle.tar.zst");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    for args in [
        vec!["info", fifo],
        vec!["info", "/dev/zero"],
        vec!["trace", fifo, "--work-name", "w"],
        vec!["trace", "/dev/zero", "--work-name", "w"],
    ] {
        let (code, stderr) = finish(spawn(&env, &args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains("not a bundle file"), "{args:?}: {stderr}");
    }
    // A regular bundle still works.
    let out = env.run(&["info", sample_bundle().to_str().unwrap()]);
    assert!(out.status.success());
}
