//! Training and kernel throughput on the chosen adapter, with the adapter's name:
//! start-up time to the first trained batch, the seed MLP (one epoch of all 60,000
//! training images, then the 10,000 test images), the seed CNN (steady-state steps,
//! projected to an epoch of 48,000 images as `mnist_cnn` trains), and matmul GFLOP/s.
//! For each model also what a real GPU pays besides arithmetic: dispatches per step,
//! queue submissions, and the host CPU time per step of the thread that records them.
//! `wgtrain bench`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use wgtrain::gpu::cost::H100;
use wgtrain::nn::models::{mnist_cnn, mnist_mlp};
use wgtrain::nn::Array;
use wgtrain::nn::{
    to_categorical, Device, FitOptions, Loss, Metric, Optimizer, Sequential, Verbose,
};
use wgtrain::shape::Layout;
use wgtrain::{gpu::Gpu, ops, Result};

use crate::bench_cost;

/// What training costs per step besides GPU time, in steady state: dispatches recorded and
/// queue submissions per epoch (on the real adapter), and the host's time to record a
/// step (on its no-op twin, `Gpu::noop_twin`, which records the same dispatches and runs
/// nothing: wgtrain + wgpu, without driver or GPU). Each is the difference between a fit
/// of more epochs and one of one epoch on the same rows, so a fit's set-up (packing and
/// uploading the data) cancels out.
struct StepCost {
    steps: usize,
    dispatches_per_step: f64,
    submissions_per_epoch: u64,
    host_us_per_step: f64,
}

/// Steps the host time is measured over (at least).
const HOST_STEPS: usize = 3000;

/// (dispatches, submissions, seconds, steps per epoch) of a fit of `epochs`.
fn counted_fit(
    gpu: &Gpu,
    m: &mut Sequential,
    (x, y): (&Array, &Array),
    epochs: usize,
) -> Result<(u64, u64, f64, usize)> {
    let (d0, s0) = gpu.command_counts();
    let t = Instant::now();
    let h = m.fit(x, y, &quiet(epochs, 0.0))?;
    let secs = t.elapsed().as_secs_f64();
    let (d1, s1) = gpu.command_counts();
    Ok((d1 - d0, s1 - s0, secs, h.epochs[0].steps))
}

impl StepCost {
    /// `build` makes the model (compiled) on the device it is given.
    fn measure(
        gpu: &Arc<Gpu>,
        build: impl Fn(&Device) -> Result<Sequential>,
        data: (&Array, &Array),
    ) -> Result<StepCost> {
        let mut m = build(&Device::Gpu(gpu.clone()))?;
        let one = counted_fit(gpu, &mut m, data, 1)?;
        let two = counted_fit(gpu, &mut m, data, 2)?;
        let noop = Arc::new(gpu.noop_twin()?);
        noop.set_fused(gpu.fused());
        let mut m = build(&Device::Gpu(noop.clone()))?;
        counted_fit(&noop, &mut m, data, 1)?; // warm-up: pipelines, pool, bind groups
                                              // Many epochs, so the steps outweigh the timer's noise and the fit's set-up.
        let k = HOST_STEPS.div_ceil(one.3);
        let host_one = counted_fit(&noop, &mut m, data, 1)?;
        let host_more = counted_fit(&noop, &mut m, data, 1 + k)?;
        let steps = one.3;
        Ok(StepCost {
            steps,
            dispatches_per_step: two.0.saturating_sub(one.0) as f64 / steps as f64,
            submissions_per_epoch: two.1.saturating_sub(one.1),
            host_us_per_step: (host_more.2 - host_one.2).max(0.0) * 1e6 / (k * steps) as f64,
        })
    }

    /// `<model>_dispatches_per_step`, `<model>_submissions_per_epoch` (of `steps` steps),
    /// `<model>_host_us_per_step`.
    fn report(&self, model: &str, say: &mut impl FnMut(&str, String, String)) {
        say(
            &format!("{model}_dispatches_per_step"),
            format!("{:.2}", self.dispatches_per_step),
            format!(
                "  {model} per step: {:.1} dispatches, {:.0} µs of host time to record it \
                 (no-op backend); {} submissions per epoch of {} steps",
                self.dispatches_per_step,
                self.host_us_per_step,
                self.submissions_per_epoch,
                self.steps,
            ),
        );
        say(
            &format!("{model}_submissions_per_epoch"),
            self.submissions_per_epoch.to_string(),
            String::new(),
        );
        say(
            &format!("{model}_host_us_per_step"),
            format!("{:.1}", self.host_us_per_step),
            String::new(),
        );
    }
}

/// `wgtrain bench` flags.
#[derive(clap::Args, Clone, Debug)]
pub struct BenchArgs {
    /// Timed steps of the seed CNN.
    #[arg(long, default_value_t = 200)]
    pub cnn_steps: usize,
    #[arg(long)]
    pub skip_mlp: bool,
    #[arg(long)]
    pub skip_cnn: bool,
    /// Per-kernel time tables (GPU timestamp queries).
    #[arg(long)]
    pub profile: bool,
    /// One JSON object instead of lines.
    #[arg(long)]
    pub json: bool,
    /// One dispatch per op (`Gpu::set_fused(false)`), to measure what fusing saves.
    #[arg(long)]
    pub unfused: bool,
    /// Only the GPU cost model of each model's training step (no timing, no MNIST).
    #[arg(long)]
    pub cost_only: bool,
    /// MNIST folder (default $MNIST_DIR, else data/mnist).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

fn quiet(epochs: usize, validation_split: f32) -> FitOptions {
    FitOptions {
        epochs,
        initial_epoch: 0,
        batch_size: 32,
        validation_split,
        shuffle: true,
        verbose: Verbose::Silent,
        stop: None,
        early_stopping: None,
        reduce_lr_on_plateau: None,
    }
}

/// The seed MLP (seed 42) compiled as the tutorial does.
fn compiled_mlp(dev: &Device) -> Result<wgtrain::nn::Sequential> {
    let mut m = mnist_mlp(dev.clone(), 42, false)?;
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )?;
    Ok(m)
}

/// The seed CNN (seed 42) compiled as the tutorial does.
fn compiled_cnn(dev: &Device) -> Result<wgtrain::nn::Sequential> {
    let mut m = mnist_cnn(dev.clone(), 42)?;
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )?;
    Ok(m)
}

/// The cost model of each model's step on a discrete GPU (`bench_cost`), on synthetic
/// MNIST-shaped data (shapes are all it reads).
fn cost_models(a: &BenchArgs, say: &mut impl FnMut(&str, String, String)) -> Result<()> {
    let gpu = Arc::new(Gpu::noop_discrete()?);
    gpu.set_fused(!a.unfused);
    let x = Array::new(&[64, 28, 28, 1], vec![0.5; 64 * 784])?;
    let labels: Vec<u8> = (0..64).map(|i| (i % 10) as u8).collect();
    let y = to_categorical(&labels, 10)?;
    say(
        "cost_model_gpu",
        format!("{:?}", H100.name),
        format!(
            "GPU cost model ({}; dispatches as a discrete GPU records them, wgpu no-op backend):",
            H100.name
        ),
    );
    for (model, build) in [
        ("mlp", compiled_mlp as fn(&Device) -> Result<Sequential>),
        ("cnn", compiled_cnn),
    ] {
        if (model == "mlp" && a.skip_mlp) || (model == "cnn" && a.skip_cnn) {
            continue;
        }
        let records = bench_cost::step_dispatches(&gpu, build, (&x, &y))?;
        bench_cost::report(model, &records, a.profile && !a.json, say);
    }
    Ok(())
}

/// Print the collected figures as one JSON object.
fn print_json(figures: &[(String, String)]) {
    let body: Vec<String> = figures
        .iter()
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    println!("{{{}}}", body.join(","));
}

/// Run the benchmarks and print their figures (or one JSON object with `json`).
pub fn run(a: &BenchArgs) -> Result<()> {
    let start = Instant::now();
    let mut figures: Vec<(String, String)> = Vec::new();
    let mut say = |key: &str, value: String, text: String| {
        if !a.json && !text.is_empty() {
            println!("{text}");
        }
        figures.push((key.to_string(), value));
    };
    if a.cost_only {
        cost_models(a, &mut say)?;
        if a.json {
            print_json(&figures);
        }
        return Ok(());
    }

    // Start-up: open the adapter, load MNIST, build the MLP, train one batch (read back).
    let gpu = Arc::new(Gpu::new()?);
    gpu.set_fused(!a.unfused);
    let dev = Device::Gpu(gpu.clone());
    let adapter = dev.name();
    say(
        "adapter",
        format!("{adapter:?}"),
        format!("adapter: {adapter}"),
    );
    let checks = !gpu.tuning().unchecked_shaders;
    say(
        "shader_bounds_checks",
        checks.to_string(),
        format!(
            "shader bounds checks: {}",
            if checks { "on" } else { "off" }
        ),
    );
    let table = gpu.tuning().matmul.describe();
    say(
        "matmul_kernels",
        format!("{table:?}"),
        format!("matmul kernels: {table} (WGTRAIN_TUNE, `wgtrain tune`)"),
    );
    let data = wgtrain::data::load_mnist(wgtrain::data::data_dir(a.data.as_deref()))?;
    let (x_train, y_train) = (&data.train.images, to_categorical(&data.train.labels, 10)?);
    let (x_test, y_test) = (&data.test.images, to_categorical(&data.test.labels, 10)?);
    let loaded = start.elapsed().as_secs_f64();
    let mut m = compiled_mlp(&dev)?;
    m.train_on_batch(&x_train.slice_rows(0, 32), &y_train.slice_rows(0, 32))?;
    let first = start.elapsed().as_secs_f64();
    say(
        "startup_to_first_batch_s",
        format!("{first:.3}"),
        format!(
            "start-up to first trained batch: {first:.2} s (adapter + MNIST load {loaded:.2} s, \
             pipelines + first step {:.2} s)",
            first - loaded
        ),
    );

    if !a.skip_mlp {
        let mut m = compiled_mlp(&dev)?;
        gpu.set_profiling(a.profile);
        let t = Instant::now();
        let h = m.fit(x_train, &y_train, &quiet(1, 0.0))?;
        let train_s = t.elapsed().as_secs_f64();
        let profile = gpu.profile();
        gpu.set_profiling(false);
        let t = Instant::now();
        let e = m.evaluate(x_test, &y_test)?;
        let eval_s = t.elapsed().as_secs_f64();
        let steps = h.epochs[0].steps;
        say(
            "mlp_epoch_60000_s",
            format!("{train_s:.3}"),
            format!(
                "seed MLP, 1 epoch of 60,000 (batch 32): {train_s:.2} s, {:.2} ms/step, \
                 {:.0} steps/s; test 10,000: {eval_s:.2} s, accuracy {:.4}; process so far \
                 {:.2} s",
                train_s * 1e3 / steps as f64,
                steps as f64 / train_s,
                e.accuracy.unwrap_or(f32::NAN),
                start.elapsed().as_secs_f64()
            ),
        );
        say(
            "mlp_ms_per_step",
            format!("{:.3}", train_s * 1e3 / steps as f64),
            String::new(),
        );
        say("mlp_eval_s", format!("{eval_s:.3}"), String::new());
        if !a.profile {
            let n = 300 * 32;
            let (x, y) = (x_train.slice_rows(0, n), y_train.slice_rows(0, n));
            StepCost::measure(&gpu, compiled_mlp, (&x, &y))?.report("mlp", &mut say);
        }
        say(
            "mlp_process_s",
            format!("{:.3}", start.elapsed().as_secs_f64()),
            String::new(),
        );
        if let Some(p) = profile.filter(|_| a.profile && !a.json) {
            println!("{}", p.table(Some(steps as u64)));
        }
    }

    if !a.skip_cnn {
        let n = (a.cnn_steps * 32).min(x_train.rows());
        let (x, y) = (x_train.slice_rows(0, n), y_train.slice_rows(0, n));
        let mut m = compiled_cnn(&dev)?;
        // Warm-up epoch on a few batches (pipelines, pool), then the timed one.
        m.fit(
            &x.slice_rows(0, 64.min(n)),
            &y.slice_rows(0, 64.min(n)),
            &quiet(1, 0.0),
        )?;
        gpu.set_profiling(a.profile);
        let t = Instant::now();
        let h = m.fit(&x, &y, &quiet(1, 0.0))?;
        let s = t.elapsed().as_secs_f64();
        let profile = gpu.profile();
        gpu.set_profiling(false);
        let steps = h.epochs[0].steps;
        let ms = s * 1e3 / steps as f64;
        say(
            "cnn_ms_per_step",
            format!("{ms:.3}"),
            format!(
                "seed CNN, {steps} steps of batch 32: {ms:.1} ms/step, {:.1} steps/s → \
                 {:.0} s per epoch of 48,000 (1,500 steps, projected)",
                1e3 / ms,
                1.5 * ms
            ),
        );
        say(
            "cnn_epoch_48000_projected_s",
            format!("{:.1}", 1.5 * ms),
            String::new(),
        );
        if !a.profile {
            let n = (50 * 32).min(x.rows());
            let (x, y) = (x.slice_rows(0, n), y.slice_rows(0, n));
            StepCost::measure(&gpu, compiled_cnn, (&x, &y))?.report("cnn", &mut say);
        }
        if let Some(p) = profile.filter(|_| a.profile && !a.json) {
            println!("{}", p.table(Some(steps as u64)));
        }
    }

    // 4096³ (137 GFLOP) only on GPUs: a CPU adapter would take minutes.
    let sizes: &[usize] = match gpu.info().is_cpu() {
        true => &[256, 1024],
        false => &[256, 1024, 4096],
    };
    for &n in sizes {
        let x: Vec<f32> = (0..n * n)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let (ga, gb) = (gpu.upload(&[n, n], &x)?, gpu.upload(&[n, n], &x)?);
        let c = gpu.zeros(&[n, n])?;
        ops::matmul_into(&gpu, &ga, &gb, None, Layout::NN, false, &c)?;
        gpu.synchronize()?;
        let reps = match n {
            0..=256 => 20,
            257..=1024 => 3,
            _ => 5,
        };
        let t = Instant::now();
        for _ in 0..reps {
            ops::matmul_into(&gpu, &ga, &gb, None, Layout::NN, false, &c)?;
        }
        gpu.synchronize()?;
        let s = t.elapsed().as_secs_f64() / reps as f64;
        let gf = 2.0 * (n as f64).powi(3) / s / 1e9;
        say(
            &format!("matmul_{n}_gflops"),
            format!("{gf:.2}"),
            format!("matmul {n}³ (NN, f32): {:.2} ms, {gf:.2} GFLOP/s", s * 1e3),
        );
    }
    cost_models(a, &mut say)?;
    if a.json {
        print_json(&figures);
    }
    Ok(())
}
