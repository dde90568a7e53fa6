//! Weights without a checkpoint: `save_weights` / `load_weights` round trips (moving
//! statistics included), files for another model or damaged files are refused naming the
//! tensor and change nothing, and the CLI's doors — `wgtrain export`, and `--weights` for
//! train, eval and predict — give the checkpoint's own results.

mod common;

use common::{fake_mnist, one_hot, randn, stderr, stdout, wgtrain, TempDir};
use wgtrain::nn::{
    layers::{BatchNormalization, Conv2D, Dense, Flatten, MaxPooling2D},
    Activation, Array, Device, FitOptions, Loss, Metric, ModelSpec, Optimizer, Sequential, Verbose,
};

fn model(units: usize, seed: u64) -> Sequential {
    let mut m = Sequential::new(Device::Cpu, &[6, 6, 1]).with_seed(seed);
    m.add(Conv2D::new(3, (3, 3), Activation::Relu)).unwrap();
    m.add(BatchNormalization::new()).unwrap();
    m.add(MaxPooling2D::new((2, 2))).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(units, Activation::Softmax)).unwrap();
    m.compile(
        Optimizer::adam_lr(0.05),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    m
}

fn data() -> (Array, Array) {
    let x = Array::new(&[24, 6, 6, 1], randn(3, 24 * 36, 3.0)).unwrap();
    let y = Array::new(&[24, 4], one_hot(4, 24, 4)).unwrap();
    (x, y)
}

fn trained() -> Sequential {
    let (x, y) = data();
    let mut m = model(4, 1);
    let opts = FitOptions {
        epochs: 2,
        batch_size: 6,
        verbose: Verbose::Silent,
        ..Default::default()
    };
    m.fit(&x, &y, &opts).unwrap();
    m
}

#[test]
fn saved_weights_load_into_a_fresh_model_exactly() {
    let dir = TempDir::new("weights-roundtrip");
    let (x, _) = data();
    let m = trained();
    m.save_weights(dir.path("w.safetensors")).unwrap();
    let mut fresh = model(4, 99);
    assert_ne!(fresh.predict(&x).unwrap().data, m.predict(&x).unwrap().data);
    fresh.load_weights(dir.path("w.safetensors")).unwrap();
    // Inference uses the moving statistics, so equal predictions mean they came too.
    assert_eq!(fresh.predict(&x).unwrap().data, m.predict(&x).unwrap().data);
    assert_eq!(
        ModelSpec::from_weights_file(dir.path("w.safetensors")).unwrap(),
        Some(m.spec())
    );
    // A full checkpoint's weights load the same way.
    m.save(dir.path("c.safetensors")).unwrap();
    let mut from_ckpt = model(4, 98);
    from_ckpt.load_weights(dir.path("c.safetensors")).unwrap();
    assert_eq!(
        from_ckpt.predict(&x).unwrap().data,
        m.predict(&x).unwrap().data
    );
}

#[test]
fn weights_of_another_model_or_damaged_change_nothing() {
    let dir = TempDir::new("weights-bad");
    let (x, _) = data();
    trained()
        .save_weights(dir.path("four.safetensors"))
        .unwrap();
    let mut five = model(5, 2);
    let before = five.predict(&x).unwrap().data;
    let e = five
        .load_weights(dir.path("four.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tensor `layers.4.kernel` is F32 [12, 4]; the model needs F32 [12, 5]"),
        "{e}"
    );
    // A model with fewer layers: the file has weights it has no place for.
    let mut short = Sequential::new(Device::Cpu, &[6, 6, 1]).with_seed(1);
    short.add(Conv2D::new(3, (3, 3), Activation::Relu)).unwrap();
    short
        .compile(Optimizer::adam(), Loss::MeanSquaredError, &[])
        .unwrap();
    let e = short
        .load_weights(dir.path("four.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tensor `layers.1.beta` is not a weight of this model"),
        "{e}"
    );
    // A model with more layers: a tensor is missing, and the message lists the weights.
    let mut deeper = Sequential::new(Device::Cpu, &[6, 6, 1]).with_seed(1);
    deeper
        .add(Conv2D::new(3, (3, 3), Activation::Relu))
        .unwrap();
    deeper.add(BatchNormalization::new()).unwrap();
    deeper.add(MaxPooling2D::new((2, 2))).unwrap();
    deeper.add(Flatten::new()).unwrap();
    deeper.add(Dense::new(4, Activation::Relu)).unwrap();
    deeper.add(Dense::new(2, Activation::Softmax)).unwrap();
    deeper
        .compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    let e = deeper
        .load_weights(dir.path("four.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tensor `layers.5.kernel` (shape [4, 2]) is missing"),
        "{e}"
    );
    assert!(e.contains("layers.0.kernel [3, 3, 1, 3]"), "{e}");

    // Not safetensors: the message says how a Keras file converts.
    std::fs::write(dir.path("model.keras"), b"PK\x03\x04 a zip").unwrap();
    let e = five
        .load_weights(dir.path("model.keras"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("scripts/keras_weights.py from-keras"), "{e}");
    assert_eq!(
        five.predict(&x).unwrap().data,
        before,
        "nothing was changed"
    );

    // A weights file is not a checkpoint; the error says what to do instead.
    let e = Sequential::load(dir.path("four.safetensors"), Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("a weights file") && e.contains("load_weights") && !e.contains("--weights"),
        "{e}"
    );
}

#[test]
fn export_and_weights_flags_give_the_checkpoints_results() {
    let dir = TempDir::new("weights-cli");
    let data = dir.path("data");
    fake_mnist(&data, 320, 64, (28, 28));
    let d = data.display().to_string();
    let common = ["--device", "cpu", "--data", &d];
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&common);
        let o = wgtrain(&all);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    let train = |args: &[&str]| run(args);
    train(&[
        "train",
        "--model",
        "cnn",
        "--epochs",
        "1",
        "--quiet",
        "--out",
        &dir.s("run"),
    ]);
    let ckpt = dir.s("run/checkpoint.safetensors");
    let o = wgtrain(&["export", &ckpt, "--out", &dir.s("export")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("scripts/keras_weights.py to-keras"));
    let keras_json = std::fs::read_to_string(dir.path("export/model.json")).unwrap();
    assert!(keras_json.contains("\"class_name\":\"Sequential\""));
    // A second export to the same folder keeps the first.
    let o = wgtrain(&["export", &ckpt, "--out", &dir.s("export")]);
    assert!(
        !o.status.success() && stderr(&o).contains("--overwrite"),
        "{}",
        stderr(&o)
    );
    let w = dir.s("export/model.safetensors");

    // eval: the same figures from the checkpoint and from the weights alone (the model
    // read from the weights file, or given with --model).
    let from_ckpt = run(&["eval", &ckpt, "--json"]);
    let from_weights = run(&["eval", "--weights", &w, "--json"]);
    let with_model = run(&["eval", "--weights", &w, "--model", "cnn", "--json"]);
    let key = |s: &str| {
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        (
            v["loss"].to_string(),
            v["accuracy"].to_string(),
            v["confusion"].to_string(),
        )
    };
    assert_eq!(key(&from_ckpt), key(&from_weights));
    assert_eq!(key(&from_ckpt), key(&with_model));

    // predict: the same classes and probabilities.
    let img = dir.path("digit.png");
    common::draw(40, 40, &[&[(0.5, 0.2), (0.5, 0.8)]], 6.0)
        .save(&img)
        .unwrap();
    let img = img.display().to_string();
    let predict = |args: &[&str]| {
        let o = wgtrain(&[args, &["--device", "cpu", "--json"]].concat());
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(
        predict(&["predict", &ckpt, &img]),
        predict(&["predict", "--weights", &w, &img])
    );

    // train --weights: a new run starting from them (a learning rate too small to move
    // any weight shows it starts exactly there).
    train(&[
        "train",
        "--weights",
        &w,
        "--epochs",
        "1",
        "--lr",
        "1e-30",
        "--quiet",
        "--out",
        &dir.s("tuned"),
    ]);
    let tuned = run(&["eval", &dir.s("tuned/checkpoint.safetensors"), "--json"]);
    assert_eq!(key(&tuned), key(&from_ckpt));

    // Errors: --weights with --resume, --model without --weights, a weights file without a
    // model description and no --model, predict without images.
    let cases: [(&[&str], &str); 5] = [
        (
            &["train", "--model", "my.keras"],
            "scripts/keras_weights.py from-keras",
        ),
        (&["train", "--weights", &w, "--resume", &ckpt], "--resume"),
        (&["eval", "--model", "cnn"], "--weights"),
        (
            &["predict", &ckpt],
            "no images; usage: wgtrain predict CHECKPOINT IMAGES",
        ),
        (
            &["eval", "--weights", &ckpt, "--model", "mlp"],
            "written for a different model",
        ),
    ];
    for (args, want) in cases {
        let o = wgtrain(args);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
}

/// The model of `model()`, not compiled.
fn uncompiled(seed: u64) -> Sequential {
    let mut m = Sequential::new(Device::Cpu, &[6, 6, 1]).with_seed(seed);
    m.add(Conv2D::new(3, (3, 3), Activation::Relu)).unwrap();
    m.add(BatchNormalization::new()).unwrap();
    m.add(MaxPooling2D::new((2, 2))).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(4, Activation::Softmax)).unwrap();
    m
}

#[test]
fn weights_exist_before_compile_as_in_keras() {
    let dir = TempDir::new("weights-before-compile");
    // Without weights — no layers, or a seed given after the layers (which re-draws them
    // at the next build) — save_weights says so and writes nothing (it used to write an
    // empty file and report success).
    let early = dir.path("early.safetensors");
    let e = Sequential::new(Device::Cpu, &[6, 6, 1])
        .save_weights(&early)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no layers") && e.contains("nothing was written"),
        "{e}"
    );
    let m = uncompiled(2).with_seed(1);
    assert!(!m.is_built());
    assert!(m.summary().contains("Total params"), "{}", m.summary());
    let e = m.save_weights(&early).unwrap_err().to_string();
    assert!(
        e.contains("build()") && e.contains("nothing was written"),
        "{e}"
    );
    assert!(
        !early.exists(),
        "a file was written for a model without weights"
    );
    // Built (as its layers are added; `build` is then a no-op): the same initial weights
    // compile would give, saved before compile.
    let mut built = uncompiled(1);
    built.build().unwrap();
    built.save_weights(&early).unwrap();
    let compiled = model(4, 1);
    for (a, b) in built
        .get_weights()
        .unwrap()
        .iter()
        .zip(compiled.get_weights().unwrap())
    {
        assert_eq!((&a.name, &a.array.data), (&b.name, &b.array.data));
    }
    // Loaded before compile, then compiled (with an optimizer chosen after): the loaded
    // weights stay, and compiling again keeps them too.
    let t = trained();
    let file = dir.path("trained.safetensors");
    t.save_weights(&file).unwrap();
    let mut m = uncompiled(7);
    m.load_weights(&file).unwrap();
    m.compile(Optimizer::sgd(0.1, 0.0), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    let want = t.get_weights().unwrap();
    let same = |m: &Sequential| {
        m.get_weights()
            .unwrap()
            .iter()
            .zip(&want)
            .all(|(a, b)| a.name == b.name && a.array.data == b.array.data)
    };
    assert!(same(&m), "compile replaced the loaded weights");
    m.compile(
        Optimizer::adam_lr(0.01),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    assert!(same(&m), "a second compile replaced the weights");
    // And the built model takes no more layers.
    let e = m
        .add(Dense::new(2, Activation::Softmax))
        .unwrap_err()
        .to_string();
    assert!(e.contains("already built"), "{e}");
}

#[test]
fn a_model_can_move_to_another_thread() {
    // Sequential is Send (every Layer is): train here, predict on a worker thread.
    let m = trained();
    let (x, _) = data();
    let here = {
        let m = trained();
        m.predict(&x).unwrap()
    };
    let there = std::thread::spawn(move || m.predict(&x).unwrap())
        .join()
        .unwrap();
    assert_eq!(here.data, there.data);
}
