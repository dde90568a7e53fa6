//! Tutorial: the tiny regression from the Keras tutorial — 2 → Dense 4 ReLU → Dense 1,
//! mean squared error, Adam(lr 0.01) — fitted to y = sin(x1) + 0.5·x2² over 256 points in
//! [-2, 2]², one full-batch step per epoch, with a callback printing every 100th epoch.
//!
//!     cargo run --release --example regression          # on the GPU
//!     cargo run --release --example regression -- cpu   # on the CPU reference device

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wgtrain::nn::{
    layers::Dense, Activation, Array, Device, DeviceKind, FitOptions, Loss, Optimizer, Sequential,
    Verbose,
};

fn main() -> wgtrain::Result<()> {
    // The data: 256 points (x1, x2) and their targets, as [256, 2] and [256, 1] arrays.
    let mut rng = StdRng::seed_from_u64(42);
    let n = 256;
    let x: Vec<f32> = (0..2 * n).map(|_| rng.random_range(-2.0..2.0)).collect();
    let y: Vec<f32> = x
        .chunks(2)
        .map(|p| p[0].sin() + 0.5 * p[1] * p[1])
        .collect();
    let (x, y) = (Array::new(&[n, 2], x)?, Array::new(&[n, 1], y)?);

    let kind: DeviceKind = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("gpu")
        .parse()?;
    let mut model = Sequential::new(Device::new(kind)?, &[2]).with_seed(42);
    model.add(Dense::new(4, Activation::Relu))?;
    model.add(Dense::new(1, Activation::Linear))?;
    model.compile(Optimizer::adam_lr(0.01), Loss::MeanSquaredError, &[])?;
    println!("running on {}\n{}", model.device().name(), model.summary());

    // Full batch: one epoch is one step; no shuffling, no validation, no progress bar.
    let options = FitOptions {
        epochs: 1000,
        batch_size: n,
        shuffle: false,
        verbose: Verbose::Silent,
        ..FitOptions::default()
    };
    model.fit_with(&x, &y, &options, |e| {
        if e.epoch == 1 || e.epoch % 100 == 0 {
            println!("step {:>5}  mse {:.5}", e.epoch, e.loss);
        }
    })?;
    let mean = y.data.iter().sum::<f32>() / n as f32;
    let variance = y.data.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n as f32;
    let mse = model.evaluate(&x, &y)?.loss;
    println!("final mse {mse:.5}; the variance of y is {variance:.3}");
    Ok(())
}
