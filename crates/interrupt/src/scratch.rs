//! Temporary files and directories that a killed run leaves for the next to remove. Each holds
//! an exclusive lock while it lives (a `.lock` file inside a directory, the file itself for a
//! file); [`sweep_stale`] removes an mwtrace temporary only when it can take that lock, so a
//! temporary of a live run, in this process or another, is never touched.

use std::fs::{self, File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use tempfile::{NamedTempFile, TempDir};

/// Every temporary mwtrace makes beside a target or in the cache starts with one of these.
pub const PREFIXES: [&str; 5] = [
    ".mwtrace-spool-",
    ".mwtrace-bundle-",
    ".mwtrace-load-",
    ".mwtrace-import-",
    ".mwtrace-zip-",
];

/// The lock file inside a temporary directory.
pub const LOCK_FILE: &str = ".lock";

/// A temporary is left alone this long after its last change even when its lock is free: the
/// lock is taken just after the temporary is made, and a sweep must not fall in between (nor
/// remove the lockless temporary of an older mwtrace that is still running).
const GRACE: Duration = Duration::from_secs(10);

/// Live temporaries, removed by a second signal before the process ends. An entry is made
/// before its temporary (path None until it exists), so a signal that arrives in between
/// already finds work to stop rather than ending the process.
static LIVE: Mutex<Vec<(u64, Option<PathBuf>)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

struct Registration(u64);

impl Registration {
    fn new() -> Registration {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        live().push((id, None));
        Registration(id)
    }

    fn set_path(&self, path: &Path) {
        for (id, entry) in live().iter_mut() {
            if *id == self.0 {
                *entry = Some(path.to_path_buf());
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        live().retain(|(id, _)| *id != self.0);
    }
}

fn live() -> std::sync::MutexGuard<'static, Vec<(u64, Option<PathBuf>)>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn live_count() -> usize {
    live().len()
}

/// Removes every live temporary: the process is about to end without unwinding.
pub(crate) fn remove_live() {
    for path in live().iter().filter_map(|(_, path)| path.as_ref()) {
        let _ = match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
            Ok(_) => fs::remove_file(path),
            Err(_) => Ok(()),
        };
    }
}

fn lock_error(e: TryLockError) -> io::Error {
    match e {
        TryLockError::Error(e) => e,
        TryLockError::WouldBlock => io::Error::other("a new temporary file is locked already"),
    }
}

/// A temporary directory, locked while it lives, removed when dropped.
pub struct ScratchDir {
    // Fields drop in order: the directory goes while its lock is still held.
    dir: TempDir,
    _lock: File,
    _registration: Registration,
}

impl ScratchDir {
    /// Removes stale temporaries in `parent`, then makes `parent/<prefix>XXXXXX/` with its lock.
    pub fn new_in(parent: &Path, prefix: &str) -> io::Result<ScratchDir> {
        let registration = Registration::new();
        sweep_stale(parent);
        let dir = tempfile::Builder::new().prefix(prefix).tempdir_in(parent)?;
        registration.set_path(dir.path());
        let lock = File::create_new(dir.path().join(LOCK_FILE))?;
        lock.try_lock().map_err(lock_error)?;
        Ok(ScratchDir {
            dir,
            _lock: lock,
            _registration: registration,
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// A temporary file, locked while it lives, removed when dropped unless persisted.
pub struct ScratchFile {
    file: NamedTempFile,
    _registration: Registration,
}

impl ScratchFile {
    /// Removes stale temporaries in `parent`, then makes `parent/<prefix>XXXXXX`, locked.
    pub fn new_in(parent: &Path, prefix: &str) -> io::Result<ScratchFile> {
        let registration = Registration::new();
        sweep_stale(parent);
        let file = NamedTempFile::with_prefix_in(prefix, parent)?;
        registration.set_path(file.path());
        file.as_file().try_lock().map_err(lock_error)?;
        Ok(ScratchFile {
            file,
            _registration: registration,
        })
    }

    pub fn as_file(&self) -> &File {
        self.file.as_file()
    }

    /// Renames the file onto `target`; it is no longer a temporary.
    pub fn persist(self, target: &Path) -> io::Result<File> {
        let ScratchFile {
            file,
            _registration,
        } = self;
        file.persist(target).map_err(|e| e.error)
    }
}

/// Removes the mwtrace temporaries in `dir` that no live run holds: left by a run that was
/// killed (SIGKILL, a crash, a power cut). Best effort: a temporary that cannot be removed is
/// left for a later run.
pub fn sweep_stale(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !PREFIXES.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            let lock_path = path.join(LOCK_FILE);
            match File::open(&lock_path) {
                Ok(lock) => {
                    if is_stale(&lock) {
                        let _ = fs::remove_dir_all(&path);
                    }
                }
                // Made by an mwtrace older than the locks, or killed before its lock existed.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    if older_than_grace(&meta) {
                        let _ = fs::remove_dir_all(&path);
                    }
                }
                Err(_) => {}
            }
        } else if meta.is_file()
            && let Ok(file) = File::open(&path)
            && is_stale(&file)
        {
            let _ = fs::remove_file(&path);
        }
    }
}

/// True when nobody holds `lock` and it is past the grace period. The lock taken here is
/// released when `lock` is closed, after the removal.
fn is_stale(lock: &File) -> bool {
    lock.try_lock().is_ok() && lock.metadata().is_ok_and(|m| older_than_grace(&m))
}

fn older_than_grace(meta: &fs::Metadata) -> bool {
    meta.modified()
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > GRACE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(path: &Path) {
        let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
        File::open(path).unwrap().set_modified(an_hour_ago).unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_live_temporary_is_kept_and_a_dead_one_removed() {
        let parent = tempfile::tempdir().unwrap();
        let live = ScratchDir::new_in(parent.path(), ".mwtrace-load-").unwrap();
        age(&live.path().join(LOCK_FILE));
        let live_file = ScratchFile::new_in(parent.path(), ".mwtrace-bundle-").unwrap();
        age(live_file.file.path());

        // What a killed run leaves: its lock file, nobody holding it.
        let dead = parent.path().join(".mwtrace-spool-dead");
        fs::create_dir(&dead).unwrap();
        File::create(dead.join(LOCK_FILE)).unwrap();
        fs::write(dead.join("0"), b"rows").unwrap();
        age(&dead.join(LOCK_FILE));
        let dead_file = parent.path().join(".mwtrace-bundle-dead");
        fs::write(&dead_file, b"partial").unwrap();
        age(&dead_file);
        // Fresh, or not ours: kept.
        let fresh = parent.path().join(".mwtrace-import-fresh");
        fs::create_dir(&fresh).unwrap();
        File::create(fresh.join(LOCK_FILE)).unwrap();
        fs::write(parent.path().join("mine.txt"), b"x").unwrap();

        sweep_stale(parent.path());
        let mut expected = vec![
            ".mwtrace-import-fresh".to_string(),
            live.path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
            live_file
                .file
                .path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
            "mine.txt".to_string(),
        ];
        expected.sort();
        assert_eq!(names(parent.path()), expected);
        assert_eq!(names(live.path()), [LOCK_FILE]);

        let target = parent.path().join("b.tar.zst");
        live_file.persist(&target).unwrap();
        drop(live);
        assert!(target.exists());
        assert_eq!(
            names(parent.path()),
            [".mwtrace-import-fresh", "b.tar.zst", "mine.txt"]
        );
    }
}
