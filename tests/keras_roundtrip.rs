//! Keras and wgtrain exchange models for real: a model trained in wgtrain, `wgtrain
//! export`ed and loaded into Keras 3 by scripts/keras_weights.py predicts what wgtrain
//! predicts (within 1e-5), and the Keras model converted back (from-keras) loads into
//! wgtrain with --weights alone and predicts the same again. Needs Python with Keras and a
//! backend (WGTRAIN_KERAS_PYTHON, else python3; `.ci/run` installs keras and jax); without
//! them the test says it was skipped. Issue 25's layers go through Keras in
//! tests/keras_tutorial_roundtrip.rs.

mod common;

use common::keras::{assert_close, export, keras_python, read_f32, script, write_f32};
use common::{one_hot, randn, TempDir};
use wgtrain::nn::{
    Array, Device, FitOptions, Initializer, LayerSpec, Loss, Metric, ModelSpec, Optimizer, Pair,
    Sequential, Verbose,
};

/// Every layer kind Keras can rebuild, with non-default arguments; the first layer named.
fn spec() -> ModelSpec {
    ModelSpec {
        input_shape: vec![12, 12, 2],
        layers: vec![
            LayerSpec::Conv2D {
                filters: 6,
                kernel_size: Pair(3, 3),
                strides: Pair(1, 1),
                padding: "same".into(),
                activation: "gelu".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
            LayerSpec::BatchNormalization {
                momentum: 0.5,
                epsilon: 1e-3,
            },
            LayerSpec::MaxPooling2D {
                pool_size: Pair(2, 2),
                strides: None,
                padding: "valid".into(),
            },
            LayerSpec::LeakyReLU {
                negative_slope: 0.1,
            },
            LayerSpec::Conv2D {
                filters: 4,
                kernel_size: Pair(2, 3),
                strides: Pair(1, 2),
                padding: "valid".into(),
                activation: "tanh".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
            LayerSpec::AveragePooling2D {
                pool_size: Pair(2, 1),
                strides: Some(Pair(1, 1)),
                padding: "valid".into(),
            },
            LayerSpec::Dropout {
                rate: 0.25,
                seed: None,
            },
            LayerSpec::Flatten {},
            LayerSpec::Dense {
                units: 16,
                activation: "relu".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
            LayerSpec::BatchNormalization {
                momentum: 0.9,
                epsilon: 1e-2,
            },
            LayerSpec::Reshape {
                target_shape: vec![2, 2, -1],
            },
            LayerSpec::GlobalAveragePooling2D {},
            LayerSpec::Activation {
                activation: "sigmoid".into(),
            },
            LayerSpec::Dense {
                units: 5,
                activation: "softmax".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
        ],
        // A name of the user's own, which Keras keeps both ways (the rest generated).
        names: vec![Some("stem".into())],
    }
}

#[test]
fn wgtrain_to_keras_and_back_predicts_the_same() {
    let Some(py) = keras_python() else { return };
    let dir = TempDir::new("keras-roundtrip");
    let n = 40;
    let x = Array::new(&[n, 12, 12, 2], randn(1, n * 288, 4.0)).unwrap();
    let y = Array::new(&[n, 5], one_hot(2, n, 5)).unwrap();
    let mut m = Sequential::from_spec(&spec(), Device::Cpu, 7).unwrap();
    m.compile(
        Optimizer::adam_lr(0.01),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    // A few steps so every weight, and the moving statistics, are far from their start.
    m.fit(
        &x,
        &y,
        &FitOptions {
            epochs: 3,
            batch_size: 8,
            verbose: Verbose::Silent,
            ..Default::default()
        },
    )
    .unwrap();
    m.save(dir.path("checkpoint.safetensors")).unwrap();
    let ours = m.predict(&x).unwrap();

    export(&dir.path("checkpoint.safetensors"), &dir.path("export"));
    write_f32(&dir.path("x.f32"), &x.data);
    script(&py, &["to-keras", &dir.s("export"), &dir.s("model.keras")]);
    script(
        &py,
        &[
            "predict",
            &dir.s("model.keras"),
            &dir.s("x.f32"),
            &dir.s("keras.f32"),
        ],
    );
    let keras = read_f32(&dir.path("keras.f32"));
    assert_close("wgtrain → Keras", &ours.data, &keras);

    // Back: the Keras model's weights under wgtrain's names, its to_json() as the model.
    script(&py, &["from-keras", &dir.s("model.keras"), &dir.s("back")]);
    let weights = dir.path("back/model.safetensors");
    let spec = ModelSpec::from_weights_file(&weights).unwrap().unwrap();
    assert_eq!(
        spec,
        self::spec(),
        "Keras's to_json() reads as the model exported"
    );
    let mut back = Sequential::from_spec(&spec, Device::Cpu, 0).unwrap();
    back.compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    back.load_weights(&weights).unwrap();
    assert_close("Keras → wgtrain", &back.predict(&x).unwrap().data, &keras);
}

/// The tutorial layers of issue 25 (LayerNormalization, SpatialDropout2D, …) in one model.
fn tutorial_spec() -> ModelSpec {
    use wgtrain::nn::{LayerNormArgs, SpatialDropoutArgs};
    ModelSpec {
        input_shape: vec![10, 10, 3],
        layers: vec![
            LayerSpec::Conv2D {
                filters: 5,
                kernel_size: Pair(3, 3),
                strides: Pair(1, 1),
                padding: "same".into(),
                activation: "relu".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
            LayerSpec::LayerNormalization(LayerNormArgs { epsilon: 1e-2 }),
            LayerSpec::SpatialDropout2D(SpatialDropoutArgs {
                rate: 0.3,
                seed: None,
            }),
            LayerSpec::MaxPooling2D {
                pool_size: Pair(2, 2),
                strides: None,
                padding: "valid".into(),
            },
            LayerSpec::Flatten {},
            LayerSpec::Dense {
                units: 8,
                activation: "tanh".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
            LayerSpec::LayerNormalization(LayerNormArgs { epsilon: 1e-3 }),
            LayerSpec::Dense {
                units: 4,
                activation: "softmax".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
        ],
        ..Default::default()
    }
}

/// The tutorial layers trained in wgtrain predict the same in Keras (their inference
/// forward is Keras's: augmentation and dropout are identity there) and come back.
#[test]
fn tutorial_layers_go_to_keras_and_back() {
    let Some(py) = keras_python() else { return };
    let dir = TempDir::new("keras-roundtrip-tutorial");
    let n = 24;
    let x = Array::new(&[n, 10, 10, 3], randn(3, n * 300, 4.0)).unwrap();
    let y = Array::new(&[n, 4], one_hot(4, n, 4)).unwrap();
    let mut m = Sequential::from_spec(&tutorial_spec(), Device::Cpu, 5).unwrap();
    m.compile(Optimizer::adam_lr(0.01), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    let opts = FitOptions {
        epochs: 2,
        batch_size: 8,
        verbose: Verbose::Silent,
        ..Default::default()
    };
    m.fit(&x, &y, &opts).unwrap();
    m.save(dir.path("checkpoint.safetensors")).unwrap();
    let ours = m.predict(&x).unwrap();
    export(&dir.path("checkpoint.safetensors"), &dir.path("export"));
    write_f32(&dir.path("x.f32"), &x.data);
    script(&py, &["to-keras", &dir.s("export"), &dir.s("model.keras")]);
    let (model, keras_out) = (dir.s("model.keras"), dir.s("keras.f32"));
    script(&py, &["predict", &model, &dir.s("x.f32"), &keras_out]);
    let keras = read_f32(&dir.path("keras.f32"));
    assert_close("tutorial layers: wgtrain → Keras", &ours.data, &keras);
    script(&py, &["from-keras", &model, &dir.s("back")]);
    let weights = dir.path("back/model.safetensors");
    let spec = ModelSpec::from_weights_file(&weights).unwrap().unwrap();
    assert_eq!(
        spec,
        tutorial_spec(),
        "Keras's to_json() reads as the model exported"
    );
    let mut back = Sequential::from_spec(&spec, Device::Cpu, 0).unwrap();
    back.load_weights(&weights).unwrap();
    let again = back.predict(&x).unwrap();
    assert_close("tutorial layers: Keras → wgtrain", &again.data, &keras);
}
