//! The `wgtrain` binary: argument errors are clear and exit non-zero; train → resume →
//! eval → predict works end to end on MNIST (CPU device, so it is deterministic), writing
//! the checkpoint, history and pictures; digits drawn here (dark on light, large, off
//! centre) are prepared as MNIST digits and classified correctly.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{draw, ring, Strokes, TempDir};
use image::{GrayImage, Luma};

fn wgtrain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wgtrain"))
        .args(args)
        .output()
        .expect("run wgtrain")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn argument_errors_are_clear_and_fail() {
    let dir = TempDir::new("args");
    std::fs::write(
        dir.path("bad.json"),
        r#"{"input_shape": [28, 28, 1], "layers": ["Flatten", {"Dense": {"units": 10, "activation": "softmax", "bias": true}}]}"#,
    )
    .unwrap();
    let bad_json = dir.s("bad.json");
    let missing = dir.s("missing.safetensors");
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["frobnicate"], vec!["frobnicate"]),
        (
            vec!["train", "--model", "resnet", "--device", "cpu"],
            vec!["--model", "resnet", "mlp, cnn"],
        ),
        (
            vec!["train", "--validation-split", "1.5"],
            vec!["validation-split", "[0, 1)"],
        ),
        (vec!["train", "--epochs", "0"], vec!["--epochs", "0"]),
        (vec!["train", "--lr", "0"], vec!["--lr", "positive"]),
        (
            vec!["train", "--optimizer", "adagrad"],
            vec!["adagrad", "adam", "adamw", "sgd", "rmsprop"],
        ),
        (vec!["train", "--device", "tpu"], vec!["tpu", "gpu", "cpu"]),
        (
            vec!["train", "--clipnorm", "0"],
            vec!["--clipnorm", "positive"],
        ),
        (
            vec!["train", "--clipnorm", "1", "--clipvalue", "1"],
            vec!["--clipnorm", "--clipvalue", "cannot be used with"],
        ),
        (
            vec!["train", "--nesterov"],
            vec!["--nesterov", "--optimizer sgd"],
        ),
        (
            vec!["train", "--weight-decay", "0.01"],
            vec!["--weight-decay", "--optimizer adamw"],
        ),
        (
            vec!["train", "--optimizer", "adamw", "--rho", "0.5"],
            vec!["--rho", "--optimizer rmsprop"],
        ),
        (
            vec!["train", "--optimizer", "adamw", "--momentum", "0.5"],
            vec!["--momentum", "sgd or rmsprop"],
        ),
        (
            vec!["train", "--optimizer", "adamw", "--weight-decay", "-1"],
            vec!["--weight-decay", "≥ 0"],
        ),
        (
            vec!["train", "--loss", "hinge"],
            vec![
                "hinge",
                "sparse_categorical_crossentropy",
                "binary_crossentropy",
                "mse",
            ],
        ),
        (
            vec![
                "train",
                "--resume",
                "x.safetensors",
                "--loss",
                "categorical_crossentropy",
            ],
            vec!["--resume", "--loss", "cannot be used with"],
        ),
        (
            vec!["train", "--lr-schedule", "cosine", "--device", "cpu"],
            vec!["cosine", "--decay-steps"],
        ),
        (
            vec!["train", "--decay-steps", "10"],
            vec!["--decay-steps", "--lr-schedule"],
        ),
        (
            vec![
                "train",
                "--lr-schedule",
                "exponential",
                "--decay-steps",
                "10",
                "--alpha",
                "0.5",
            ],
            vec!["exponential", "--alpha does not apply"],
        ),
        (
            vec![
                "train",
                "--lr-schedule",
                "piecewise",
                "--boundaries",
                "10,5",
                "--lr-values",
                "1e-3,1e-4,1e-5",
                "--device",
                "cpu",
            ],
            vec!["PiecewiseConstantDecay", "increase", "[10, 5]"],
        ),
        (
            vec![
                "train",
                "--lr-schedule",
                "cosine",
                "--reduce-lr-patience",
                "2",
            ],
            vec![
                "--lr-schedule",
                "--reduce-lr-patience",
                "cannot be used with",
            ],
        ),
        (
            vec!["train", "--resume", "x.safetensors", "--model", "cnn"],
            vec!["--resume", "--model", "cannot be used with"],
        ),
        (
            vec!["train", "--model", &bad_json, "--device", "cpu"],
            vec!["bad.json", "layer 1 (Dense)", "bias"],
        ),
        (
            vec!["eval", &missing, "--device", "cpu"],
            vec!["missing.safetensors"],
        ),
        (vec!["predict", &missing], vec!["IMAGES"]),
        (
            vec!["predict", &missing, "digit.png", "--top", "0"],
            vec!["--top", "0"],
        ),
    ];
    for (args, wants) in cases {
        let o = wgtrain(&args);
        let e = stderr(&o);
        assert!(!o.status.success(), "{args:?} succeeded: {}", stdout(&o));
        for w in wants {
            assert!(e.contains(w), "{args:?}: stderr lacks {w:?}:\n{e}");
        }
    }
    let o = wgtrain(&["--help"]);
    assert!(o.status.success());
    for sub in ["devices", "train", "eval", "predict", "bench"] {
        assert!(stdout(&o).contains(sub), "help lists {sub}");
    }
}

#[test]
fn drawn_digits_become_mnist_like_inputs() {
    // A "1" far off centre on a big light canvas ends up centred as MNIST's digits are, bright on dark, 20 px
    // tall, with values in [0, 1].
    let img = draw(300, 200, &[&[(0.80, 0.15), (0.78, 0.85)]], 14.0);
    let px = wgtrain::data::digit_from_gray(&img).unwrap();
    assert_eq!(px.len(), 784);
    assert!(px.iter().all(|v| (0.0..=1.0).contains(v)));
    let rows: Vec<usize> = (0..28)
        .filter(|&r| px[r * 28..r * 28 + 28].iter().any(|&v| v > 0.3))
        .collect();
    assert!(
        (18..=21).contains(&rows.len()),
        "ink spans {} rows",
        rows.len()
    );
    let (mut m, mut mx, mut my) = (0.0, 0.0, 0.0);
    for (i, v) in px.iter().enumerate() {
        m += v;
        mx += v * ((i % 28) as f32 + 0.5);
        my += v * ((i / 28) as f32 + 0.5);
    }
    let (cx, cy) = (mx / m, my / m);
    // Where MNIST's digits have it: 14.5 in pixel-centre coordinates, to the whole pixel.
    assert!(
        (cx - 14.5).abs() <= 0.501 && (cy - 14.5).abs() <= 0.501,
        "centre of mass ({cx}, {cy})"
    );
    assert_eq!(px[0], 0.0, "background is dark");
    // Light-on-dark input gives the same picture.
    let mut inverted = img.clone();
    for p in inverted.pixels_mut() {
        p.0[0] = 255 - p.0[0];
    }
    let px2 = wgtrain::data::digit_from_gray(&inverted).unwrap();
    let d = px
        .iter()
        .zip(&px2)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(d < 0.02, "inverted input differs by {d}");
    // A blank image is an error, not a guess.
    let e = wgtrain::data::digit_from_gray(&GrayImage::from_pixel(50, 50, Luma([200])));
    assert!(e.unwrap_err().contains("no digit"));
}

/// MNIST for the end-to-end test, or None (with a note) when WGTRAIN_SKIP_MNIST_TESTS=1.
fn mnist_dir() -> Option<PathBuf> {
    let dir = wgtrain::data::data_dir(None);
    match wgtrain::data::load_mnist(&dir) {
        Ok(_) => Some(dir),
        Err(e) if std::env::var("WGTRAIN_SKIP_MNIST_TESTS").is_ok_and(|v| v == "1") => {
            eprintln!("WGTRAIN_SKIP_MNIST_TESTS=1: skipping ({e})");
            None
        }
        Err(e) => panic!("{e}\n(set WGTRAIN_SKIP_MNIST_TESTS=1 to skip this test)"),
    }
}

fn png_size(p: &Path) -> (u32, u32) {
    let img = image::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    (img.width(), img.height())
}

#[test]
fn train_resume_eval_predict_end_to_end() {
    let Some(data) = mnist_dir() else { return };
    let data = data.display().to_string();
    let dir = TempDir::new("e2e");
    let out = dir.s("run");
    let common = ["--device", "cpu", "--data", &data, "--quiet", "--out", &out];

    // 1 epoch, then resume to 2: the seed MLP on all 60,000 images (CPU device).
    let mut args = vec!["train", "--model", "mlp", "--epochs", "1", "--seed", "7"];
    args.extend(common);
    let o = wgtrain(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let ckpt = dir.s("run/checkpoint.safetensors");
    let mut args = vec!["train", "--resume", &ckpt, "--epochs", "2", "--json"];
    args.extend(common);
    let o = wgtrain(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert_eq!(lines.len(), 2, "one epoch line and the final line");
    assert_eq!(lines[0]["epoch"], 2);
    let test_acc = lines[1]["test_accuracy"].as_f64().unwrap();
    assert!(test_acc > 0.95, "test accuracy {test_acc}");
    let history: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.path("run/history.json")).unwrap())
            .unwrap();
    assert_eq!(
        history.len(),
        2,
        "history keeps the epoch before the resume"
    );
    let csv = std::fs::read_to_string(dir.path("run/history.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3);
    assert_eq!(png_size(&dir.path("run/training.png")), (1200, 510));
    assert_eq!(png_size(&dir.path("run/confusion.png")).0, 90 + 560 + 30);
    png_size(&dir.path("run/most_wrong.png"));
    std::fs::remove_file(dir.path("run/confusion.png")).unwrap(); // eval writes it again

    // Resuming again without more epochs says how to go on.
    let mut args = vec!["train", "--resume", &ckpt, "--epochs", "2"];
    args.extend(common);
    let o = wgtrain(&args);
    assert!(
        !o.status.success() && stderr(&o).contains("--epochs 3"),
        "{}",
        stderr(&o)
    );

    // eval: JSON with the confusion matrix, and the pictures.
    let o = wgtrain(&[
        "eval", &ckpt, "--device", "cpu", "--data", &data, "--json", "--out", &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let m: Vec<Vec<u64>> = serde_json::from_value(e["confusion"].clone()).unwrap();
    assert_eq!(m.iter().flatten().sum::<u64>(), 10_000);
    let diag: u64 = (0..10).map(|i| m[i][i]).sum();
    assert!((diag as f64 / 1e4 - e["accuracy"].as_f64().unwrap()).abs() < 1e-6);
    assert!(
        (e["accuracy"].as_f64().unwrap() - test_acc).abs() < 1e-6,
        "eval agrees with train"
    );
    assert_eq!(png_size(&dir.path("run/confusion.png")).0, 90 + 560 + 30);
    png_size(&dir.path("run/most_wrong.png"));

    // predict: digits drawn here, large and off centre, dark on light.
    let one: &[(f32, f32)] = &[(0.55, 0.1), (0.5, 0.9)];
    let seven: &[(f32, f32)] = &[(0.2, 0.15), (0.8, 0.15), (0.45, 0.9)];
    let zero = ring(0.5, 0.5, 0.28, 0.4);
    let digits: [(usize, Strokes); 3] = [(1, vec![one]), (7, vec![seven]), (0, vec![&zero])];
    let mut paths = Vec::new();
    for (label, strokes) in &digits {
        let p = dir.path(&format!("drawn_{label}.png"));
        draw(160, 200, strokes, 16.0).save(&p).unwrap();
        paths.push(p.display().to_string());
    }
    let mut args = vec!["predict", &ckpt, "--device", "cpu", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let o = wgtrain(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    for ((label, _), line) in digits.iter().zip(stdout(&o).lines()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let top = &v["top"];
        assert_eq!(top.as_array().unwrap().len(), 3);
        assert_eq!(top[0]["class"], *label, "drawn {label}: {line}");
    }
    let o = wgtrain(&["predict", &ckpt, "--device", "cpu", &dir.s("nope.png")]);
    assert!(
        !o.status.success() && stderr(&o).contains("nope.png"),
        "{}",
        stderr(&o)
    );
}

/// `--lr-schedule`: each epoch's rate in history.json follows Keras's ExponentialDecay at
/// the steps done, and a resumed run goes on along the same schedule.
#[test]
fn train_with_a_learning_rate_schedule_logs_and_resumes_it() {
    let Some(data) = mnist_dir() else { return };
    let data = data.display().to_string();
    let dir = TempDir::new("schedule");
    let out = dir.s("run");
    // 320 images, 20 % held out: 256 in batches of 32, 8 steps per epoch.
    let common = [
        "--device", "cpu", "--data", &data, "--quiet", "--out", &out, "--limit", "320",
    ];
    let mut args = vec![
        "train",
        "--epochs",
        "2",
        "--lr",
        "0.002",
        "--lr-schedule",
        "exponential",
        "--decay-steps",
        "10",
        "--decay-rate",
        "0.5",
    ];
    args.extend(common);
    let o = wgtrain(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let ckpt = dir.s("run/checkpoint.safetensors");
    let mut args = vec!["train", "--resume", &ckpt, "--epochs", "3"];
    args.extend(common);
    let o = wgtrain(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let history: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.path("run/history.json")).unwrap())
            .unwrap();
    for (i, e) in history.iter().enumerate() {
        let want = 0.002 * 0.5f64.powf(8.0 * (i + 1) as f64 / 10.0);
        let got = e["learning_rate"].as_f64().unwrap();
        assert!(
            (got - want).abs() < 1e-9,
            "epoch {}: {got} vs {want}",
            i + 1
        );
    }
    // A scheduled rate cannot be replaced on resume.
    let mut args = vec!["train", "--resume", &ckpt, "--epochs", "4", "--lr", "0.1"];
    args.extend(common);
    let o = wgtrain(&args);
    assert!(!o.status.success() && stderr(&o).contains("ExponentialDecay"));
}

#[test]
fn limit_also_limits_the_test_set_unless_test_limit_says_otherwise() {
    let dir = TempDir::new("limit");
    let data = dir.path("data");
    common::fake_mnist(&data, 120, 90, (28, 28));
    let d = data.display().to_string();
    for (extra, want) in [
        (vec![], "(40 test images"),
        (vec!["--test-limit", "70"], "(70 test images"),
    ] {
        let out = dir.s(&format!("run{}", extra.len()));
        let mut args = vec![
            "train", "--limit", "40", "--epochs", "1", "--device", "cpu", "--quiet", "--data", &d,
            "--out", &out,
        ];
        args.extend(extra);
        let o = wgtrain(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains(want), "{want}: {}", stdout(&o));
    }
}
