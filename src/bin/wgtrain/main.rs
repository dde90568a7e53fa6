//! `wgtrain`: train, evaluate and use MNIST models from a terminal, without writing Rust.
//!
//!     wgtrain devices
//!     wgtrain train --model cnn --epochs 5 --out runs/cnn
//!     wgtrain eval runs/cnn/checkpoint.safetensors
//!     wgtrain predict runs/cnn/checkpoint.safetensors my_digit.png
//!     wgtrain bench

mod common;
mod devices;
mod eval;
mod interrupt;
mod predict;
mod run_dir;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "wgtrain",
    version,
    about = "Keras-style neural-network training on any GPU (wgpu + WGSL), with a CPU reference backend"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every adapter wgpu sees (name, backend, type, key limits); the default is marked.
    Devices,
    /// Train a model on MNIST and write a checkpoint, its history and pictures to --out.
    Train(train::TrainArgs),
    /// Loss, accuracy, per-class accuracy and the confusion matrix of a checkpoint.
    Eval(eval::EvalArgs),
    /// Classify digit images (PNG/JPEG) with a checkpoint: top-3 classes.
    Predict(predict::PredictArgs),
    /// Kernel and training-step throughput on the adapter.
    Bench {
        /// Timed steps of the seed CNN.
        #[arg(long, default_value_t = 200)]
        cnn_steps: usize,
        #[arg(long)]
        skip_mlp: bool,
        #[arg(long)]
        skip_cnn: bool,
        /// Per-kernel time tables (GPU timestamp queries).
        #[arg(long)]
        profile: bool,
        /// One JSON object instead of lines.
        #[arg(long)]
        json: bool,
        /// MNIST folder (default $MNIST_DIR, else data/mnist).
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Devices => devices::run(),
        Command::Train(a) => train::run(&a),
        Command::Eval(a) => eval::run(&a),
        Command::Predict(a) => predict::run(&a),
        Command::Bench {
            cnn_steps,
            skip_mlp,
            skip_cnn,
            profile,
            json,
            data,
        } => wgtrain::bench::run(&wgtrain::bench::BenchOptions {
            cnn_steps,
            mlp: !skip_mlp,
            cnn: !skip_cnn,
            profile,
            json,
            data,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `train` has said where it stopped and how to resume.
        Err(wgtrain::Error::Interrupted { .. }) => ExitCode::from(interrupt::EXIT_INTERRUPTED),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
