//! Keras's weight regularizers (`kernel_regularizer` / `bias_regularizer`: L1, L2,
//! L1L2) through the public API: the penalty l1·Σ|w| + l2·Σw² joins the loss a step
//! reports, `evaluate` and `fit`'s validation loss (Keras adds `sum(model.losses)`), and
//! its gradient l1·sign(w) + 2·l2·w joins the step's gradient before clipping. Checked
//! against the same model without regularizers (the same weights) and an f64 penalty
//! computed here from the weights, on the CPU device and the GPU; descriptions, Keras
//! JSON and checkpoints keep them; bad factors and unknown classes are refused.

mod common;

use serde_json::{json, Value};
use wgtrain::nn::layers::{Conv2D, Dense, Flatten};
use wgtrain::nn::{
    Activation, Array, Device, FitOptions, LayerSpec, Loss, ModelSpec, NamedArray, Optimizer,
    Regularizer, Sequential, Verbose,
};

/// Conv2D(kernel L1L2(0.01, 0.02), bias L1(0.5) on zero biases: sign(0) = 0) → Flatten →
/// Dense(softmax, kernel L2(0.03), bias L1L2(0.02, 0.04) on random biases), or the same
/// model without regularizers.
fn spec(regularized: bool) -> ModelSpec {
    let r = |v: Value| if regularized { v } else { Value::Null };
    let v = json!({"input_shape": [6, 5, 2], "layers": [
        {"Conv2D": {"filters": 3, "kernel_size": [3, 2], "activation": "tanh",
                    "kernel_regularizer": r(json!({"l1_l2": {"l1": 0.01, "l2": 0.02}})),
                    "bias_regularizer": r(json!({"l1": 0.5}))}},
        {"Flatten": {}},
        {"Dense": {"units": 4, "activation": "softmax",
                   "bias_initializer": {"random_normal": {"stddev": 0.5}},
                   "kernel_regularizer": r(json!({"l2": 0.03})),
                   "bias_regularizer": r(json!({"l1_l2": {"l1": 0.02, "l2": 0.04}}))}}]});
    let mut text = v.to_string();
    if !regularized {
        text = text
            .replace(",\"kernel_regularizer\":null", "")
            .replace(",\"bias_regularizer\":null", "")
            .replace("\"kernel_regularizer\":null,", "")
            .replace("\"bias_regularizer\":null,", "");
    }
    ModelSpec::from_json(&text, "test").unwrap()
}

/// (l1, l2) of each weight of `spec(true)`, by name.
fn factors(name: &str) -> (f64, f64) {
    match name {
        "layers.0.kernel" => (0.01, 0.02),
        "layers.0.bias" => (0.5, 0.0),
        "layers.2.kernel" => (0.0, 0.03),
        "layers.2.bias" => (0.02, 0.04),
        other => panic!("no weight {other}"),
    }
}

/// l1·Σ|w| + l2·Σw² over every weight, in f64.
fn penalty(w: &[NamedArray]) -> f64 {
    w.iter()
        .map(|t| {
            let (l1, l2) = factors(&t.name);
            t.array
                .data
                .iter()
                .map(|&v| l1 * (v as f64).abs() + l2 * (v as f64) * (v as f64))
                .sum::<f64>()
        })
        .sum()
}

/// l1·sign(w) + 2·l2·w for one weight tensor.
fn penalty_grad(t: &NamedArray) -> Vec<f32> {
    let (l1, l2) = factors(&t.name);
    t.array
        .data
        .iter()
        .map(|&v| {
            let v = v as f64;
            let sign = if v == 0.0 { 0.0 } else { v.signum() };
            (l1 * sign + 2.0 * l2 * v) as f32
        })
        .collect()
}

fn data(rows: usize) -> (Array, Array) {
    let x = Array::new(&[rows, 6, 5, 2], common::randn(3, rows * 60, 3.0)).unwrap();
    let y = Array::new(&[rows, 4], common::one_hot(4, rows, 4)).unwrap();
    (x, y)
}

fn devices() -> Vec<Device> {
    let mut d = vec![Device::Cpu];
    d.extend(common::gpu_device());
    d
}

fn close(what: &str, got: f32, want: f64) {
    let tol = 1e-6 + 2e-6 * want.abs();
    assert!(
        (got as f64 - want).abs() <= tol,
        "{what}: {got} vs {want} (|Δ| {:e})",
        (got as f64 - want).abs()
    );
}

/// The regularized model's step, loss and evaluation against the plain model with the
/// same weights plus the penalty (and its gradient), computed here in f64.
#[test]
fn the_penalty_joins_the_loss_and_its_gradient_the_step() {
    let (x, y) = data(7);
    let lr = 0.1f32;
    for dev in devices() {
        let build = |regularized: bool| {
            let mut m = Sequential::from_spec(&spec(regularized), dev.clone(), 3).unwrap();
            m.compile(Optimizer::sgd(lr, 0.0), Loss::CategoricalCrossentropy, &[])
                .unwrap();
            m
        };
        let (mut reg, mut plain) = (build(true), build(false));
        let w0 = reg.get_weights().unwrap();
        assert_eq!(w0, plain.get_weights().unwrap(), "same seed, same weights");
        let pen = penalty(&w0);
        assert!(pen > 0.1, "the penalty matters here: {pen}");
        close(
            "regularization_loss",
            reg.regularization_loss().unwrap(),
            pen,
        );
        assert_eq!(plain.regularization_loss().unwrap(), 0.0);

        let (er, ep) = (
            reg.evaluate(&x, &y).unwrap().loss,
            plain.evaluate(&x, &y).unwrap().loss,
        );
        close("evaluate", er, ep as f64 + pen);
        let (lr_, lp) = (
            reg.train_on_batch(&x, &y).unwrap(),
            plain.train_on_batch(&x, &y).unwrap(),
        );
        close("train_on_batch loss", lr_, lp as f64 + pen);
        // w1 = w0 − lr·(g + l1·sign(w0) + 2·l2·w0), with g the plain model's gradient.
        let (w1, p1) = (reg.get_weights().unwrap(), plain.get_weights().unwrap());
        for ((a, p), t0) in w1.iter().zip(&p1).zip(&w0) {
            let want: Vec<f32> = p
                .array
                .data
                .iter()
                .zip(penalty_grad(t0))
                .map(|(p, g)| p - lr * g)
                .collect();
            common::assert_close(&a.name, &a.array.data, &want, 1e-6, 1e-5);
        }
        // The zero conv biases under L1 do not move (sign(0) = 0, and their data
        // gradient is the plain model's).
        assert_eq!(w1[1].array.data, p1[1].array.data);
    }
}

/// Keras clips the gradient of the whole loss, penalty included: clipnorm applies to
/// g + l1·sign(w) + 2·l2·w.
#[test]
fn the_penalty_gradient_is_clipped_with_the_rest() {
    let (x, y) = data(5);
    let (lr, c) = (0.1f32, 0.05f32);
    for dev in devices() {
        let mut plain = Sequential::from_spec(&spec(false), dev.clone(), 8).unwrap();
        plain
            .compile(Optimizer::sgd(lr, 0.0), Loss::CategoricalCrossentropy, &[])
            .unwrap();
        let mut reg = Sequential::from_spec(&spec(true), dev.clone(), 8).unwrap();
        reg.compile(
            Optimizer::sgd(lr, 0.0).clipnorm(c),
            Loss::CategoricalCrossentropy,
            &[],
        )
        .unwrap();
        let w0 = reg.get_weights().unwrap();
        plain.train_on_batch(&x, &y).unwrap();
        reg.train_on_batch(&x, &y).unwrap();
        let (w1, p1) = (reg.get_weights().unwrap(), plain.get_weights().unwrap());
        let mut clipped = 0;
        for ((a, p), t0) in w1.iter().zip(&p1).zip(&w0) {
            // The whole gradient, then clipped by its norm as Keras's clipnorm.
            let g: Vec<f64> = t0
                .array
                .data
                .iter()
                .zip(&p.array.data)
                .zip(penalty_grad(t0))
                .map(|((w, p), r)| ((w - p) / lr + r) as f64)
                .collect();
            let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
            let scale = c as f64 / norm.max(c as f64);
            clipped += (scale < 0.9) as usize;
            let want: Vec<f32> = t0
                .array
                .data
                .iter()
                .zip(&g)
                .map(|(w, g)| (*w as f64 - lr as f64 * g * scale) as f32)
                .collect();
            common::assert_close(&a.name, &a.array.data, &want, 1e-6, 1e-5);
        }
        assert!(clipped >= 2, "the clip matters on {clipped} tensors only");
    }
}

/// The GPU device trains a regularized model as the CPU device does (Adam, three steps,
/// then `fit` with validation: the epoch's loss and val_loss include the penalty).
#[test]
fn regularized_models_train_alike_on_gpu_and_cpu() {
    let Some(gpu) = common::gpu_device() else {
        return;
    };
    let (x, y) = data(9);
    let (atol, rtol) = (1e-5f32, 1e-3f32);
    let mut models = [gpu, Device::Cpu].map(|d| {
        let mut m = Sequential::from_spec(&spec(true), d, 11).unwrap();
        m.compile(Optimizer::adam_lr(0.01), Loss::CategoricalCrossentropy, &[])
            .unwrap();
        m
    });
    for step in 0..3 {
        let [g, c] = &mut models;
        let (lg, lc) = (
            g.train_on_batch(&x, &y).unwrap(),
            c.train_on_batch(&x, &y).unwrap(),
        );
        assert!(
            (lg - lc).abs() <= atol + rtol * lc.abs(),
            "step {step}: loss gpu {lg} cpu {lc}"
        );
    }
    let opts = FitOptions {
        epochs: 2,
        batch_size: 4,
        validation_split: 0.34,
        shuffle: false,
        verbose: Verbose::Silent,
        ..FitOptions::default()
    };
    let [g, c] = &mut models;
    let (hg, hc) = (g.fit(&x, &y, &opts).unwrap(), c.fit(&x, &y, &opts).unwrap());
    for (a, b) in hg.epochs.iter().zip(&hc.epochs) {
        assert!((a.loss - b.loss).abs() <= atol + rtol * b.loss.abs());
        let (va, vb) = (a.val_loss.unwrap(), b.val_loss.unwrap());
        assert!((va - vb).abs() <= atol + rtol * vb.abs(), "{va} vs {vb}");
    }
    // The validation loss is the evaluation of the held-out rows, penalty included.
    let rows = opts.training_rows(9).unwrap();
    let held = |a: &Array| {
        let per = a.data.len() / a.rows();
        let mut shape = a.shape.clone();
        shape[0] = a.rows() - rows;
        Array::new(&shape, a.data[rows * per..].to_vec()).unwrap()
    };
    let ev = c.evaluate(&held(&x), &held(&y)).unwrap().loss;
    close(
        "val_loss",
        hc.epochs.last().unwrap().val_loss.unwrap(),
        ev as f64,
    );
    assert!(c.regularization_loss().unwrap() > 0.0);
    for (a, b) in g
        .get_weights()
        .unwrap()
        .iter()
        .zip(&c.get_weights().unwrap())
    {
        common::assert_close(&a.name, &a.array.data, &b.array.data, atol, rtol);
    }
}

#[test]
fn regularizers_are_kept_by_descriptions_keras_json_and_checkpoints() {
    let s = spec(true);
    // Built in Rust, the same description.
    let mut m = Sequential::new(Device::Cpu, &[6, 5, 2]);
    m.add(
        Conv2D::new(3, (3, 2), Activation::Tanh)
            .kernel_regularizer(Regularizer::l1_l2(0.01, 0.02))
            .bias_regularizer(Regularizer::l1(0.5)),
    )
    .unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(
        Dense::new(4, Activation::Softmax)
            .bias_initializer(wgtrain::nn::Initializer::RandomNormal {
                mean: 0.0,
                stddev: 0.5,
            })
            .kernel_regularizer(Regularizer::l2(0.03))
            .bias_regularizer(Regularizer::l1_l2(0.02, 0.04)),
    )
    .unwrap();
    assert_eq!(m.spec(), s);
    // The description, written and read back (shortest numbers).
    let text = s.to_json();
    assert!(
        text.contains(r#""kernel_regularizer":{"l2":0.03}"#),
        "{text}"
    );
    assert_eq!(ModelSpec::from_json(&text, "again").unwrap(), s);
    // Keras JSON: Keras 3's object form, shortest floats, read back the same.
    let k = s.to_keras_json();
    assert!(!k.contains("0.0299999") && !k.contains("0.0199999"), "{k}");
    let v: Value = serde_json::from_str(&k).unwrap();
    let dense = &v["config"]["layers"][3]["config"];
    assert_eq!(
        dense["kernel_regularizer"],
        json!({"module": "keras.regularizers", "class_name": "L2",
               "config": {"l2": 0.03}, "registered_name": null})
    );
    assert_eq!(
        dense["bias_regularizer"]["config"],
        json!({"l1": 0.02, "l2": 0.04})
    );
    assert_eq!(
        v["config"]["layers"][2]["config"]["kernel_regularizer"],
        Value::Null
    );
    assert_eq!(ModelSpec::from_json(&k, "keras").unwrap(), s);
    // A checkpoint keeps them: the loaded model's penalty is the saved one's.
    let dir = common::TempDir::new("regularizers");
    let mut m = Sequential::from_spec(&s, Device::Cpu, 2).unwrap();
    m.compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    m.save(dir.path("c.safetensors")).unwrap();
    let back = Sequential::load(dir.path("c.safetensors"), Device::Cpu).unwrap();
    assert_eq!(back.spec(), s);
    assert_eq!(
        back.regularization_loss().unwrap(),
        m.regularization_loss().unwrap()
    );
}

/// A Keras model JSON with one Dense layer named "my_dense" and these arguments.
fn keras_dense(args: Value) -> String {
    let mut cfg = json!({"name": "my_dense", "units": 2});
    for (k, v) in args.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    json!({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "input_layer"}},
        {"class_name": "Dense", "module": "keras.layers", "config": cfg}]}})
    .to_string()
}

fn kernel_regularizer_of(keras: Value) -> Option<Regularizer> {
    let s =
        ModelSpec::from_json(&keras_dense(json!({"kernel_regularizer": keras})), "k.json").unwrap();
    match s.layers[0] {
        LayerSpec::Dense {
            kernel_regularizer, ..
        } => kernel_regularizer,
        _ => unreachable!(),
    }
}

#[test]
fn keras_forms_of_regularizers_are_read() {
    let obj = |class: &str, config: Value| {
        json!({"module": "keras.regularizers", "class_name": class, "config": config,
               "registered_name": null})
    };
    // By name, with Keras's defaults (L1L2's are 0 and 0).
    assert_eq!(
        kernel_regularizer_of(json!("l2")),
        Some(Regularizer::l2(0.01))
    );
    assert_eq!(
        kernel_regularizer_of(json!("L1")),
        Some(Regularizer::l1(0.01))
    );
    assert_eq!(
        kernel_regularizer_of(json!("l1l2")),
        Some(Regularizer::l1_l2(0.0, 0.0))
    );
    // Keras 3's objects; L1 writes its factor as a float32 widened to f64.
    assert_eq!(
        kernel_regularizer_of(obj("L1", json!({"l1": 0.009999999776482582}))),
        Some(Regularizer::l1(0.01))
    );
    assert_eq!(
        kernel_regularizer_of(obj("L1L2", json!({"l1": 0.1, "l2": null}))),
        Some(Regularizer::l1_l2(0.1, 0.0))
    );
    assert_eq!(kernel_regularizer_of(Value::Null), None);
}

#[test]
fn bad_regularizers_are_refused_naming_the_layer_and_argument() {
    // Rust: at `add`, naming the layer and argument.
    let mut m = Sequential::new(Device::Cpu, &[3]);
    let e = m
        .add(Dense::new(2, Activation::Linear).kernel_regularizer(Regularizer::l2(-1.0)))
        .unwrap_err()
        .to_string();
    for part in ["Dense(2)", "kernel_regularizer", "l2", "-1", "≥ 0"] {
        assert!(e.contains(part), "{part:?} not in: {e}");
    }
    let mut m = Sequential::new(Device::Cpu, &[4, 4, 1]);
    let e = m
        .add(Conv2D::new(2, (1, 1), Activation::Linear).bias_regularizer(Regularizer::l1(f32::NAN)))
        .unwrap_err()
        .to_string();
    assert!(e.contains("bias_regularizer") && e.contains("NaN"), "{e}");
    // A description: naming the layer and field.
    let e = ModelSpec::from_json(
        r#"{"input_shape": [3], "layers": [{"Dense": {"units": 2,
            "bias_regularizer": {"l1_l2": {"l1": 0.1, "l2": -0.5}}}}]}"#,
        "model.json",
    )
    .unwrap_err()
    .to_string();
    for part in ["model.json", "bias_regularizer", "-0.5"] {
        assert!(e.contains(part), "{part:?} not in: {e}");
    }
    // Keras JSON: the file, the Keras layer name and class, the argument.
    let read = |args: Value| {
        ModelSpec::from_json(&keras_dense(args), "k.json")
            .unwrap_err()
            .to_string()
    };
    let base = ["k.json", "my_dense", "Dense"];
    let cases = [
        (
            json!({"kernel_regularizer": {"class_name": "L2", "config": {"l2": -0.01}}}),
            vec!["kernel_regularizer", "-0.01", "≥ 0"],
        ),
        (
            json!({"kernel_regularizer": {"class_name": "L2", "config": {"l2": "big"}}}),
            vec!["kernel_regularizer", "must be a number"],
        ),
        (
            json!({"kernel_regularizer": {"class_name": "OrthogonalRegularizer",
                   "config": {"factor": 0.01, "mode": "rows"}}}),
            vec!["OrthogonalRegularizer", "L1(l1), L2(l2) and L1L2(l1, l2)"],
        ),
        (
            json!({"kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.1, "l3": 1}}}),
            vec!["`l3`", "L1(l1), L2(l2) and L1L2(l1, l2)"],
        ),
        (
            json!({"kernel_regularizer": "l1_l2"}),
            vec!["kernel_regularizer", "L1(l1), L2(l2) and L1L2(l1, l2)"],
        ),
    ];
    for (args, parts) in cases {
        let e = read(args);
        for part in base.iter().chain(&parts) {
            assert!(e.contains(part), "{part:?} not in: {e}");
        }
    }
    // Beyond f32 (Keras's float32 factor would be inf): refused where the file is read.
    let e = read(json!({"bias_regularizer": {"class_name": "L1", "config": {"l1": 1e300}}}));
    for part in ["k.json", "bias_regularizer", "32-bit float"] {
        assert!(e.contains(part), "{part:?} not in: {e}");
    }
    // Read to run trained weights, one wgtrain cannot compute is let through, noted.
    let text = keras_dense(
        json!({"kernel_regularizer": {"class_name": "OrthogonalRegularizer",
        "config": {"factor": 0.01, "mode": "rows"}}, "bias_regularizer": "l2"}),
    );
    let (s, notes) = ModelSpec::from_json_for_inference(&text, "k.json").unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("my_dense") && notes[0].contains("kernel_regularizer"),
        "{notes:?}"
    );
    assert!(matches!(
        s.layers[0],
        LayerSpec::Dense {
            kernel_regularizer: None,
            bias_regularizer: Some(Regularizer::L2(_)),
            ..
        }
    ));
}

/// One training step's dispatches (a discrete GPU as wgpu's no-op backend reports one:
/// the same on every machine) for Dense(300) on 400 inputs, with or without an L2 kernel
/// and L1 bias regularizer.
fn traced_step(regularized: bool) -> Vec<wgtrain::gpu::cost::DispatchRecord> {
    let gpu = std::sync::Arc::new(wgtrain::gpu::Gpu::noop_discrete().unwrap());
    let mut m = Sequential::new(Device::Gpu(gpu), &[400]);
    let mut hidden = Dense::new(300, Activation::Relu);
    if regularized {
        hidden = hidden
            .kernel_regularizer(Regularizer::l2(1e-4))
            .bias_regularizer(Regularizer::l1(1e-3));
    }
    m.add(hidden).unwrap();
    m.add(Dense::new(3, Activation::Softmax)).unwrap();
    m.compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    let x = Array::new(&[16, 400], common::randn(1, 16 * 400, 2.0)).unwrap();
    let y = Array::new(&[16, 3], common::one_hot(2, 16, 3)).unwrap();
    m.trace_training_step(&x, &y, 8).unwrap()
}

/// The penalty is summed on the device within the step (nothing read back): per
/// regularized weight one gradient dispatch, one reduction over 1024-weight parts (118
/// workgroups for the 120 000-weight kernel, no thread looping over the tensor) and one
/// sum of the parts into the step's loss.
#[test]
fn the_penalty_is_reduced_on_the_device_in_parts() {
    let (plain, reg) = (traced_step(false), traced_step(true));
    let count = |k: &str| reg.iter().filter(|r| r.kernel == k).count();
    assert_eq!(count("regularize_backward"), 2);
    assert_eq!(count("regularize_forward"), 2);
    assert_eq!(
        reg.len(),
        plain.len() + 6,
        "one backward, forward and sum per weight"
    );
    let forward: Vec<_> = reg
        .iter()
        .filter(|r| r.kernel == "regularize_forward")
        .collect();
    assert_eq!(forward[0].workgroups(), 120_000usize.div_ceil(1024) as u64);
    assert_eq!(forward[1].workgroups(), 1);
    let backward = reg
        .iter()
        .find(|r| r.kernel == "regularize_backward")
        .unwrap();
    assert_eq!(backward.workgroups(), 120_000usize.div_ceil(256) as u64);
    for r in reg.iter().filter(|r| r.kernel.starts_with("regularize")) {
        assert!(r.serial_trips <= 12, "{r:?}");
    }
}

/// As Keras (`_get_regularization_losses` reads the trainable weights), a frozen layer's
/// regularizer adds nothing; unfrozen, the same layer's does.
#[test]
fn frozen_layers_carry_no_penalty() {
    let (x, y) = data(4);
    let model = |trainable: bool| {
        let text = json!({"input_shape": [6, 5, 2], "layers": [{"Flatten": {}},
            {"Dense": {"units": 4, "activation": "softmax", "trainable": trainable,
                       "kernel_regularizer": {"l2": 0.5}}}]});
        let s = ModelSpec::from_json(&text.to_string(), "frozen").unwrap();
        let mut m = Sequential::from_spec(&s, Device::Cpu, 1).unwrap();
        m.compile(Optimizer::sgd(0.1, 0.0), Loss::CategoricalCrossentropy, &[])
            .unwrap();
        m
    };
    let (frozen, open) = (model(false), model(true));
    assert_eq!(frozen.regularization_loss().unwrap(), 0.0);
    let pen = open.regularization_loss().unwrap();
    assert!(pen > 0.1, "{pen}");
    let (lf, lo) = (
        frozen.evaluate(&x, &y).unwrap().loss,
        open.evaluate(&x, &y).unwrap().loss,
    );
    close("frozen + penalty", lo, lf as f64 + pen as f64);
}
