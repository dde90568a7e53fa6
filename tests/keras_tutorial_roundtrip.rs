//! Issue 25's layers through Keras 3 for real: the tutorial layers, regularizers,
//! depthwise/separable convolutions and augmentation layers go wgtrain → Keras → wgtrain
//! (or Keras → wgtrain → Keras): the same predictions, the same SGD step (loss with the
//! regularization penalty, every weight) within 1e-5, and Keras's own JSON back. The last
//! test holds every §3 layer, initializer and regularizer in one model. Needs Python with
//! Keras and JAX (WGTRAIN_KERAS_PYTHON, else python3); without them each test says it was
//! skipped.

mod common;

use common::keras::{
    assert_close, export, keras_predicts, keras_python, python, read_f32, script, step_like_keras,
    through_keras, write_f32,
};
use common::{one_hot, randn, TempDir};
use wgtrain::nn::{
    Array, Device, Factor, FitOptions, LayerSpec, Loss, ModelSpec, Optimizer, Regularizer,
    Sequential, Verbose,
};

/// The layers and arguments of the common tutorials (issue 25 §3): Rescaling, ReLU and
/// Softmax layers, ZeroPadding2D, use_bias=False, padding "same" on pooling layers,
/// initializers (Keras rebuilds the model from their JSON; the weights are wgtrain's),
/// trainable=False.
fn tutorial_a_spec() -> ModelSpec {
    ModelSpec::from_json(
        r#"{"input_shape": [9, 8, 3], "layers": [
            {"Rescaling": {"scale": 0.5, "offset": -0.25}},
            {"Conv2D": {"filters": 4, "kernel_size": 3, "padding": "same", "use_bias": false,
                        "kernel_initializer": "he_normal"}},
            {"ReLU": {}},
            {"ZeroPadding2D": {"padding": [[1, 0], [2, 1]]}},
            {"MaxPooling2D": {"pool_size": 2, "padding": "same"}},
            {"Conv2D": {"filters": 3, "kernel_size": [2, 3], "activation": "tanh",
                        "kernel_initializer": "lecun_uniform",
                        "bias_initializer": {"random_normal": {"mean": 0.1, "stddev": 0.2}}}},
            {"AveragePooling2D": {"pool_size": 3, "strides": 2, "padding": "same"}},
            {"Flatten": {}},
            {"Dense": {"units": 6, "activation": "tanh", "use_bias": false, "trainable": false,
                       "kernel_initializer": {"truncated_normal": {"stddev": 0.3}}}},
            {"Dense": {"units": 5, "kernel_initializer": "glorot_normal",
                       "bias_initializer": {"random_uniform": {"minval": -0.5, "maxval": 0.5}}}},
            {"Softmax": {}}]}"#,
        "tutorial",
    )
    .unwrap()
}

#[test]
fn the_tutorial_layers_predict_and_train_one_sgd_step_as_keras_does() {
    let Some(py) = keras_python() else { return };
    let spec = tutorial_a_spec();
    let n = 12;
    let per: usize = spec.input_shape.iter().product();
    let x = Array::new(&[n, 9, 8, 3], randn(3, n * per, 4.0)).unwrap();
    let y = Array::new(&[n, 5], one_hot(4, n, 5)).unwrap();
    on_each_device_through_keras(&py, &spec, (&x, &y, 0.1), "tutorial layers", |s| s);
}

/// wgtrain builds `spec` on each device (the CPU device, then the GPU where there is one);
/// Keras, given the export, predicts the same, takes the same SGD step (learning rate
/// `lr`), and saves a model whose JSON reads back as `spec` (both passed through `same`).
fn on_each_device_through_keras(
    py: &str,
    spec: &ModelSpec,
    (x, y, lr): (&Array, &Array, f32),
    what: &str,
    same: fn(ModelSpec) -> ModelSpec,
) {
    for device in [Some(Device::Cpu), common::gpu_device()]
        .into_iter()
        .flatten()
    {
        let dir = TempDir::new("keras-tutorial");
        let mut m = Sequential::from_spec(spec, device, 7).unwrap();
        m.compile(Optimizer::sgd(lr, 0.0), Loss::CategoricalCrossentropy, &[])
            .unwrap();
        m.save(dir.path("checkpoint.safetensors")).unwrap();
        let model = dir.path("export");
        export(&dir.path("checkpoint.safetensors"), &model);
        let ours = m.predict(x).unwrap();
        keras_predicts(py, &dir, &model, x, &ours, what);
        step_like_keras(py, &dir, &model, (&mut m, spec), (x, y, lr), what);
        let back = through_keras(py, &dir, &model);
        assert_eq!(same(back), same(spec.clone()), "{what}: Keras's JSON");
    }
}

/// A model with kernel and bias regularizers (L1, L2, L1L2 on different layers), built and
/// initialised by Keras and saved to the path given. The L1-regularised biases start
/// random, not zero: at exactly 0, JAX's |x| has slope 1 where wgtrain's (and TF's) has 0.
const REGULARIZED_IN_KERAS: &str = r#"
import sys, keras
from keras import layers, regularizers as r
model = keras.Sequential([
    keras.Input((6, 5, 2)),
    layers.Conv2D(3, (3, 2), activation="tanh", name="conv",
                  kernel_regularizer=r.L1L2(l1=0.01, l2=0.02), bias_regularizer=r.L1(0.05),
                  bias_initializer=keras.initializers.RandomNormal(stddev=0.3)),
    layers.Flatten(),
    layers.Dense(6, activation="relu", kernel_regularizer=r.L2(0.03), name="hidden"),
    layers.Dense(4, activation="softmax", name="out", kernel_regularizer=r.L1(0.002),
                 bias_regularizer="l2",
                 bias_initializer=keras.initializers.RandomNormal(stddev=0.3)),
])
model.save(sys.argv[1])
"#;

#[test]
fn keras_regularizers_add_to_the_loss_and_the_step_as_in_keras() {
    let Some(py) = keras_python() else { return };
    let dir = TempDir::new("keras-regularizers");
    python(&py, REGULARIZED_IN_KERAS, &[&dir.s("model.keras")]);
    script(&py, &["from-keras", &dir.s("model.keras"), &dir.s("keras")]);
    // Read from Keras's JSON: each regularizer as Keras wrote it.
    let weights = dir.path("keras/model.safetensors");
    let spec = ModelSpec::from_weights_file(&weights).unwrap().unwrap();
    let regs: Vec<_> = spec
        .layers
        .iter()
        .filter_map(|l| match l {
            LayerSpec::Dense {
                kernel_regularizer,
                bias_regularizer,
                ..
            }
            | LayerSpec::Conv2D {
                kernel_regularizer,
                bias_regularizer,
                ..
            } => Some((*kernel_regularizer, *bias_regularizer)),
            _ => None,
        })
        .collect();
    assert_eq!(
        regs,
        [
            (
                Some(Regularizer::l1_l2(0.01, 0.02)),
                Some(Regularizer::l1(0.05))
            ),
            (Some(Regularizer::l2(0.03)), None),
            (Some(Regularizer::l1(0.002)), Some(Regularizer::l2(0.01))),
        ]
    );

    let (n, lr) = (10, 0.1f32);
    let x = Array::new(&[n, 6, 5, 2], randn(5, n * 60, 4.0)).unwrap();
    let y = Array::new(&[n, 4], one_hot(6, n, 4)).unwrap();
    write_f32(&dir.path("x.f32"), &x.data);
    write_f32(&dir.path("y.f32"), &y.data);
    script(
        &py,
        &[
            "sgd-step",
            &dir.s("keras"),
            &dir.s("x.f32"),
            &dir.s("y.f32"),
            "categorical_crossentropy",
            &lr.to_string(),
            &dir.s("step"),
        ],
    );
    let keras_penalty = read_f32(&dir.path("step/regularization.f32"));
    assert!(
        keras_penalty[0] > 0.05,
        "the penalty matters: {keras_penalty:?}"
    );
    let mut after = Sequential::from_spec(&spec, Device::Cpu, 0).unwrap();
    after
        .load_weights(dir.path("step/model.safetensors"))
        .unwrap();
    let keras_after = after.get_weights().unwrap();

    // The same step from Keras's initial weights, on each device.
    let mut devices = vec![(false, Device::Cpu)];
    devices.extend(common::gpu_device().map(|g| (true, g)));
    for (gpu, dev) in devices {
        let mut m = Sequential::from_spec(&spec, dev, 0).unwrap();
        m.load_weights(&weights).unwrap();
        m.compile(Optimizer::sgd(lr, 0.0), Loss::CategoricalCrossentropy, &[])
            .unwrap();
        assert_close(
            "regularizers: the penalty before the step",
            &[m.regularization_loss().unwrap()],
            &keras_penalty,
        );
        let loss = m.train_on_batch(&x, &y).unwrap();
        assert_close(
            "regularizers: one-step loss (penalty included)",
            &[loss],
            &read_f32(&dir.path("step/loss.f32")),
        );
        for (a, b) in m.get_weights().unwrap().iter().zip(&keras_after) {
            assert_eq!(a.name, b.name);
            assert_close(
                &format!("regularizers: {} after one step", a.name),
                &a.array.data,
                &b.array.data,
            );
        }
        if gpu {
            continue;
        }
        // Exported back to Keras JSON and reloaded by Keras: the same model again.
        m.save(dir.path("checkpoint.safetensors")).unwrap();
        export(&dir.path("checkpoint.safetensors"), &dir.path("export"));
        script(&py, &["to-keras", &dir.s("export"), &dir.s("back.keras")]);
        script(&py, &["from-keras", &dir.s("back.keras"), &dir.s("back")]);
        let back = ModelSpec::from_weights_file(dir.path("back/model.safetensors"))
            .unwrap()
            .unwrap();
        assert_eq!(back, spec);
        let ours = m.predict(&x).unwrap();
        script(
            &py,
            &[
                "predict",
                &dir.s("export"),
                &dir.s("x.f32"),
                &dir.s("keras.f32"),
            ],
        );
        assert_close(
            "regularizers: predictions after export",
            &ours.data,
            &read_f32(&dir.path("keras.f32")),
        );
    }
}

/// Keras builds 12×12×3 → DepthwiseConv2D(3, ×2, same) → SeparableConv2D(8, 3, strides 2,
/// relu) → Flatten → Dense(10, softmax) with its own weights (random biases, so every
/// weight matters); wgtrain reads its JSON and weights.
const KERAS_DEPTHWISE: &str = r#"
import sys, keras
keras.utils.set_random_seed(11)
rn = keras.initializers.RandomNormal
m = keras.Sequential([keras.Input((12, 12, 3)),
    keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", bias_initializer=rn(0.0, 0.3)),
    keras.layers.SeparableConv2D(8, 3, strides=2, activation="relu", bias_initializer=rn(0.1, 0.2)),
    keras.layers.Flatten(),
    keras.layers.Dense(10, activation="softmax", bias_initializer=rn(0.0, 0.2))])
m.save(sys.argv[1])
"#;

#[test]
fn keras_depthwise_and_separable_layers_import_train_one_sgd_step_and_export() {
    let Some(py) = keras_python() else { return };
    let dir = TempDir::new("keras-depthwise");
    python(&py, KERAS_DEPTHWISE, &[&dir.s("model.keras")]);
    script(&py, &["from-keras", &dir.s("model.keras"), &dir.s("k")]);
    let spec = ModelSpec::from_weights_file(dir.path("k/model.safetensors"))
        .unwrap()
        .unwrap();
    assert_eq!(spec.layers[0].kind(), "DepthwiseConv2D");
    assert_eq!(spec.layers[1].kind(), "SeparableConv2D");
    let (n, lr) = (6, 0.05f32);
    let x = Array::new(&[n, 12, 12, 3], randn(21, n * 432, 3.0)).unwrap();
    let y = Array::new(&[n, 10], one_hot(22, n, 10)).unwrap();
    write_f32(&dir.path("x.f32"), &x.data);
    write_f32(&dir.path("y.f32"), &y.data);
    script(
        &py,
        &["predict", &dir.s("k"), &dir.s("x.f32"), &dir.s("keras.f32")],
    );
    script(
        &py,
        &[
            "sgd-step",
            &dir.s("k"),
            &dir.s("x.f32"),
            &dir.s("y.f32"),
            "categorical_crossentropy",
            &lr.to_string(),
            &dir.s("step"),
        ],
    );
    let mut keras_after = Sequential::from_spec(&spec, Device::Cpu, 0).unwrap();
    keras_after
        .load_weights(dir.path("step/model.safetensors"))
        .unwrap();
    let keras_after = keras_after.get_weights().unwrap();
    let mut devices = vec![Device::Cpu];
    devices.extend(common::gpu_device());
    for dev in devices {
        let on = if dev.gpu().is_some() { "GPU" } else { "CPU" };
        let mut m = Sequential::from_spec(&spec, dev, 3).unwrap();
        m.load_weights(dir.path("k/model.safetensors")).unwrap();
        assert_close(
            &format!("depthwise ({on}): predictions of Keras's model"),
            &m.predict(&x).unwrap().data,
            &read_f32(&dir.path("keras.f32")),
        );
        // One SGD step on the whole batch in both: the same loss and the same weights.
        m.compile(Optimizer::sgd(lr, 0.0), Loss::CategoricalCrossentropy, &[])
            .unwrap();
        let loss = m.train_on_batch(&x, &y).unwrap();
        assert_close(
            &format!("depthwise ({on}): one-step loss"),
            &[loss],
            &read_f32(&dir.path("step/loss.f32")),
        );
        let ours = m.get_weights().unwrap();
        assert_eq!(ours.len(), keras_after.len());
        for (a, b) in ours.iter().zip(&keras_after) {
            assert_eq!(a.name, b.name);
            assert_close(
                &format!("depthwise ({on}): {} after one step", a.name),
                &a.array.data,
                &b.array.data,
            );
        }
        // Exported back, Keras loads it and predicts what wgtrain predicts.
        let sub = format!("export-{on}");
        m.save(dir.path(&format!("{sub}.safetensors"))).unwrap();
        export(&dir.path(&format!("{sub}.safetensors")), &dir.path(&sub));
        let pred = format!("{sub}.f32");
        script(
            &py,
            &["predict", &dir.s(&sub), &dir.s("x.f32"), &dir.s(&pred)],
        );
        assert_close(
            &format!("depthwise ({on}): Keras's predictions of the exported model"),
            &m.predict(&x).unwrap().data,
            &read_f32(&dir.path(&pred)),
        );
        // Saved by Keras and read back, it is the description Keras first wrote.
        let keras_file = dir.s(&format!("{sub}.keras"));
        script(&py, &["to-keras", &dir.s(&sub), &keras_file]);
        let back = format!("{sub}-back");
        script(&py, &["from-keras", &keras_file, &dir.s(&back)]);
        let back = ModelSpec::from_weights_file(dir.path(&format!("{back}/model.safetensors")));
        assert_eq!(back.unwrap().unwrap(), spec);
    }
}

/// A Keras model with the four augmentation layers (non-default arguments, seeds) and a
/// small CNN, saved to argv[1].
const KERAS_AUGMENTED: &str = r#"
import sys, keras
keras.utils.set_random_seed(1)
L = keras.layers
m = keras.Sequential([
    keras.Input((12, 12, 3)),
    L.RandomFlip("horizontal", seed=3),
    L.RandomTranslation(0.1, (-0.2, 0.3), fill_mode="wrap", interpolation="nearest"),
    L.RandomRotation(0.125, fill_mode="constant", fill_value=0.5, seed=5),
    L.RandomZoom((-0.3, 0.2), width_factor=0.1, fill_mode="nearest"),
    L.Conv2D(4, 3, activation="relu"),
    L.MaxPooling2D(),
    L.Flatten(),
    L.Dense(3, activation="softmax"),
])
m.save(sys.argv[1])
"#;

/// The layers of the models saved at argv[1] and argv[2] have identical configs.
const KERAS_SAME_CONFIGS: &str = r#"
import sys, json, keras
a, b = (keras.models.load_model(p, compile=False) for p in sys.argv[1:3])
ca, cb = ([l.get_config() for l in m.layers] for m in (a, b))
if len(ca) != len(cb) or len(ca) != 8:
    sys.exit(f"{len(ca)} vs {len(cb)} layers")
for x, y in zip(ca, cb):
    if json.dumps(x, sort_keys=True) != json.dumps(y, sort_keys=True):
        sys.exit(f"configs differ:\n{x}\n{y}")
"#;

/// Keras's augmentation layers (issue 25 §3/§4): a Keras model with all four and a small
/// CNN reads into wgtrain and predicts as Keras (the layers are identity at inference);
/// trained in wgtrain (the layers active) and exported, Keras rebuilds every layer with
/// the same config as the original's and predicts as wgtrain.
#[test]
fn augmentation_layers_come_from_keras_and_go_back_with_identical_configs() {
    let Some(py) = keras_python() else { return };
    let dir = TempDir::new("keras-augment");
    let original = dir.s("original.keras");
    python(&py, KERAS_AUGMENTED, &[&original]);
    script(&py, &["from-keras", &original, &dir.s("from")]);
    let weights = dir.path("from/model.safetensors");
    let spec = ModelSpec::from_weights_file(&weights).unwrap().unwrap();
    let kinds: Vec<&str> = spec.layers[..4].iter().map(|l| l.kind()).collect();
    assert_eq!(
        kinds,
        [
            "RandomFlip",
            "RandomTranslation",
            "RandomRotation",
            "RandomZoom"
        ]
    );
    let mut m = Sequential::from_spec(&spec, Device::Cpu, 0).unwrap();
    m.load_weights(&weights).unwrap();
    let n = 10;
    let x = Array::new(&[n, 12, 12, 3], randn(8, n * 432, 2.0)).unwrap();
    write_f32(&dir.path("x.f32"), &x.data);
    script(
        &py,
        &["predict", &original, &dir.s("x.f32"), &dir.s("keras.f32")],
    );
    let keras = read_f32(&dir.path("keras.f32"));
    assert_close(
        "augmentation: Keras → wgtrain",
        &m.predict(&x).unwrap().data,
        &keras,
    );

    let y = Array::new(&[n, 3], one_hot(5, n, 3)).unwrap();
    m.compile(Optimizer::adam_lr(0.01), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    let opts = FitOptions {
        epochs: 2,
        batch_size: 4,
        verbose: Verbose::Silent,
        ..Default::default()
    };
    m.fit(&x, &y, &opts).unwrap();
    m.save(dir.path("trained.safetensors")).unwrap();
    export(&dir.path("trained.safetensors"), &dir.path("export"));
    let exported = dir.s("exported.keras");
    script(&py, &["to-keras", &dir.s("export"), &exported]);
    python(&py, KERAS_SAME_CONFIGS, &[&original, &exported]);
    script(
        &py,
        &["predict", &exported, &dir.s("x.f32"), &dir.s("back.f32")],
    );
    assert_close(
        "augmentation: trained in wgtrain → Keras",
        &m.predict(&x).unwrap().data,
        &read_f32(&dir.path("back.f32")),
    );
}

/// Keras's transforms for fixed draws (factor ranges of one value), applied with
/// `training=True` to a 9×11×2 image: argv[1] the image, argv[2] the outputs, in the order
/// the test lists them.
const KERAS_FIXED_TRANSFORMS: &str = r#"
import sys, numpy as np, keras
L = keras.layers
x = np.fromfile(sys.argv[1], dtype="<f4").reshape(1, 9, 11, 2)
outs = []
for fill in ["reflect", "wrap", "constant", "nearest"]:
    kw = dict(fill_mode=fill, fill_value=0.5)
    for layer in [
        L.RandomTranslation((0.2, 0.2), (-0.3, -0.3), **kw),
        L.RandomTranslation((0.2, 0.2), (-0.3, -0.3), interpolation="nearest", **kw),
        L.RandomZoom((0.3, 0.3), (-0.2, -0.2), **kw),
        L.RandomRotation((0.1, 0.1), **kw),
    ]:
        outs.append(np.asarray(layer(x, training=True)).ravel())
np.concatenate(outs).astype("<f4").tofile(sys.argv[2])
"#;

/// The geometry is Keras's: with a range of one value the draw is fixed, so wgtrain's
/// transform (its CPU twin, which the GPU matches) must give Keras's training-time output:
/// pixel centres, the affine maps (translation in pixels of height/width, zoom about the
/// centre with positive = out, rotation counter-clockwise in turns), bilinear and nearest
/// sampling, and the four fill modes. Bilinear values differ only by wgtrain's 2^-16-pixel
/// fixed-point coordinates (rotation also by its integer sine); nearest ones are equal.
#[test]
fn augmentation_geometry_matches_keras_for_fixed_draws() {
    use wgtrain::cpu::augment::{Augment, FillMode, Interpolation, Transform};
    let Some(py) = keras_python() else { return };
    let dir = TempDir::new("keras-augment-geometry");
    let dims = (1, 9, 11, 2);
    let x = randn(12, 9 * 11 * 2, 1.0);
    write_f32(&dir.path("x.f32"), &x);
    python(
        &py,
        KERAS_FIXED_TRANSFORMS,
        &[&dir.s("x.f32"), &dir.s("keras.f32")],
    );
    let keras = read_f32(&dir.path("keras.f32"));
    let shift = Transform::Translate {
        height: (0.2, 0.2),
        width: (-0.3, -0.3),
    };
    let zoom = Transform::Zoom {
        height: (0.3, 0.3),
        width: Some((-0.2, -0.2)),
    };
    let turn = Transform::Rotate { turns: (0.1, 0.1) };
    let (bilinear, nearest) = (Interpolation::Bilinear, Interpolation::Nearest);
    let mut at = 0;
    for fill_mode in [
        FillMode::Reflect,
        FillMode::Wrap,
        FillMode::Constant,
        FillMode::Nearest,
    ] {
        for (transform, interpolation, atol) in [
            (shift, bilinear, 2e-5f32),
            (shift, nearest, 0.0),
            (zoom, bilinear, 1e-4),
            (turn, bilinear, 1e-4),
        ] {
            let a = Augment {
                transform,
                fill_mode,
                interpolation,
                fill_value: 0.5,
            };
            let ours = wgtrain::cpu::augment_forward(&x, dims, &a, 1, 0);
            let theirs = &keras[at..at + ours.len()];
            at += ours.len();
            let worst = ours
                .iter()
                .zip(theirs)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst <= atol, "{a:?}: max |Δ| {worst} vs Keras");
            eprintln!("{transform:?} {fill_mode:?} {interpolation:?}: max |Δ| {worst:e}");
        }
    }
    assert_eq!(at, keras.len());
}

/// Issue 25's acceptance model: every layer, initializer and regularizer of §3 in one
/// Sequential model. The augmentation layers and SpatialDropout2D are active in Keras's
/// `train_on_batch`, so for one step to be comparable their draws must not matter: the
/// input is mirror-symmetric left-right (RandomFlip "horizontal" leaves it as it is),
/// the translation, rotation and zoom factors are 0 and the dropout rate is 0. Their
/// randomness is checked elsewhere (tests/layers_augment.rs, tests/ops/augment.rs,
/// tests/layers_tutorial_b.rs); here they must read, build, pass values and gradients,
/// and export as Keras does. No L1 penalty sits on a weight that starts at exactly 0
/// (JAX takes |w|'s gradient at 0 as +1, wgtrain and TensorFlow as 0).
fn every_tutorial_layer_spec() -> ModelSpec {
    ModelSpec::from_json(
        r#"{"input_shape": [10, 10, 3], "layers": [
            {"RandomFlip": {"mode": "horizontal", "seed": 5}},
            {"RandomTranslation": {"height_factor": 0.0, "width_factor": [0.0, 0.0],
                                   "fill_mode": "constant", "fill_value": 0.5}},
            {"RandomRotation": {"factor": 0.0, "fill_mode": "nearest",
                                "interpolation": "nearest"}},
            {"RandomZoom": {"height_factor": 0.0, "fill_mode": "wrap"}},
            {"Rescaling": {"scale": 0.5, "offset": -0.25}},
            {"ZeroPadding2D": {"padding": [[1, 0], [0, 1]]}},
            {"Conv2D": {"filters": 4, "kernel_size": 3, "padding": "same", "use_bias": false,
                        "kernel_initializer": "he_uniform",
                        "kernel_regularizer": {"l2": 0.01}}},
            {"ReLU": {}},
            {"DepthwiseConv2D": {"kernel_size": 3, "padding": "same", "depth_multiplier": 2,
                                 "depthwise_initializer": "lecun_normal"}},
            {"SpatialDropout2D": {"rate": 0.0}},
            {"MaxPooling2D": {"pool_size": 2, "padding": "same"}},
            {"SeparableConv2D": {"filters": 6, "kernel_size": 3, "activation": "relu",
                                 "depthwise_initializer": "he_normal",
                                 "pointwise_initializer": "glorot_normal",
                                 "bias_initializer": "ones"}},
            {"LayerNormalization": {"epsilon": 0.001}},
            {"AveragePooling2D": {"pool_size": 2, "padding": "same"}},
            {"Flatten": {}},
            {"Dense": {"units": 8, "activation": "tanh", "use_bias": false, "trainable": false,
                       "kernel_initializer": {"truncated_normal": {"stddev": 0.3}}}},
            {"Dense": {"units": 7, "activation": "relu",
                       "kernel_initializer": "lecun_uniform",
                       "bias_initializer": {"random_normal": {"mean": 0.1, "stddev": 0.2}},
                       "kernel_regularizer": {"l1": 0.002},
                       "bias_regularizer": {"l1_l2": {"l1": 0.001, "l2": 0.003}}}},
            {"Dense": {"units": 5, "kernel_initializer": "glorot_uniform",
                       "bias_initializer": {"random_uniform": {"minval": -0.5, "maxval": 0.5}},
                       "bias_regularizer": {"l2": 0.02}}},
            {"Softmax": {}}]}"#,
        "every tutorial layer",
    )
    .unwrap()
}

/// `n` images of `h`×`w`×`c` whose columns mirror: x[.., j, ..] = x[.., w − 1 − j, ..].
fn mirrored(n: usize, (h, w, c): (usize, usize, usize), seed: u64) -> Vec<f32> {
    let mut x = randn(seed, n * h * w * c, 4.0);
    for img in x.chunks_mut(h * w * c) {
        for row in img.chunks_mut(w * c) {
            for j in 0..w / 2 {
                for ch in 0..c {
                    row[(w - 1 - j) * c + ch] = row[j * c + ch];
                }
            }
        }
    }
    x
}

#[test]
fn every_tutorial_layer_predicts_and_trains_one_sgd_step_as_keras_does() {
    let Some(py) = keras_python() else { return };
    let n = 6;
    let x = Array::new(&[n, 10, 10, 3], mirrored(n, (10, 10, 3), 21)).unwrap();
    let y = Array::new(&[n, 5], one_hot(22, n, 5)).unwrap();
    let spec = every_tutorial_layer_spec();
    let what = "every tutorial layer";
    on_each_device_through_keras(&py, &spec, (&x, &y, 0.05), what, factors_as_ranges);
}

/// `spec` with every augmentation factor written as its range: Keras saves RandomRotation's
/// `factor` 0 as [-0.0, 0.0], the same range.
fn factors_as_ranges(mut spec: ModelSpec) -> ModelSpec {
    let range = |f: &mut Factor| {
        let (lo, hi) = f.range();
        *f = Factor::Range([lo, hi]);
    };
    for l in &mut spec.layers {
        match l {
            LayerSpec::RandomTranslation(a) => {
                range(&mut a.height_factor);
                range(&mut a.width_factor);
            }
            LayerSpec::RandomRotation(a) => range(&mut a.factor),
            LayerSpec::RandomZoom(a) => {
                range(&mut a.height_factor);
                if let Some(w) = &mut a.width_factor {
                    range(w);
                }
            }
            _ => {}
        }
    }
    spec
}
