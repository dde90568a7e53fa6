//! Limits of the machine and of sane inputs, met with a clear refusal rather than an
//! abort, a hang or minutes of work: the memory budget under `ulimit -v`, the image-folder
//! estimate, FIFOs given as images or as the autotune cache, an unwritable autotune cache,
//! the layer-count cap (and linear model building under it), the GPU Dense limit found
//! at build time, and image-folder class names that are not UTF-8.

// Most cases need Unix (FIFOs) or Linux (/proc); elsewhere their helpers go unused.
#![cfg_attr(not(target_os = "linux"), allow(dead_code, unused_imports))]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{stderr, stdout, TempDir};
use wgtrain::nn::{Device, ModelSpec, Sequential, MAX_LAYERS};

/// Runs `cmd` to completion, or kills it after `secs` and fails the test (a regression
/// that blocks must fail, not hang the suite). Its output is drained while it runs.
#[track_caller]
fn within(mut cmd: Command, secs: u64) -> Output {
    use std::io::Read;
    common::fixed_kernels();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            let err = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
            panic!("still running after {secs} s (blocked?); stderr: {err}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    }
}

fn wgtrain_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wgtrain"));
    c.args(args);
    c
}

/// A refusal: exit status 1 (an error, not a panic's 101 or an abort's 134) naming each of
/// `wants`.
#[track_caller]
fn refused(o: &Output, wants: &[&str]) {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "stderr: {err}\nstdout: {}",
        stdout(o)
    );
    for w in wants {
        assert!(err.contains(w), "{w:?} not in: {err}");
    }
}

/// A model description of `flattens` Flatten layers and a Dense(10) softmax.
fn deep_flatten(flattens: usize) -> String {
    let mut layers = vec![r#"{"Flatten": {}}"#; flattens];
    layers.push(r#"{"Dense": {"units": 10, "activation": "softmax"}}"#);
    format!(
        r#"{{"input_shape": [28, 28, 1], "layers": [{}]}}"#,
        layers.join(",")
    )
}

#[test]
fn a_model_over_the_layer_cap_is_refused_with_the_cap_named() {
    let text = deep_flatten(MAX_LAYERS);
    let e = ModelSpec::from_json(&text, "deep.json")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("{} layers", MAX_LAYERS + 1)) && e.contains("at most 10000"),
        "{e}"
    );
    // The Rust API refuses the layer past the cap too.
    let mut m = Sequential::new(Device::Cpu, &[4]);
    for _ in 0..MAX_LAYERS {
        m.add(wgtrain::nn::layers::Flatten::new()).unwrap();
    }
    let e = m
        .add(wgtrain::nn::layers::Flatten::new())
        .unwrap_err()
        .to_string();
    assert!(e.contains("at most 10000 layers"), "{e}");
    // And the CLI says so before reading any data.
    let dir = TempDir::new("layer-cap");
    std::fs::write(dir.path("deep.json"), &text).unwrap();
    let o = within(
        wgtrain_cmd(&[
            "train",
            "--model",
            &dir.s("deep.json"),
            "--device",
            "cpu",
            "--data",
            &dir.s("no-such-data"),
            "--out",
            &dir.s("run"),
        ]),
        60,
    );
    refused(&o, &["deep.json", "at most 10000 layers"]);
}

#[test]
fn a_deep_model_under_the_cap_builds_with_distinct_keras_names() {
    let spec = ModelSpec::from_json(&deep_flatten(5_000), "deep.json").unwrap();
    let m = Sequential::from_spec(&spec, Device::Cpu, 1).unwrap();
    assert_eq!(m.spec().layers.len(), 5_001);
    assert_eq!(m.output_shape(), [10]);
    let summary = m.summary();
    assert!(
        summary.contains(" flatten (Flatten)") && summary.contains(" flatten_4999 (Flatten)"),
        "Keras's names count each kind"
    );
    assert!(summary.contains(" dense (Dense)"));
    let keras = spec.to_keras_json();
    assert!(keras.contains("\"flatten_4999\"") && keras.contains("\"dense\""));
    // And it reads back.
    let back = ModelSpec::from_json(&keras, "keras").unwrap();
    assert_eq!(back.layers.len(), 5_001);
}

/// `wgtrain ARGS` run under `ulimit -v` of `kib` KiB (by `sh`, which then execs it).
fn under_ulimit_v(kib: u64, args: &[&str]) -> Output {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_wgtrain"))
        .args(args);
    within(c, 120)
}

#[cfg(target_os = "linux")] // the limits are read from /proc
#[test]
fn ulimit_v_is_a_memory_limit_the_budget_respects() {
    let dir = TempDir::new("ulimit-v");
    common::fake_mnist(&dir.path("data"), 64, 16, (28, 28));
    // 117.6 M parameters: 1.8 GiB with gradients and Adam's slots, over a 768 MiB
    // address space (and far under any test machine's memory).
    std::fs::write(
        dir.path("wide.json"),
        r#"{"input_shape": [28, 28, 1], "layers": [{"Flatten": {}},
            {"Dense": {"units": 150000, "activation": "relu"}},
            {"Dense": {"units": 10, "activation": "softmax"}}]}"#,
    )
    .unwrap();
    let data = dir.s("data");
    let train = |extra: &[&str], out: &str| {
        let mut args = vec!["train", "--data", &data];
        args.extend(["--device", "cpu", "--epochs", "1", "--quiet"]);
        let out = dir.s(out);
        args.extend(["--out", &out]);
        args.extend(extra);
        under_ulimit_v(768 << 10, &args)
    };
    let wide = dir.s("wide.json");
    let o = train(&["--model", &wide], "wide");
    refused(
        &o,
        &["the model", "address-space limit (ulimit -v) of 768.0 MiB"],
    );
    // A batch too large for the limit (the model itself is small).
    let o = train(&["--batch-size", "200000"], "batch");
    refused(&o, &["a batch of 200000", "ulimit -v", "--batch-size"]);
    // The same run with a batch that fits trains under the limit.
    let o = train(&["--batch-size", "32", "--limit", "64"], "ok");
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `per_class` small grayscale PNGs in each of `classes` (sub-folders of `dir`), the
/// i-th class's images of brightness 40 + 60·i with a little seeded noise.
fn gray_folder(dir: &Path, classes: &[&std::ffi::OsStr], per_class: usize) {
    let mut seed = 11u32;
    let mut noise = move || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        ((seed >> 16) % 20) as u8
    };
    for (c, class) in classes.iter().enumerate() {
        let d = dir.join(class);
        std::fs::create_dir_all(&d).unwrap();
        for i in 0..per_class {
            let img =
                image::GrayImage::from_fn(7, 6, |_, _| image::Luma([40 + 60 * c as u8 + noise()]));
            img.save(d.join(format!("{i:02}.png"))).unwrap();
        }
    }
}

/// A model for 6×6 grayscale images and `classes` classes.
fn small_image_model(path: &Path, classes: usize) {
    std::fs::write(
        path,
        format!(
            r#"{{"input_shape": [6, 6, 1], "layers": ["Flatten",
                {{"Dense": {{"units": {classes}, "activation": "softmax"}}}}]}}"#
        ),
    )
    .unwrap();
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success(), "mkfifo {}", path.display());
}

fn train_folder(dir: &TempDir, data: &str, out: &str, extra: &[&str]) -> Output {
    let (model, out) = (dir.s("model.json"), dir.s(out));
    let mut args = vec![
        "train",
        "--model",
        &model,
        "--data-dir",
        data,
        "--device",
        "cpu",
        "--quiet",
        "--out",
        &out,
    ];
    args.extend(extra);
    if !extra.contains(&"--epochs") {
        args.extend(["--epochs", "2"]);
    }
    within(wgtrain_cmd(&args), 120)
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_given_as_images_are_refused_not_waited_on() {
    let dir = TempDir::new("fifo-image");
    let data = dir.path("data");
    let names = ["dark", "light"].map(std::ffi::OsStr::new);
    gray_folder(&data, &names, 6);
    small_image_model(&dir.path("model.json"), 2);
    // A FIFO with an image's name among a class's images: reported and skipped.
    mkfifo(&data.join("dark/pipe.png"));
    let o = train_folder(&dir, &dir.s("data"), "run", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("pipe.png") && stderr(&o).contains("FIFO"),
        "the FIFO is reported: {}",
        stderr(&o)
    );
    // With --strict it stops the run, named.
    let o = train_folder(&dir, &dir.s("data"), "strict", &["--strict"]);
    refused(&o, &["pipe.png", "FIFO", "--strict"]);
    // predict with a FIFO, and with /dev/zero, as the image.
    let ckpt = dir.s("run/checkpoint.safetensors");
    let fifo = dir.s("data/dark/pipe.png");
    for (image, kind) in [(fifo.as_str(), "FIFO"), ("/dev/zero", "character device")] {
        let o = within(
            wgtrain_cmd(&["predict", &ckpt, image, "--device", "cpu"]),
            60,
        );
        refused(&o, &[image, kind, "regular file"]);
    }
}

#[cfg(unix)]
#[test]
fn fifos_given_as_models_checkpoints_or_weights_are_refused_not_waited_on() {
    let dir = TempDir::new("fifo-model");
    let data = dir.path("data");
    let names = ["dark", "light"].map(std::ffi::OsStr::new);
    gray_folder(&data, &names, 4);
    mkfifo(&dir.path("pipe.json"));
    mkfifo(&dir.path("pipe.safetensors"));
    let (d, model, ckpt) = (dir.s("data"), dir.s("pipe.json"), dir.s("pipe.safetensors"));
    let cpu = ["--device", "cpu"];
    let cases: [(Vec<&str>, &str); 4] = [
        (
            vec![
                "train",
                "--data-dir",
                &d,
                "--model",
                &model,
                "--epochs",
                "1",
            ],
            &model,
        ),
        (vec!["predict", &ckpt, "x.png"], &ckpt),
        (vec!["eval", &ckpt, "--data-dir", &d], &ckpt),
        (
            vec![
                "train",
                "--data-dir",
                &d,
                "--resume",
                &ckpt,
                "--epochs",
                "2",
            ],
            &ckpt,
        ),
    ];
    for (mut args, named) in cases {
        args.extend(cpu);
        let o = within(wgtrain_cmd(&args), 60);
        refused(&o, &[named, "FIFO", "regular file"]);
    }
}

/// `wgtrain ARGS` with the autotune on and its cache in `cache`.
fn tuned_cmd(cache: &Path, args: &[&str]) -> Command {
    let mut c = wgtrain_cmd(args);
    c.env("WGTRAIN_CACHE_DIR", cache).env("WGTRAIN_TUNE", "on");
    c
}

#[cfg(unix)]
#[test]
fn the_autotune_cache_is_never_waited_on_and_an_unsaved_table_is_not_called_cached() {
    let Some(_) = common::gpu() else { return };
    let dir = TempDir::new("tune-cache");
    let cache = dir.path("cache");
    let o = within(tuned_cmd(&cache, &["tune", "--json"]), 300);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["cached"], true, "{v}");
    let file = v["cache_file"].as_str().unwrap().to_string();
    assert!(Path::new(&file).is_file(), "{file}");

    // The cache file replaced by a FIFO: a GPU run reads past it (tuning or using the
    // defaults) instead of waiting for a writer.
    std::fs::remove_file(&file).unwrap();
    mkfifo(Path::new(&file));
    common::fake_mnist(&dir.path("data"), 64, 16, (28, 28));
    let (data, out) = (dir.s("data"), dir.s("run"));
    let o = within(
        tuned_cmd(
            &cache,
            &[
                "train", "--data", &data, "--epochs", "1", "--quiet", "--out", &out,
            ],
        ),
        300,
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // A cache folder that cannot be made (its parent is a file): the table is reported
    // as not saved, with why, never as "cached".
    std::fs::write(dir.path("a-file"), b"").unwrap();
    let bad = dir.path("a-file/cache");
    let o = within(tuned_cmd(&bad, &["tune"]), 300);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("NOT cached: could not save the table in")
            && text.contains(&dir.s("a-file/cache"))
            && !text.contains("; cached in"),
        "{text}"
    );
    let o = within(tuned_cmd(&bad, &["tune", "--json"]), 300);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["cached"], false, "{v}");
    assert!(
        v["cache_error"]
            .as_str()
            .is_some_and(|e| e.contains("a-file")),
        "{v}"
    );
}

#[cfg(unix)]
#[test]
fn class_folders_whose_names_differ_only_in_invalid_bytes_stay_distinct() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new("non-utf8");
    let data = dir.path("data");
    let names = [OsStr::from_bytes(b"c\xfe"), OsStr::from_bytes(b"c\xff")];
    gray_folder(&data, &names, 8);
    small_image_model(&dir.path("model.json"), 2);
    let o = train_folder(
        &dir,
        &dir.s("data"),
        "run",
        &["--epochs", "30", "--lr", "0.05"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The checkpoint keeps both names, escaped losslessly.
    let ckpt = dir.path("run/checkpoint.safetensors");
    let m = Sequential::load(&ckpt, Device::Cpu).unwrap();
    assert_eq!(m.class_names().unwrap(), ["c\\xfe", "c\\xff"]);
    // predict names the class by its escaped name (the brighter images are `c\xff`).
    let image = data.join(names[1]).join("00.png");
    let mut predict = wgtrain_cmd(&["predict"]);
    predict
        .arg(&ckpt)
        .arg(&image)
        .args(["--device", "cpu", "--top", "1", "--json"]);
    let o = within(predict, 60);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(r#""c\\xff""#), "{}", stdout(&o));
    // eval on the same folder matches the checkpoint's names.
    let o = within(
        wgtrain_cmd(&[
            "eval",
            &ckpt.display().to_string(),
            "--data-dir",
            &dir.s("data"),
            "--device",
            "cpu",
        ]),
        60,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // A folder really named with the escape next to the byte it spells: refused, both
    // named, rather than merged.
    std::fs::create_dir_all(data.join("c\\xff")).unwrap();
    let o = train_folder(&dir, &dir.s("data"), "clash", &[]);
    refused(&o, &["both read as the class name", "rename one"]);
}

#[cfg(target_os = "linux")] // the limits are read from /proc
#[test]
fn an_image_folder_is_refused_when_decoding_resizing_and_uploading_it_would_not_fit() {
    let dir = TempDir::new("folder-memory");
    let names = ["a", "b"].map(std::ffi::OsStr::new);
    gray_folder(&dir.path("data"), &names, 2);
    // 4 images of 3000×3000×3 are 412 MiB as f32 (what was counted before, which fit a
    // 768 MiB address space and then aborted reading them); with the resize buffers, the
    // upload and the run's copies they need more.
    std::fs::write(
        dir.path("model.json"),
        r#"{"input_shape": [3000, 3000, 3], "layers": [{"MaxPooling2D": {"pool_size": 100}},
            "Flatten", {"Dense": {"units": 2, "activation": "softmax"}}]}"#,
    )
    .unwrap();
    let (model, data, out) = (dir.s("model.json"), dir.s("data"), dir.s("run"));
    let o = under_ulimit_v(
        768 << 10,
        &[
            "train",
            "--model",
            &model,
            "--data-dir",
            &data,
            "--device",
            "cpu",
            "--epochs",
            "1",
            "--batch-size",
            "1",
            "--quiet",
            "--out",
            &out,
        ],
    );
    refused(
        &o,
        &[
            "4 images of 3000×3000×3",
            "resized",
            "ulimit -v",
            "smaller input size",
        ],
    );
}

#[test]
fn a_dense_layer_too_wide_for_the_gpu_grid_is_refused_at_build_time_with_the_fix() {
    let Some(_) = common::gpu() else { return };
    let dir = TempDir::new("dense-grid");
    // 4.41 M inputs: more rows of workgroups than 65,535 on every matmul family (the
    // widest tiles are 64 rows), in the weight gradient [inputs, units].
    std::fs::write(
        dir.path("wide.json"),
        r#"{"input_shape": [2100, 2100, 1], "layers": ["Flatten",
            {"Dense": {"units": 2, "activation": "softmax"}}]}"#,
    )
    .unwrap();
    let (model, out) = (dir.s("wide.json"), dir.s("run"));
    // The data folder does not exist: the model is refused before any data is read.
    let missing = dir.s("no-such-folder");
    let train = |device: &str| {
        within(
            wgtrain_cmd(&[
                "train",
                "--model",
                &model,
                "--data-dir",
                &missing,
                "--device",
                device,
                "--batch-size",
                "1",
                "--epochs",
                "1",
                "--quiet",
                "--out",
                &out,
            ]),
            120,
        )
    };
    let o = train("gpu");
    refused(
        &o,
        &[
            "layer 1 (Dense)",
            "weight gradient",
            "4410000 inputs",
            "workgroups in one dimension",
            "MaxPooling2D",
            "--device cpu",
        ],
    );
    assert!(!stderr(&o).contains("no-such-folder"), "{}", stderr(&o));
    // The CPU device has no such limit: it gets as far as the data.
    let o = train("cpu");
    refused(&o, &["no-such-folder"]);
}
