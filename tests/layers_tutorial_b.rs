//! The tutorial layers of issue 25 (LayerNormalization, …) through the public API, as
//! tests/adding_a_layer.rs checks a layer: the backward against central finite
//! differences of the model's loss on the CPU device, the GPU and CPU devices training
//! alike, and Keras JSON read (real Keras 3.15.1 output in tests/fixtures/keras/) and
//! written back.

mod common;

use common::layer_checks::{data, finite_differences, gpu_matches_cpu};

use std::path::Path;

use serde_json::{json, Value};
use wgtrain::nn::layers::{Conv2D, Dense, Flatten, LayerNormalization, SpatialDropout2D};
use wgtrain::nn::{
    Activation, Device, Initializer, LayerNormArgs, LayerSpec, ModelSpec, Sequential,
    SpatialDropoutArgs,
};

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn read(v: &Value) -> wgtrain::Result<ModelSpec> {
    ModelSpec::from_json(&v.to_string(), "tutorial.json")
}

/// The error reading `v`, which must fail.
fn read_err(v: &Value) -> String {
    match read(v) {
        Ok(spec) => panic!("expected an error, read {spec:?}"),
        Err(e) => e.to_string(),
    }
}

/// A description wgtrain writes as Keras JSON reads back as itself.
fn keras_json_round_trips(spec: &ModelSpec) {
    let text = spec.to_keras_json();
    let back = ModelSpec::from_json(&text, "exported.json").unwrap();
    assert_eq!(&back, spec, "{text}");
    // And the native description too.
    assert_eq!(
        &ModelSpec::from_json(&spec.to_json(), "native.json").unwrap(),
        spec
    );
}

// ---- LayerNormalization ----

/// Dense(6, tanh) → LayerNormalization → Dense(2), on 4 features.
fn layer_norm_dense(dev: Device) -> Sequential {
    let mut m = Sequential::new(dev, &[4]).with_seed(3);
    m.add(Dense::new(6, Activation::Tanh)).unwrap();
    m.add(LayerNormalization::new().epsilon(1e-2)).unwrap();
    m.add(Dense::new(2, Activation::Linear)).unwrap();
    m
}

/// Conv2D(6, tanh) on 5×5×2 → LayerNormalization over the channels → Dense(3).
fn layer_norm_conv(dev: Device) -> Sequential {
    let mut m = Sequential::new(dev, &[5, 5, 2]).with_seed(4);
    m.add(Conv2D::new(6, (2, 2), Activation::Tanh)).unwrap();
    // A larger ε than Keras's default keeps the loss smooth enough for ε = 1e-2 finite
    // differences over only 6 features.
    m.add(LayerNormalization::new().epsilon(0.05)).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(3, Activation::Linear)).unwrap();
    m
}

#[test]
fn layer_normalization_backward_matches_finite_differences() {
    let xy = data(1, 6, &[4], 2);
    let mut m = layer_norm_dense(Device::Cpu);
    // gamma, beta, and the Dense before it (its gradient flows through dx).
    let n = finite_differences(&mut m, &xy, &["layers.0.", "layers.1."]);
    assert_eq!(n, 4 * 6 + 6 + 6 + 6);
    let xy = data(2, 3, &[5, 5, 2], 3);
    let mut m = layer_norm_conv(Device::Cpu);
    let n = finite_differences(&mut m, &xy, &["layers.0.", "layers.1."]);
    assert_eq!(n, 2 * 2 * 2 * 6 + 6 + 6 + 6);
}

#[test]
fn layer_normalization_trains_alike_on_gpu_and_cpu() {
    let trained = ["layers.1.gamma", "layers.1.beta"];
    gpu_matches_cpu(layer_norm_dense, &data(3, 9, &[4], 2), &trained);
    gpu_matches_cpu(layer_norm_conv, &data(4, 7, &[5, 5, 2], 3), &trained);
}

#[test]
fn layer_normalization_reads_from_and_writes_to_keras_json() {
    let v = fixture("tutorial_b.json");
    let spec = read(&v).unwrap();
    assert_eq!(
        spec.layers[1],
        LayerSpec::LayerNormalization(LayerNormArgs { epsilon: 1e-2 })
    );
    assert_eq!(spec.input_shape, vec![8, 8, 3]);
    keras_json_round_trips(&spec);
    let mut m = Sequential::from_spec(&spec, Device::Cpu, 0).unwrap();
    m.build().unwrap();
    let names: Vec<String> = m
        .get_weights()
        .unwrap()
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert!(
        names.contains(&"layers.1.gamma".to_string()) && names.contains(&"layers.1.beta".into())
    );
    // The axis as the per-sample rank (4 counting the batch), or [-1], reads too.
    let mut v3 = v.clone();
    v3["config"]["layers"][2]["config"]["axis"] = json!(3);
    assert_eq!(read(&v3).unwrap(), spec);
    // What wgtrain does not implement is refused, naming the layer and the argument.
    for (key, value, says) in [
        ("axis", json!(1), "argument `axis` = 1"),
        ("center", json!(false), "argument `center` = false"),
        ("rms_scaling", json!(true), "argument `rms_scaling` = true"),
        (
            "epsilon",
            json!(0.0),
            "field `epsilon` must be a positive number",
        ),
    ] {
        let mut bad = v.clone();
        bad["config"]["layers"][2]["config"][key] = value;
        let e = read_err(&bad);
        assert!(
            e.contains(says) && e.contains("LayerNormalization"),
            "{key}: {e}"
        );
    }
    // Built in Rust, a model describes itself with the layer.
    let d = ModelSpec {
        input_shape: vec![4],
        layers: vec![
            LayerSpec::Dense {
                units: 6,
                activation: "tanh".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
            LayerSpec::LayerNormalization(LayerNormArgs { epsilon: 1e-2 }),
            LayerSpec::Dense {
                units: 2,
                activation: "linear".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
        ],
        ..Default::default()
    };
    assert_eq!(layer_norm_dense(Device::Cpu).spec(), d);
}

// ---- SpatialDropout2D ----

/// Conv2D(4, tanh) on 6×6×2 → SpatialDropout2D(0.4) → Flatten → Dense(2).
fn spatial_dropout_conv(dev: Device) -> Sequential {
    let mut m = Sequential::new(dev, &[6, 6, 2]).with_seed(6);
    m.add(Conv2D::new(4, (3, 3), Activation::Tanh)).unwrap();
    m.add(SpatialDropout2D::new(0.4)).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(2, Activation::Linear)).unwrap();
    m
}

#[test]
fn spatial_dropout_trains_alike_on_gpu_and_cpu_and_is_identity_at_inference() {
    let xy = data(7, 10, &[6, 6, 2], 2);
    gpu_matches_cpu(spatial_dropout_conv, &xy, &["layers.0.kernel"]);
    // Inference: the model without the layer predicts the same.
    let with = spatial_dropout_conv(Device::Cpu);
    let mut without = Sequential::new(Device::Cpu, &[6, 6, 2]).with_seed(6);
    without
        .add(Conv2D::new(4, (3, 3), Activation::Tanh))
        .unwrap();
    without.add(Flatten::new()).unwrap();
    without.add(Dense::new(2, Activation::Linear)).unwrap();
    // The same weights, the Dense now at index 2.
    let mut w = with.get_weights().unwrap();
    for t in &mut w {
        t.name = t.name.replace("layers.3.", "layers.2.");
    }
    without.set_weights(&w).unwrap();
    assert_eq!(
        with.predict(&xy.0).unwrap().data,
        without.predict(&xy.0).unwrap().data
    );
}

/// The gradient passes through the layer into the layer before it (rate 0: finite
/// differences need a loss without a random mask; the masked gradient is the twin's, checked
/// in tests/ops/spatial_dropout.rs, and the GPU's is compared with it above).
#[test]
fn spatial_dropout_backward_matches_finite_differences_without_dropping() {
    let xy = data(8, 4, &[6, 6, 2], 2);
    let mut m = Sequential::new(Device::Cpu, &[6, 6, 2]).with_seed(6);
    m.add(Conv2D::new(4, (3, 3), Activation::Tanh)).unwrap();
    m.add(SpatialDropout2D::new(0.0)).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(2, Activation::Linear)).unwrap();
    let n = finite_differences(&mut m, &xy, &["layers.0."]);
    assert_eq!(n, 3 * 3 * 2 * 4 + 4);
}

#[test]
fn spatial_dropout_reads_from_and_writes_to_keras_json() {
    let v = fixture("tutorial_b.json");
    let spec = read(&v).unwrap();
    assert_eq!(
        spec.layers[2],
        LayerSpec::SpatialDropout2D(SpatialDropoutArgs {
            rate: 0.3,
            seed: None
        })
    );
    keras_json_round_trips(&spec);
    for (key, value, says) in [
        (
            "data_format",
            json!("channels_first"),
            "argument `data_format`",
        ),
        ("rate", json!(1.0), "field `rate` must be in [0, 1)"),
        ("noise_shape", json!([1, 2]), "argument `noise_shape`"),
    ] {
        let mut bad = v.clone();
        bad["config"]["layers"][3]["config"][key] = value;
        let e = read_err(&bad);
        assert!(
            e.contains(says) && e.contains("SpatialDropout2D"),
            "{key}: {e}"
        );
    }
    // Only images: a flat input is refused when the model is built.
    let mut m = Sequential::new(Device::Cpu, &[5]);
    let e = m.add(SpatialDropout2D::new(0.5)).unwrap_err().to_string();
    assert!(e.contains("[height, width, channels]"), "{e}");
}
