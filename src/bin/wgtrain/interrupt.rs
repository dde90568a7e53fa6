//! Ctrl-C (SIGINT) and SIGTERM during `train`: the first asks `fit` to stop at the next
//! step boundary, so the checkpoint of the last complete epoch stays as it is and the run
//! can say how to resume; a second quits at once (exit 130), removing this process's
//! temporary files first.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use wgtrain::{Error, Result};

use crate::run_dir::RunDir;

/// The exit status after an interrupt (128 + SIGINT, as shells report Ctrl-C).
pub const EXIT_INTERRUPTED: u8 = 130;

static FOLDER: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Install the handler; the flag it returns goes into `FitOptions::stop`.
pub fn install(run_folder: PathBuf) -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    *FOLDER.lock().expect("folder") = Some(run_folder);
    let flag = stop.clone();
    let count = AtomicUsize::new(0);
    ctrlc::set_handler(move || {
        if count.fetch_add(1, Ordering::SeqCst) == 0 {
            flag.store(true, Ordering::SeqCst);
            eprintln!(
                "\nwgtrain: stopping after the current step (press Ctrl-C again to quit at once)"
            );
            return;
        }
        // No temporary file may appear after the clean-up: wait for a write in progress
        // to finish and keep new ones out until the process is gone.
        release_run_folder();
        eprintln!("wgtrain: quit at once; the last complete epoch's checkpoint is intact");
        std::process::exit(EXIT_INTERRUPTED.into());
    })
    .map_err(|e| Error::Model(format!("cannot install the Ctrl-C handler: {e}")))?;
    Ok(stop)
}

/// Before quitting at once: remove this process's temporary files and lock from the run
/// folder (if training has one), waiting for a write in progress to finish and keeping
/// new ones out until the process is gone.
pub fn release_run_folder() {
    // Held to the end: no temporary file may appear after the clean-up.
    let writes = wgtrain::atomic_file::hold_writes();
    if let Some(dir) = FOLDER.lock().ok().and_then(|f| f.clone()) {
        RunDir::release_for_exit(&dir);
    }
    std::mem::forget(writes);
}
