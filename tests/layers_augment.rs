//! Keras's augmentation layers (RandomFlip, RandomTranslation, RandomRotation, RandomZoom)
//! through the public API: identity in predict and evaluate, active in training on both
//! devices alike, reproducible from the seeds (the model's, or the layer's own as Keras's
//! `seed`), resumed from a checkpoint at the step counter they stopped at, the gradient
//! through a layer in the middle of a model, and their Keras JSON (real Keras 3.15.1
//! output in tests/fixtures/keras/augment.json) read and written. Also SpatialDropout2D's
//! Keras `seed`.

mod common;

use std::path::Path;

use common::TempDir;
use serde_json::{json, Value};
use wgtrain::nn::layers::{
    Conv2D, Dense, Flatten, RandomFlip, RandomRotation, RandomTranslation, RandomZoom,
    SpatialDropout2D,
};
use wgtrain::nn::{
    Activation, Array, Device, Factor, LayerSpec, Loss, ModelSpec, NamedArray, Optimizer,
    RandomFlipArgs, RandomRotationArgs, RandomTranslationArgs, RandomZoomArgs, Sequential,
    SpatialDropoutArgs,
};

/// `rows` seeded images of `shape` and 2 smooth targets of each.
fn data(seed: u64, rows: usize, shape: &[usize]) -> (Array, Array) {
    let per: usize = shape.iter().product();
    let x = common::randn(seed, rows * per, 1.0);
    let y: Vec<f32> = x
        .chunks(per)
        .flat_map(|r| [(r[0] + r[per / 2]).sin(), (r[1] * r[per - 1]).cos()])
        .collect();
    let mut xs = vec![rows];
    xs.extend_from_slice(shape);
    (
        Array::new(&xs, x).unwrap(),
        Array::new(&[rows, 2], y).unwrap(),
    )
}

/// The four layers (every fill mode and both interpolations among them), then
/// Conv2D(3, 3×3, tanh) → Flatten → Dense(2), on 9×9×2 images.
fn augmented(dev: Device, seed: u64) -> Sequential {
    let mut m = Sequential::new(dev, &[9, 9, 2]).with_seed(seed);
    m.add(RandomFlip::new("horizontal_and_vertical")).unwrap();
    m.add(RandomTranslation::new(0.2, (-0.1, 0.3)).fill_mode("wrap"))
        .unwrap();
    m.add(
        RandomRotation::new(0.3)
            .fill_mode("constant")
            .fill_value(0.25)
            .interpolation("nearest"),
    )
    .unwrap();
    m.add(
        RandomZoom::new((-0.4, 0.3))
            .width_factor(0.2)
            .fill_mode("nearest"),
    )
    .unwrap();
    head(&mut m);
    m
}

fn head(m: &mut Sequential) {
    m.add(Conv2D::new(3, (3, 3), Activation::Tanh)).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(2, Activation::Linear)).unwrap();
}

/// The same model without the four augmentation layers, with `m`'s weights.
fn plain_twin(m: &Sequential, dev: Device) -> Sequential {
    let mut p = Sequential::new(dev, &[9, 9, 2]);
    head(&mut p);
    let mut w = m.get_weights().unwrap();
    for t in &mut w {
        for k in 4..7 {
            t.name = t
                .name
                .replace(&format!("layers.{k}."), &format!("layers.{}.", k - 4));
        }
    }
    p.set_weights(&w).unwrap();
    p
}

fn compiled(mut m: Sequential) -> Sequential {
    m.compile(Optimizer::adam_lr(0.01), Loss::MeanSquaredError, &[])
        .unwrap();
    m
}

fn devices() -> Vec<Device> {
    let mut d = vec![Device::Cpu];
    d.extend(common::gpu_device());
    d
}

fn close(what: &str, a: &[f32], b: &[f32]) {
    common::assert_close(what, a, b, 1e-5, 1e-3);
}

#[test]
fn augmentation_is_identity_at_predict_and_evaluate_and_active_in_training() {
    let xy = data(1, 12, &[9, 9, 2]);
    for dev in devices() {
        let mut m = compiled(augmented(dev.clone(), 4));
        let mut p = compiled(plain_twin(&m, dev.clone()));
        assert_eq!(
            m.predict(&xy.0).unwrap().data,
            p.predict(&xy.0).unwrap().data
        );
        let (em, ep) = (
            m.evaluate(&xy.0, &xy.1).unwrap(),
            p.evaluate(&xy.0, &xy.1).unwrap(),
        );
        assert_eq!(em.loss, ep.loss);
        // Training sees other images: a different loss from the same weights.
        let (lm, lp) = (
            m.train_on_batch(&xy.0, &xy.1).unwrap(),
            p.train_on_batch(&xy.0, &xy.1).unwrap(),
        );
        assert!((lm - lp).abs() > 1e-4, "augmented {lm} vs plain {lp}");
    }
}

/// Five Adam steps on each device: every loss and weight agree (the same images drawn).
#[test]
fn augmentation_trains_alike_on_gpu_and_cpu() {
    let Some(gpu) = common::gpu_device() else {
        return;
    };
    let xy = data(2, 10, &[9, 9, 2]);
    let mut g = compiled(augmented(gpu, 5));
    let mut c = compiled(augmented(Device::Cpu, 5));
    for step in 0..5 {
        let (lg, lc) = (
            g.train_on_batch(&xy.0, &xy.1).unwrap(),
            c.train_on_batch(&xy.0, &xy.1).unwrap(),
        );
        assert!(
            (lg - lc).abs() <= 1e-5 + 1e-3 * lc.abs(),
            "step {step}: {lg} vs {lc}"
        );
    }
    for (a, b) in g
        .get_weights()
        .unwrap()
        .iter()
        .zip(c.get_weights().unwrap())
    {
        close(&a.name, &a.array.data, &b.array.data);
    }
}

fn weights(m: &Sequential) -> Vec<NamedArray> {
    m.get_weights().unwrap()
}

/// The same seed, the same run; a layer's own seed fixes its draws whatever the model's
/// seed (two models with different seeds and equal weights then train alike); without
/// one the model's seed decides them.
#[test]
fn seeds_make_runs_reproducible() {
    let xy = data(3, 16, &[9, 9, 2]);
    let run = |m: &mut Sequential| {
        for _ in 0..3 {
            m.train_on_batch(&xy.0, &xy.1).unwrap();
        }
        weights(m)
    };
    assert_eq!(
        run(&mut compiled(augmented(Device::Cpu, 9))),
        run(&mut compiled(augmented(Device::Cpu, 9)))
    );
    let flip = |model_seed: u64, layer_seed: Option<u64>| {
        let mut m = Sequential::new(Device::Cpu, &[9, 9, 2]).with_seed(model_seed);
        let f = RandomFlip::new("horizontal");
        m.add(match layer_seed {
            Some(s) => f.seed(s),
            None => f,
        })
        .unwrap();
        head(&mut m);
        m
    };
    let start = weights(&flip(1, None));
    let trained = |model_seed, layer_seed| {
        let mut m = compiled(flip(model_seed, layer_seed));
        m.set_weights(&start).unwrap();
        run(&mut m)
    };
    assert_eq!(trained(1, Some(42)), trained(2, Some(42)));
    assert_ne!(trained(1, Some(42)), trained(1, Some(43)));
    assert_ne!(trained(1, None), trained(2, None));
    // The layer's seed is part of its description.
    let spec = flip(1, Some(42)).spec();
    assert_eq!(
        spec.layers[0],
        LayerSpec::RandomFlip(RandomFlipArgs {
            mode: "horizontal".into(),
            seed: Some(42)
        })
    );
}

/// Training 2 steps, saving, and training 2 more equals loading the checkpoint and training
/// the 2 more: the step counter (so the draws) resumes where it stopped.
#[test]
fn a_checkpoint_resumes_the_step_counter() {
    let dir = TempDir::new("augment-checkpoint");
    let xy = data(4, 8, &[9, 9, 2]);
    let mut m = compiled(augmented(Device::Cpu, 6));
    for _ in 0..2 {
        m.train_on_batch(&xy.0, &xy.1).unwrap();
    }
    m.save(dir.path("ck.safetensors")).unwrap();
    let mut losses = vec![];
    for _ in 0..2 {
        losses.push(m.train_on_batch(&xy.0, &xy.1).unwrap());
    }
    let mut back = Sequential::load(dir.path("ck.safetensors"), Device::Cpu).unwrap();
    let mut again = vec![];
    for _ in 0..2 {
        again.push(back.train_on_batch(&xy.0, &xy.1).unwrap());
    }
    assert_eq!(losses, again);
    assert_eq!(weights(&m), weights(&back));
}

/// A layer in the middle passes the gradient of its training-time transform: one SGD step
/// of rate 1 from a checkpoint (counter 0) reads −gradient; central differences of the
/// training loss, each from the same checkpoint so the same draws.
#[test]
fn the_gradient_through_an_augmentation_layer_matches_finite_differences() {
    let dir = TempDir::new("augment-fd");
    let xy = data(5, 4, &[7, 7, 1]);
    let mut m = Sequential::new(Device::Cpu, &[7, 7, 1]).with_seed(8);
    m.add(Conv2D::new(2, (3, 3), Activation::Tanh)).unwrap();
    m.add(RandomRotation::new(0.2).fill_mode("reflect"))
        .unwrap();
    m.add(RandomZoom::new(0.3).fill_mode("constant").fill_value(0.3))
        .unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(2, Activation::Linear)).unwrap();
    m.compile(Optimizer::sgd(1.0, 0.0), Loss::MeanSquaredError, &[])
        .unwrap();
    let ck = dir.path("start.safetensors");
    m.save(&ck).unwrap();
    let w0 = weights(&m);
    m.train_on_batch(&xy.0, &xy.1).unwrap();
    let w1 = weights(&m);
    let loss = |t: usize, i: usize, d: f32| {
        let mut b = Sequential::load(&ck, Device::Cpu).unwrap();
        let mut w = w0.clone();
        w[t].array.data[i] += d;
        b.set_weights(&w).unwrap();
        b.train_on_batch(&xy.0, &xy.1).unwrap()
    };
    let (mut checked, mut largest) = (0, 0f32);
    for t in 0..2 {
        for i in 0..w0[t].array.data.len() {
            let analytic = w0[t].array.data[i] - w1[t].array.data[i];
            let numeric = (loss(t, i, 1e-2) - loss(t, i, -1e-2)) / 2e-2;
            let err = (analytic - numeric).abs();
            assert!(
                err <= 1e-4 + 1e-2 * numeric.abs(),
                "{}[{i}]: backward {analytic} vs finite differences {numeric}",
                w0[t].name
            );
            (checked, largest) = (checked + 1, largest.max(numeric.abs()));
        }
    }
    assert_eq!(checked, 3 * 3 * 2 + 2);
    assert!(largest > 1e-2, "gradients this small would check nothing");
}

fn fixture() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras/augment.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn read(v: &Value) -> wgtrain::Result<ModelSpec> {
    ModelSpec::from_json(&v.to_string(), "augment.json")
}

/// Keras 3.15.1's JSON of the four layers and a seeded SpatialDropout2D reads with every
/// argument, writes back as itself (Keras form and native), and builds; bad arguments are
/// refused naming the layer and the argument.
#[test]
fn augmentation_layers_read_and_write_keras_json() {
    let v = fixture();
    let spec = read(&v).unwrap();
    let bilinear = String::from("bilinear");
    assert_eq!(
        spec.layers[..5],
        [
            LayerSpec::RandomFlip(RandomFlipArgs {
                mode: "horizontal".into(),
                seed: Some(3)
            }),
            LayerSpec::RandomTranslation(RandomTranslationArgs {
                height_factor: Factor::One(0.1),
                width_factor: Factor::Range([-0.2, 0.3]),
                fill_mode: "wrap".into(),
                interpolation: "nearest".into(),
                seed: None,
                fill_value: 0.0,
            }),
            LayerSpec::RandomRotation(RandomRotationArgs {
                factor: Factor::Range([-0.125, 0.125]),
                fill_mode: "constant".into(),
                interpolation: bilinear.clone(),
                seed: None,
                fill_value: 0.5,
            }),
            LayerSpec::RandomZoom(RandomZoomArgs {
                height_factor: Factor::Range([-0.3, 0.2]),
                width_factor: Some(Factor::One(0.1)),
                fill_mode: "nearest".into(),
                interpolation: bilinear,
                seed: Some(11),
                fill_value: 0.0,
            }),
            LayerSpec::SpatialDropout2D(SpatialDropoutArgs {
                rate: 0.2,
                seed: Some(7)
            }),
        ]
    );
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
    Sequential::from_spec(&spec, Device::Cpu, 0).unwrap();
    for (layer, key, value, says) in [
        (1, "mode", json!("diagonal"), "field `mode` must be"),
        (
            2,
            "width_factor",
            json!(1.5),
            "field `width_factor` must be",
        ),
        (
            2,
            "height_factor",
            json!([0.1, 0.2, 0.3]),
            "`height_factor` must be a number or a list of two",
        ),
        (
            3,
            "interpolation",
            json!("bicubic"),
            "field `interpolation` must be",
        ),
        (3, "fill_mode", json!("mirror"), "field `fill_mode` must be"),
        (4, "height_factor", json!(-1.0), "within (-1, 1]"),
        (
            4,
            "data_format",
            json!("channels_first"),
            "argument `data_format`",
        ),
        (1, "seed", json!(-3), "`seed` must be a whole number"),
        (3, "value_range", json!([0, 255]), "argument `value_range`"),
    ] {
        let mut bad = v.clone();
        bad["config"]["layers"][layer]["config"][key] = value;
        let e = read(&bad).unwrap_err().to_string();
        let class = bad["config"]["layers"][layer]["class_name"]
            .as_str()
            .unwrap();
        assert!(e.contains(says) && e.contains(class), "{class} {key}: {e}");
    }
    // Only images: a flat input is refused when the model is built.
    let mut m = Sequential::new(Device::Cpu, &[5]);
    let e = m.add(RandomZoom::new(0.1)).unwrap_err().to_string();
    assert!(e.contains("[height, width, channels]"), "{e}");
    let mut m = Sequential::new(Device::Cpu, &[4, 4, 1]);
    let e = m.add(RandomRotation::new(2.0)).unwrap_err().to_string();
    assert!(
        e.contains("RandomRotation") && e.contains("`factor`") && e.contains("got 2"),
        "{e}"
    );
}

/// SpatialDropout2D with Keras's `seed`: the same channels dropped whatever the model's
/// seed (two models with equal weights train alike), other seeds drop others.
#[test]
fn spatial_dropout_honours_its_seed() {
    let xy = data(6, 8, &[6, 6, 2]);
    let build = |model_seed: u64, layer_seed: u64| {
        let mut m = Sequential::new(Device::Cpu, &[6, 6, 2]).with_seed(model_seed);
        m.add(Conv2D::new(4, (3, 3), Activation::Tanh)).unwrap();
        m.add(SpatialDropout2D::new(0.5).with_seed(layer_seed))
            .unwrap();
        m.add(Flatten::new()).unwrap();
        m.add(Dense::new(2, Activation::Linear)).unwrap();
        compiled(m)
    };
    let start = weights(&build(1, 0));
    let trained = |model_seed, layer_seed| {
        let mut m = build(model_seed, layer_seed);
        m.set_weights(&start).unwrap();
        for _ in 0..2 {
            m.train_on_batch(&xy.0, &xy.1).unwrap();
        }
        weights(&m)
    };
    assert_eq!(trained(1, 5), trained(2, 5));
    assert_ne!(trained(1, 5), trained(1, 6));
}

/// models/cifar10_cnn_augmented.json: TensorFlow's CIFAR-10 CNN behind the augmentation of
/// its data-augmentation tutorial (RandomFlip("horizontal"), RandomRotation(0.1),
/// RandomZoom(0.1)), for `wgtrain train --dataset cifar10 --model <it>`: the CNN's 122,570
/// parameters (the augmentation has none), and `fit` trains it alike on both devices.
#[test]
fn the_cifar10_cnn_with_augmentation_is_described_and_fits() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cifar10_cnn_augmented.json");
    let spec = ModelSpec::load(&path).unwrap();
    let kinds: Vec<&str> = spec.layers[..3].iter().map(|l| l.kind()).collect();
    assert_eq!(kinds, ["RandomFlip", "RandomRotation", "RandomZoom"]);
    let n = 16;
    let x = Array::new(&[n, 32, 32, 3], common::randn(9, n * 3072, 1.0)).unwrap();
    let y =
        wgtrain::nn::to_categorical(&(0..n as u8).map(|i| i % 10).collect::<Vec<_>>(), 10).unwrap();
    let mut losses = vec![];
    for dev in devices() {
        let mut m = Sequential::from_spec(&spec, dev, 3).unwrap();
        m.build().unwrap();
        assert_eq!(m.count_params(), 122_570);
        m.compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &[])
            .unwrap();
        let opts = wgtrain::nn::FitOptions {
            epochs: 2,
            batch_size: 8,
            verbose: wgtrain::nn::Verbose::Silent,
            ..Default::default()
        };
        let h = m.fit(&x, &y, &opts).unwrap();
        losses.push(h.loss());
    }
    if let [cpu, gpu] = &losses[..] {
        close("fit losses", gpu, cpu);
    }
}
