//! `wgtrain train` off the happy path: a new run never replaces finished work (fresh
//! `runs/version_N`, occupied folders refused, `--overwrite` replaces cleanly), problems
//! are found before the first step, models too large for the machine are errors (never an
//! abort), Ctrl-C / SIGTERM stop at a step boundary with the checkpoint intact and the
//! command that resumes it, and a run killed with SIGKILL leaves nothing that stops the
//! next one. Fake MNIST-shaped data keeps it quick.

mod common;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::{fake_mnist, stderr, stdout, TempDir};
use wgtrain::nn::{Device, Sequential};

fn wgtrain_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wgtrain"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run wgtrain")
}

/// A failed run: exit status 1 (an error, not a panic's 101 or an abort's 134) and every
/// `wants` in its message.
#[track_caller]
fn fails_with(o: &Output, wants: &[&str]) {
    fails_with_after_training(o, wants);
    assert!(
        !stdout(o).contains("Epoch 1/"),
        "the problem was found only after training started"
    );
}

fn epochs_in(checkpoint: &Path) -> usize {
    Sequential::load(checkpoint, Device::Cpu)
        .unwrap_or_else(|e| panic!("{}: {e}", checkpoint.display()))
        .epoch_logs()
        .len()
}

const CPU: [&str; 3] = ["--device", "cpu", "--quiet"];

#[test]
fn new_runs_get_fresh_folders_and_never_replace_finished_work() {
    let dir = TempDir::new("runs");
    let data = dir.s("data");
    fake_mnist(&dir.path("data"), 300, 50, (28, 28));
    let train = |extra: &[&str]| {
        let mut args = vec!["train", "--data", &data];
        args.extend(CPU);
        args.extend(extra);
        if !extra.contains(&"--epochs") {
            args.extend(["--epochs", "1"]);
        }
        wgtrain_in(&dir, &args)
    };
    for n in 0..2 {
        let o = train(&[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains(&format!("run folder: runs/version_{n}")));
        assert_eq!(
            epochs_in(&dir.path(&format!("runs/version_{n}/checkpoint.safetensors"))),
            1
        );
    }
    let v0 = dir.path("runs/version_0/checkpoint.safetensors");
    let before = std::fs::read(&v0).unwrap();

    // An occupied --out is refused and nothing in it changes.
    fails_with(
        &train(&["--out", "runs/version_0"]),
        &[
            "runs/version_0",
            "already holds a run",
            "--overwrite",
            "--resume",
        ],
    );
    assert_eq!(std::fs::read(&v0).unwrap(), before);

    // --overwrite replaces it, and every file then describes the new run.
    let small = dir.path("small.json");
    std::fs::write(
        &small,
        r#"{"input_shape": [784], "layers": [{"Dense": {"units": 10, "activation": "softmax"}}]}"#,
    )
    .unwrap();
    let o = train(&[
        "--out",
        "runs/version_0",
        "--overwrite",
        "--model",
        &small.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = Sequential::load(&v0, Device::Cpu).unwrap();
    assert_eq!(m.count_params(), 7850);
    let spec = std::fs::read_to_string(dir.path("runs/version_0/model.json")).unwrap();
    assert_eq!(spec, m.spec().to_json());

    // --resume continues in the checkpoint's own folder...
    let v1 = dir.s("runs/version_1/checkpoint.safetensors");
    let o = train(&["--resume", &v1, "--epochs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(epochs_in(Path::new(&v1)), 2);
    let history = std::fs::read_to_string(dir.path("runs/version_1/history.csv")).unwrap();
    assert_eq!(history.lines().count(), 3, "{history}");
    // ...but not in another run's folder.
    let before = std::fs::read(&v0).unwrap();
    fails_with(
        &train(&["--resume", &v1, "--epochs", "3", "--out", "runs/version_0"]),
        &["already holds a run", "not the folder of the checkpoint"],
    );
    assert_eq!(std::fs::read(&v0).unwrap(), before);
    // --overwrite only with an explicit --out.
    let o = train(&["--overwrite"]);
    assert!(
        !o.status.success() && stderr(&o).contains("--out"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_flags_data_and_folders_are_found_before_training() {
    let dir = TempDir::new("preflight");
    let data = dir.s("data");
    fake_mnist(&dir.path("data"), 100, 20, (28, 28));
    let train = |extra: &[&str]| {
        let mut args = vec!["train", "--data", &data, "--epochs", "1"];
        args.extend(CPU);
        args.extend(extra);
        wgtrain_in(&dir, &args)
    };
    for m in ["nan", "-5", "10", "inf"] {
        let o = train(&["--optimizer", "sgd", "--momentum", m]);
        assert!(!o.status.success());
        assert!(
            stderr(&o).contains("--momentum") && stderr(&o).contains("[0, 1]"),
            "{}",
            stderr(&o)
        );
    }
    fails_with(
        &train(&["--momentum", "0.9"]),
        &["--momentum", "--optimizer sgd"],
    );
    for flag in ["--limit", "--test-limit"] {
        let o = train(&[flag, "0"]);
        assert!(
            !o.status.success() && stderr(&o).contains(flag),
            "{}",
            stderr(&o)
        );
    }

    // Outputs that cannot be written.
    std::fs::write(dir.path("a_file"), b"x").unwrap();
    fails_with(&train(&["--out", "a_file"]), &["a_file", "is a file"]);
    fails_with(
        &train(&["--out", "a_file/run"]),
        &["a_file/run", "cannot be created"],
    );
    std::fs::create_dir_all(dir.path("blocked/checkpoint.safetensors")).unwrap();
    fails_with(
        &train(&["--out", "blocked"]),
        &["blocked/checkpoint.safetensors", "not a regular file"],
    );

    // Data that does not fit together: named by file, before the first step.
    let bad = dir.path("bad");
    fake_mnist(&bad, 100, 20, (28, 32));
    let bad_s = bad.display().to_string();
    let mut args = vec!["train", "--data", &bad_s, "--epochs", "1"];
    args.extend(CPU);
    fails_with(
        &wgtrain_in(&dir, &args),
        &["t10k-images-idx3-ubyte", "32×32", "28×28"],
    );
    fake_mnist(&bad, 100, 0, (28, 28));
    fails_with(
        &wgtrain_in(&dir, &args),
        &["t10k-images-idx3-ubyte", "no images"],
    );
    // A truncated label file.
    fake_mnist(&bad, 100, 20, (28, 28));
    let labels = bad.join("t10k-labels-idx1-ubyte");
    let b = std::fs::read(&labels).unwrap();
    std::fs::write(&labels, &b[..b.len() - 3]).unwrap();
    fails_with(
        &wgtrain_in(&dir, &args),
        &["t10k-labels-idx1-ubyte", "truncated"],
    );

    // Model files with mistakes a JSON parser would let through.
    let write = |name: &str, text: &str| {
        let p = dir.path(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let dup = write(
        "dup.json",
        r#"{"input_shape": [784], "layers": [{"Dense": {"units": 10, "units": 12, "activation": "softmax"}}]}"#,
    );
    fails_with(
        &train(&["--model", &dup]),
        &["dup.json", "duplicate key `units`"],
    );
    let bom = write(
        "bom.json",
        "\u{feff}{\"input_shape\": [784], \"layers\": []}",
    );
    fails_with(&train(&["--model", &bom]), &["bom.json", "byte-order mark"]);
    // No folder is left behind by runs that never started.
    assert!(
        !dir.path("runs").exists()
            || std::fs::read_dir(dir.path("runs"))
                .unwrap()
                .next()
                .is_none(),
        "a failed start left a run folder"
    );
}

/// Model files far too large for any machine: errors naming the layer and the bytes.
fn huge_models() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            r#"{"input_shape": [28, 28, 1], "layers": ["Flatten", {"Dense": {"units": 18446744073709551615, "activation": "softmax"}}]}"#,
            "layer 1 (Dense)",
        ),
        (
            r#"{"input_shape": [28, 28, 1], "layers": ["Flatten", {"Dense": {"units": 100000000}}, {"Dense": {"units": 10, "activation": "softmax"}}]}"#,
            "needs",
        ),
        (
            r#"{"input_shape": [28, 28, 1], "layers": [{"Conv2D": {"filters": 1000000000000, "kernel_size": 3}}, "Flatten", {"Dense": {"units": 10, "activation": "softmax"}}]}"#,
            "needs",
        ),
        (
            r#"{"input_shape": [4294967296, 4294967296, 4294967296], "layers": ["Flatten", {"Dense": {"units": 10, "activation": "softmax"}}]}"#,
            "layer 0 (Flatten)",
        ),
        (
            r#"{"input_shape": [28, 28, 1], "layers": [{"Conv2D": {"filters": 8, "kernel_size": 1000001, "padding": "same"}}, "Flatten", {"Dense": {"units": 10, "activation": "softmax"}}]}"#,
            "needs",
        ),
    ]
}

#[test]
fn models_too_large_for_the_machine_are_errors_not_aborts() {
    let dir = TempDir::new("huge");
    let data = dir.s("data");
    fake_mnist(&dir.path("data"), 60, 10, (28, 28));
    let mut devices = vec!["cpu"];
    if common::gpu().is_some() {
        devices.push("gpu");
    }
    for (i, (model, want)) in huge_models().into_iter().enumerate() {
        let p = dir.path(&format!("huge{i}.json"));
        std::fs::write(&p, model).unwrap();
        let p = p.display().to_string();
        for d in &devices {
            let o = wgtrain_in(
                &dir,
                &[
                    "train", "--model", &p, "--data", &data, "--device", d, "--epochs", "1",
                ],
            );
            fails_with(&o, &[want]);
        }
    }

    // The same models arriving inside a checkpoint, for eval, predict and --resume.
    let o = wgtrain_in(
        &dir,
        &[
            "train", "--data", &data, "--epochs", "1", "--device", "cpu", "--quiet", "--out", "ok",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let good = std::fs::read(dir.path("ok/checkpoint.safetensors")).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&good).unwrap();
    let st = safetensors::SafeTensors::deserialize(&good).unwrap();
    let digit = dir.path("digit.png");
    common::draw(40, 40, &[&[(0.5, 0.1), (0.5, 0.9)]], 6.0)
        .save(&digit)
        .unwrap();
    let digit = digit.display().to_string();
    for (i, (model, _)) in huge_models().into_iter().enumerate() {
        let mut meta = header.metadata().clone().unwrap();
        meta.insert("model".into(), model.into());
        let forged = dir.path(&format!("forged{i}.safetensors"));
        std::fs::write(
            &forged,
            safetensors::serialize(st.tensors(), Some(meta)).unwrap(),
        )
        .unwrap();
        let f = forged.display().to_string();
        for args in [
            vec!["eval", &f, "--data", &data, "--device", "cpu"],
            vec!["predict", &f, &digit, "--device", "cpu"],
            vec![
                "train", "--resume", &f, "--data", &data, "--device", "cpu", "--epochs", "2",
            ],
        ] {
            fails_with(&wgtrain_in(&dir, &args), &[&format!("forged{i}")]);
        }
    }
}

/// A training run on `data` in the background, stdout piped; returns once it has printed
/// its first epoch line (so a checkpoint exists or is being written).
fn start_run(
    cwd: &Path,
    data: &str,
    out: &str,
) -> (
    Child,
    std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wgtrain"))
        .args(["train", "--data", data, "--epochs", "100", "--out", out])
        .args(CPU)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for l in lines.by_ref() {
        if l.unwrap().starts_with("Epoch 1/100") {
            return (child, lines);
        }
    }
    panic!(
        "the run ended before its first epoch: {:?}",
        child.wait_with_output()
    );
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} failed");
}

/// Drain stdout, wait, and return (exit code, stderr).
fn finish(child: Child, lines: impl Iterator) -> (Option<i32>, String) {
    lines.for_each(drop);
    let o = child.wait_with_output().unwrap();
    (o.status.code(), stderr(&o))
}

/// Files a run must not leave behind.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[cfg(unix)]
#[test]
fn ctrl_c_and_sigterm_stop_at_a_step_boundary_and_say_how_to_resume() {
    let dir = TempDir::new("signals");
    let data = dir.s("data");
    fake_mnist(&dir.path("data"), 12_000, 50, (28, 28));
    for (sig, out) in [("-INT", "int"), ("-TERM", "term")] {
        let (child, lines) = start_run(&dir, &data, out);
        signal(&child, sig);
        let (code, err) = finish(child, lines);
        assert_eq!(code, Some(130), "{sig}: {err}");
        let ckpt: PathBuf = dir.path(&format!("{out}/checkpoint.safetensors"));
        let printed = format!("{out}/checkpoint.safetensors");
        let held = epochs_in(&ckpt);
        assert!(held >= 1);
        assert!(
            err.contains("training stopped in epoch")
                && err.contains(&format!("holds epoch {held} (complete and intact)")),
            "{sig}: {err}"
        );
        assert!(
            leftovers(&dir.path(out)).is_empty(),
            "{:?}",
            leftovers(&dir.path(out))
        );
        // The printed command resumes it (here up to one more epoch).
        let line = err
            .lines()
            .skip_while(|l| !l.contains("Resume with:"))
            .nth(1)
            .expect("a resume command");
        let mut args: Vec<String> = line.split_whitespace().skip(1).map(String::from).collect();
        assert_eq!(args[..3], ["train", "--resume", printed.as_str()]);
        let e = args.iter().position(|a| a == "--epochs").unwrap();
        args[e + 1] = (held + 1).to_string();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = wgtrain_in(&dir, &args);
        assert!(o.status.success(), "{line}: {}", stderr(&o));
        assert_eq!(epochs_in(&ckpt), held + 1);
    }

    // Two Ctrl-C in a row quit at once; what was saved stays loadable.
    let (child, lines) = start_run(&dir, &data, "twice");
    signal(&child, "-INT");
    signal(&child, "-INT");
    let (code, err) = finish(child, lines);
    assert_eq!(code, Some(130), "{err}");
    // (The first epoch's save may not have begun when the second signal came.)
    let ckpt = dir.path("twice/checkpoint.safetensors");
    if ckpt.exists() {
        epochs_in(&ckpt);
    }
    assert!(
        leftovers(&dir.path("twice")).is_empty(),
        "{:?}",
        leftovers(&dir.path("twice"))
    );
}

#[cfg(unix)]
#[test]
fn runs_killed_outright_leave_nothing_that_stops_the_next() {
    let dir = TempDir::new("sigkill");
    let data = dir.s("data");
    fake_mnist(&dir.path("data"), 2_000, 50, (28, 28));
    // Kill -9 at different moments (epochs take ~0.1 s here, so some kills land during a
    // save): the checkpoint is always whole, and the next start resumes.
    let ckpt = dir.path("run/checkpoint.safetensors");
    for (i, ms) in [0u64, 50, 130, 210, 370, 600].into_iter().enumerate() {
        let (mut child, lines) = start_run(&dir, &data, "run");
        std::thread::sleep(std::time::Duration::from_millis(ms));
        child.kill().unwrap();
        finish(child, lines);
        // Killed before its first save, a run has no checkpoint: the next starts afresh in
        // the same folder (nothing finished to protect).
        let held = if ckpt.exists() { epochs_in(&ckpt) } else { 0 };
        // A temporary file of a dead process, as a kill during a save leaves it.
        std::fs::write(
            dir.path("run/.checkpoint.safetensors.tmp-999999"),
            b"partial",
        )
        .unwrap();
        let epochs = (held + 1).to_string();
        let ck = ckpt.to_str().unwrap();
        let mut args = vec![
            "train", "--data", &data, "--device", "cpu", "--quiet", "--epochs", &epochs,
        ];
        match held {
            0 => args.extend(["--out", "run"]),
            _ => args.extend(["--resume", ck]),
        }
        let o = wgtrain_in(&dir, &args);
        assert!(o.status.success(), "kill {i}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(".checkpoint.safetensors.tmp-999999"),
            "{}",
            stderr(&o)
        );
        assert_eq!(epochs_in(&ckpt), held + 1);
        assert!(
            leftovers(&dir.path("run")).is_empty(),
            "{:?}",
            leftovers(&dir.path("run"))
        );
        // Next round: a new run into the same folder needs --overwrite.
        std::fs::remove_dir_all(dir.path("run")).unwrap();
    }
}

/// Rows of a run folder's history.csv.
fn history_rows(run: &Path) -> usize {
    let text = std::fs::read_to_string(run.join("history.csv")).unwrap_or_default();
    text.lines().count().saturating_sub(1)
}

#[cfg(unix)]
#[test]
fn a_killed_runs_history_matches_its_checkpoint() {
    let dir = TempDir::new("sigkill-history");
    let data = dir.s("data");
    fake_mnist(&dir.path("data"), 2_000, 50, (28, 28));
    // What a kill leaves, seen without killing: the run is stopped (SIGSTOP) at 150 moments
    // spread over its epochs (~0.1 s each here), the folder read, and the run continued.
    // Before the checkpoint and the history were staged and renamed together, ~8 % of
    // the moments showed a history one epoch behind its checkpoint.
    let run = dir.path("run");
    let (child, lines) = start_run(&dir, &data, "run");
    let mut seen = 0;
    for i in 0..150u64 {
        std::thread::sleep(std::time::Duration::from_millis(3 + i * 7 % 31));
        signal(&child, "-STOP");
        let ckpt = run.join("checkpoint.safetensors");
        let state = ckpt
            .exists()
            .then(|| (epochs_in(&ckpt), history_rows(&run)));
        signal(&child, "-CONT");
        if let Some((epochs, rows)) = state {
            seen += 1;
            assert_eq!(
                rows, epochs,
                "moment {i}: history.csv has {rows} epochs, the checkpoint {epochs}"
            );
        }
    }
    signal(&child, "-KILL");
    finish(child, lines);
    assert!(seen > 100, "only {seen} moments had a checkpoint");
}

#[test]
fn a_run_that_fails_before_its_first_epoch_leaves_no_folders_behind() {
    let dir = TempDir::new("no-empty-runs");
    std::fs::write(dir.path("bad.json"), r#"{"bad": 1}"#).unwrap();
    // The default runs/version_N, and a nested --out whose parents did not exist.
    fails_with(
        &wgtrain_in(&dir, &["train", "--model", "bad.json"]),
        &["bad"],
    );
    assert!(!dir.path("runs").exists(), "an empty runs/ was left behind");
    fails_with(
        &wgtrain_in(&dir, &["train", "--model", "bad.json", "--out", "a/b/c"]),
        &["bad"],
    );
    assert!(!dir.path("a").exists(), "empty a/b/c was left behind");
    // Folders that were there before, or that hold something else, stay.
    std::fs::create_dir_all(dir.path("runs/keep")).unwrap();
    fails_with(
        &wgtrain_in(&dir, &["train", "--model", "bad.json"]),
        &["bad"],
    );
    assert!(dir.path("runs/keep").is_dir());
    assert_eq!(std::fs::read_dir(dir.path("runs")).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn a_full_disk_during_a_save_keeps_the_previous_checkpoint() {
    let dir = TempDir::new("disk-full");
    let data = dir.s("data");
    fake_mnist(&dir.path("data"), 300, 20, (28, 28));
    let o = wgtrain_in(
        &dir,
        &[
            "train", "--data", &data, "--epochs", "1", "--device", "cpu", "--quiet", "--out", "run",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let ckpt = dir.path("run/checkpoint.safetensors");
    let before = std::fs::read(&ckpt).unwrap();
    // Files may grow to 200 KiB only (the checkpoint is ~600 KiB): the next save fails
    // part-way through, as on a full disk. SIGXFSZ is ignored so the write returns EFBIG.
    let cmd = format!(
        "trap '' XFSZ; ulimit -f 200; exec '{}' train --resume run/checkpoint.safetensors \
         --epochs 2 --data '{data}' --device cpu --quiet",
        env!("CARGO_BIN_EXE_wgtrain")
    );
    let o = Command::new("bash")
        .args(["-c", &cmd])
        .current_dir(&dir.0)
        .output()
        .unwrap();
    fails_with_after_training(
        &o,
        &["run/checkpoint.safetensors was not written", "unchanged"],
    );
    assert_eq!(
        std::fs::read(&ckpt).unwrap(),
        before,
        "the checkpoint changed"
    );
    assert!(
        leftovers(&dir.path("run")).is_empty(),
        "{:?}",
        leftovers(&dir.path("run"))
    );
    assert_eq!(epochs_in(&ckpt), 1);
}

/// Like `fails_with`, for failures that can only happen once training has run.
#[track_caller]
fn fails_with_after_training(o: &Output, wants: &[&str]) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(1), "expected exit 1: {e}");
    for w in wants {
        assert!(e.contains(w), "stderr lacks {w:?}:\n{e}");
    }
}

/// `--loss sparse_categorical_crossentropy` trains on the digits themselves, gives the same
/// history as one-hot labels, and resume and eval read the loss from the checkpoint.
#[test]
fn sparse_loss_trains_resumes_and_evaluates_like_one_hot() {
    let dir = TempDir::new("sparse_cli");
    let data = dir.s("data");
    fake_mnist(&dir.path("data"), 200, 40, (28, 28));
    let run = |args: &[&str]| {
        let mut all = vec!["--data", &data];
        all.extend(CPU);
        let mut a: Vec<&str> = args.to_vec();
        a.extend(all);
        let o = wgtrain_in(&dir, &a);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        std::fs::read_to_string(
            dir.path(args[args.iter().position(|&s| s == "--out").unwrap() + 1])
                .join("history.json"),
        )
        .unwrap_or_default()
    };
    let sparse = ["--loss", "sparse_categorical_crossentropy"];
    let hot = run(&["train", "--epochs", "1", "--out", "hot"]);
    let one = run(&[&["train", "--epochs", "1", "--out", "sparse"][..], &sparse].concat());
    let losses = |h: &str| -> Vec<String> {
        h.lines()
            .filter(|l| l.contains("loss"))
            .map(String::from)
            .collect()
    };
    assert!(!losses(&hot).is_empty(), "{hot}");
    assert_eq!(losses(&hot), losses(&one));
    let resumed = run(&[
        "train",
        "--resume",
        "sparse/checkpoint.safetensors",
        "--epochs",
        "2",
        "--out",
        "sparse",
    ]);
    assert_eq!(losses(&resumed).len(), 2 * losses(&one).len());
    let o = wgtrain_in(
        &dir,
        &[
            "eval",
            "sparse/checkpoint.safetensors",
            "--data",
            &data,
            "--device",
            "cpu",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("accuracy"), "{}", stdout(&o));
}

/// `--early-stopping-patience` with `--restore-best-weights` (and `--reduce-lr-patience`,
/// whose rates go into history.json and .csv): the run ends with the best
/// epoch's weights in its checkpoint (which loads), and the flag needs the patience.
#[test]
fn early_stopping_flags_train_and_save_the_best_weights() {
    let dir = TempDir::new("early_cli");
    let data = dir.s("data");
    fake_mnist(&dir.path("data"), 160, 30, (28, 28));
    let mut args = vec!["train", "--data", &data, "--epochs", "4", "--out", "run"];
    args.extend(CPU);
    args.extend(["--early-stopping-patience", "1", "--restore-best-weights"]);
    args.extend(["--reduce-lr-patience", "1"]);
    let o = wgtrain_in(&dir, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let history = std::fs::read_to_string(dir.path("run/history.json")).unwrap();
    assert!(history.contains("\"learning_rate\": 0.001"), "{history}");
    let csv = std::fs::read_to_string(dir.path("run/history.csv")).unwrap();
    assert!(
        csv.starts_with("epoch,loss,accuracy,val_loss,val_accuracy,steps,seconds,learning_rate")
    );
    assert!(
        stdout(&o).contains("restored the best epoch's weights"),
        "{}",
        stdout(&o)
    );
    Sequential::load(dir.path("run/checkpoint.safetensors"), Device::Cpu).unwrap();
    let o = wgtrain_in(&dir, &["train", "--restore-best-weights", "--epochs", "1"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("--early-stopping-patience"),
        "{}",
        stderr(&o)
    );
}

/// `--save-best` keeps best.safetensors at the epoch with the lowest val_loss, also across
/// a resume (a worse later epoch does not replace it); it needs a validation split.
#[test]
fn save_best_keeps_the_lowest_val_loss_epoch() {
    let dir = TempDir::new("best_cli");
    let data = dir.s("data");
    fake_mnist(&dir.path("data"), 160, 30, (28, 28));
    let run = |extra: &[&str]| {
        let mut args = vec!["train", "--data", &data, "--save-best"];
        args.extend(CPU);
        args.extend(extra);
        let o = wgtrain_in(&dir, &args);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    run(&["--epochs", "2", "--out", "run", "--lr", "0.05"]);
    run(&["--resume", "run/checkpoint.safetensors", "--epochs", "4"]);
    let history: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.path("run/history.json")).unwrap())
            .unwrap();
    assert_eq!(history.len(), 4);
    let val: Vec<f64> = history
        .iter()
        .map(|e| e["val_loss"].as_f64().unwrap())
        .collect();
    let best_epoch = (0..4).min_by(|&a, &b| val[a].total_cmp(&val[b])).unwrap() + 1;
    let best = Sequential::load(dir.path("run/best.safetensors"), Device::Cpu).unwrap();
    assert_eq!(best.epoch_logs().len(), best_epoch, "val_loss {val:?}");
    let o = wgtrain_in(
        &dir,
        &[
            "train",
            "--save-best",
            "--validation-split",
            "0",
            "--epochs",
            "1",
        ],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("keep a validation split"),
        "{}",
        stderr(&o)
    );
}
