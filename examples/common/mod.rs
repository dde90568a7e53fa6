//! What the examples share: their command-line flags, opening the backend, loading MNIST,
//! and printing results as text or JSON lines.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Instant;

use wgtrain::nn::{Array, Backend, Device, EpochLog, FitOptions, Sequential, Verbose};

/// Flags every example accepts.
pub struct Args {
    pub device: Device,
    pub epochs: usize,
    pub batch_size: usize,
    pub seed: u64,
    pub data: Option<PathBuf>,
    pub json: bool,
    pub quiet: bool,
    /// Train on only the first N training images (quick runs).
    pub limit: Option<usize>,
    /// Evaluate on only the first N test images.
    pub test_limit: Option<usize>,
    /// Time every kernel and print a table at the end (GPU backend).
    pub profile: bool,
}

const HELP: &str = "flags:
  --device gpu|cpu     backend (default gpu; WGTRAIN_BACKEND / WGTRAIN_ADAPTER pick the GPU)
  --epochs N           epochs (steps for `regression`)
  --batch-size N       batch size (default 32)
  --seed N             seed for initialisation and shuffling (default 42)
  --data DIR           MNIST folder (default $MNIST_DIR, else data/mnist)
  --json               one JSON object per epoch and a final one, nothing else on stdout
  --quiet              one plain line per epoch instead of a progress bar
  --limit N            train on the first N training images only
  --test-limit N       evaluate on the first N test images only
  --profile            time every GPU kernel (timestamp queries) and print a table";

/// Parse `std::env::args`, exiting with a message on a bad flag.
pub fn parse_args(default_epochs: usize, default_batch: usize) -> Args {
    let mut a = Args {
        device: Device::Gpu,
        epochs: default_epochs,
        batch_size: default_batch,
        seed: 42,
        data: None,
        json: false,
        quiet: false,
        limit: None,
        test_limit: None,
        profile: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> String {
            it.next()
                .unwrap_or_else(|| fail(&format!("{name} needs a value")))
        };
        match flag.as_str() {
            "--device" => {
                a.device = value("--device")
                    .parse()
                    .unwrap_or_else(|e: wgtrain::Error| fail(&e.to_string()))
            }
            "--epochs" => a.epochs = number(&value("--epochs"), "--epochs"),
            "--batch-size" => a.batch_size = number(&value("--batch-size"), "--batch-size"),
            "--seed" => a.seed = number(&value("--seed"), "--seed") as u64,
            "--data" => a.data = Some(PathBuf::from(value("--data"))),
            "--limit" => a.limit = Some(number(&value("--limit"), "--limit")),
            "--test-limit" => a.test_limit = Some(number(&value("--test-limit"), "--test-limit")),
            "--json" => a.json = true,
            "--quiet" => a.quiet = true,
            "--profile" => a.profile = true,
            "-h" | "--help" => {
                println!("{HELP}");
                std::process::exit(0);
            }
            other => fail(&format!("unknown flag {other}")),
        }
    }
    if a.batch_size == 0 {
        fail("--batch-size must be at least 1");
    }
    a
}

fn number(s: &str, name: &str) -> usize {
    s.parse()
        .unwrap_or_else(|_| fail(&format!("{name} needs a whole number, got {s:?}")))
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}\n{HELP}");
    std::process::exit(2)
}

/// Print an error and exit 1 (for `main`s that do not return Result).
pub fn or_exit<T>(r: wgtrain::Result<T>) -> T {
    r.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    })
}

impl Args {
    pub fn backend(&self) -> Backend {
        or_exit(Backend::new(self.device))
    }

    pub fn verbose(&self) -> Verbose {
        match (self.json, self.quiet) {
            (true, _) => Verbose::Silent,
            (false, true) => Verbose::Lines,
            _ => Verbose::Auto,
        }
    }

    pub fn fit_options(&self) -> FitOptions {
        FitOptions {
            epochs: self.epochs,
            initial_epoch: 0,
            batch_size: self.batch_size,
            validation_split: 0.2,
            shuffle: true,
            verbose: self.verbose(),
            stop: None,
        }
    }

    /// MNIST, cut to --limit / --test-limit.
    pub fn mnist(&self) -> wgtrain::data::Mnist {
        let dir = wgtrain::data::data_dir(self.data.as_deref());
        let mut m = or_exit(wgtrain::data::load_mnist(&dir));
        if let Some(n) = self.limit {
            m.train = m.train.take(n);
        }
        if let Some(n) = self.test_limit {
            m.test = m.test.take(n);
        }
        m
    }

    /// Text output only (not with --json).
    pub fn say(&self, s: impl AsRef<str>) {
        if !self.json {
            println!("{}", s.as_ref());
        }
    }
}

/// JSON string literal.
pub fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// JSON number or null.
pub fn json_num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => "null".into(),
    }
}

/// One epoch as a JSON object.
pub fn epoch_json(e: &EpochLog) -> String {
    format!(
        "{{\"epoch\":{},\"epochs\":{},\"loss\":{},\"accuracy\":{},\"val_loss\":{},\"val_accuracy\":{},\"steps\":{},\"seconds\":{}}}",
        e.epoch,
        e.epochs,
        json_num(Some(e.loss as f64)),
        json_num(e.accuracy.map(f64::from)),
        json_num(e.val_loss.map(f64::from)),
        json_num(e.val_accuracy.map(f64::from)),
        e.steps,
        json_num(Some(e.seconds)),
    )
}

/// Fit a compiled classifier with the examples' settings, evaluate it on the test set and
/// print the results (text or JSON).
pub fn train_and_test(
    args: &Args,
    name: &str,
    model: &mut Sequential,
    x_train: &Array,
    y_train: &Array,
    x_test: &Array,
    y_test: &Array,
) {
    let adapter = model.backend().name();
    args.say(format!("backend: {adapter}"));
    args.say(model.summary());
    let profiling = args.profile && model.backend().gpu().is_some();
    if args.profile && !profiling {
        eprintln!("--profile times GPU kernels; the CPU backend has none to time");
    }
    if let Some(gpu) = model.backend().gpu().filter(|_| profiling) {
        gpu.set_profiling(true);
    }
    let t0 = Instant::now();
    let json = args.json;
    let history = or_exit(model.fit_with(x_train, y_train, &args.fit_options(), |e| {
        if json {
            println!("{}", epoch_json(e));
        }
    }));
    let train_seconds = t0.elapsed().as_secs_f64();
    args.say(format!(
        "training data kept on the backend: {:.1} MB",
        history.resident_bytes as f64 / 1e6
    ));
    if let Some(gpu) = model.backend().gpu().filter(|_| profiling) {
        let steps: usize = history.epochs.iter().map(|e| e.steps).sum();
        if let Some(p) = gpu.profile() {
            let table = p.table(Some(steps as u64));
            match json {
                true => eprintln!("{table}"),
                false => println!("{table}(per training step of fit, validation included)"),
            }
        }
        gpu.set_profiling(false);
    }
    let t1 = Instant::now();
    let test = or_exit(model.evaluate(x_test, y_test));
    let eval_seconds = t1.elapsed().as_secs_f64();
    let secs: Vec<String> = history
        .seconds()
        .iter()
        .map(|s| format!("{s:.3}"))
        .collect();
    if json {
        println!(
            "{{\"model\":{},\"device\":{},\"adapter\":{},\"params\":{},\"train_samples\":{},\"test_samples\":{},\"batch_size\":{},\"epochs\":{},\"test_loss\":{},\"test_accuracy\":{},\"seconds_per_epoch\":[{}],\"train_seconds\":{},\"eval_seconds\":{}}}",
            json_str(name),
            json_str(match args.device {
                Device::Gpu => "gpu",
                Device::Cpu => "cpu",
            }),
            json_str(&adapter),
            model.count_params(),
            x_train.rows(),
            x_test.rows(),
            args.batch_size,
            args.epochs,
            json_num(Some(test.loss as f64)),
            json_num(test.accuracy.map(f64::from)),
            secs.join(","),
            json_num(Some(train_seconds)),
            json_num(Some(eval_seconds)),
        );
    } else {
        println!(
            "test_loss: {:.4} - test_accuracy: {:.4} ({} test images, evaluated in {:.1}s)",
            test.loss,
            test.accuracy.unwrap_or(f32::NAN),
            x_test.rows(),
            eval_seconds
        );
        println!("seconds per epoch: [{}]", secs.join(", "));
    }
}
