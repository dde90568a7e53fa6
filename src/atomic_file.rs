//! Writing a file so that readers see either the old one or the whole new one, and the
//! name of the temporary file that takes on the way (which a later run recognises when a
//! killed process left one behind).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result};

/// The folder `path` is in ("." for a bare file name).
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The temporary file process `pid` writes `file_name` through: `.NAME.tmp-PID`.
fn temporary_name(file_name: &str, pid: u32) -> String {
    format!(".{file_name}.tmp-{pid}")
}

/// For a temporary file's name, the (file it was writing, process id) it belongs to.
pub fn temporary_owner(name: &str) -> Option<(&str, u32)> {
    let (file, pid) = name.strip_prefix('.')?.rsplit_once(".tmp-")?;
    Some((file, pid.parse().ok()?))
}

/// Held while a temporary file exists (created → renamed or removed).
static WRITING: Mutex<()> = Mutex::new(());

/// Wait until no write of this process has a temporary file, and keep new writes from
/// starting while the guard lives: what a process quitting at once takes before it
/// removes its temporary files, so none is created behind its back.
pub fn hold_writes() -> MutexGuard<'static, ()> {
    WRITING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Write `bytes` to `path` so that readers see either the old file or the whole new one:
/// a temporary file in the same folder, flushed to disk, then renamed over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_all_atomically(&[(path, bytes)])
}

/// Write several files so that none is replaced unless every one was written whole: each
/// goes to a temporary file beside it, flushed to disk, and only when all are written
/// (a full disk fails here, with nothing replaced) are they renamed over their targets.
pub fn write_all_atomically(files: &[(&Path, &[u8])]) -> Result<()> {
    let _writing = hold_writes();
    let mut temporaries: Vec<PathBuf> = Vec::with_capacity(files.len());
    let result = (|| {
        for &(path, bytes) in files {
            let not_saved = |e| Error::NotSaved {
                path: path.to_path_buf(),
                source: e,
            };
            let file_name = path.file_name().ok_or_else(|| {
                Error::Model(format!("save: {} is not a file path", path.display()))
            })?;
            let tmp = folder_of(path).join(temporary_name(
                &file_name.to_string_lossy(),
                std::process::id(),
            ));
            let mut f = std::fs::File::create(&tmp).map_err(not_saved)?;
            temporaries.push(tmp);
            f.write_all(bytes).map_err(not_saved)?;
            f.sync_all().map_err(not_saved)?;
        }
        for (&(path, _), tmp) in files.iter().zip(&temporaries) {
            std::fs::rename(tmp, path).map_err(|e| Error::NotSaved {
                path: path.to_path_buf(),
                source: e,
            })?;
            // Make the rename itself durable (not possible on every platform; best effort).
            if let Ok(d) = std::fs::File::open(folder_of(path)) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if result.is_err() {
        for tmp in &temporaries {
            let _ = std::fs::remove_file(tmp);
        }
    }
    result
}
