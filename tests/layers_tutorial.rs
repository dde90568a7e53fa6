//! The layers and arguments of the common Keras Sequential tutorials (issue 25 §3), each
//! checked as every layer is: built from its description, its gradients against central
//! finite differences of the model's loss (through the public API, as
//! tests/adding_a_layer.rs does), the GPU device against the CPU device over a few
//! training steps, and its Keras JSON written and read back as the same description.

mod common;

use serde_json::{json, Value};
use wgtrain::nn::{Array, Device, LayerSpec, Loss, ModelSpec, NamedArray, Optimizer, Sequential};

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
/// (a ReLU or a maximum changing its choice within ±ε: the one-sided differences
/// disagree) that misses is skipped; at most a tenth may be. Returns how many were
/// looked at (checked or skipped).
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
            let err = (analytic - numeric).abs();
            if err > tol && (right - left).abs() > 0.2 * (right.abs() + left.abs()) + 1e-2 {
                kinks += 1;
                continue;
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
