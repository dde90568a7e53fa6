//! `wgtrain train`: build (or resume) a model, fit it on MNIST, checkpoint it after every
//! epoch, evaluate it on the test set, and write its history and pictures.

use std::path::{Path, PathBuf};
use std::time::Instant;

use wgtrain::nn::models::{mnist_cnn, mnist_mlp};
use wgtrain::nn::{
    to_categorical, write_atomically, EpochLog, FitOptions, Loss, Metric, ModelSpec, Optimizer,
    Sequential, Verbose,
};
use wgtrain::{Error, Result};

use crate::common::{backend, check_classifier, images_for, mnist, DeviceArg};

#[derive(clap::Args)]
pub struct TrainArgs {
    /// mlp (default) or cnn, the Keras tutorial models, or a model description PATH.json
    /// (see models/)
    #[arg(long)]
    model: Option<String>,
    /// MNIST folder (default $MNIST_DIR, else data/mnist)
    #[arg(long)]
    data: Option<PathBuf>,
    /// The last epoch's number (with --resume: train up to it)
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    epochs: u64,
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..))]
    batch_size: u64,
    /// Learning rate (default: Adam 0.001, SGD 0.01)
    #[arg(long, value_parser = positive_f32)]
    lr: Option<f32>,
    #[arg(long, value_enum)]
    optimizer: Option<OptimizerArg>,
    /// SGD momentum
    #[arg(long, default_value_t = 0.0)]
    momentum: f32,
    /// Share of the training images held out (the last ones, as Keras)
    #[arg(long, default_value_t = 0.2, value_parser = split_fraction)]
    validation_split: f32,
    #[arg(long, value_enum, default_value = "gpu")]
    device: DeviceArg,
    /// Seed for initialisation and shuffling (default 42)
    #[arg(long)]
    seed: Option<u64>,
    /// Folder for checkpoint.safetensors, model.json, history.json/.csv and pictures
    #[arg(long, default_value = "runs/latest")]
    out: PathBuf,
    /// Continue from a checkpoint (model, optimizer state and shuffling come from it)
    #[arg(long, conflicts_with_all = ["model", "lr", "optimizer", "seed"])]
    resume: Option<PathBuf>,
    /// One JSON object per epoch and a final one; nothing else on stdout
    #[arg(long)]
    json: bool,
    /// One plain line per epoch instead of a progress bar
    #[arg(long)]
    quiet: bool,
    /// Train on the first N training images only
    #[arg(long)]
    limit: Option<usize>,
    /// Evaluate on the first N test images only
    #[arg(long)]
    test_limit: Option<usize>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum OptimizerArg {
    Adam,
    Sgd,
}

fn positive_f32(s: &str) -> std::result::Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("expected a positive number, got {s:?}")),
    }
}

fn split_fraction(s: &str) -> std::result::Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.0..1.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a fraction in [0, 1), got {s:?}")),
    }
}

/// A new model from --model, compiled with --optimizer / --lr.
fn new_model(a: &TrainArgs) -> Result<Sequential> {
    let be = backend(a.device)?;
    let seed = a.seed.unwrap_or(42);
    let mut m = match a.model.as_deref().unwrap_or("mlp") {
        "mlp" => mnist_mlp(be, seed, false)?,
        "cnn" => mnist_cnn(be, seed)?,
        path if path.ends_with(".json") => ModelSpec::load(Path::new(path))?.build(be, seed)?,
        other => {
            return Err(Error::BadSetting {
                name: "--model",
                value: other.into(),
                reason: "use mlp, cnn or a model description file ending in .json".into(),
            })
        }
    };
    let optimizer = match (a.optimizer.unwrap_or(OptimizerArg::Adam), a.lr) {
        (OptimizerArg::Adam, lr) => Optimizer::adam_lr(lr.unwrap_or(1e-3)),
        (OptimizerArg::Sgd, lr) => Optimizer::sgd(lr.unwrap_or(0.01), a.momentum),
    };
    m.compile(
        optimizer,
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )?;
    Ok(m)
}

pub fn run(a: &TrainArgs) -> Result<()> {
    let say = |s: String| {
        if !a.json {
            println!("{s}");
        }
    };
    let mut model = match &a.resume {
        Some(path) => Sequential::load(path, backend(a.device)?)?,
        None => new_model(a)?,
    };
    check_classifier(&model)?;
    let done = model.epoch_logs().last().map_or(0, |e| e.epoch);
    let epochs = a.epochs as usize;
    if done >= epochs {
        return Err(Error::Model(format!(
            "the checkpoint has already trained {done} epochs; pass --epochs {} (or more) to \
             train further",
            done + 1
        )));
    }
    let data = mnist(a.data.as_deref(), a.limit, a.test_limit)?;
    let x = images_for(&model, &data.train)?;
    let y = to_categorical(&data.train.labels, 10)?;
    std::fs::create_dir_all(&a.out).map_err(|e| Error::Io {
        path: a.out.clone(),
        source: e,
    })?;
    let checkpoint = a.out.join("checkpoint.safetensors");
    say(format!("backend: {}", model.backend().name()));
    if let Some(r) = &a.resume {
        say(format!("resuming {} after epoch {done}", r.display()));
    } else {
        say(model.summary());
    }
    write_atomically(&a.out.join("model.json"), model.spec().to_json().as_bytes())?;

    let opts = FitOptions {
        epochs,
        initial_epoch: done,
        batch_size: a.batch_size as usize,
        validation_split: a.validation_split,
        shuffle: true,
        verbose: match (a.json, a.quiet) {
            (true, _) => Verbose::Silent,
            (false, true) => Verbose::Lines,
            _ => Verbose::Auto,
        },
    };
    let out = a.out.clone();
    let json = a.json;
    model.fit_checkpointed(&x, &y, &opts, |m, log| {
        m.save(&checkpoint)?;
        write_history(&out, m.epoch_logs())?;
        wgtrain::plot::training_curves(&out.join("training.png"), m.epoch_logs())?;
        if json {
            println!("{}", serde_json::to_string(log).expect("epoch log"));
        }
        Ok(())
    })?;

    let t = Instant::now();
    let x_test = images_for(&model, &data.test)?;
    let test = model.evaluate(&x_test, &to_categorical(&data.test.labels, 10)?)?;
    let eval_s = t.elapsed().as_secs_f64();
    let probs = model.predict(&x_test)?;
    crate::eval::Report::new(&data.test, &probs).write_pictures(&a.out, &data.test)?;
    let logs = model.epoch_logs();
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "test_loss": test.loss,
                "test_accuracy": test.accuracy,
                "test_samples": data.test.len(),
                "seconds_per_epoch": logs.iter().map(|e| e.seconds).collect::<Vec<_>>(),
                "adapter": model.backend().name(),
                "checkpoint": checkpoint.display().to_string(),
            })
        );
    } else {
        println!(
            "test_loss: {:.4} - test_accuracy: {:.4} ({} test images, evaluated in {eval_s:.1}s)",
            test.loss,
            test.accuracy.unwrap_or(f32::NAN),
            data.test.len()
        );
        println!(
            "wrote {} (resume with --resume), model.json, history.json, history.csv, \
             training.png, confusion.png, most_wrong.png in {}",
            checkpoint.display(),
            a.out.display()
        );
    }
    Ok(())
}

/// history.json (a list of epoch logs) and history.csv, for every epoch so far.
fn write_history(out: &Path, logs: &[EpochLog]) -> Result<()> {
    let json = serde_json::to_string_pretty(logs).expect("epoch logs");
    write_atomically(&out.join("history.json"), json.as_bytes())?;
    let opt = |v: Option<f32>| v.map_or(String::new(), |v| v.to_string());
    let mut csv = String::from("epoch,loss,accuracy,val_loss,val_accuracy,steps,seconds\n");
    for e in logs {
        csv += &format!(
            "{},{},{},{},{},{},{:.3}\n",
            e.epoch,
            e.loss,
            opt(e.accuracy),
            opt(e.val_loss),
            opt(e.val_accuracy),
            e.steps,
            e.seconds
        );
    }
    write_atomically(&out.join("history.csv"), csv.as_bytes())
}
