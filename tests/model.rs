//! Keras-style models end to end: parameter counts and summary, shape errors that name the
//! layer, GPU and CPU devices taking the same training steps, determinism, Keras's
//! validation split, NaN detection, dropout on both devices, and a short MNIST run.

mod common;

use common::{gpu_device, max_diff, one_hot, randn};
use wgtrain::nn::{
    layers::{Conv2D, Dense, Dropout, Flatten, LeakyReLU, MaxPooling2D},
    to_categorical, Activation, Array, Device, FitOptions, Layer, Loss, Metric, Optimizer,
    Sequential, Verbose,
};
use wgtrain::Error;

fn seed_mlp(dev: Device, seed: u64) -> Sequential {
    let mut m = Sequential::new(dev, &[784]).with_seed(seed);
    m.add(Dense::new(64, Activation::Relu)).unwrap();
    m.add(Dense::new(10, Activation::Softmax)).unwrap();
    m
}

fn seed_cnn(dev: Device, seed: u64) -> Sequential {
    let mut m = Sequential::new(dev, &[28, 28, 1]).with_seed(seed);
    m.add(Conv2D::new(32, (3, 3), Activation::Relu)).unwrap();
    m.add(MaxPooling2D::new((2, 2))).unwrap();
    m.add(Conv2D::new(64, (3, 3), Activation::Relu)).unwrap();
    m.add(MaxPooling2D::new((2, 2))).unwrap();
    m.add(Conv2D::new(64, (3, 3), Activation::Relu)).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(64, Activation::Relu)).unwrap();
    m.add(Dense::new(10, Activation::Softmax)).unwrap();
    m
}

fn compile_cce(m: &mut Sequential) {
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
}

/// `n` synthetic 28×28 "images" in [0, 1] (blobs whose position depends on the class) and
/// their one-hot labels: learnable, deterministic, no files needed.
fn synthetic_images(seed: u64, n: usize) -> (Array, Array) {
    let labels: Vec<u8> = (0..n).map(|i| ((i as u64 * 7 + seed) % 10) as u8).collect();
    let noise = randn(seed, n * 784, 1.0);
    let mut x = vec![0f32; n * 784];
    for (i, &l) in labels.iter().enumerate() {
        let (cy, cx) = (6 + (l as usize / 5) * 14, 3 + (l as usize % 5) * 5);
        for y in 0..28 {
            for xx in 0..28 {
                let d2 = (y as f32 - cy as f32).powi(2) + (xx as f32 - cx as f32).powi(2);
                let v = (-d2 / 8.0).exp() + 0.1 * noise[i * 784 + y * 28 + xx].abs();
                x[i * 784 + y * 28 + xx] = v.min(1.0);
            }
        }
    }
    (
        Array::new(&[n, 28, 28, 1], x).unwrap(),
        to_categorical(&labels, 10).unwrap(),
    )
}

fn quiet(epochs: usize, batch_size: usize, validation_split: f32) -> FitOptions {
    FitOptions {
        epochs,
        initial_epoch: 0,
        batch_size,
        validation_split,
        shuffle: true,
        verbose: Verbose::Silent,
        stop: None,
        early_stopping: None,
        reduce_lr_on_plateau: None,
    }
}

#[test]
fn parameter_counts_and_summary_match_keras() {
    let mlp = seed_mlp(Device::Cpu, 0);
    assert_eq!(mlp.count_params(), 50_890);
    let cnn = seed_cnn(Device::Cpu, 0);
    assert_eq!(cnn.count_params(), 93_322);
    let s = cnn.summary();
    for want in [
        "conv2d (Conv2D)",
        "(None, 26, 26, 32)",
        "max_pooling2d (MaxPooling2D)",
        "(None, 13, 13, 32)",
        "conv2d_1 (Conv2D)",
        "(None, 11, 11, 64)",
        "(None, 5, 5, 64)",
        "(None, 3, 3, 64)",
        "flatten (Flatten)",
        "(None, 576)",
        "36,928",
        "dense_1 (Dense)",
        "(None, 10)",
        "Total params: 93,322",
    ] {
        assert!(s.contains(want), "summary lacks {want:?}:\n{s}");
    }
    println!("{s}");
}

#[test]
fn shape_mistakes_are_errors_naming_the_layer_and_shapes() {
    let mut m = Sequential::new(Device::Cpu, &[28, 28, 1]);
    m.add(Flatten::new()).unwrap();
    let e = m
        .add(Conv2D::new(8, (3, 3), Activation::Relu))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("layer 1 (Conv2D)") && e.contains("(None, 784)"),
        "{e}"
    );

    let mut m = Sequential::new(Device::Cpu, &[3, 3, 1]);
    let e = m.add(MaxPooling2D::new((5, 5))).unwrap_err().to_string();
    assert!(
        e.contains("layer 0 (MaxPooling2D)") && e.contains("(None, 3, 3, 1)"),
        "{e}"
    );

    let mut m = Sequential::new(Device::Cpu, &[4]);
    m.add(Dense::new(3, Activation::Linear)).unwrap();
    let e = m
        .compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("softmax") && e.contains("dense"), "{e}");
    let e = m
        .compile(
            Optimizer::adam(),
            Loss::MeanSquaredError,
            &[Metric::Accuracy],
        )
        .err();
    assert!(e.is_none(), "3 outputs allow accuracy");

    let mut m = seed_mlp(Device::Cpu, 0);
    compile_cce(&mut m);
    let x = Array::new(&[2, 784], vec![0.0; 2 * 784]).unwrap();
    let labels = Array::new(&[2], vec![3.0, 1.0]).unwrap();
    let e = m
        .fit(&x, &labels, &quiet(1, 2, 0.0))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("[2]") && e.contains("(None, 10)") && e.contains("to_categorical"),
        "{e}"
    );
    let wrong_x = Array::new(&[2, 28, 28], vec![0.0; 2 * 784]).unwrap();
    let e = m.predict(&wrong_x).unwrap_err().to_string();
    assert!(
        e.contains("[2, 28, 28]") && e.contains("(None, 784)"),
        "{e}"
    );
    let y3 = Array::new(&[3, 10], vec![0.0; 30]).unwrap();
    let e = m.evaluate(&x, &y3).unwrap_err().to_string();
    assert!(
        e.contains("samples in y") && e.contains("expected 2") && e.contains("got 3"),
        "{e}"
    );
}

/// GPU and CPU, same seed, five Adam steps of the seed CNN on the same batch of 32.
/// Tolerance: the losses within 1e-4 relative, and the parameters within 2e-4 of the
/// CPU's (Adam moves each weight by at most ~lr = 1e-3 per step, so this is 4 % of the
/// five steps' reach; the GPU sums in f32, the CPU in f64) — all but one in a thousand of
/// them: Adam divides by √v, so where a gradient is within rounding of zero its sign is
/// noise and one step may differ by up to 2·lr (seen on an NVIDIA H100: 2 of conv3's
/// 36,864 weights off by 3.4e-4, every loss within 3e-6). Those few must stay within the
/// five steps' reach, 10·lr. A wrong kernel moves far more than one in a thousand.
#[test]
fn gpu_and_cpu_take_the_same_five_cnn_steps() {
    let Some(gpu) = gpu_device() else { return };
    same_five_cnn_steps(gpu);
}

/// The same with every long-K product split as on a GPU (threshold 256: conv1's and
/// conv2's weight gradients, conv2's and conv3's forwards, the first Dense; the tree pass
/// for conv1's 676 splits): split-K training tracks the CPU reference as closely.
#[test]
fn split_k_training_takes_the_same_five_cnn_steps_as_the_cpu() {
    let Some(_) = gpu_device() else { return };
    let g = std::sync::Arc::new(wgtrain::gpu::Gpu::new().unwrap());
    g.set_split_k_above(Some(256));
    let before = g.command_counts().0;
    same_five_cnn_steps(Device::Gpu(g.clone()));
    let split = g.command_counts().0 - before;
    let whole = std::sync::Arc::new(wgtrain::gpu::Gpu::new().unwrap());
    whole.set_split_k_above(Some(usize::MAX - 1));
    let before = whole.command_counts().0;
    same_five_cnn_steps(Device::Gpu(whole.clone()));
    let unsplit = whole.command_counts().0 - before;
    assert!(
        split > unsplit,
        "split-K adds second passes: {split} vs {unsplit} dispatches"
    );
}

fn same_five_cnn_steps(gpu: Device) {
    let (x, y) = synthetic_images(3, 32);
    let mut g = seed_cnn(gpu, 11);
    let mut c = seed_cnn(Device::Cpu, 11);
    compile_cce(&mut g);
    compile_cce(&mut c);
    let w0g = g.get_weights().unwrap();
    let w0c = c.get_weights().unwrap();
    assert_eq!(w0g, w0c, "same seed, same initial weights on both devices");
    for step in 1..=5 {
        let lg = g.train_on_batch(&x, &y).unwrap();
        let lc = c.train_on_batch(&x, &y).unwrap();
        println!("step {step}: loss gpu {lg:.7} cpu {lc:.7}");
        assert!(
            (lg - lc).abs() <= 1e-4 * lc.abs(),
            "step {step}: loss gpu {lg} cpu {lc}"
        );
    }
    let (wg, wc) = (g.get_weights().unwrap(), c.get_weights().unwrap());
    for ((a, b), w0) in wg.iter().zip(&wc).zip(&w0c) {
        assert_eq!(a.name, b.name);
        let moved = max_diff(&b.array.data, &w0.array.data);
        let d = max_diff(&a.array.data, &b.array.data);
        println!(
            "{}: max |gpu − cpu| {d:e} (max move from init {moved:e})",
            a.name
        );
        common::assert_close(&a.name, &a.array.data, &b.array.data, 1e-2, 0.0);
        let off = a
            .array
            .data
            .iter()
            .zip(&b.array.data)
            .filter(|(x, y)| (*x - *y).abs() > 2e-4)
            .count();
        assert!(
            off * 1000 <= a.array.data.len(),
            "{}: {off} of {} weights differ by more than 2e-4",
            a.name,
            a.array.data.len()
        );
    }
}

/// Dropout draws the same masks on both devices, so a model with it trains identically.
#[test]
fn dropout_models_agree_across_devices_and_are_identity_at_inference() {
    let Some(gpu) = gpu_device() else { return };
    let build = |dev| {
        let mut m = Sequential::new(dev, &[20]).with_seed(5);
        m.add(Dense::new(33, Activation::Tanh)).unwrap();
        m.add(Dropout::new(0.5)).unwrap();
        m.add(Dense::new(4, Activation::Softmax)).unwrap();
        compile_cce(&mut m);
        m
    };
    let (mut g, mut c) = (build(gpu), build(Device::Cpu));
    let x = Array::new(&[16, 20], randn(1, 320, 3.0)).unwrap();
    let y = Array::new(&[16, 4], one_hot(2, 16, 4)).unwrap();
    for _ in 0..3 {
        let (lg, lc) = (
            g.train_on_batch(&x, &y).unwrap(),
            c.train_on_batch(&x, &y).unwrap(),
        );
        assert!((lg - lc).abs() < 1e-5, "loss gpu {lg} cpu {lc}");
    }
    for (a, b) in g
        .get_weights()
        .unwrap()
        .iter()
        .zip(&c.get_weights().unwrap())
    {
        common::assert_close(&a.name, &a.array.data, &b.array.data, 1e-5, 0.0);
    }
    // Inference ignores dropout: predicting twice gives the same answer.
    let p1 = c.predict(&x).unwrap();
    let p2 = c.predict(&x).unwrap();
    assert_eq!(p1, p2);
}

/// Every elementwise activation in the kernel registry, as a hidden Dense layer's
/// activation (its backward reading the cached input or output, as the op says), trains
/// alike on both devices.
#[test]
fn every_elementwise_activation_trains_alike_on_both_devices() {
    let Some(gpu) = gpu_device() else { return };
    for op in wgtrain::gpu::Unary::ALL {
        let act: Activation = op.name().parse().unwrap();
        let build = |dev| {
            let mut m = Sequential::new(dev, &[7]).with_seed(3);
            m.add(Dense::new(9, act)).unwrap();
            m.add(Dense::new(5, act)).unwrap();
            m.add(Dense::new(3, Activation::Softmax)).unwrap();
            compile_cce(&mut m);
            m
        };
        let (mut g, mut c) = (build(gpu.clone()), build(Device::Cpu));
        let x = Array::new(&[12, 7], randn(4, 84, 3.0)).unwrap();
        let y = Array::new(&[12, 3], one_hot(5, 12, 3)).unwrap();
        let first = c.train_on_batch(&x, &y).unwrap();
        g.train_on_batch(&x, &y).unwrap();
        let (mut lg, mut lc) = (0.0, 0.0);
        for _ in 0..20 {
            (lg, lc) = (
                g.train_on_batch(&x, &y).unwrap(),
                c.train_on_batch(&x, &y).unwrap(),
            );
        }
        assert!(
            (lg - lc).abs() < 1e-4,
            "{}: loss gpu {lg} cpu {lc}",
            op.name()
        );
        assert!(
            lc < first,
            "{}: loss {first} → {lc} did not fall",
            op.name()
        );
        for (a, b) in g
            .get_weights()
            .unwrap()
            .iter()
            .zip(&c.get_weights().unwrap())
        {
            let what = format!("{} {}", op.name(), a.name);
            common::assert_close(&what, &a.array.data, &b.array.data, 1e-4, 1e-3);
        }
    }
}

/// The LeakyReLU layer: at slope 0.2 the same weights, bit for bit, as Dense's
/// `leaky_relu` activation (CPU); at Keras's default 0.3 GPU and CPU train alike.
#[test]
fn leaky_relu_layer_trains_like_the_activation() {
    let x = Array::new(&[12, 7], randn(4, 84, 3.0)).unwrap();
    let y = Array::new(&[12, 3], one_hot(5, 12, 3)).unwrap();
    let build = |dev, layer: Option<f32>| {
        let mut m = Sequential::new(dev, &[7]).with_seed(3);
        match layer {
            Some(slope) => {
                m.add(Dense::new(9, Activation::Linear)).unwrap();
                m.add(LeakyReLU::new(slope)).unwrap();
            }
            None => m.add(Dense::new(9, Activation::LeakyRelu)).unwrap(),
        }
        m.add(Dense::new(3, Activation::Softmax)).unwrap();
        compile_cce(&mut m);
        m
    };
    let (mut a, mut b) = (build(Device::Cpu, Some(0.2)), build(Device::Cpu, None));
    for _ in 0..5 {
        assert_eq!(
            a.train_on_batch(&x, &y).unwrap(),
            b.train_on_batch(&x, &y).unwrap()
        );
    }
    assert_eq!(
        a.get_weights().unwrap()[0].array,
        b.get_weights().unwrap()[0].array
    );
    let mut c = build(Device::Cpu, Some(0.3));
    assert_ne!(
        c.train_on_batch(&x, &y).unwrap(),
        build(Device::Cpu, Some(0.2))
            .train_on_batch(&x, &y)
            .unwrap()
    );
    let Some(gpu) = gpu_device() else { return };
    let mut g = build(gpu, Some(0.3));
    g.train_on_batch(&x, &y).unwrap();
    for _ in 0..10 {
        let (lg, lc) = (
            g.train_on_batch(&x, &y).unwrap(),
            c.train_on_batch(&x, &y).unwrap(),
        );
        assert!((lg - lc).abs() < 1e-4, "gpu {lg} cpu {lc}");
    }
    assert!(LeakyReLU::new(-0.1).build(&[3]).is_err());
}

#[test]
fn cpu_training_is_deterministic_for_a_seed() {
    let (x, y) = synthetic_images(5, 64);
    let run = |seed| {
        let mut m = Sequential::new(Device::Cpu, &[28, 28, 1]).with_seed(seed);
        m.add(Conv2D::new(4, (3, 3), Activation::Relu).strides((2, 2)))
            .unwrap();
        m.add(Flatten::new()).unwrap();
        m.add(Dense::new(10, Activation::Softmax)).unwrap();
        compile_cce(&mut m);
        let h = m.fit(&x, &y, &quiet(2, 16, 0.25)).unwrap();
        (h, m.get_weights().unwrap())
    };
    let (h1, w1) = run(7);
    let (h2, w2) = run(7);
    let (h3, _) = run(8);
    assert_eq!(h1.loss(), h2.loss());
    assert_eq!(h1.val_loss(), h2.val_loss());
    assert_eq!(w1, w2);
    assert_ne!(h1.loss(), h3.loss(), "another seed, another run");
}

/// Keras holds out the *last* fraction before shuffling: the reported val_loss is the
/// loss on exactly those samples.
#[test]
fn validation_split_holds_out_the_last_samples() {
    let (x, y) = synthetic_images(9, 40);
    let mut m2 = Sequential::new(Device::Cpu, &[28, 28, 1]).with_seed(1);
    m2.add(Flatten::new()).unwrap();
    m2.add(Dense::new(10, Activation::Softmax)).unwrap();
    compile_cce(&mut m2);
    let h = m2.fit(&x, &y, &quiet(1, 8, 0.25)).unwrap();
    assert_eq!(h.epochs[0].steps, 4, "30 training samples in batches of 8");
    let last = m2
        .evaluate(&x.slice_rows(30, 40), &y.slice_rows(30, 40))
        .unwrap();
    let first = m2
        .evaluate(&x.slice_rows(0, 10), &y.slice_rows(0, 10))
        .unwrap();
    assert_eq!(h.epochs[0].val_loss, Some(last.loss));
    assert_eq!(h.epochs[0].val_accuracy, last.accuracy);
    assert_ne!(Some(first.loss), h.epochs[0].val_loss);
}

#[test]
fn nan_inputs_stop_training_with_an_error() {
    let mut m = Sequential::new(Device::Cpu, &[3]).with_seed(1);
    m.add(Dense::new(2, Activation::Softmax)).unwrap();
    compile_cce(&mut m);
    let x = Array::new(&[2, 3], vec![1.0, f32::NAN, 0.0, 1.0, 2.0, 3.0]).unwrap();
    let y = to_categorical(&[0u8, 1], 2).unwrap();
    match m.fit(&x, &y, &quiet(3, 2, 0.0)) {
        Err(Error::NonFiniteLoss { epoch: 1, .. }) => {}
        other => panic!("expected NonFiniteLoss in epoch 1, got {other:?}"),
    }
}

/// The tiny regression (2 → 4 ReLU → 1, MSE, Adam 0.01) learns on both devices, and
/// their losses track each other.
#[test]
fn regression_learns_on_both_devices() {
    let n = 64;
    let xs = randn(21, 2 * n, 1.0);
    let ys: Vec<f32> = xs
        .chunks(2)
        .map(|p| p[0].sin() + 0.5 * p[1] * p[1])
        .collect();
    let x = Array::new(&[n, 2], xs).unwrap();
    let y = Array::new(&[n, 1], ys).unwrap();
    let mut devices = vec![Device::Cpu];
    devices.extend(gpu_device());
    let mut finals = Vec::new();
    for dev in devices {
        let mut m = Sequential::new(dev, &[2]).with_seed(3);
        m.add(Dense::new(4, Activation::Relu)).unwrap();
        m.add(Dense::new(1, Activation::Linear)).unwrap();
        m.compile(Optimizer::adam_lr(0.01), Loss::MeanSquaredError, &[])
            .unwrap();
        let before = m.evaluate(&x, &y).unwrap().loss;
        m.fit(
            &x,
            &y,
            &FitOptions {
                shuffle: false,
                ..quiet(300, n, 0.0)
            },
        )
        .unwrap();
        let after = m.evaluate(&x, &y).unwrap().loss;
        println!("{}: mse {before:.4} → {after:.4}", m.device().name());
        assert!(after < 0.2 * before, "mse {before} → {after}");
        finals.push(after);
    }
    if finals.len() == 2 {
        assert!(
            (finals[0] - finals[1]).abs() < 1e-3 * finals[0].max(1.0),
            "{finals:?}"
        );
    }
}

/// A short GPU run of the seed CNN on 2,000 MNIST training images reaches ≥ 90 % on
/// 1,000 test images. Needs MNIST (MNIST_DIR or data/mnist); without it the test fails
/// with the fetch command, unless WGTRAIN_SKIP_MNIST_TESTS=1.
#[test]
fn mnist_subset_reaches_90_percent_on_the_gpu() {
    let Some(gpu) = gpu_device() else { return };
    let dir = wgtrain::data::data_dir(None);
    let data = match wgtrain::data::load_mnist(&dir) {
        Ok(d) => d,
        Err(e) if std::env::var("WGTRAIN_SKIP_MNIST_TESTS").is_ok_and(|v| v == "1") => {
            eprintln!("WGTRAIN_SKIP_MNIST_TESTS=1: skipping ({e})");
            return;
        }
        Err(e) => panic!("{e}\n(set WGTRAIN_SKIP_MNIST_TESTS=1 to skip this test)"),
    };
    let (train, test) = (data.train.take(2000), data.test.take(1000));
    let mut m = seed_cnn(gpu, 42);
    compile_cce(&mut m);
    let y = to_categorical(&train.labels, 10).unwrap();
    let h = m.fit(&train.images, &y, &quiet(4, 32, 0.0)).unwrap();
    let yt = to_categorical(&test.labels, 10).unwrap();
    let e = m.evaluate(&test.images, &yt).unwrap();
    let acc = e.accuracy.unwrap();
    println!(
        "loss per epoch {:?}; test loss {:.4} accuracy {acc:.4}",
        h.loss(),
        e.loss
    );
    assert!(acc >= 0.90, "test accuracy {acc} < 0.90");
    // predict agrees with evaluate's accuracy and gives probabilities.
    let p = m.predict(&test.images).unwrap();
    for row in p.data.chunks(10) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
    let hits = p
        .argmax_rows()
        .iter()
        .zip(&test.labels)
        .filter(|(a, &b)| **a == b as usize)
        .count();
    assert_eq!(hits as f32 / 1000.0, acc);
}

/// `from_logits`: a linear output trained with a cross-entropy that applies the softmax
/// (or sigmoid) itself takes exactly the steps of the fused softmax (sigmoid) model, and
/// its `predict` returns the logits whose softmax (sigmoid) the fused model returns.
#[test]
fn from_logits_trains_like_the_fused_output_and_predicts_logits() {
    let x = Array::new(&[24, 6], randn(31, 144, 2.0)).unwrap();
    let y_hot = Array::new(&[24, 3], one_hot(32, 24, 3)).unwrap();
    let y_bin = Array::new(&[24, 3], y_hot.data.iter().map(|v| 1.0 - v).collect()).unwrap();
    let mut devices = vec![Device::Cpu];
    devices.extend(gpu_device());
    for dev in devices {
        for (loss, act, y) in [
            (Loss::CategoricalCrossentropy, Activation::Softmax, &y_hot),
            (Loss::BinaryCrossentropy, Activation::Sigmoid, &y_bin),
        ] {
            let build = |last: Activation| {
                let mut m = Sequential::new(dev.clone(), &[6]).with_seed(8);
                m.add(Dense::new(8, Activation::Tanh)).unwrap();
                m.add(Dense::new(3, last)).unwrap();
                m
            };
            let (mut fused, mut logits) = (build(act), build(Activation::Linear));
            fused
                .compile(Optimizer::adam(), loss, &[Metric::Accuracy])
                .unwrap();
            logits
                .compile(Optimizer::adam(), loss.from_logits(), &[Metric::Accuracy])
                .unwrap();
            for _ in 0..5 {
                let a = fused.train_on_batch(&x, y).unwrap();
                let b = logits.train_on_batch(&x, y).unwrap();
                assert_eq!(a, b, "{} {}", loss.name(), dev.name());
            }
            assert_eq!(fused.get_weights().unwrap(), logits.get_weights().unwrap());
            assert_eq!(
                fused.evaluate(&x, y).unwrap(),
                logits.evaluate(&x, y).unwrap()
            );
            let probs = fused.predict(&x).unwrap();
            let z = logits.predict(&x).unwrap();
            let want = Device::Cpu
                .activation_forward(act, &Device::Cpu.upload(&z.shape, &z.data).unwrap())
                .unwrap();
            let want = Device::Cpu.download(&want).unwrap();
            assert!(max_diff(&probs.data, &want) < 1e-6, "{}", loss.name());
        }
    }
}

/// A binary classifier (sigmoid output, binary_crossentropy, binary accuracy) learns a
/// separable rule alike on both devices.
#[test]
fn binary_crossentropy_learns_on_both_devices() {
    let x = randn(41, 64 * 4, 1.0);
    let y: Vec<f32> = x
        .chunks(4)
        .map(|r| (r[0] + r[1] > r[2]) as u8 as f32)
        .collect();
    let (x, y) = (
        Array::new(&[64, 4], x).unwrap(),
        Array::new(&[64, 1], y).unwrap(),
    );
    let mut devices = vec![Device::Cpu];
    devices.extend(gpu_device());
    let mut finals = Vec::new();
    for dev in devices {
        let mut m = Sequential::new(dev, &[4]).with_seed(2);
        m.add(Dense::new(8, Activation::Relu)).unwrap();
        m.add(Dense::new(1, Activation::Sigmoid)).unwrap();
        m.compile(
            Optimizer::adam_lr(0.05),
            Loss::BinaryCrossentropy,
            &[Metric::Accuracy],
        )
        .unwrap();
        let first = m.evaluate(&x, &y).unwrap();
        for _ in 0..60 {
            m.train_on_batch(&x, &y).unwrap();
        }
        let last = m.evaluate(&x, &y).unwrap();
        assert!(last.loss < first.loss / 2.0, "{first:?} → {last:?}");
        assert!(last.accuracy.unwrap() >= 0.9, "{last:?}");
        let p = m.predict(&x).unwrap();
        assert!(p.data.iter().all(|v| (0.0..=1.0).contains(v)));
        finals.push(last.loss);
    }
    if let [c, g] = finals[..] {
        assert!((c - g).abs() < 1e-4, "cpu {c} gpu {g}");
    }
}

#[test]
fn loss_and_output_mismatches_are_compile_errors() {
    let build = |last: Activation| {
        let mut m = Sequential::new(Device::Cpu, &[4]);
        m.add(Dense::new(3, last)).unwrap();
        m
    };
    let err = |last, loss: wgtrain::nn::LossConfig| {
        build(last)
            .compile(Optimizer::adam(), loss, &[])
            .unwrap_err()
            .to_string()
    };
    let msg = err(Activation::Softmax, Loss::BinaryCrossentropy.into());
    assert!(
        msg.contains("needs a sigmoid output") && msg.contains("softmax"),
        "{msg}"
    );
    let msg = err(
        Activation::Softmax,
        Loss::SparseCategoricalCrossentropy.from_logits(),
    );
    assert!(msg.contains("from_logits needs a linear output"), "{msg}");
    let msg = err(Activation::Linear, Loss::CategoricalCrossentropy.into());
    assert!(
        msg.contains("use activation softmax there, or from_logits"),
        "{msg}"
    );
    let msg = err(Activation::Linear, Loss::MeanSquaredError.from_logits());
    assert!(
        msg.contains("from_logits applies to the cross-entropies"),
        "{msg}"
    );
}

/// The Keras layers Reshape, AveragePooling2D, GlobalAveragePooling2D /
/// GlobalMaxPooling2D and Activation:
/// Keras's names and parameter counts in the summary, a model description that rebuilds
/// the same model, a softmax Activation layer fused with the loss, and the same training
/// steps on both devices.
#[test]
fn reshape_global_pooling_and_activation_layers_train_alike() {
    use wgtrain::nn::layers::Activation as ActivationLayer;
    use wgtrain::nn::{
        layers::{GlobalAveragePooling2D, GlobalMaxPooling2D, Reshape},
        ModelSpec,
    };
    let x = Array::new(&[10, 48], randn(51, 480, 1.0)).unwrap();
    let y = Array::new(&[10], (0..10).map(|i| (i % 3) as f32).collect()).unwrap();
    let mut devices = vec![Device::Cpu];
    devices.extend(gpu_device());
    for global_max in [false, true] {
        let mut runs = Vec::new();
        for dev in &devices {
            let mut m = Sequential::new(dev.clone(), &[48]).with_seed(6);
            m.add(Reshape::new(&[4, -1, 3])).unwrap();
            m.add(Conv2D::new(8, (3, 3), Activation::Gelu)).unwrap();
            m.add(wgtrain::nn::layers::AveragePooling2D::new((2, 2)).strides((1, 1)))
                .unwrap();
            match global_max {
                false => m.add(GlobalAveragePooling2D::new()).unwrap(),
                true => m.add(GlobalMaxPooling2D::new()).unwrap(),
            }
            m.add(Dense::new(3, Activation::Linear)).unwrap();
            m.add(ActivationLayer::new(Activation::Softmax)).unwrap();
            let summary = m.summary();
            for want in [
                "reshape (Reshape)",
                "(None, 4, 4, 3)",
                "conv2d (Conv2D)",
                // Wider than its column: the type goes on the next line, as in Keras 3.
                " average_pooling2d               (None, 1, 1, 8)",
                "\n (AveragePooling2D)\n",
                "(None, 8)",
                "activation (Activation)",
                "Total params: 251",
            ] {
                assert!(summary.contains(want), "{want:?} missing:\n{summary}");
            }
            let json = m.spec().to_json();
            let again =
                Sequential::from_spec(&ModelSpec::from_json(&json, "t").unwrap(), Device::Cpu, 6);
            assert_eq!(again.unwrap().spec(), m.spec());
            m.compile(
                Optimizer::adam(),
                Loss::SparseCategoricalCrossentropy,
                &[Metric::Accuracy],
            )
            .unwrap();
            let losses: Vec<f32> = (0..4).map(|_| m.train_on_batch(&x, &y).unwrap()).collect();
            let p = m.predict(&x).unwrap();
            let row_sums: Vec<f32> = p.data.chunks(3).map(|r| r.iter().sum()).collect();
            assert!(
                row_sums.iter().all(|s| (s - 1.0).abs() < 1e-5),
                "{row_sums:?}"
            );
            runs.push(losses);
        }
        if let [c, g] = &runs[..] {
            assert!(max_diff(c, g) < 1e-4, "cpu {c:?} gpu {g:?}");
        }
        assert!(runs[0][3] < runs[0][0], "{:?}", runs[0]);
    }
    let mut m = Sequential::new(Device::Cpu, &[48]);
    let e = m.add(Reshape::new(&[5, -1])).unwrap_err().to_string();
    assert!(
        e.contains("layer 0 (Reshape)") && e.contains("values per sample") && e.contains("got 48"),
        "{e}"
    );
    let e = m
        .add(GlobalAveragePooling2D::new())
        .unwrap_err()
        .to_string();
    assert!(e.contains("(height, width, channels)"), "{e}");
}

/// EarlyStopping in `fit`: with no later epoch counting as an improvement it stops after
/// `patience` more epochs, `History::stopped_epoch` says so, and restore_best_weights puts
/// back exactly the first epoch's weights (a model trained for that one epoch has them).
#[test]
fn early_stopping_stops_and_restores_the_best_weights() {
    use wgtrain::nn::callbacks::EarlyStopping;
    let (x, y) = synthetic_images(3, 120);
    let build = || {
        let mut m = seed_mlp_images();
        compile_cce(&mut m);
        m
    };
    let mut opts = quiet(10, 30, 0.25);
    opts.early_stopping = Some(EarlyStopping {
        min_delta: 100.0,
        restore_best_weights: true,
        ..EarlyStopping::patience(2)
    });
    let mut m = build();
    let h = m.fit(&x, &y, &opts).unwrap();
    assert_eq!(h.stopped_epoch, Some(3));
    assert_eq!(h.epochs.len(), 3);
    let mut one = build();
    one.fit(&x, &y, &quiet(1, 30, 0.25)).unwrap();
    assert_eq!(m.get_weights().unwrap(), one.get_weights().unwrap());

    opts.early_stopping = Some(EarlyStopping {
        monitor: "val_auc".into(),
        ..EarlyStopping::default()
    });
    let e = build().fit(&x, &y, &opts).unwrap_err().to_string();
    assert!(e.contains("val_auc"), "{e}");
}

fn seed_mlp_images() -> Sequential {
    let mut m = Sequential::new(Device::Cpu, &[28, 28, 1]).with_seed(4);
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(16, Activation::Relu)).unwrap();
    m.add(Dense::new(10, Activation::Softmax)).unwrap();
    m
}

/// ReduceLROnPlateau in `fit`: with no epoch after the first counting as an improvement
/// (min_delta huge) the rate falls by `factor` after `patience` epochs, and every epoch's
/// log holds the rate it trained at.
#[test]
fn reduce_lr_on_plateau_lowers_the_rate_and_logs_it() {
    use wgtrain::nn::callbacks::ReduceLROnPlateau;
    let (x, y) = synthetic_images(5, 80);
    let mut m = seed_mlp_images();
    compile_cce(&mut m);
    let mut opts = quiet(5, 20, 0.25);
    opts.reduce_lr_on_plateau = Some(ReduceLROnPlateau {
        patience: 2,
        min_delta: 100.0,
        factor: 0.5,
        ..ReduceLROnPlateau::default()
    });
    let h = m.fit(&x, &y, &opts).unwrap();
    let rates: Vec<f32> = h.epochs.iter().map(|e| e.learning_rate.unwrap()).collect();
    assert_eq!(rates, [1e-3, 1e-3, 1e-3, 5e-4, 5e-4]);
    assert_eq!(m.compiled_with().unwrap().0.learning_rate(), 2.5e-4);
}
