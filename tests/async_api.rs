//! The async face the browser build trains through (`fit_epoch_async`, `evaluate_async`,
//! `predict_async`, `get_weights_async`, driven here by `pollster`) gives the numbers of
//! the blocking calls, on the GPU and on the CPU reference device; MNIST from bytes equals
//! MNIST from the files; weights bytes from the async read equal `weights_file_bytes`.

mod common;

use wgtrain::data::{load_split_first, load_split_from_bytes};
use wgtrain::nn::models::image_mlp;
use wgtrain::prelude::*;

fn data(n: usize) -> (Array, Array) {
    let x: Vec<f32> = (0..n * 36)
        .map(|i| ((i * 37 % 101) as f32) / 101.0)
        .collect();
    let labels: Vec<u8> = (0..n).map(|i| ((i * 7 + i / 3) % 10) as u8).collect();
    (
        Array::new(&[n, 6, 6, 1], x).unwrap(),
        to_categorical(&labels, 10).unwrap(),
    )
}

fn model(dev: Device) -> Sequential {
    let mut m = image_mlp(dev, 3, [6, 6, 1]).unwrap();
    m.compile(
        Optimizer::adam_lr(1e-2),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    m
}

fn same_as_blocking(dev: Device) {
    let (x, y) = data(200);
    let opts = FitOptions {
        epochs: 2,
        batch_size: 16,
        validation_split: 0.2,
        verbose: Verbose::Silent,
        ..Default::default()
    };
    let mut blocking = model(dev.clone());
    let history = blocking.fit(&x, &y, &opts).unwrap();

    let mut awaited = model(dev);
    let mut readings = Vec::new();
    for epoch in 1..=2 {
        let mut progress = |s: usize, steps: usize, loss: f32, acc: Option<f32>| {
            readings.push((s, steps, loss, acc))
        };
        let log =
            pollster::block_on(awaited.fit_epoch_async(&x, &y, &opts, 3, &mut progress)).unwrap();
        let want = &history.epochs[epoch - 1];
        assert_eq!(log.epoch, epoch);
        assert_eq!(log.steps, want.steps);
        assert_eq!(
            (log.loss, log.accuracy, log.val_loss, log.val_accuracy),
            (want.loss, want.accuracy, want.val_loss, want.val_accuracy),
            "epoch {epoch}: async vs fit"
        );
    }
    // 10 steps an epoch, read every 3: at 3, 6, 9, then the epoch's end.
    let steps: Vec<usize> = readings.iter().map(|r| r.0).collect();
    assert_eq!(steps, [3, 6, 9, 10, 3, 6, 9, 10]);
    assert!(readings
        .iter()
        .all(|r| r.1 == 10 && r.2.is_finite() && r.3.is_some()));

    let ev = blocking.evaluate(&x, &y).unwrap();
    assert_eq!(
        pollster::block_on(awaited.evaluate_async(&x, &y)).unwrap(),
        ev
    );
    let p = blocking.predict(&x).unwrap();
    assert_eq!(pollster::block_on(awaited.predict_async(&x)).unwrap(), p);
    let w = pollster::block_on(awaited.get_weights_async()).unwrap();
    assert_eq!(w, blocking.get_weights().unwrap());
    assert_eq!(
        awaited.weights_file_bytes_of(w).unwrap(),
        blocking.weights_file_bytes().unwrap()
    );
}

#[test]
fn async_calls_equal_blocking_ones_on_the_cpu() {
    same_as_blocking(Device::Cpu);
}

#[test]
fn async_calls_equal_blocking_ones_on_the_gpu() {
    let Some(dev) = common::gpu_device() else {
        return;
    };
    same_as_blocking(dev);
}

#[test]
fn mnist_from_bytes_equals_mnist_from_files() {
    let dir = std::env::var("MNIST_DIR").unwrap_or_else(|_| "data/mnist".into());
    let (im, lb) = (
        format!("{dir}/t10k-images-idx3-ubyte.gz"),
        format!("{dir}/t10k-labels-idx1-ubyte.gz"),
    );
    let (Ok(ib), Ok(lbb)) = (std::fs::read(&im), std::fs::read(&lb)) else {
        eprintln!("skipping: no MNIST test files in {dir} (scripts/fetch-mnist.sh)");
        return;
    };
    let want = load_split_first(&im, &lb, Some(300)).unwrap();
    let got = load_split_from_bytes(&ib, "images", &lbb, "labels", Some(300)).unwrap();
    assert_eq!(got.images, want.images);
    assert_eq!(got.labels, want.labels);
    // Raw (not gzip) bytes as well, and an error naming the file.
    let raw = wgtrain::data::parse_idx_bytes(&lbb, None).unwrap();
    assert_eq!(raw.dims, [10_000]);
    let e = load_split_from_bytes(&ib, "images", &ib[..100], "my-labels", None).unwrap_err();
    assert!(e.to_string().contains("my-labels"), "{e}");
}
