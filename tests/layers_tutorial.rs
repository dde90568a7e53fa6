//! The layers and arguments of the common Keras Sequential tutorials (issue 25 §3), each
//! checked as every layer is: built from its description, its gradients against central
//! finite differences of the model's loss (through the public API, as
//! tests/adding_a_layer.rs does), the GPU device against the CPU device over a few
//! training steps, and its Keras JSON written and read back as the same description.

mod common;

use serde_json::{json, Value};
use wgtrain::nn::{
    Array, Device, LayerSpec, Loss, ModelSpec, NamedArray, Optimizer, Sequential, ZeroPadding,
};

/// A model description from JSON (wgtrain's own form, Keras's layer names).
fn spec(text: &str) -> ModelSpec {
    ModelSpec::from_json(text, "test").unwrap()
}

/// Inputs x for `spec` (random, a few outliers) and regression targets y shaped as its
/// output.
fn data(spec: &ModelSpec, rows: usize, seed: u64) -> (Array, Array) {
    let m = Sequential::from_spec(spec, Device::Cpu, 0).unwrap();
    let per: usize = spec.input_shape.iter().product();
    let mut xs = vec![rows];
    xs.extend(&spec.input_shape);
    let x = Array::new(&xs, common::randn(seed, rows * per, 3.0)).unwrap();
    let mut ys = vec![rows];
    ys.extend(m.output_shape());
    let out: usize = m.output_shape().iter().product();
    let y = Array::new(&ys, common::randn(seed + 1, rows * out, 1.0)).unwrap();
    (x, y)
}

/// The model with the weights `w` but weight `w[t][index]` moved by `delta`: its loss.
fn loss_with(
    m: &mut Sequential,
    x: &Array,
    y: &Array,
    w: &[NamedArray],
    t: usize,
    i: usize,
    d: f32,
) -> f32 {
    let mut w = w.to_vec();
    w[t].array.data[i] += d;
    m.set_weights(&w).unwrap();
    m.evaluate(x, y).unwrap().loss
}

/// Every trainable weight's gradient, as one full-batch step of SGD with rate 1 writes it
/// (w0 − w1), against the central difference of the loss, ε = 10⁻². A weight at a kink
/// (a ReLU or a maximum changing its choice within ±ε: the one-sided differences part,
/// and the backward's slope lies between them) that misses is skipped; at most a tenth
/// may be. One that misses elsewhere is looked at again with ε = 10⁻³. Returns how many
/// were looked at (checked or skipped).
fn check_gradients(spec: &ModelSpec, loss: Loss) -> usize {
    let (x, y) = data(spec, 6, 3);
    let mut m = Sequential::from_spec(spec, Device::Cpu, 5).unwrap();
    m.compile(Optimizer::sgd(1.0, 0.0), loss, &[]).unwrap();
    let w0 = m.get_weights().unwrap();
    m.train_on_batch(&x, &y).unwrap();
    let w1 = m.get_weights().unwrap();
    let base = {
        m.set_weights(&w0).unwrap();
        m.evaluate(&x, &y).unwrap().loss
    };
    let eps = 1e-2f32;
    let (mut checked, mut kinks, mut largest, mut worst) = (0, 0, 0f32, 0f32);
    for (t, (t0, t1)) in w0.iter().zip(&w1).enumerate() {
        for i in 0..t0.array.data.len() {
            let analytic = t0.array.data[i] - t1.array.data[i];
            let up = loss_with(&mut m, &x, &y, &w0, t, i, eps);
            let down = loss_with(&mut m, &x, &y, &w0, t, i, -eps);
            let numeric = (up - down) / (2.0 * eps);
            let (right, left) = ((up - base) / eps, (base - down) / eps);
            let tol = 1e-3 + 2e-2 * numeric.abs();
            let mut err = (analytic - numeric).abs();
            // At a kink the backward takes one side's slope and the central difference
            // averages both: the one-sided slopes part and the backward's lies between.
            let (lo, hi) = (left.min(right), left.max(right));
            if err > tol && hi - lo > tol && (lo - tol..=hi + tol).contains(&analytic) {
                kinks += 1;
                continue;
            }
            if err > tol {
                // Curvature: look again ten times closer (f32 rounding is ~10⁻⁴ there).
                let small = eps / 10.0;
                let up = loss_with(&mut m, &x, &y, &w0, t, i, small);
                let down = loss_with(&mut m, &x, &y, &w0, t, i, -small);
                err = err.min((analytic - (up - down) / (2.0 * small)).abs());
            }
            assert!(
                err <= tol,
                "{}[{i}]: backward {analytic} vs finite differences {numeric} (|diff| {err} > {tol})",
                t0.name
            );
            (checked, largest, worst) = (checked + 1, largest.max(numeric.abs()), worst.max(err));
        }
    }
    eprintln!(
        "{checked} gradients checked ({kinks} at kinks skipped); largest |g| {largest:.3e}, \
         max |diff| {worst:.3e}"
    );
    assert!(kinks * 10 <= checked, "{kinks} kinks of {checked}");
    assert!(largest > 1e-2, "gradients this small would check nothing");
    checked + kinks
}

/// The same model from the same seed on both devices, three steps of Adam on a batch
/// whose row count is not a tile multiple: every loss and weight agrees.
fn gpu_matches_cpu(spec: &ModelSpec, loss: Loss) {
    let Some(gpu) = common::gpu_device() else {
        return;
    };
    let (x, y) = data(spec, 7, 9);
    let (atol, rtol) = (1e-5f32, 1e-3f32);
    let mut models = [gpu, Device::Cpu].map(|d| {
        let mut m = Sequential::from_spec(spec, d, 11).unwrap();
        m.compile(Optimizer::adam_lr(0.01), loss, &[]).unwrap();
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
    let (wg, wc) = (
        models[0].get_weights().unwrap(),
        models[1].get_weights().unwrap(),
    );
    for (g, c) in wg.iter().zip(&wc) {
        common::assert_close(&g.name, &g.array.data, &c.array.data, atol, rtol);
    }
    let (pg, pc) = (
        models[0].predict(&x).unwrap(),
        models[1].predict(&x).unwrap(),
    );
    common::assert_close("predictions", &pg.data, &pc.data, atol, rtol);
}

/// Written as Keras JSON and read back: the same description. Returns the Keras layers.
fn keras_round_trip(spec: &ModelSpec) -> Vec<Value> {
    let text = spec.to_keras_json();
    assert_eq!(&ModelSpec::from_json(&text, "exported").unwrap(), spec);
    let v: Value = serde_json::from_str(&text).unwrap();
    v["config"]["layers"].as_array().unwrap().clone()
}

/// A Keras model JSON with one layer (after the input layer) given as `class` and `config`.
fn keras_with(input: &[usize], layers: &[(&str, Value)]) -> Value {
    let mut list = vec![json!({"class_name": "InputLayer", "config": {
        "batch_shape": std::iter::once(Value::Null).chain(input.iter().map(|&d| json!(d))).collect::<Vec<_>>(),
        "name": "input_layer"}})];
    for (i, (class, cfg)) in layers.iter().enumerate() {
        let mut cfg = cfg.clone();
        cfg["name"] = json!(format!("layer_{i}"));
        list.push(json!({"class_name": class, "config": cfg, "module": "keras.layers"}));
    }
    json!({"class_name": "Sequential", "config": {"name": "s", "layers": list}})
}

fn read_keras(v: &Value) -> wgtrain::Result<ModelSpec> {
    ModelSpec::from_keras_json(v, "test.json")
}

// ---- use_bias=False ----

fn no_bias() -> ModelSpec {
    spec(
        r#"{"input_shape": [5, 6, 2], "layers": [
            {"Conv2D": {"filters": 3, "kernel_size": [2, 3], "padding": "same",
                        "activation": "tanh", "use_bias": false}},
            {"Flatten": {}},
            {"Dense": {"units": 4, "activation": "tanh", "use_bias": false}},
            {"Dense": {"units": 3}}]}"#,
    )
}

#[test]
fn use_bias_false_has_only_a_kernel() {
    let s = no_bias();
    let mut m = Sequential::from_spec(&s, Device::Cpu, 1).unwrap();
    m.build().unwrap();
    let w = m.get_weights().unwrap();
    let names: Vec<&str> = w.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "layers.0.kernel",
            "layers.2.kernel",
            "layers.3.kernel",
            "layers.3.bias"
        ]
    );
    assert_eq!(m.count_params(), 2 * 3 * 2 * 3 + 90 * 4 + 4 * 3 + 3);
    // Keras's arguments, both ways.
    let layers = keras_round_trip(&s);
    assert_eq!(layers[1]["config"]["use_bias"], json!(false));
    assert_eq!(layers[3]["config"]["use_bias"], json!(false));
    assert_eq!(layers[4]["config"]["use_bias"], json!(true));
    assert!(matches!(
        s.layers[2],
        LayerSpec::Dense {
            use_bias: false,
            ..
        }
    ));
    let k = read_keras(&keras_with(
        &[3],
        &[("Dense", json!({"units": 2, "use_bias": false}))],
    ))
    .unwrap();
    assert!(matches!(
        k.layers[0],
        LayerSpec::Dense {
            units: 2,
            use_bias: false,
            ..
        }
    ));
}

#[test]
fn use_bias_false_gradients_match_finite_differences() {
    let n = check_gradients(&no_bias(), Loss::MeanSquaredError);
    assert_eq!(n, 36 + 360 + 12 + 3);
}

#[test]
fn use_bias_false_trains_alike_on_gpu_and_cpu() {
    gpu_matches_cpu(&no_bias(), Loss::MeanSquaredError);
}

// ---- Rescaling ----

fn rescaling() -> ModelSpec {
    spec(
        r#"{"input_shape": [4, 5, 2], "layers": [
            {"Rescaling": {"scale": 0.5}},
            {"Conv2D": {"filters": 3, "kernel_size": 2, "activation": "tanh"}},
            {"Rescaling": {"scale": -1.5, "offset": 0.25}},
            {"Flatten": {}},
            {"Dense": {"units": 2}}]}"#,
    )
}

#[test]
fn rescaling_scales_and_shifts() {
    let s =
        spec(r#"{"input_shape": [3], "layers": [{"Rescaling": {"scale": -2.0, "offset": 0.5}}]}"#);
    let mut m = Sequential::from_spec(&s, Device::Cpu, 0).unwrap();
    m.build().unwrap();
    let x = Array::new(&[2, 3], vec![0.0, 1.0, -3.0, 255.0, 0.25, 7.0]).unwrap();
    let y = m.predict(&x).unwrap();
    assert_eq!(y.data, vec![0.5, -1.5, 6.5, -509.5, 0.0, -13.5]);
    assert_eq!(m.count_params(), 0);
    let layers = keras_round_trip(&rescaling());
    assert_eq!(layers[1]["class_name"], "Rescaling");
    assert_eq!(layers[3]["config"]["scale"], json!(-1.5));
    assert_eq!(layers[3]["config"]["name"], "rescaling_1");
    // Keras's own JSON: scale 1/255 as Keras writes it; a scale per channel is refused.
    let k = read_keras(&keras_with(
        &[2, 2, 3],
        &[(
            "Rescaling",
            json!({"scale": 0.00392156862745098, "offset": 0.0}),
        )],
    ))
    .unwrap();
    assert_eq!(
        k.layers[0],
        LayerSpec::Rescaling {
            scale: 1.0 / 255.0,
            offset: 0.0
        }
    );
    let e = read_keras(&keras_with(
        &[2, 2, 3],
        &[("Rescaling", json!({"scale": [0.1, 0.2, 0.3]}))],
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("test.json")
            && e.contains("\"layer_0\" (Rescaling)")
            && e.contains("one number"),
        "{e}"
    );
}

#[test]
fn rescaling_gradients_match_finite_differences() {
    // The first Conv2D's gradients flow back through the second Rescaling's dx.
    let n = check_gradients(&rescaling(), Loss::MeanSquaredError);
    assert_eq!(n, 2 * 2 * 2 * 3 + 3 + 36 * 2 + 2);
}

#[test]
fn rescaling_trains_alike_on_gpu_and_cpu() {
    gpu_matches_cpu(&rescaling(), Loss::MeanSquaredError);
}

// ---- ReLU and Softmax as layers ----

fn relu_layer() -> ModelSpec {
    spec(
        r#"{"input_shape": [5], "layers": [
            {"Dense": {"units": 6, "activation": "tanh"}},
            {"ReLU": {}},
            {"Dense": {"units": 3}}]}"#,
    )
}

#[test]
fn relu_layer_is_max_x_0_and_refuses_other_arguments() {
    let s = spec(r#"{"input_shape": [4], "layers": ["ReLU"]}"#);
    let mut m = Sequential::from_spec(&s, Device::Cpu, 0).unwrap();
    m.build().unwrap();
    let x = Array::new(&[1, 4], vec![-2.0, 0.0, 0.5, 3.0]).unwrap();
    assert_eq!(m.predict(&x).unwrap().data, vec![0.0, 0.0, 0.5, 3.0]);
    assert!(m.summary().contains("re_lu (ReLU)"), "{}", m.summary());
    let layers = keras_round_trip(&relu_layer());
    assert_eq!(layers[2]["class_name"], "ReLU");
    assert_eq!(layers[2]["config"]["name"], "re_lu");
    // Keras 3 writes its defaults; they read.
    let k = read_keras(&keras_with(
        &[4],
        &[(
            "ReLU",
            json!({"max_value": null, "negative_slope": 0.0, "threshold": 0.0}),
        )],
    ))
    .unwrap();
    assert_eq!(k.layers, [LayerSpec::ReLU {}]);
    for (key, v) in [
        ("max_value", json!(6.0)),
        ("negative_slope", json!(0.1)),
        ("threshold", json!(1)),
    ] {
        let e = read_keras(&keras_with(&[4], &[("ReLU", json!({ key: v }))]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("test.json")
                && e.contains("\"layer_0\" (ReLU)")
                && e.contains(&format!("`{key}`"))
                && e.contains("max(x, 0)"),
            "{e}"
        );
    }
}

#[test]
fn relu_layer_gradients_match_finite_differences() {
    assert_eq!(
        check_gradients(&relu_layer(), Loss::MeanSquaredError),
        5 * 6 + 6 + 6 * 3 + 3
    );
}

#[test]
fn relu_layer_trains_alike_on_gpu_and_cpu() {
    gpu_matches_cpu(&relu_layer(), Loss::MeanSquaredError);
}

fn softmax_layer(separate: bool) -> ModelSpec {
    let last = match separate {
        true => r#"{"Dense": {"units": 4}}, {"Softmax": {}}"#,
        false => r#"{"Dense": {"units": 4, "activation": "softmax"}}"#,
    };
    spec(&format!(
        r#"{{"input_shape": [5], "layers": [
            {{"Dense": {{"units": 6, "activation": "tanh"}}}}, {last}]}}"#
    ))
}

/// One-hot labels for `rows` samples of `classes`.
fn labels(rows: usize, classes: usize) -> Array {
    Array::new(&[rows, classes], common::one_hot(4, rows, classes)).unwrap()
}

#[test]
fn a_softmax_layer_last_fuses_with_the_cross_entropy_like_the_activation() {
    let (x, _) = data(&softmax_layer(true), 9, 2);
    let y = labels(9, 4);
    let run = |s: &ModelSpec, dev: Device| {
        let mut m = Sequential::from_spec(s, dev, 3).unwrap();
        m.compile(Optimizer::sgd(0.5, 0.0), Loss::CategoricalCrossentropy, &[])
            .unwrap();
        let plan = m.fusion_plan().unwrap().clone();
        let losses: Vec<f32> = (0..3).map(|_| m.train_on_batch(&x, &y).unwrap()).collect();
        (
            plan,
            losses,
            m.get_weights().unwrap(),
            m.predict(&x).unwrap(),
        )
    };
    let mut devices = vec![Device::Cpu];
    devices.extend(common::gpu_device());
    for dev in devices {
        let (plan, losses, w, p) = run(&softmax_layer(true), dev.clone());
        assert!(
            plan.layers[2].output_logits,
            "the Softmax layer is fused: {plan:?}"
        );
        assert!(!plan.layers[1].output_logits);
        let (plan_a, losses_a, w_a, p_a) = run(&softmax_layer(false), dev);
        assert!(plan_a.layers[1].output_logits);
        // The same arithmetic: same losses, weights and probabilities.
        common::assert_close("losses", &losses, &losses_a, 1e-6, 1e-5);
        for (a, b) in w.iter().zip(&w_a) {
            common::assert_close(&a.name, &a.array.data, &b.array.data, 1e-6, 1e-5);
        }
        common::assert_close("probabilities", &p.data, &p_a.data, 1e-6, 1e-5);
        let sums: Vec<f32> = p.data.chunks(4).map(|r| r.iter().sum()).collect();
        common::assert_close("rows sum to 1", &sums, &[1.0; 9], 1e-5, 0.0);
    }
}

#[test]
fn softmax_layer_gradients_match_finite_differences() {
    // Not last, so not fused: its own backward, under MSE.
    let s = spec(
        r#"{"input_shape": [5], "layers": [
            {"Dense": {"units": 4, "activation": "tanh"}}, {"Softmax": {}},
            {"Dense": {"units": 2}}]}"#,
    );
    assert_eq!(
        check_gradients(&s, Loss::MeanSquaredError),
        5 * 4 + 4 + 4 * 2 + 2
    );
    gpu_matches_cpu(&s, Loss::MeanSquaredError);
}

#[test]
fn softmax_layer_reads_and_writes_keras_json() {
    let layers = keras_round_trip(&softmax_layer(true));
    assert_eq!(layers[3]["class_name"], "Softmax");
    assert_eq!(layers[3]["config"]["axis"], json!(-1));
    // Keras writes axis -1; the last axis by its index reads too; another is refused.
    for axis in [json!(-1), json!(1), json!([1])] {
        let k = read_keras(&keras_with(&[4], &[("Softmax", json!({ "axis": axis }))])).unwrap();
        assert_eq!(k.layers, [LayerSpec::Softmax { axis: -1 }]);
    }
    let e = read_keras(&keras_with(&[3, 4], &[("Softmax", json!({"axis": 1}))]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("\"layer_0\" (Softmax)") && e.contains("`axis` = 1") && e.contains("last axis"),
        "{e}"
    );
    let e = ModelSpec::from_json(
        r#"{"input_shape": [3], "layers": [{"Softmax": {"axis": 0}}]}"#,
        "test",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("layer 0 (Softmax): field `axis` = 0"), "{e}");
}

// ---- ZeroPadding2D ----

fn zero_padding() -> ModelSpec {
    spec(
        r#"{"input_shape": [4, 3, 2], "layers": [
            {"Conv2D": {"filters": 3, "kernel_size": 2, "activation": "tanh"}},
            {"ZeroPadding2D": {"padding": [[1, 2], [0, 1]]}},
            {"Conv2D": {"filters": 2, "kernel_size": [2, 1], "activation": "tanh"}},
            {"ZeroPadding2D": {"padding": 1}},
            {"Flatten": {}},
            {"Dense": {"units": 2}}]}"#,
    )
}

#[test]
fn zero_padding_pads_images_and_reads_keras_forms() {
    let s =
        spec(r#"{"input_shape": [1, 2, 1], "layers": [{"ZeroPadding2D": {"padding": [1, 0]}}]}"#);
    let mut m = Sequential::from_spec(&s, Device::Cpu, 0).unwrap();
    m.build().unwrap();
    assert_eq!(m.output_shape(), [3, 2, 1]);
    let x = Array::new(&[1, 1, 2, 1], vec![5.0, -6.0]).unwrap();
    assert_eq!(
        m.predict(&x).unwrap().data,
        vec![0.0, 0.0, 5.0, -6.0, 0.0, 0.0]
    );
    let layers = keras_round_trip(&zero_padding());
    assert_eq!(layers[2]["class_name"], "ZeroPadding2D");
    assert_eq!(layers[2]["config"]["padding"], json!([[1, 2], [0, 1]]));
    assert_eq!(layers[4]["config"]["padding"], json!([[1, 1], [1, 1]]));
    assert_eq!(layers[4]["config"]["name"], "zero_padding2d_1");
    for (v, want) in [
        (json!(2), ZeroPadding((2, 2), (2, 2))),
        (json!([1, 3]), ZeroPadding((1, 1), (3, 3))),
        (json!([[0, 1], [2, 3]]), ZeroPadding((0, 1), (2, 3))),
        (Value::Null, ZeroPadding((1, 1), (1, 1))),
    ] {
        let k = read_keras(&keras_with(
            &[4, 4, 1],
            &[(
                "ZeroPadding2D",
                json!({"padding": v, "data_format": "channels_last"}),
            )],
        ))
        .unwrap();
        assert_eq!(k.layers, [LayerSpec::ZeroPadding2D { padding: want }]);
    }
    let e = read_keras(&keras_with(
        &[4, 4, 1],
        &[("ZeroPadding2D", json!({"padding": [1, 2, 3]}))],
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("(ZeroPadding2D): `padding` must be"), "{e}");
    let e = Sequential::from_spec(
        &spec(r#"{"input_shape": [4], "layers": [{"ZeroPadding2D": {}}]}"#),
        Device::Cpu,
        0,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("ZeroPadding2D") && e.contains("(height, width, channels)"),
        "{e}"
    );
}

#[test]
fn zero_padding_gradients_match_finite_differences() {
    // The first Conv2D's gradients come back through both paddings' crops.
    let n = check_gradients(&zero_padding(), Loss::MeanSquaredError);
    assert_eq!(n, 2 * 2 * 2 * 3 + 3 + 2 * 3 * 2 + 2 + 7 * 5 * 2 * 2 + 2);
}

#[test]
fn zero_padding_trains_alike_on_gpu_and_cpu() {
    gpu_matches_cpu(&zero_padding(), Loss::MeanSquaredError);
}

// ---- padding="same" on pooling layers ----

fn same_pooling() -> ModelSpec {
    spec(
        r#"{"input_shape": [7, 5, 2], "layers": [
            {"Conv2D": {"filters": 4, "kernel_size": 2, "activation": "tanh"}},
            {"MaxPooling2D": {"pool_size": 2, "padding": "same"}},
            {"Conv2D": {"filters": 3, "kernel_size": [2, 1], "padding": "same", "activation": "tanh"}},
            {"AveragePooling2D": {"pool_size": [3, 2], "strides": [2, 1], "padding": "same"}},
            {"Flatten": {}},
            {"Dense": {"units": 2}}]}"#,
    )
}

#[test]
fn same_pooling_keeps_ceil_sizes_and_reads_keras_json() {
    let mut m = Sequential::from_spec(&same_pooling(), Device::Cpu, 0).unwrap();
    m.build().unwrap();
    // 6×4 → max 2, same: 3×2 → conv same: 3×2 → average (3, 2) stride (2, 1): 2×2.
    assert_eq!(m.output_shape(), [2]);
    let s = spec(
        r#"{"input_shape": [3, 3, 1], "layers": [
            {"AveragePooling2D": {"pool_size": 2, "padding": "same"}}]}"#,
    );
    let mut m = Sequential::from_spec(&s, Device::Cpu, 0).unwrap();
    m.build().unwrap();
    let x = Array::new(&[1, 3, 3, 1], (1..=9).map(|v| v as f32).collect()).unwrap();
    // Each mean is over the window's cells inside the image.
    assert_eq!(m.predict(&x).unwrap().data, vec![3.0, 4.5, 7.5, 9.0]);
    let layers = keras_round_trip(&same_pooling());
    assert_eq!(layers[2]["config"]["padding"], "same");
    assert_eq!(layers[4]["config"]["padding"], "same");
    let k = read_keras(&keras_with(
        &[5, 5, 1],
        &[(
            "MaxPooling2D",
            json!({"pool_size": [2, 2], "strides": [2, 2], "padding": "same", "data_format": "channels_last"}),
        )],
    ))
    .unwrap();
    assert_eq!(
        k.layers,
        [LayerSpec::MaxPooling2D {
            pool_size: wgtrain::nn::Pair(2, 2),
            strides: None,
            padding: "same".into()
        }]
    );
    // wgtrain's description leaves the default out.
    let valid = spec(r#"{"input_shape": [4, 4, 1], "layers": [{"MaxPooling2D": {}}]}"#);
    assert!(!valid.to_json().contains("padding"), "{}", valid.to_json());
}

#[test]
fn same_pooling_gradients_match_finite_differences() {
    let n = check_gradients(&same_pooling(), Loss::MeanSquaredError);
    assert_eq!(n, 2 * 2 * 2 * 4 + 4 + 2 * 4 * 3 + 3 + 12 * 2 + 2);
}

#[test]
fn same_pooling_trains_alike_on_gpu_and_cpu() {
    gpu_matches_cpu(&same_pooling(), Loss::MeanSquaredError);
}

// ---- kernel_initializer / bias_initializer ----

/// mean, variance, min and max of the values.
fn stats(v: &[f32]) -> (f64, f64, f32, f32) {
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    let (lo, hi) = v
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    (mean, var, lo, hi)
}

/// The weights of `layer` (a Dense or Conv2D description) once built on `input`.
fn drawn(input: &str, layer: &str) -> Vec<Vec<f32>> {
    let s = spec(&format!(
        r#"{{"input_shape": {input}, "layers": [{layer}]}}"#
    ));
    let mut m = Sequential::from_spec(&s, Device::Cpu, 17).unwrap();
    m.build().unwrap();
    m.get_weights()
        .unwrap()
        .into_iter()
        .map(|t| t.array.data)
        .collect()
}

#[test]
fn initializers_draw_keras_distributions() {
    // A Dense 400 → 500: fan_in 400, fan_out 500, 200,000 kernel values.
    let (fi, fo) = (400.0f64, 500.0f64);
    let t = 0.879_625_661_034_239_8f64; // a unit normal truncated to ±2: its deviation
                                        // (initializer, mean, variance, bound on |w − mean| if any)
    let cases = [
        (
            r#""glorot_uniform""#,
            0.0,
            2.0 / (fi + fo),
            Some((6.0 / (fi + fo)).sqrt()),
        ),
        (
            r#""glorot_normal""#,
            0.0,
            2.0 / (fi + fo),
            Some(2.0 * (2.0 / (fi + fo)).sqrt() / t),
        ),
        (
            r#""he_normal""#,
            0.0,
            2.0 / fi,
            Some(2.0 * (2.0 / fi).sqrt() / t),
        ),
        (r#""he_uniform""#, 0.0, 2.0 / fi, Some((6.0 / fi).sqrt())),
        (
            r#""lecun_normal""#,
            0.0,
            1.0 / fi,
            Some(2.0 * (1.0 / fi).sqrt() / t),
        ),
        (r#""lecun_uniform""#, 0.0, 1.0 / fi, Some((3.0 / fi).sqrt())),
        (
            r#"{"random_normal": {"mean": 0.5, "stddev": 0.2}}"#,
            0.5,
            0.04,
            None,
        ),
        (
            r#"{"random_uniform": {"minval": -0.3, "maxval": 0.1}}"#,
            -0.1,
            0.16 / 12.0,
            Some(0.2),
        ),
        (
            r#"{"truncated_normal": {"stddev": 0.1}}"#,
            0.0,
            0.01 * t * t,
            Some(0.2),
        ),
        (r#"{"random_normal": {}}"#, 0.0, 0.0025, None),
    ];
    for (init, mean, var, bound) in cases {
        let w = drawn(
            "[400]",
            &format!(r#"{{"Dense": {{"units": 500, "kernel_initializer": {init}}}}}"#),
        );
        let (m, v, lo, hi) = stats(&w[0]);
        let n = w[0].len() as f64;
        eprintln!("{init}: mean {m:.3e} var {v:.4e} (want {var:.4e}) range [{lo}, {hi}]");
        assert!(
            (m - mean).abs() < 5.0 * (var / n).sqrt(),
            "{init}: mean {m}, want {mean}"
        );
        assert!(
            (v / var - 1.0).abs() < 0.02,
            "{init}: variance {v}, want {var}"
        );
        if let Some(b) = bound {
            let (lo, hi) = (lo as f64 - mean, hi as f64 - mean);
            assert!(
                lo >= -b * 1.000_001 && hi <= b * 1.000_001,
                "{init}: [{lo}, {hi}] beyond ±{b}"
            );
            assert!(
                lo < -0.97 * b && hi > 0.97 * b,
                "{init}: [{lo}, {hi}] does not reach ±{b}"
            );
        }
        assert_eq!(w[1], vec![0.0; 500], "{init}: the bias stays zeros");
    }
    // Conv2D's fans count the window: he_uniform's limit is √(6 / (3·3·4)).
    let w = drawn(
        "[5, 5, 4]",
        r#"{"Conv2D": {"filters": 64, "kernel_size": 3, "kernel_initializer": "he_uniform",
                       "bias_initializer": "ones"}}"#,
    );
    let (_, v, lo, hi) = stats(&w[0]);
    let limit = (6.0f64 / 36.0).sqrt();
    assert!(lo as f64 >= -limit && hi as f64 <= limit && hi as f64 > 0.95 * limit);
    assert!((v / (2.0 / 36.0) - 1.0).abs() < 0.05, "variance {v}");
    assert_eq!(w[1], vec![1.0; 64]);
    // The same seed draws the same weights; the default stays glorot_uniform and zeros.
    let a = drawn(
        "[7]",
        r#"{"Dense": {"units": 3, "kernel_initializer": "he_normal"}}"#,
    );
    assert_eq!(
        a,
        drawn(
            "[7]",
            r#"{"Dense": {"units": 3, "kernel_initializer": "he_normal"}}"#
        )
    );
    assert_eq!(
        drawn("[7]", r#"{"Dense": {"units": 3}}"#),
        drawn(
            "[7]",
            r#"{"Dense": {"units": 3, "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros"}}"#
        )
    );
}

#[test]
fn initializers_read_and_write_keras_json() {
    let names = [
        "GlorotUniform",
        "GlorotNormal",
        "HeNormal",
        "HeUniform",
        "LecunNormal",
        "LecunUniform",
        "Zeros",
        "Ones",
        "RandomNormal",
        "RandomUniform",
        "TruncatedNormal",
    ];
    for (i, class) in names.iter().enumerate() {
        let config = match *class {
            "RandomNormal" | "TruncatedNormal" => json!({"mean": 0.25, "stddev": 0.5, "seed": 42}),
            "RandomUniform" => json!({"minval": -1.0, "maxval": 2.0, "seed": null}),
            "Zeros" | "Ones" => json!({}),
            _ => json!({"seed": 3}),
        };
        let init = json!({"module": "keras.initializers", "class_name": class, "config": config,
                          "registered_name": null});
        let k = read_keras(&keras_with(
            &[4, 4, 2],
            &[
                (
                    "Conv2D",
                    json!({"filters": 2, "kernel_size": 2, "kernel_initializer": init,
                                  "bias_initializer": names[(i + 3) % names.len()]}),
                ),
                ("Flatten", json!({})),
                ("Dense", json!({"units": 3, "bias_initializer": init})),
            ],
        ))
        .unwrap();
        let written = keras_round_trip(&k);
        assert_eq!(
            written[1]["config"]["kernel_initializer"]["class_name"],
            *class
        );
        assert_eq!(
            written[3]["config"]["bias_initializer"]["class_name"],
            *class
        );
        if let "RandomNormal" | "TruncatedNormal" = *class {
            assert_eq!(
                written[1]["config"]["kernel_initializer"]["config"]["stddev"],
                0.5
            );
        }
        // The description builds and draws.
        let mut m = Sequential::from_spec(&k, Device::Cpu, 1).unwrap();
        m.build().unwrap();
    }
    for (init, want) in [
        (
            json!({"class_name": "Orthogonal", "config": {"gain": 1.0}}),
            "he_uniform, lecun_normal",
        ),
        (
            json!({"class_name": "HeNormal", "config": {"scale": 3.0}}),
            "HeNormal has no argument `scale`",
        ),
        (
            json!({"class_name": "RandomUniform", "config": {"minval": 1.0, "maxval": 0.0}}),
            "minval < maxval",
        ),
    ] {
        let e = read_keras(&keras_with(
            &[3],
            &[("Dense", json!({"units": 2, "kernel_initializer": init}))],
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("test.json")
                && e.contains("(Dense)")
                && e.contains("kernel_initializer")
                && e.contains(want),
            "{e}"
        );
    }
    let e = ModelSpec::from_json(
        r#"{"input_shape": [3], "layers": [{"Dense": {"units": 2,
            "kernel_initializer": {"random_normal": {"stddev": -1}}}}]}"#,
        "test",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("layer 0 (Dense)") && e.contains("stddev > 0"),
        "{e}"
    );
}

// ---- trainable=False ----

fn frozen_middle(frozen: bool) -> ModelSpec {
    spec(&format!(
        r#"{{"input_shape": [4, 4, 1], "layers": [
            {{"Conv2D": {{"filters": 2, "kernel_size": 2, "activation": "tanh"}}}},
            {{"Conv2D": {{"filters": 3, "kernel_size": 2, "activation": "relu", "trainable": {}}}}},
            {{"Flatten": {{}}}},
            {{"Dense": {{"units": 5, "activation": "tanh", "trainable": {}}}}},
            {{"Dense": {{"units": 2}}}}]}}"#,
        !frozen, !frozen
    ))
}

#[test]
fn frozen_layers_keep_their_weights_and_pass_gradients_through() {
    let (x, y) = data(&frozen_middle(true), 7, 5);
    let mut devices = vec![Device::Cpu];
    devices.extend(common::gpu_device());
    for dev in devices {
        // One SGD step: the frozen layers stay, the others move exactly as they do when
        // nothing is frozen (the same gradients flow through the frozen layers' dx).
        let step = |frozen: bool| {
            let mut m = Sequential::from_spec(&frozen_middle(frozen), dev.clone(), 3).unwrap();
            m.compile(Optimizer::sgd(0.1, 0.0), Loss::MeanSquaredError, &[])
                .unwrap();
            let before = m.get_weights().unwrap();
            let loss = m.train_on_batch(&x, &y).unwrap();
            (before, m.get_weights().unwrap(), loss, m.summary())
        };
        let (w0, w1, loss, summary) = step(true);
        let (v0, v1, loss_all, _) = step(false);
        assert_eq!(w0, v0, "the same seed draws the same weights");
        assert_eq!(loss, loss_all);
        for ((a0, a1), b1) in w0.iter().zip(&w1).zip(&v1) {
            let frozen = a0.name.starts_with("layers.1.") || a0.name.starts_with("layers.3.");
            if frozen {
                assert_eq!(a0, a1, "{} is frozen", a0.name);
                assert_ne!(a0, b1, "{} moves when trainable", a0.name);
            } else {
                assert_ne!(a0, a1, "{} trains", a0.name);
                common::assert_close(&a0.name, &a1.array.data, &b1.array.data, 1e-6, 1e-5);
            }
        }
        // As Keras's summary: the frozen weights are non-trainable.
        let frozen = 2 * 2 * 2 * 3 + 3 + 12 * 5 + 5;
        let total = 2 * 2 * 2 + 2 + frozen + 5 * 2 + 2;
        assert!(
            summary.contains(&format!("Total params: {total}\n")),
            "{summary}"
        );
        assert!(
            summary.contains(&format!("Non-trainable params: {frozen}\n")),
            "{summary}"
        );
    }
    gpu_matches_cpu(&frozen_middle(true), Loss::MeanSquaredError);
}

#[test]
fn trainable_false_reads_and_writes_keras_json() {
    let layers = keras_round_trip(&frozen_middle(true));
    assert_eq!(layers[2]["config"]["trainable"], json!(false));
    assert_eq!(layers[4]["config"]["trainable"], json!(false));
    assert_eq!(layers[1]["config"]["trainable"], json!(true));
    let k = read_keras(&keras_with(
        &[3],
        &[("Dense", json!({"units": 2, "trainable": false}))],
    ))
    .unwrap();
    assert!(matches!(
        k.layers[0],
        LayerSpec::Dense {
            trainable: false,
            kernel_regularizer: None,
            bias_regularizer: None,
            ..
        }
    ));
    let e = read_keras(&keras_with(
        &[3, 3, 2],
        &[("BatchNormalization", json!({"trainable": false}))],
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("(BatchNormalization): `trainable: false`") && e.contains("Dense and Conv2D"),
        "{e}"
    );
}
