//! Training and kernel throughput on the chosen adapter, with the adapter's name:
//! start-up time to the first trained batch, the seed MLP (one epoch of all 60,000
//! training images, then the 10,000 test images), the seed CNN (steady-state steps,
//! projected to an epoch of 48,000 images as `mnist_cnn` trains), and matmul GFLOP/s.
//!
//!     cargo run --release --example bench -- [--cnn-steps 200] [--skip-mlp] [--skip-cnn]
//!         [--profile] [--json] [--data DIR]

//! (The same figures as `wgtrain bench`; the code lives in `wgtrain::bench`.)

use std::path::PathBuf;

use wgtrain::bench::BenchOptions;

fn args() -> BenchOptions {
    let mut a = BenchOptions::default();
    let mut it = std::env::args().skip(1);
    while let Some(f) = it.next() {
        match f.as_str() {
            "--cnn-steps" => {
                a.cnn_steps = it.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                    eprintln!("--cnn-steps needs a whole number");
                    std::process::exit(2)
                })
            }
            "--skip-mlp" => a.mlp = false,
            "--skip-cnn" => a.cnn = false,
            "--profile" => a.profile = true,
            "--json" => a.json = true,
            "--data" => a.data = it.next().map(PathBuf::from),
            other => {
                eprintln!(
                    "unknown flag {other}; flags: --cnn-steps N --skip-mlp --skip-cnn \
                     --profile --json --data DIR"
                );
                std::process::exit(2)
            }
        }
    }
    a
}

fn main() -> wgtrain::Result<()> {
    wgtrain::bench::run(&args())
}
