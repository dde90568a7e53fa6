//! The folder `train` writes a run to. A new run gets a fresh numbered folder by default
//! (`runs/version_N`, as PyTorch Lightning) and never lands in a folder that holds another
//! run unless `--overwrite` says so; a resumed run continues in its checkpoint's folder.
//! Before training starts the folder is created, checked writable, locked against a second
//! `wgtrain` writing into it, and cleaned of temporary files that killed runs left.

use std::path::{Path, PathBuf};

use wgtrain::atomic_file::{folder_of, temporary_owner};
use wgtrain::{Error, Result};

/// Every file a run writes; a folder holding any of them holds a run.
pub const OUTPUTS: [&str; 8] = [
    "checkpoint.safetensors",
    "best.safetensors",
    "model.json",
    "history.json",
    "history.csv",
    "training.png",
    "confusion.png",
    "most_wrong.png",
];

const LOCK: &str = ".wgtrain.lock";

/// A run folder, locked for this process until dropped.
pub struct RunDir {
    pub path: PathBuf,
    /// The folders this run created (the run folder and any missing parents such as
    /// `runs/`), deepest first: taken back, when empty, after a run that saved nothing.
    created_dirs: Vec<PathBuf>,
    /// The folder holds a previous run that `--overwrite` replaces.
    replaces: bool,
    /// Stale temporary files removed when the folder was opened.
    pub cleaned: Vec<PathBuf>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::Io {
        path: Some(path.to_path_buf()),
        source: e,
    }
}

fn bad_out(path: &Path, reason: String) -> Error {
    Error::BadSetting {
        name: "--out",
        value: path.display().to_string(),
        reason,
    }
}

/// The wgtrain files already in `dir`.
pub fn run_files(dir: &Path) -> Vec<&'static str> {
    OUTPUTS
        .iter()
        .copied()
        .filter(|f| dir.join(f).is_file())
        .collect()
}

/// True when `dir` is the folder `checkpoint` lives in.
fn same_folder(dir: &Path, checkpoint: &Path) -> bool {
    match (dir.canonicalize(), folder_of(checkpoint).canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

impl RunDir {
    /// Choose and open the folder: `out` if given (refused when it holds another run,
    /// unless `overwrite`), else the resumed checkpoint's folder, else a fresh
    /// `runs/version_N`.
    pub fn open(out: Option<&Path>, resume: Option<&Path>, overwrite: bool) -> Result<RunDir> {
        let runs = Path::new("runs");
        let mut created_dirs = missing_folders(match (out, resume) {
            (Some(dir), _) => dir,
            (None, Some(_)) => Path::new("."),
            (None, None) => runs,
        });
        let (path, replaces) = match (out, resume) {
            (Some(dir), _) => {
                if dir.exists() && !dir.is_dir() {
                    return Err(bad_out(dir, "it is a file, not a folder".into()));
                }
                let files = run_files(dir);
                let continues = resume.is_some_and(|r| same_folder(dir, r));
                // Finished work is a checkpoint; files without one are a run that never
                // completed an epoch, replaced without asking.
                let finished = dir.join("checkpoint.safetensors").is_file();
                if finished && !continues && !overwrite {
                    let how = match resume {
                        Some(_) => "it is not the folder of the checkpoint you resume".into(),
                        None => format!(
                            "a new run never replaces finished work; choose another --out (or \
                             leave it out for a fresh runs/version_N), continue that run with \
                             --resume {}",
                            dir.join("checkpoint.safetensors").display()
                        ),
                    };
                    return Err(bad_out(
                        dir,
                        format!(
                            "it already holds a run ({}); {how}, or add --overwrite to replace it",
                            files.join(", ")
                        ),
                    ));
                }
                (dir.to_path_buf(), !files.is_empty() && !continues)
            }
            (None, Some(ckpt)) => (folder_of(ckpt), false),
            (None, None) => {
                let dir = fresh_version_dir(runs)?;
                created_dirs.insert(0, dir.clone());
                (dir, false)
            }
        };
        std::fs::create_dir_all(&path)
            .map_err(|e| bad_out(&path, format!("the folder cannot be created ({e})")))?;
        for f in OUTPUTS {
            let p = path.join(f);
            if p.symlink_metadata().is_ok_and(|m| !m.is_file()) {
                return Err(bad_out(
                    &path,
                    format!(
                        "{} is not a regular file (a folder?), so the run cannot write it; \
                         move it away",
                        p.display()
                    ),
                ));
            }
        }
        lock(&path)?;
        let cleaned = clean_stale_temporaries(&path);
        Ok(RunDir {
            path,
            created_dirs,
            replaces,
            cleaned,
        })
    }

    /// Remove the previous run's files (only wgtrain's own) before this run writes its
    /// first one, so that every file in the folder describes this run.
    pub fn clear_previous(&self) -> Result<()> {
        if !self.replaces {
            return Ok(());
        }
        for f in OUTPUTS {
            let p = self.path.join(f);
            if p.exists() {
                std::fs::remove_file(&p).map_err(io(&p))?;
            }
        }
        Ok(())
    }

    /// After a run that saved nothing: take back what it wrote (model.json, and the
    /// folder itself if this run created it and it is now empty).
    pub fn discard_unfinished(&self) {
        if self.path.join("checkpoint.safetensors").exists() {
            return;
        }
        for f in OUTPUTS {
            let _ = std::fs::remove_file(self.path.join(f));
        }
        let _ = std::fs::remove_file(self.path.join(LOCK));
        // Deepest first; `remove_dir` leaves any folder something else has written into.
        for d in &self.created_dirs {
            let _ = std::fs::remove_dir(d);
        }
    }

    /// Quitting at once (a second Ctrl-C): remove this process's temporary files and its
    /// lock from `dir`; finished files stay.
    pub fn release_for_exit(dir: &Path) {
        for p in RunDir::own_temporaries(dir) {
            let _ = std::fs::remove_file(p);
        }
        let lock = dir.join(LOCK);
        let ours = std::fs::read_to_string(&lock)
            .is_ok_and(|s| s.trim() == std::process::id().to_string());
        if ours {
            let _ = std::fs::remove_file(lock);
        }
    }

    /// This process's temporary files in the folder.
    fn own_temporaries(dir: &Path) -> Vec<PathBuf> {
        list(dir)
            .into_iter()
            .filter(|p| temporary_pid(p) == Some(std::process::id()))
            .collect()
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.path.join(LOCK));
    }
}

/// `path` and those of its parents that do not exist yet, deepest first.
fn missing_folders(path: &Path) -> Vec<PathBuf> {
    path.ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
        .map(Path::to_path_buf)
        .collect()
}

/// `root/version_N` for the next free N, created here (so two runs starting together
/// cannot both take it).
fn fresh_version_dir(root: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(root)
        .map_err(|e| bad_out(root, format!("the folder cannot be created ({e})")))?;
    let next = list(root)
        .iter()
        .filter_map(|p| {
            p.file_name()?
                .to_str()?
                .strip_prefix("version_")?
                .parse()
                .ok()
        })
        .map(|n: u64| n + 1)
        .max()
        .unwrap_or(0);
    for n in next..next + 1000 {
        let dir = root.join(format!("version_{n}"));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(bad_out(&dir, format!("the folder cannot be created ({e})"))),
        }
    }
    Err(bad_out(root, "no free version_N folder".into()))
}

fn list(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|it| it.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

/// True when process `pid` is running (Linux: /proc; elsewhere assumed not, so files of a
/// killed run are always cleaned).
fn alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// Take the folder's lock file, or say which live process holds it. Creating it also
/// proves the folder is writable.
fn lock(dir: &Path) -> Result<()> {
    let path = dir.join(LOCK);
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write;
                return writeln!(f, "{}", std::process::id()).map_err(io(&path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|s| s.trim().parse::<u32>().ok());
                match holder {
                    Some(pid) if alive(pid) => {
                        return Err(bad_out(
                            dir,
                            format!("another wgtrain (pid {pid}) is training into it"),
                        ))
                    }
                    // Left by a run that was killed: take it over.
                    _ => std::fs::remove_file(&path).map_err(io(&path))?,
                }
            }
            Err(e) => return Err(bad_out(dir, format!("the folder is not writable ({e})"))),
        }
    }
    Err(bad_out(dir, "its lock file keeps coming back".into()))
}

/// The process id of a run's temporary file (of one of its OUTPUTS), if `p` is one.
fn temporary_pid(p: &Path) -> Option<u32> {
    let (file, pid) = temporary_owner(p.file_name()?.to_str()?)?;
    OUTPUTS.contains(&file).then_some(pid)
}

/// Remove temporary files whose process is gone (a run killed while saving).
fn clean_stale_temporaries(dir: &Path) -> Vec<PathBuf> {
    list(dir)
        .into_iter()
        .filter(|p| temporary_pid(p).is_some_and(|pid| !alive(pid)))
        .filter(|p| std::fs::remove_file(p).is_ok())
        .collect()
}
