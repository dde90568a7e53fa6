//! The BatchNormalization layer: training and inference paths against the direct formula
//! (both devices), moving statistics as non-trainable weights (summary counts, no optimizer
//! slots, saved under Keras's names), GPU and CPU training alike, bit-identical resume on
//! the CPU, and the model description.

mod common;

use common::{gpu_device, max_diff, randn, TempDir};
use wgtrain::nn::{
    layers::{BatchNormalization, Conv2D, Dense, Flatten, MaxPooling2D},
    to_categorical, Activation, Array, Device, FitOptions, Loss, Metric, ModelSpec, Optimizer,
    Sequential, Verbose,
};

fn quiet(epochs: usize, batch_size: usize) -> FitOptions {
    FitOptions {
        epochs,
        batch_size,
        shuffle: false,
        verbose: Verbose::Silent,
        ..FitOptions::default()
    }
}

fn weight(m: &Sequential, name: &str) -> Vec<f32> {
    let w = m.get_weights().unwrap();
    w.into_iter().find(|w| w.name == name).unwrap().array.data
}

/// y = γ·(x − mean)/√(var + ε) + β per column of x[rows, c], in f64.
fn formula(
    x: &[f32],
    c: usize,
    mean: &[f64],
    var: &[f64],
    gamma: &[f32],
    beta: &[f32],
) -> Vec<f64> {
    x.iter()
        .enumerate()
        .map(|(i, &v)| {
            let ch = i % c;
            gamma[ch] as f64 * (v as f64 - mean[ch]) / (var[ch] + 1e-3f32 as f64).sqrt()
                + beta[ch] as f64
        })
        .collect()
}

/// Column means and biased variances of x[rows, c].
fn moments(x: &[f32], c: usize) -> (Vec<f64>, Vec<f64>) {
    let rows = (x.len() / c) as f64;
    let mean: Vec<f64> = (0..c)
        .map(|ch| x.iter().skip(ch).step_by(c).map(|&v| v as f64).sum::<f64>() / rows)
        .collect();
    let var = (0..c)
        .map(|ch| {
            let s: f64 = x
                .iter()
                .skip(ch)
                .step_by(c)
                .map(|&v| (v as f64 - mean[ch]).powi(2))
                .sum();
            s / rows
        })
        .collect();
    (mean, var)
}

#[test]
fn training_and_inference_follow_the_formula_on_both_devices() {
    let (rows, c) = (8, 3);
    let x: Vec<f32> = randn(1, rows * c, 4.0)
        .iter()
        .enumerate()
        .map(|(i, v)| v * (1 + i % c) as f32 + (i % c) as f32)
        .collect();
    let xs = Array::new(&[rows, c], x.clone()).unwrap();
    let zeros = Array::new(&[rows, c], vec![0.0; rows * c]).unwrap();
    let (mean, var) = moments(&x, c);
    for dev in [Some(Device::Cpu), gpu_device()].into_iter().flatten() {
        let name = dev.name();
        let mut m = Sequential::new(dev, &[c]);
        m.add(BatchNormalization::new()).unwrap();
        m.compile(Optimizer::sgd(0.1, 0.0), Loss::MeanSquaredError, &[])
            .unwrap();
        // One batch of all rows: the epoch's loss is the training forward's, before the
        // update (γ = 1, β = 0): the mean square of the normalized x.
        let h = m.fit(&xs, &zeros, &quiet(1, rows)).unwrap();
        let y = formula(&x, c, &mean, &var, &[1.0; 3], &[0.0; 3]);
        let want = y.iter().map(|v| v * v).sum::<f64>() / y.len() as f64;
        let got = h.epochs[0].loss as f64;
        assert!((got - want).abs() < 1e-5, "{name}: loss {got} vs {want}");
        // Moving statistics: Keras's update from (0, 1) with momentum 0.99.
        let mm = weight(&m, "layers.0.moving_mean");
        let mv = weight(&m, "layers.0.moving_variance");
        for ch in 0..c {
            assert!(
                (mm[ch] as f64 - 0.01 * mean[ch]).abs() < 1e-6,
                "{name}: {mm:?}"
            );
            assert!(
                (mv[ch] as f64 - (0.99 + 0.01 * var[ch])).abs() < 1e-5,
                "{name}: {mv:?}"
            );
        }
        // γ and β were trained (MSE pulls the output to 0): γ shrank, β stayed ~0.
        let (gamma, beta) = (weight(&m, "layers.0.gamma"), weight(&m, "layers.0.beta"));
        assert!(gamma.iter().all(|&g| g < 1.0), "{name}: gamma {gamma:?}");
        // Inference uses the moving statistics and the trained γ, β.
        let mm64: Vec<f64> = mm.iter().map(|&v| v as f64).collect();
        let mv64: Vec<f64> = mv.iter().map(|&v| v as f64).collect();
        let want = formula(&x, c, &mm64, &mv64, &gamma, &beta);
        let got = m.predict(&xs).unwrap().data;
        let want: Vec<f32> = want.iter().map(|&v| v as f32).collect();
        assert!(
            max_diff(&got, &want) < 1e-5,
            "{name}: predict {got:?} vs {want:?}"
        );
    }
}

/// Conv2D → BN → MaxPool → Flatten → Dense → BN → Dense softmax, Keras's counts.
fn bn_cnn(dev: Device, seed: u64) -> Sequential {
    let mut m = Sequential::new(dev, &[8, 8, 1]).with_seed(seed);
    m.add(Conv2D::new(4, (3, 3), Activation::Relu)).unwrap();
    m.add(BatchNormalization::new()).unwrap();
    m.add(MaxPooling2D::new((2, 2))).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(6, Activation::Relu)).unwrap();
    m.add(BatchNormalization::new().momentum(0.9)).unwrap();
    m.add(Dense::new(3, Activation::Softmax)).unwrap();
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    m
}

fn cnn_data() -> (Array, Array) {
    let n = 48;
    let x = randn(9, n * 64, 3.0);
    let labels: Vec<u8> = (0..n)
        .map(|i| (x[i * 64..i * 64 + 64].iter().sum::<f32>().abs() as usize % 3) as u8)
        .collect();
    (
        Array::new(&[n, 8, 8, 1], x).unwrap(),
        to_categorical(&labels, 3).unwrap(),
    )
}

#[test]
fn summary_counts_moving_statistics_as_non_trainable() {
    let m = bn_cnn(Device::Cpu, 0);
    // conv 40, BN 16, dense 36·6+6 = 222, BN 24, dense 21: 323 in all, 8 + 12 frozen.
    assert_eq!(m.count_params(), 323);
    let s = m.summary();
    for want in [
        // Too wide for the column: the type continues on the next line, as Keras 3 does.
        "\n batch_normalization             (None, 6, 6, 4)                   16\n \
         (BatchNormalization)\n",
        "\n batch_normalization_1           (None, 6)                         24\n",
        "Total params: 323",
        "Trainable params: 303",
        "Non-trainable params: 20",
    ] {
        assert!(s.contains(want), "summary lacks {want:?}:\n{s}");
    }
    let names: Vec<String> = m
        .get_weights()
        .unwrap()
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(
        names[2..6],
        [
            "layers.1.gamma",
            "layers.1.beta",
            "layers.1.moving_mean",
            "layers.1.moving_variance"
        ]
    );
}

#[test]
fn gpu_and_cpu_train_a_batch_norm_cnn_alike() {
    let Some(gpu) = gpu_device() else { return };
    let (x, y) = cnn_data();
    let opts = FitOptions {
        validation_split: 0.25,
        ..quiet(2, 8)
    };
    let mut a = bn_cnn(gpu, 5);
    let mut b = bn_cnn(Device::Cpu, 5);
    let ha = a.fit(&x, &y, &opts).unwrap();
    let hb = b.fit(&x, &y, &opts).unwrap();
    for (ea, eb) in ha.epochs.iter().zip(&hb.epochs) {
        assert!((ea.loss - eb.loss).abs() < 1e-4, "{ea:?} vs {eb:?}");
        let (va, vb) = (ea.val_loss.unwrap(), eb.val_loss.unwrap());
        assert!((va - vb).abs() < 1e-4, "{ea:?} vs {eb:?}");
    }
    for (wa, wb) in a
        .get_weights()
        .unwrap()
        .iter()
        .zip(b.get_weights().unwrap())
    {
        let d = max_diff(&wa.array.data, &wb.array.data);
        assert!(d < 1e-3, "{}: max |gpu − cpu| {d}", wa.name);
    }
}

#[test]
fn a_batch_norm_checkpoint_resumes_bit_identically_on_the_cpu() {
    let (x, y) = cnn_data();
    let dir = TempDir::new("bn_resume");
    let opts = |epochs, initial_epoch| FitOptions {
        epochs,
        initial_epoch,
        validation_split: 0.25,
        ..quiet(0, 8)
    };
    let mut whole = bn_cnn(Device::Cpu, 7);
    whole.fit(&x, &y, &opts(3, 0)).unwrap();
    let mut first = bn_cnn(Device::Cpu, 7);
    first.fit(&x, &y, &opts(2, 0)).unwrap();
    let path = dir.path("bn.safetensors");
    first.save(&path).unwrap();
    // Moving statistics are weights in the file, without optimizer slots.
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&bytes[..4096.min(bytes.len())]).to_string();
    assert!(text.contains("\"layers.1.moving_variance\""), "{text}");
    assert!(
        !text.contains("moving_variance.m"),
        "no optimizer slot: {text}"
    );
    // Inference from the file alone uses them: the same predictions.
    let inference = Sequential::load_for_inference(&path, Device::Cpu).unwrap();
    assert_eq!(
        inference.predict(&x).unwrap().data,
        first.predict(&x).unwrap().data
    );
    let mut resumed = Sequential::load(&path, Device::Cpu).unwrap();
    resumed.fit(&x, &y, &opts(3, 2)).unwrap();
    for (a, b) in whole
        .get_weights()
        .unwrap()
        .iter()
        .zip(resumed.get_weights().unwrap())
    {
        let same = a
            .array
            .data
            .iter()
            .zip(&b.array.data)
            .all(|(p, q)| p.to_bits() == q.to_bits());
        assert!(same, "{} differs after resume", a.name);
    }
}

#[test]
fn batch_normalization_and_leaky_relu_in_model_descriptions() {
    let spec = ModelSpec::from_json(
        r#"{"input_shape": [6], "layers": ["BatchNormalization",
            {"BatchNormalization": {"momentum": 0.9, "epsilon": 0.01}}]}"#,
        "test",
    )
    .unwrap();
    let m = Sequential::from_spec(&spec, Device::Cpu, 0).unwrap();
    assert_eq!(m.count_params(), 48);
    let back = ModelSpec::from_json(&m.spec().to_json(), "round trip").unwrap();
    assert_eq!(back, spec);
    // LeakyReLU (Keras's default slope 0.3) travels the same way.
    let spec = ModelSpec::from_json(
        r#"{"input_shape": [6], "layers": ["LeakyReLU", {"LeakyReLU": {"negative_slope": 0.1}}]}"#,
        "test",
    )
    .unwrap();
    let m = Sequential::from_spec(&spec, Device::Cpu, 0).unwrap();
    let json = m.spec().to_json();
    assert!(json.contains("0.3") && json.contains("0.1"), "{json}");
    assert_eq!(ModelSpec::from_json(&json, "round trip").unwrap(), spec);
    for (bad, says) in [
        (
            r#"{"BatchNormalization": {"momentum": 1.5}}"#,
            "`momentum` must be in [0, 1]",
        ),
        (
            r#"{"BatchNormalization": {"epsilon": 0}}"#,
            "`epsilon` must be a positive",
        ),
        (r#"{"BatchNormalization": {"axis": 1}}"#, "axis"),
        (
            r#"{"LeakyReLU": {"negative_slope": -1}}"#,
            "`negative_slope` must be",
        ),
    ] {
        let text = format!(r#"{{"input_shape": [6], "layers": [{bad}]}}"#);
        let e = ModelSpec::from_json(&text, "t").unwrap_err().to_string();
        assert!(e.contains(says) && e.contains("layer 0"), "{bad}: {e}");
    }
}
