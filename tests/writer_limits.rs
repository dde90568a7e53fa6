//! Every file wgtrain writes can be read back (issue 23, A and E): what the loader would
//! refuse (a class name over 200 characters, input notes over 16 MiB) is refused before
//! training starts and at every save, never written; a regression model goes through
//! `export`, `predict --weights` and `eval` as a regression; `export` writes its two files
//! all or nothing.

mod common;

use std::path::Path;
use std::process::Command;

use common::{stderr, stdout, train_images, train_table, wgtrain, TempDir};
use wgtrain::nn::{
    layers::Dense, Activation, Device, DeviceKind, Loss, Metric, Optimizer, Sequential,
    MAX_CLASS_NAME_CHARS, MAX_INPUT_NOTES_BYTES,
};

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    std::fs::write(dir.path(name), text).unwrap();
    dir.s(name)
}

/// A model file of 2 inputs and `outputs` outputs (softmax when more than one).
fn net(dir: &TempDir, outputs: usize) -> String {
    let act = if outputs > 1 { "softmax" } else { "linear" };
    write(
        dir,
        &format!("net{outputs}.json"),
        &format!(
            r#"{{"input_shape": [2], "layers": [{{"Dense": {{"units": 4, "activation": "relu"}}}}, {{"Dense": {{"units": {outputs}, "activation": "{act}"}}}}]}}"#
        ),
    )
}

/// A table of `rows` rows: two features and a target given by `target(i)`.
fn table(dir: &TempDir, name: &str, header: &str, target: impl Fn(usize) -> String) -> String {
    let mut t = format!("{header}\n");
    for i in 0..40 {
        t += &format!("{},{},{}\n", i % 7, (i * 3) % 5, target(i));
    }
    write(dir, name, &t)
}

fn train_csv(
    dir: &TempDir,
    csv: &str,
    target: &str,
    model: &str,
    out: &str,
    mse: bool,
) -> std::process::Output {
    let extra: &[&str] = if mse { &["--loss", "mse"] } else { &[] };
    train_table(csv, target, model, &dir.s(out), extra)
}

#[test]
fn a_class_name_the_loader_would_refuse_stops_the_run_before_training() {
    let dir = TempDir::new("long-class");
    let long = "b".repeat(MAX_CLASS_NAME_CHARS + 30);
    // From a CSV label.
    let csv = table(&dir, "long.csv", "x1,x2,label", |i| {
        if i % 2 == 0 {
            "a".into()
        } else {
            long.clone()
        }
    });
    let o = train_csv(&dir, &csv, "label", &net(&dir, 2), "run", false);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    // The CSV reader refuses it first, naming the line (the writer's check, below for an
    // image folder, would refuse it too).
    assert!(
        e.contains("line 3") && e.contains("230 characters") && e.contains("at most 200"),
        "{e}"
    );
    assert!(!dir.path("run").exists(), "the run left a folder");
    // From an image folder's sub-folder (a 230-character name is a valid file name).
    let data = dir.path("images");
    for class in ["a", long.as_str()] {
        std::fs::create_dir_all(data.join(class)).unwrap();
        for i in 0..3u8 {
            image::GrayImage::from_pixel(8, 8, image::Luma([i * 60]))
                .save(data.join(class).join(format!("{i}.png")))
                .unwrap();
        }
    }
    let model = write(
        &dir,
        "img.json",
        r#"{"input_shape": [8, 8, 1], "layers": ["Flatten", {"Dense": {"units": 2, "activation": "softmax"}}]}"#,
    );
    let o = train_images(&dir.s("images"), &model, &dir.s("run2"), &[]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("training does not start") && e.contains("1 to 200"),
        "{e}"
    );
    assert!(!dir.path("run2/checkpoint.safetensors").exists());
}

#[test]
fn input_notes_over_the_loader_limit_stop_the_run_before_training() {
    let dir = TempDir::new("huge-notes");
    // Two feature columns whose names make the notes larger than a checkpoint keeps.
    let name = |c: char| c.to_string().repeat(MAX_INPUT_NOTES_BYTES / 2 + 1000);
    let header = format!("{},{},y", name('p'), name('q'));
    let csv = table(&dir, "wide.csv", &header, |i| (i % 3).to_string());
    let o = train_csv(&dir, &csv, "y", &net(&dir, 1), "run", true);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{}", &e[..e.len().min(2000)]);
    assert!(
        e.contains("training does not start")
            && e.contains(&format!("more than the {MAX_INPUT_NOTES_BYTES}")),
        "{}",
        &e[..e.len().min(2000)]
    );
    // The message does not echo the 16 MiB of column names.
    assert!(e.len() < 5000, "stderr is {} bytes", e.len());
    assert!(!dir.path("run").exists());
}

/// Class names, input notes, and what the refusal says.
type Case = (Option<Vec<String>>, Option<String>, &'static str);

#[test]
fn save_and_save_weights_refuse_what_load_would_refuse() {
    let dir = TempDir::new("save-limits");
    let mut m = Sequential::new(Device::new(DeviceKind::Cpu).unwrap(), &[2]);
    m.add(Dense::new(2, Activation::Softmax)).unwrap();
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    let cases: [Case; 3] = [
        (Some(vec!["ok".into(), "x".repeat(201)]), None, "1 to 200"),
        (
            Some(vec!["one".into()]),
            None,
            "names 1 classes but the model outputs [2]",
        ),
        (
            None,
            Some(format!("[\"{}\"]", "n".repeat(MAX_INPUT_NOTES_BYTES))),
            "more than the",
        ),
    ];
    for (names, notes, want) in cases {
        m.set_class_names(names);
        m.set_input_notes(notes);
        for (what, path) in [
            ("save", dir.path("c.safetensors")),
            ("save_weights", dir.path("w.safetensors")),
        ] {
            let e = match what {
                "save" => m.save(&path),
                _ => m.save_weights(&path),
            }
            .unwrap_err()
            .to_string();
            assert!(
                e.contains(want) && e.contains("nothing was written"),
                "{what}: {e}"
            );
            assert!(!path.exists(), "{what} wrote {}", path.display());
        }
        assert!(m.check_saveable(1).is_err());
    }
    // What the loader reads is written.
    m.set_class_names(Some(vec!["x".repeat(200), "y".into()]));
    m.set_input_notes(None);
    m.check_saveable(1).unwrap();
    m.save(dir.path("c.safetensors")).unwrap();
    let back = Sequential::load(
        dir.path("c.safetensors"),
        Device::new(DeviceKind::Cpu).unwrap(),
    )
    .unwrap();
    assert_eq!(back.class_names().unwrap()[0].len(), 200);
}

#[test]
fn a_regression_goes_through_export_predict_and_eval_as_a_regression() {
    let dir = TempDir::new("reg-export");
    let csv = table(&dir, "reg.csv", "x1,x2,y", |i| format!("{}.5", i % 4));
    let o = train_csv(&dir, &csv, "y", &net(&dir, 1), "run", true);
    assert!(o.status.success(), "{}", stderr(&o));
    let ckpt = dir.s("run/checkpoint.safetensors");
    let o = wgtrain(&["export", &ckpt, "--out", &dir.s("exp")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = write(&dir, "rows.csv", "x2,x1\n0,0\n4,6\n");
    let values = |args: &[&str]| -> Vec<f64> {
        let o = wgtrain(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["y"]
                    .as_f64()
                    .unwrap()
            })
            .collect()
    };
    let from_checkpoint = values(&[
        "predict", &ckpt, "--csv", &rows, "--device", "cpu", "--json",
    ]);
    let weights = dir.s("exp/model.safetensors");
    let from_weights = values(&[
        "predict",
        "--weights",
        &weights,
        "--csv",
        &rows,
        "--device",
        "cpu",
        "--json",
    ]);
    assert_eq!(from_checkpoint.len(), 2);
    assert_eq!(from_checkpoint, from_weights);
    // eval measures models on images: it says what to do with a regression instead.
    for args in [
        vec!["eval", ckpt.as_str()],
        vec!["eval", "--weights", weights.as_str()],
    ] {
        let mut a = args.clone();
        a.extend(["--device", "cpu"]);
        let o = wgtrain(&a);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert!(
            e.contains("predicts the number `y` (a regression)") && e.contains("--csv ROWS.csv"),
            "{args:?}: {e}"
        );
    }
}

/// A file limit of `kib` KiB: bash runs `wgtrain args…` with SIGXFSZ ignored, so a write
/// past the limit fails with EFBIG part-way, as on a full disk.
fn wgtrain_with_file_limit(kib: u32, args: &[&str]) -> std::process::Output {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let cmd = format!(
        "trap '' XFSZ; ulimit -f {kib}; exec '{}' {}",
        env!("CARGO_BIN_EXE_wgtrain"),
        quoted.join(" ")
    );
    Command::new("bash").args(["-c", &cmd]).output().unwrap()
}

#[test]
fn export_on_a_full_disk_replaces_neither_file() {
    let dir = TempDir::new("export-full");
    // Many layers, few weights: model.json (~15 KiB) is larger than the weights (~4 KiB).
    let mut layers: Vec<String> = (0..70)
        .map(|_| r#"{"Activation": {"activation": "relu"}}"#.into())
        .collect();
    layers.push(r#"{"Dense": {"units": 1}}"#.into());
    let model = write(
        &dir,
        "deep.json",
        &format!(
            r#"{{"input_shape": [2], "layers": [{}]}}"#,
            layers.join(",")
        ),
    );
    let csv = table(&dir, "reg.csv", "x1,x2,y", |i| (i % 4).to_string());
    let o = train_csv(&dir, &csv, "y", &model, "run", true);
    assert!(o.status.success(), "{}", stderr(&o));
    let ckpt = dir.s("run/checkpoint.safetensors");
    let o = wgtrain(&["export", &ckpt, "--out", &dir.s("exp")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json_len = std::fs::metadata(dir.path("exp/model.json")).unwrap().len();
    let weights_len = std::fs::metadata(dir.path("exp/model.safetensors"))
        .unwrap()
        .len();
    assert!(
        weights_len < 8 * 1024 && json_len > 8 * 1024,
        "{weights_len} {json_len}"
    );
    let before = |f: &str| std::fs::read(dir.path("exp").join(f)).unwrap();
    let (json, weights) = (before("model.json"), before("model.safetensors"));
    // Train on, so the next export's weights differ.
    let o = wgtrain(&[
        "train", "--resume", &ckpt, "--csv", &csv, "--target", "y", "--epochs", "2", "--device",
        "cpu", "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for out in ["exp", "fresh"] {
        let o = wgtrain_with_file_limit(8, &["export", &ckpt, "--out", &dir.s(out), "--overwrite"]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert!(e.contains("was not written"), "{e}");
    }
    assert_eq!(before("model.json"), json, "model.json changed");
    assert_eq!(
        before("model.safetensors"),
        weights,
        "model.safetensors was replaced alone"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path("exp"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "temporary files left: {names:?}");
    assert!(
        !dir.path("fresh").exists(),
        "a failed export left its new folder"
    );
    // Without the limit, both are replaced.
    let o = wgtrain(&["export", &ckpt, "--out", &dir.s("exp"), "--overwrite"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(before("model.safetensors"), weights);
    assert!(Path::new(&dir.s("exp/model.json")).exists());
}
