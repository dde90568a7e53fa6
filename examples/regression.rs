//! The tiny regression from the Keras tutorial: 2 → Dense 4 ReLU → Dense 1, MSE,
//! Adam(lr 0.01), full-batch steps on a smooth synthetic target y = sin(x1) + 0.5·x2²
//! over 256 points in [-2, 2]²; prints the loss every 100 steps.
//!
//!     cargo run --release --example regression -- [--device gpu|cpu] [--epochs 1000] [--json]

mod common;

use common::{json_num, json_str, or_exit, parse_args};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wgtrain::nn::{Activation, Array, Dense, FitOptions, Loss, Optimizer, Sequential, Verbose};

fn main() {
    let args = parse_args(1000, 256);
    let mut rng = StdRng::seed_from_u64(args.seed);
    let n = 256;
    let x: Vec<f32> = (0..2 * n).map(|_| rng.random_range(-2.0..2.0)).collect();
    let y: Vec<f32> = x
        .chunks(2)
        .map(|p| p[0].sin() + 0.5 * p[1] * p[1])
        .collect();
    let x = or_exit(Array::new(&[n, 2], x));
    let y = or_exit(Array::new(&[n, 1], y));

    let mut model = Sequential::new(args.backend(), &[2]).with_seed(args.seed);
    or_exit(model.add(Dense::new(4, Activation::Relu)));
    or_exit(model.add(Dense::new(1, Activation::Linear)));
    or_exit(model.compile(Optimizer::adam_lr(0.01), Loss::MeanSquaredError, &[]));
    args.say(format!("backend: {}", model.backend().name()));
    args.say(model.summary());

    // Full batch: one epoch is one step; no shuffling, no validation.
    let opts = FitOptions {
        epochs: args.epochs,
        initial_epoch: 0,
        batch_size: args.batch_size.max(n),
        validation_split: 0.0,
        shuffle: false,
        verbose: Verbose::Silent,
        stop: None,
    };
    let json = args.json;
    let t0 = std::time::Instant::now();
    let history = or_exit(model.fit_with(&x, &y, &opts, |e| {
        if e.epoch % 100 == 0 || e.epoch == 1 {
            if json {
                println!(
                    "{{\"step\":{},\"loss\":{}}}",
                    e.epoch,
                    json_num(Some(e.loss as f64))
                );
            } else {
                println!("step {:>5}  mse {:.5}", e.epoch, e.loss);
            }
        }
    }));
    let seconds = t0.elapsed().as_secs_f64();
    let final_loss = or_exit(model.evaluate(&x, &y)).loss;
    if json {
        println!(
            "{{\"model\":\"regression\",\"adapter\":{},\"steps\":{},\"first_loss\":{},\"final_loss\":{},\"seconds\":{}}}",
            json_str(&model.backend().name()),
            args.epochs,
            json_num(history.loss().first().map(|&l| l as f64)),
            json_num(Some(final_loss as f64)),
            json_num(Some(seconds))
        );
    } else {
        println!(
            "final mse {final_loss:.5} after {} steps ({seconds:.2}s); variance of y is {:.3}",
            args.epochs,
            variance(&y.data)
        );
    }
}

fn variance(v: &[f32]) -> f32 {
    let m = v.iter().sum::<f32>() / v.len() as f32;
    v.iter().map(|x| (x - m) * (x - m)).sum::<f32>() / v.len() as f32
}
