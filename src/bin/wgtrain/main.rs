//! `wgtrain`: train, evaluate and use MNIST models from a terminal, without writing Rust.
//!
//!     wgtrain devices
//!     wgtrain train --model cnn --epochs 5 --out runs/cnn
//!     wgtrain eval runs/cnn/checkpoint.safetensors
//!     wgtrain predict runs/cnn/checkpoint.safetensors my_digit.png
//!     wgtrain bench
//!     wgtrain tune

// First: its print macros shadow std's in every module below.
#[macro_use]
mod out;

mod bench;
mod bench_cost;
mod common;
mod devices;
mod eval;
mod export;
mod flags;
mod history_files;
mod interrupt;
mod json_out;
mod predict;
mod run_dir;
mod table_model;
mod train;
mod tune;

use std::process::ExitCode;

/// The longest error message printed, in characters.
const MAX_MESSAGE_CHARS: usize = 4000;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "wgtrain",
    version,
    about = "Keras-style neural-network training on any GPU (wgpu + WGSL), with a CPU reference device"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every adapter wgpu sees (name, device, type, key limits); the default is marked.
    Devices,
    /// Train a model on MNIST (or a folder of images) and write a checkpoint, its history and
    /// pictures to --out.
    Train(Box<train::TrainArgs>),
    /// Loss, accuracy, per-class accuracy and the confusion matrix of a checkpoint (or
    /// weights) on MNIST.
    Eval(eval::EvalArgs),
    /// Classify images (PNG/JPEG) with a checkpoint or weights: the top classes.
    Predict(predict::PredictArgs),
    /// A checkpoint's weights alone and its model as Keras JSON, for Keras or --weights.
    Export(export::ExportArgs),
    /// Kernel and training-step throughput on the adapter.
    Bench(bench::BenchArgs),
    /// Time the matmul kernels on this adapter now, cache and print the table the
    /// autotune picks (per layout and size class).
    Tune(tune::TuneArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Devices => devices::run(),
        Command::Train(a) => train::run(&a),
        Command::Eval(a) => eval::run(&a),
        Command::Predict(a) => predict::run(&a),
        Command::Export(a) => export::run(&a),
        Command::Bench(a) => bench::run(&a),
        Command::Tune(a) => tune::run(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `train` has said where it stopped and how to resume.
        Err(wgtrain::Error::Interrupted { .. }) => ExitCode::from(interrupt::EXIT_INTERRUPTED),
        Err(e) => {
            // Every message quotes its input clipped; this bounds any that does not. The
            // library names its calls and settings; the CLI user sees the flags.
            let text = flags::in_cli_words(&e.to_string());
            match text.char_indices().nth(MAX_MESSAGE_CHARS) {
                None => eprintln!("error: {text}"),
                Some((end, _)) => eprintln!("error: {}… (message cut)", &text[..end]),
            }
            ExitCode::FAILURE
        }
    }
}
