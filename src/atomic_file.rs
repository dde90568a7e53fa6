//! Writing a file so that readers see either the old one or the whole new one, and the
//! name of the temporary file that takes on the way (which a later run recognises when a
//! killed process left one behind).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result};

/// The folder `path` is in ("." for a bare file name).
pub fn folder_of(path: impl AsRef<Path>) -> PathBuf {
    let path = path.as_ref();
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The temporary file process `pid` writes `file_name` through: `.NAME.tmp-PID`.
fn temporary_name(file_name: &str, pid: u32) -> String {
    format!(".{file_name}.tmp-{pid}")
}

/// The second name process `pid` gives the old `file_name` while replacing it
/// (`StagedWrites::commit`): `.NAME.old-PID`.
fn old_name(file_name: &str, pid: u32) -> String {
    format!(".{file_name}.old-{pid}")
}

/// For a temporary file's name (`.NAME.tmp-PID`, or `.NAME.old-PID` for the old file a
/// commit was replacing), the (file it belongs to, process id).
pub fn temporary_owner(name: &str) -> Option<(&str, u32)> {
    let name = name.strip_prefix('.')?;
    let (file, pid) = name
        .rsplit_once(".tmp-")
        .or_else(|| name.rsplit_once(".old-"))?;
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
pub fn write_atomically(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let path = path.as_ref();
    write_all_atomically(&[(path, bytes)])
}

/// Write several files so that none is replaced unless every one was written whole: each
/// goes to a temporary file beside it, flushed to disk, and only when all are written (a
/// full disk fails here, with nothing replaced) are they renamed over their targets.
pub fn write_all_atomically(files: &[(&Path, &[u8])]) -> Result<()> {
    let mut staged = StagedWrites::default();
    for &(path, bytes) in files {
        staged.stage(path, bytes)?;
    }
    staged.commit()
}

/// Several files replaced together: each is written to its temporary file and flushed to
/// disk first (`stage`), then all are renamed over their targets back to back (`commit`),
/// so files that describe the same moment (a checkpoint and the history beside it) are
/// never more than a few `rename` calls apart, whatever the process is killed during.
/// Dropped before `commit`, the staged temporary files are removed and nothing changes.
#[derive(Default)]
pub struct StagedWrites {
    /// (temporary file, target), in staging order.
    staged: Vec<(PathBuf, PathBuf)>,
}

impl StagedWrites {
    /// Write `bytes` to `path`'s temporary file, flushed to disk; `path` itself is
    /// untouched until `commit`.
    pub fn stage(&mut self, path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
        let path = path.as_ref();
        let _writing = hold_writes();
        let not_saved = |e| Error::NotSaved {
            path: path.to_path_buf(),
            source: e,
        };
        let file_name = path.file_name().ok_or_else(|| Error::FileFormat {
            path: path.display().to_string(),
            detail: "not a file path (it ends in `..` or names no file); nothing was saved".into(),
        })?;
        let tmp = folder_of(path).join(temporary_name(
            &file_name.to_string_lossy(),
            std::process::id(),
        ));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp).map_err(not_saved)?;
            f.write_all(bytes).map_err(not_saved)?;
            f.sync_all().map_err(not_saved)
        })();
        match result {
            Ok(()) => {
                self.staged.push((tmp, path.to_path_buf()));
                Ok(())
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Rename every staged file over its target, in staging order, then make the renames
    /// durable (best effort: not possible on every platform).
    ///
    /// Replacing a file frees the old one's blocks inside `rename`, which takes
    /// milliseconds on some file systems (4 ms per file on ext4 mounted with `discard`,
    /// against 35 µs for a rename that frees nothing). So each old file is first given a
    /// second name (a hard link, itself a temporary file), the renames then free nothing
    /// and follow each other within microseconds, and the old files are removed after.
    pub fn commit(mut self) -> Result<()> {
        let _writing = hold_writes();
        let staged = std::mem::take(&mut self.staged);
        let mut old = Vec::new();
        for (_, path) in &staged {
            if let Some(name) = path.file_name() {
                let keep =
                    folder_of(path).join(old_name(&name.to_string_lossy(), std::process::id()));
                let _ = std::fs::remove_file(&keep);
                if std::fs::hard_link(path, &keep).is_ok() {
                    old.push(keep);
                }
            }
        }
        let mut folders = Vec::new();
        let mut result = Ok(());
        for (i, (tmp, path)) in staged.iter().enumerate() {
            if let Err(source) = std::fs::rename(tmp, path) {
                for (t, _) in &staged[i..] {
                    let _ = std::fs::remove_file(t);
                }
                result = Err(Error::NotSaved {
                    path: path.clone(),
                    source,
                });
                break;
            }
            let dir = folder_of(path);
            if !folders.contains(&dir) {
                folders.push(dir);
            }
        }
        for keep in old {
            let _ = std::fs::remove_file(keep);
        }
        result?;
        for dir in folders {
            if let Ok(d) = std::fs::File::open(&dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for StagedWrites {
    fn drop(&mut self) {
        let _writing = hold_writes();
        for (tmp, _) in &self.staged {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("wgtrain-staged-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn temporaries_and_old_names_know_their_owner() {
        assert_eq!(
            temporary_owner(&temporary_name("history.csv", 42)),
            Some(("history.csv", 42))
        );
        assert_eq!(
            temporary_owner(&old_name("checkpoint.safetensors", 7)),
            Some(("checkpoint.safetensors", 7))
        );
        assert_eq!(temporary_owner("history.csv"), None);
    }

    #[test]
    fn staged_files_change_together_or_not_at_all() {
        let d = scratch("together");
        let (a, b) = (d.join("a"), d.join("b"));
        std::fs::write(&a, "old a").unwrap();
        std::fs::write(&b, "old b").unwrap();
        let mut w = StagedWrites::default();
        w.stage(&a, b"new a").unwrap();
        w.stage(&b, b"new b").unwrap();
        // Staged, not yet committed: the targets are untouched.
        assert_eq!(std::fs::read(&a).unwrap(), b"old a");
        drop(w);
        assert_eq!(std::fs::read(&a).unwrap(), b"old a");
        assert_eq!(
            std::fs::read_dir(&d).unwrap().count(),
            2,
            "temporaries left"
        );
        let mut w = StagedWrites::default();
        w.stage(&a, b"new a").unwrap();
        w.stage(&b, b"new b").unwrap();
        w.commit().unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"new a");
        assert_eq!(std::fs::read(&b).unwrap(), b"new b");
        assert_eq!(
            std::fs::read_dir(&d).unwrap().count(),
            2,
            "temporaries left"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }
}
