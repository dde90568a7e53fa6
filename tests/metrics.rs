//! Metrics beside the loss: top_k_categorical_accuracy (k = 1 is accuracy without ties,
//! k = classes is 1, one-hot and sparse labels agree, both devices agree), its name in
//! checkpoints, and the combinations refused at compile.

mod common;

use common::{gpu_device, randn, TempDir};
use wgtrain::nn::{
    layers::Dense, to_categorical, Activation, Array, Device, FitOptions, Loss, Metric, Optimizer,
    Sequential, Verbose,
};

fn data() -> (Array, Vec<u8>) {
    let n = 96;
    let x = randn(21, n * 10, 2.0);
    let labels = (0..n)
        .map(|i| ((x[i * 10] * 3.0).abs() as usize % 7) as u8)
        .collect();
    (Array::new(&[n, 10], x).unwrap(), labels)
}

fn model(dev: Device, loss: Loss, metrics: &[Metric]) -> Sequential {
    let mut m = Sequential::new(dev, &[10]).with_seed(5);
    m.add(Dense::new(12, Activation::Relu)).unwrap();
    m.add(Dense::new(7, Activation::Softmax)).unwrap();
    m.compile(Optimizer::adam(), loss, metrics).unwrap();
    m
}

fn opts() -> FitOptions {
    FitOptions {
        epochs: 2,
        batch_size: 16,
        validation_split: 0.25,
        verbose: Verbose::Silent,
        ..FitOptions::default()
    }
}

#[test]
fn top_k_accuracy_in_fit_and_evaluate() {
    let (x, labels) = data();
    let onehot = to_categorical(&labels, 7).unwrap();
    let sparse = Array::new(&[labels.len()], labels.iter().map(|&l| l as f32).collect()).unwrap();
    for dev in [Some(Device::Cpu), gpu_device()].into_iter().flatten() {
        let name = dev.name();
        let metrics = [Metric::Accuracy, Metric::TopKCategoricalAccuracy(3)];
        let mut a = model(dev.clone(), Loss::CategoricalCrossentropy, &metrics);
        let ha = a.fit(&x, &onehot, &opts()).unwrap();
        let mut b = model(dev.clone(), Loss::SparseCategoricalCrossentropy, &metrics);
        let hb = b.fit(&x, &sparse, &opts()).unwrap();
        for (ea, eb) in ha.epochs.iter().zip(&hb.epochs) {
            let t = ea.top_k_categorical_accuracy.unwrap();
            assert!(
                t >= ea.accuracy.unwrap(),
                "{name}: top-3 ≥ accuracy: {ea:?}"
            );
            assert_eq!(t, eb.top_k_categorical_accuracy.unwrap(), "{name}: sparse");
            assert_eq!(
                ea.val_top_k_categorical_accuracy,
                eb.val_top_k_categorical_accuracy
            );
        }
        // Against a count on the host from predict.
        let e = a.evaluate(&x, &onehot).unwrap();
        let p = a.predict(&x).unwrap().data;
        let hits = labels
            .iter()
            .enumerate()
            .filter(|(r, &l)| {
                let row = &p[r * 7..r * 7 + 7];
                row.iter().filter(|&&v| v > row[l as usize]).count() < 3
            })
            .count();
        let want = hits as f32 / labels.len() as f32;
        assert_eq!(e.top_k_categorical_accuracy, Some(want), "{name}");
        // k = 1 is accuracy (continuous probabilities: no ties); k = 7 is every sample.
        for (k, want) in [(1, e.accuracy.unwrap()), (7, 1.0)] {
            let mut m = model(
                dev.clone(),
                Loss::CategoricalCrossentropy,
                &[Metric::Accuracy],
            );
            m.set_weights(&a.get_weights().unwrap()).unwrap();
            let mut mk = model(
                dev.clone(),
                Loss::CategoricalCrossentropy,
                &[Metric::TopKCategoricalAccuracy(k)],
            );
            mk.set_weights(&a.get_weights().unwrap()).unwrap();
            let got = mk.evaluate(&x, &onehot).unwrap();
            assert_eq!(got.top_k_categorical_accuracy, Some(want), "{name} k {k}");
            assert_eq!(got.accuracy, None);
            assert_eq!(
                m.evaluate(&x, &onehot).unwrap().top_k_categorical_accuracy,
                None
            );
        }
    }
}

#[test]
fn top_k_metric_names_and_checkpoints() {
    for (s, want) in [
        (
            "top_k_categorical_accuracy",
            Metric::TopKCategoricalAccuracy(5),
        ),
        (
            "sparse_top_k_categorical_accuracy",
            Metric::TopKCategoricalAccuracy(5),
        ),
        (
            "top_3_categorical_accuracy",
            Metric::TopKCategoricalAccuracy(3),
        ),
        ("accuracy", Metric::Accuracy),
    ] {
        assert_eq!(s.parse::<Metric>().unwrap(), want, "{s}");
    }
    for bad in [
        "top_0_categorical_accuracy",
        "top_03_categorical_accuracy",
        "auc",
    ] {
        let e = bad.parse::<Metric>().unwrap_err().to_string();
        assert!(
            e.contains(bad) && e.contains("top_k_categorical_accuracy"),
            "{e}"
        );
    }
    let (x, labels) = data();
    let y = to_categorical(&labels, 7).unwrap();
    let metrics = [Metric::Accuracy, Metric::TopKCategoricalAccuracy(2)];
    let mut m = model(Device::Cpu, Loss::CategoricalCrossentropy, &metrics);
    m.fit(&x, &y, &opts()).unwrap();
    let dir = TempDir::new("topk");
    let p = dir.path("m.safetensors");
    m.save(&p).unwrap();
    let back = Sequential::load(&p, Device::Cpu).unwrap();
    assert_eq!(back.compiled_with().unwrap().2, metrics);
    let top_k = |m: &Sequential| -> Vec<_> {
        m.epoch_logs()
            .iter()
            .map(|e| {
                (
                    e.top_k_categorical_accuracy,
                    e.val_top_k_categorical_accuracy,
                )
            })
            .collect()
    };
    assert_eq!(
        top_k(&back),
        top_k(&m),
        "the history keeps the top-k values"
    );
    // Only the cross-entropies over classes rank classes.
    let mut r = Sequential::new(Device::Cpu, &[10]);
    r.add(Dense::new(1, Activation::Linear)).unwrap();
    let e = r
        .compile(
            Optimizer::adam(),
            Loss::MeanSquaredError,
            &[Metric::top_k()],
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("top_k_categorical_accuracy") && e.contains("mse"),
        "{e}"
    );
}
