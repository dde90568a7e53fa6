//! DepthwiseConv2D and SeparableConv2D (issue 25) through the public API: the backward
//! against central finite differences of the model's loss on the CPU device, the GPU and
//! CPU devices training alike, builder and description errors, Keras's parameter counts
//! and weight names, and Keras JSON (real Keras 3.15.1 output in
//! tests/fixtures/keras/depthwise.json) read and written back.

mod common;

use common::layer_checks::{data, finite_differences, gpu_matches_cpu};

use std::path::Path;

use serde_json::{json, Value};
use wgtrain::geometry::Padding;
use wgtrain::nn::layers::{Dense, DepthwiseConv2D, Flatten, SeparableConv2D};
use wgtrain::nn::{
    Activation, DepthwiseConv2DArgs, Device, FitOptions, Initializer, LayerSpec, Loss, ModelSpec,
    Optimizer, Pair, SeparableConv2DArgs, Sequential, Verbose,
};
use wgtrain::Error;

/// DepthwiseConv2D(3, ×2, same, tanh) → SeparableConv2D(4, 2, strides 2, ×2, tanh) →
/// Flatten → Dense(2), on 6×5×3: smooth, for finite differences.
fn smooth(dev: Device) -> Sequential {
    let mut m = Sequential::new(dev, &[6, 5, 3]).with_seed(5);
    m.add(
        DepthwiseConv2D::new((3, 3), Activation::Tanh)
            .padding(Padding::Same)
            .depth_multiplier(2)
            .bias_initializer(Initializer::RandomNormal {
                mean: 0.0,
                stddev: 0.3,
            }),
    )
    .unwrap();
    m.add(
        SeparableConv2D::new(4, (2, 2), Activation::Tanh)
            .strides((2, 2))
            .depth_multiplier(2)
            .bias_initializer(Initializer::RandomUniform {
                minval: -0.3,
                maxval: 0.3,
            }),
    )
    .unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(2, Activation::Linear)).unwrap();
    m
}

/// The fused paths: ReLU in the depthwise forward and in the pointwise matmul's epilogue
/// (and the next layer applying it), valid padding, strides 2, no bias, odd sizes.
fn relu_model(dev: Device) -> Sequential {
    let mut m = Sequential::new(dev, &[9, 7, 5]).with_seed(6);
    m.add(
        DepthwiseConv2D::new((3, 2), Activation::Relu)
            .strides((2, 1))
            .use_bias(false),
    )
    .unwrap();
    m.add(
        SeparableConv2D::new(7, (3, 3), Activation::Relu)
            .padding(Padding::Same)
            .depth_multiplier(3),
    )
    .unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(3, Activation::Relu)).unwrap();
    m.add(Dense::new(2, Activation::Linear)).unwrap();
    m
}

#[test]
fn depthwise_and_separable_backward_match_finite_differences() {
    let xy = data(1, 4, &[6, 5, 3], 2);
    let mut m = smooth(Device::Cpu);
    let n = finite_differences(&mut m, &xy, &["layers.0.", "layers.1."]);
    // kernel 3·3·3·2 + bias 6; depthwise 2·2·6·2 + pointwise 12·4 + bias 4.
    assert_eq!(n, 54 + 6 + 48 + 48 + 4);
}

#[test]
fn depthwise_layers_train_alike_on_gpu_and_cpu() {
    let trained = [
        "layers.0.kernel",
        "layers.1.depthwise_kernel",
        "layers.1.pointwise_kernel",
        "layers.1.bias",
    ];
    gpu_matches_cpu(smooth, &data(2, 7, &[6, 5, 3], 2), &trained);
    gpu_matches_cpu(relu_model, &data(3, 5, &[9, 7, 5], 2), &trained);
}

#[test]
fn parameters_are_counted_and_named_as_keras_does() {
    let mut m = Sequential::new(Device::Cpu, &[12, 12, 3]).with_seed(0);
    m.add(
        DepthwiseConv2D::new((3, 3), Activation::Linear)
            .depth_multiplier(2)
            .padding(Padding::Same),
    )
    .unwrap();
    m.add(SeparableConv2D::new(8, (3, 3), Activation::Relu).strides((2, 2)))
        .unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(10, Activation::Softmax)).unwrap();
    // Keras 3.15.1's summary of the same model: 60, 110, 0, 2,010; total 2,180.
    let s = m.summary();
    for (name, shape, count) in [
        ("depthwise_conv2d", "(None, 12, 12, 6)", "60"),
        ("separable_conv2d", "(None, 5, 5, 8)", "110"),
        ("dense", "(None, 10)", "2,010"),
    ] {
        let line = s.lines().find(|l| l.starts_with(&format!(" {name} ")));
        assert!(
            line.is_some_and(|l| l.contains(shape) && l.trim_end().ends_with(count)),
            "summary lacks {name} {shape} {count}:\n{s}"
        );
    }
    for want in [
        "(DepthwiseConv2D)",
        "(SeparableConv2D)",
        "Total params: 2,180",
    ] {
        assert!(s.contains(want), "summary lacks {want}:\n{s}");
    }
    let w = m.get_weights().unwrap();
    let shapes: Vec<(String, Vec<usize>)> = w
        .iter()
        .map(|t| (t.name.clone(), t.array.shape.clone()))
        .collect();
    let want = [
        ("layers.0.kernel", vec![3, 3, 3, 2]),
        ("layers.0.bias", vec![6]),
        ("layers.1.depthwise_kernel", vec![3, 3, 6, 1]),
        ("layers.1.pointwise_kernel", vec![1, 1, 6, 8]),
        ("layers.1.bias", vec![8]),
        ("layers.3.kernel", vec![200, 10]),
        ("layers.3.bias", vec![10]),
    ];
    let want: Vec<(String, Vec<usize>)> = want
        .iter()
        .map(|(n, s)| (n.to_string(), s.clone()))
        .collect();
    assert_eq!(shapes, want);
    // Glorot-uniform kernels within Keras's limits: √(6 / (fan_in + fan_out)) with the
    // depthwise fans kh·kw·c and kh·kw·m, the pointwise ones c·m and filters.
    let limit = |fi: f32, fo: f32| (6.0 / (fi + fo)).sqrt();
    for (t, lim) in [
        (0, limit(27.0, 18.0)),
        (2, limit(54.0, 9.0)),
        (3, limit(6.0, 8.0)),
    ] {
        let max = w[t].array.data.iter().fold(0f32, |a, v| a.max(v.abs()));
        assert!(
            max <= lim && max > 0.6 * lim,
            "{}: max {max}, limit {lim}",
            w[t].name
        );
    }
    // Saved and loaded under these names.
    let dir = common::TempDir::new("depthwise-weights");
    m.save_weights(dir.path("w.safetensors")).unwrap();
    let mut other = Sequential::from_spec(&m.spec(), Device::Cpu, 9).unwrap();
    other.load_weights(dir.path("w.safetensors")).unwrap();
    let x = data(4, 3, &[12, 12, 3], 1).0;
    assert_eq!(m.predict(&x).unwrap().data, other.predict(&x).unwrap().data);
}

#[test]
fn builder_and_description_errors_name_the_layer_and_field() {
    let err = |shape: &[usize], layer: DepthwiseConv2D| -> Error {
        let mut m = Sequential::new(Device::Cpu, shape);
        m.add(layer).unwrap_err()
    };
    let e = err(&[10], DepthwiseConv2D::new((3, 3), Activation::Linear));
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    assert!(e.to_string().contains("DepthwiseConv2D"), "{e}");
    let e = err(&[2, 5, 3], DepthwiseConv2D::new((3, 3), Activation::Linear));
    assert_eq!(
        e.to_string(),
        "layer 0 (DepthwiseConv2D) with input shape (None, 2, 5, 3): DepthwiseConv2D((3, 3)) \
         cannot apply to input [2, 5, 3]: input size 2 is smaller than the window 3 with \
         padding 'valid'"
    );
    let e = err(
        &[5, 5, 3],
        DepthwiseConv2D::new((3, 3), Activation::Linear).depth_multiplier(0),
    );
    assert!(
        e.to_string().contains("depth_multiplier must be ≥ 1"),
        "{e}"
    );
    let mut m = Sequential::new(Device::Cpu, &[5, 5, 3]);
    let e = m
        .add(SeparableConv2D::new(0, (3, 3), Activation::Linear))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("SeparableConv2D(0, (3, 3)): filters must be ≥ 1"),
        "{e}"
    );
    let e = m
        .add(SeparableConv2D::new(4, (3, 3), Activation::Linear).strides((0, 1)))
        .unwrap_err();
    assert!(e.to_string().contains("strides"), "{e}");

    // Descriptions: each bad field named, with the layer.
    for (layer, says) in [
        (
            json!({"DepthwiseConv2D": {"kernel_size": 3, "depth_multiplier": 0}}),
            "field `depth_multiplier` must be at least 1",
        ),
        (
            json!({"DepthwiseConv2D": {"kernel_size": 3, "padding": "full"}}),
            "field `padding`: \"full\" is not supported",
        ),
        (
            json!({"SeparableConv2D": {"filters": 0, "kernel_size": 3}}),
            "field `filters` must be at least 1",
        ),
        (
            json!({"SeparableConv2D": {"filters": 2, "kernel_size": 3, "activation": "swish"}}),
            "field `activation`: \"swish\" is not supported",
        ),
        (
            json!({"SeparableConv2D": {"filters": 2, "kernel_size": 3, "dilation_rate": 2}}),
            "unknown field `dilation_rate`",
        ),
    ] {
        let text = json!({"input_shape": [8, 8, 3], "layers": [layer]}).to_string();
        let e = ModelSpec::from_json(&text, "d.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains(says) && e.contains("layer 0"), "{e}");
    }
    // A kernel larger than the image with 'valid' padding: at build, naming the layer.
    let text = r#"{"input_shape": [2, 2, 1], "layers": [{"SeparableConv2D": {"filters": 2, "kernel_size": 3}}]}"#;
    let spec = ModelSpec::from_json(text, "d.json").unwrap();
    let e = Sequential::from_spec(&spec, Device::Cpu, 0)
        .and_then(|mut m| m.build())
        .unwrap_err()
        .to_string();
    assert!(e.contains("SeparableConv2D(2, (3, 3)) cannot apply"), "{e}");
}

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn read(v: &Value) -> wgtrain::Result<ModelSpec> {
    ModelSpec::from_json(&v.to_string(), "depthwise.json")
}

#[test]
fn depthwise_layers_read_from_and_write_to_keras_json() {
    let v = fixture("depthwise.json");
    let spec = read(&v).unwrap();
    let mut dw = DepthwiseConv2DArgs::new(Pair(3, 3));
    dw.depth_multiplier = 2;
    dw.padding = "same".into();
    let mut sep = SeparableConv2DArgs::new(8, Pair(3, 3));
    sep.strides = Pair(2, 2);
    sep.activation = "relu".into();
    sep.depthwise_initializer = Initializer::HeNormal;
    sep.bias_initializer = Initializer::RandomNormal {
        mean: 0.1,
        stddev: 0.2,
    };
    assert_eq!(spec.input_shape, vec![12, 12, 3]);
    assert_eq!(spec.layers[0], LayerSpec::DepthwiseConv2D(dw));
    assert_eq!(spec.layers[1], LayerSpec::SeparableConv2D(sep));
    assert_eq!(spec.layer_names()[0], "dw");
    // Written as Keras JSON and as a description, it reads back as itself.
    let text = spec.to_keras_json();
    assert_eq!(
        ModelSpec::from_json(&text, "exported.json").unwrap(),
        spec,
        "{text}"
    );
    assert_eq!(
        ModelSpec::from_json(&spec.to_json(), "native.json").unwrap(),
        spec
    );
    // What wgtrain does not implement is refused, naming the layer and the argument.
    for (layer, key, value, says) in [
        (
            1,
            "data_format",
            json!("channels_first"),
            "argument `data_format` = \"channels_first\"",
        ),
        (
            1,
            "dilation_rate",
            json!([2, 2]),
            "argument `dilation_rate` = [2, 2]",
        ),
        (2, "dilation_rate", json!(2), "not dilated"),
        (
            1,
            "depthwise_regularizer",
            json!({"class_name": "L2", "config": {"l2": 0.01}}),
            "argument `depthwise_regularizer`",
        ),
        (
            2,
            "pointwise_constraint",
            json!({"class_name": "NonNeg", "config": {}}),
            "argument `pointwise_constraint`",
        ),
        (1, "trainable", json!(false), "trainable: false"),
        (
            2,
            "depth_multiplier",
            json!(0),
            "`depth_multiplier` must be at least 1",
        ),
        (
            2,
            "pointwise_initializer",
            json!("orthogonal"),
            "argument `pointwise_initializer`",
        ),
    ] {
        let mut bad = v.clone();
        bad["config"]["layers"][layer]["config"][key] = value;
        let e = read(&bad).unwrap_err().to_string();
        let class = ["", "DepthwiseConv2D", "SeparableConv2D"][layer];
        assert!(e.contains(says) && e.contains(class), "{key}: {e}");
    }
}

/// A checkpoint keeps the layers, their weights and the optimizer's state: 2 epochs, save,
/// load, 1 more equals 3 in one go, bit for bit (on each device).
#[test]
fn checkpoints_resume_bit_for_bit() {
    let (x, y) = data(7, 24, &[9, 7, 5], 2);
    let opts = |epochs, initial_epoch| FitOptions {
        epochs,
        initial_epoch,
        batch_size: 8,
        verbose: Verbose::Silent,
        ..FitOptions::default()
    };
    let dir = common::TempDir::new("depthwise-checkpoint");
    let mut devices = vec![Device::Cpu];
    devices.extend(common::gpu_device());
    for dev in devices {
        let compiled = |dev: Device| {
            let mut m = relu_model(dev);
            m.compile(Optimizer::adam_lr(0.01), Loss::MeanSquaredError, &[])
                .unwrap();
            m
        };
        let mut whole = compiled(dev.clone());
        whole.fit(&x, &y, &opts(3, 0)).unwrap();
        let mut first = compiled(dev.clone());
        first.fit(&x, &y, &opts(2, 0)).unwrap();
        let path = dir.path("m.safetensors");
        first.save(&path).unwrap();
        let mut resumed = Sequential::load(&path, dev).unwrap();
        assert_eq!(resumed.spec(), first.spec());
        resumed.fit(&x, &y, &opts(3, 2)).unwrap();
        let (a, b) = (whole.get_weights().unwrap(), resumed.get_weights().unwrap());
        assert_eq!(a.len(), b.len());
        for (a, b) in a.iter().zip(&b) {
            assert_eq!((&a.name, &a.array.data), (&b.name, &b.array.data));
        }
    }
}
