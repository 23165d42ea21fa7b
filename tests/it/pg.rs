//! A private PostgreSQL server per test, so the collector's DB paths run against a real server
//! (issue 3, point 9) without touching any database of the machine.
//!
//! The server lives in a temporary directory: `initdb` there, `pg_ctl start` on a free TCP port
//! of 127.0.0.1 with its unix socket in the same directory, `pg_ctl stop -m immediate` on drop.
//! PostgreSQL refuses to run as root, so when the tests run as root (CI containers) `initdb` and
//! the server run as the `postgres` OS user, which owns the directory.
//!
//! Missing PostgreSQL binaries are a test failure with a clear message, never a silent skip: CI
//! installs postgresql, and a skipped DB test would prove nothing. `MWTRACE_PG_BIN` names the
//! directory of `initdb`, `pg_ctl` and `postgres` when they are somewhere unusual.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The database the collector reads in most tests (the URL's path).
pub const DB: &str = "maestro";

pub struct Pg {
    dir: TempDir,
    bin: PathBuf,
    psql: PathBuf,
    port: u16,
    /// Running as root: initdb and the server run as the `postgres` OS user.
    as_postgres: bool,
}

impl Pg {
    /// Starts a fresh server with an empty `maestro` database. Panics (fails the test) when
    /// PostgreSQL is not installed or does not start.
    pub fn start() -> Pg {
        let bin = find_bin_dir().unwrap_or_else(|e| panic!("{e}"));
        let psql = [bin.join("psql"), PathBuf::from("/usr/bin/psql")]
            .into_iter()
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("psql"));
        let as_postgres = is_root();
        // As root the server runs as `postgres`, which must be able to reach its directory:
        // /tmp is world-traversable, a root-only TMPDIR may not be.
        let dir = if as_postgres {
            tempfile::Builder::new()
                .prefix("mwtrace-pg")
                .tempdir_in("/tmp")
        } else {
            tempfile::Builder::new().prefix("mwtrace-pg").tempdir()
        }
        .expect("temporary directory for PostgreSQL");
        let mut pg = Pg {
            dir,
            bin,
            psql,
            port: 0,
            as_postgres,
        };
        std::fs::create_dir(pg.sock_dir()).expect("socket directory");
        if pg.as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(pg.dir.path())
                .status()
                .expect("run chown");
            assert!(
                status.success(),
                "chown -R postgres: {} failed",
                pg.dir.path().display()
            );
        }
        pg.initdb();
        let mut last_error = String::new();
        // A port found free can be taken by another test before the server binds it: retry.
        for _ in 0..4 {
            pg.port = free_port();
            match pg.start_server() {
                Ok(()) => {
                    pg.wait_ready();
                    pg.psql_ok("postgres", &format!("CREATE DATABASE {DB};"));
                    return pg;
                }
                Err(e) => last_error = e,
            }
        }
        panic!("PostgreSQL did not start:\n{last_error}");
    }

    /// The collector's URL of the `maestro` database.
    pub fn url(&self) -> String {
        self.url_of(DB)
    }

    pub fn url_of(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// Runs `sql` through the psql client against the `maestro` database, stopping at the first
    /// error (`-v ON_ERROR_STOP=1`); the caller checks the status.
    pub fn psql(&self, sql: &str) -> Output {
        self.psql_in(DB, &["-q"], sql)
    }

    /// psql with extra flags (before `-f -`) against `db`, `sql` on standard input.
    pub fn psql_in(&self, db: &str, flags: &[&str], sql: &str) -> Output {
        let mut cmd = Command::new(&self.psql);
        cmd.args(["-X", "-v", "ON_ERROR_STOP=1"]).args(flags).args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
            "-d",
            db,
            "-f",
            "-",
        ]);
        for var in [
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGDATABASE",
            "PGPASSWORD",
            "PGSSLMODE",
            "PGOPTIONS",
            "PGSERVICE",
            "PSQLRC",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("PGCONNECT_TIMEOUT", "10");
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e} (install the PostgreSQL client)",
                self.psql.display()
            )
        });
        let mut stdin = child.stdin.take().unwrap();
        let input = sql.to_string();
        // Written from a thread: a large script must not block on a full stdout pipe.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let out = child.wait_with_output().expect("psql output");
        writer.join().unwrap();
        out
    }

    /// Runs `sql` in `db`, asserting success; returns the unaligned, tuples-only output.
    pub fn psql_ok(&self, db: &str, sql: &str) -> String {
        let out = self.psql_in(db, &["-q", "-A", "-t"], sql);
        assert!(
            out.status.success(),
            "psql failed in {db}: {}\n--- SQL (first 2000 chars):\n{}",
            String::from_utf8_lossy(&out.stderr),
            sql.chars().take(2000).collect::<String>()
        );
        String::from_utf8(out.stdout).expect("psql output is UTF-8")
    }

    /// `SELECT count(*) FROM table` in `db`.
    pub fn count(&self, db: &str, table: &str) -> u64 {
        self.psql_ok(db, &format!("SELECT count(*) FROM {table};"))
            .trim()
            .parse()
            .expect("a count")
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn sock_dir(&self) -> PathBuf {
        self.dir.path().join("sock")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// A server-side command, as the `postgres` OS user when running as root.
    fn server_cmd(&self, program: &str, args: &[String]) -> Command {
        let program = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new(runuser());
            cmd.args(["-u", "postgres", "--"]).arg(&program).args(args);
            cmd
        } else {
            let mut cmd = Command::new(&program);
            cmd.args(args);
            cmd
        };
        // The test's working directory may be unreadable for the postgres user.
        cmd.current_dir(self.dir.path());
        cmd.env_remove("PGDATA")
            .env_remove("PGPORT")
            .env_remove("PGHOST");
        cmd
    }

    fn initdb(&self) {
        let args = [
            "-D".to_string(),
            path_arg(&self.data_dir()),
            "-U".into(),
            "postgres".into(),
            "--auth=trust".into(),
            "--encoding=UTF8".into(),
            "--locale=C".into(),
            "--no-sync".into(),
        ];
        let out = self
            .server_cmd("initdb", &args)
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start_server(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
             -c synchronous_commit=off -c max_connections=20 -c shared_buffers=16MB",
            self.port,
            path_arg(&self.sock_dir())
        );
        let args = [
            "-D".to_string(),
            path_arg(&self.data_dir()),
            "-l".into(),
            path_arg(&self.log_file()),
            "-w".into(),
            "-t".into(),
            "60".into(),
            "-o".into(),
            options,
            "start".into(),
        ];
        let out = self
            .server_cmd("pg_ctl", &args)
            .output()
            .expect("run pg_ctl");
        if out.status.success() {
            return Ok(());
        }
        let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
        Err(format!(
            "pg_ctl start (port {}): {}{}\n--- server log:\n{log}",
            self.port,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }

    /// Waits until the server accepts TCP connections (pg_ctl -w watches the socket only).
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let isready = self.bin.join("pg_isready");
        loop {
            let ok = if isready.is_file() {
                Command::new(&isready)
                    .args([
                        "-h",
                        "127.0.0.1",
                        "-p",
                        &self.port.to_string(),
                        "-U",
                        "postgres",
                        "-t",
                        "2",
                    ])
                    .output()
                    .is_ok_and(|o| o.status.success())
            } else {
                self.psql_in("postgres", &["-q", "-A", "-t"], "SELECT 1;")
                    .status
                    .success()
            };
            if ok {
                return;
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
                panic!(
                    "PostgreSQL on port {} is not ready after 60 s:\n{log}",
                    self.port
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        if self.port == 0 {
            return;
        }
        let args = [
            "-D".to_string(),
            path_arg(&self.data_dir()),
            "-m".into(),
            "immediate".into(),
            "-w".into(),
            "stop".into(),
        ];
        let _ = self.server_cmd("pg_ctl", &args).output();
    }
}

/// A TCP port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free port")
        .port()
}

/// A TCP port of 127.0.0.1 where nothing listens, for "unreachable" tests. Port 1 (tcpmux) is
/// served on no test machine and never handed out by [`free_port`], so no concurrent test can
/// start a server on it between the check and the use (a just-freed port could be reused).
pub fn closed_port() -> u16 {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 1));
    match std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => 1,
        other => {
            panic!("127.0.0.1:1 should refuse connections for the unreachable tests: {other:?}")
        }
    }
}

fn path_arg(path: &Path) -> String {
    path.to_str().expect("UTF-8 temporary path").to_string()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn runuser() -> PathBuf {
    ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("running as root, so PostgreSQL must run as the postgres user, but runuser (util-linux) is missing")
        })
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`.
fn find_bin_dir() -> Result<PathBuf, String> {
    let complete = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    if let Some(dir) = std::env::var_os("MWTRACE_PG_BIN") {
        let dir = PathBuf::from(dir);
        return if complete(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "MWTRACE_PG_BIN={} holds no initdb, pg_ctl and postgres",
                dir.display()
            ))
        };
    }
    // Debian and Ubuntu: /usr/lib/postgresql/<major>/bin, newest first.
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((major, e.path().join("bin")))
        })
        .filter(|(_, dir)| complete(dir))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Ok(dir);
    }
    // Elsewhere (Fedora, Homebrew, Nix): the directory of `initdb` on PATH, links resolved.
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let initdb = dir.join("initdb");
        if initdb.is_file() {
            let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
            if let Some(parent) = real.parent().filter(|p| complete(p)) {
                return Ok(parent.to_path_buf());
            }
        }
    }
    Err("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in /usr/lib/postgresql/*/bin \
         or on PATH: the collector's DB tests need a real PostgreSQL. Install it (Debian/Ubuntu: \
         apt-get install postgresql; Fedora: dnf install postgresql-server) or set MWTRACE_PG_BIN \
         to the directory holding them."
        .into())
}
