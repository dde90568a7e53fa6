//! The GPU cost model of the seed models' training steps, as a discrete GPU records them
//! (wgpu's no-op backend reporting one: no GPU needed, the same on every machine): every
//! figure at issue 22's targets, so a kernel change that brings back a long serial loop,
//! an idle workgroup or a starved grid fails here. Arithmetic, not timing.

use std::sync::Arc;

use wgtrain::gpu::cost::{CostSummary, DispatchRecord, H100};
use wgtrain::gpu::Gpu;
use wgtrain::nn::models::{mnist_cnn, mnist_mlp};
use wgtrain::nn::{to_categorical, Array, Device, Loss, Metric, Optimizer, Sequential};

fn data() -> (Array, Array) {
    let x: Vec<f32> = (0..64 * 784).map(|i| (i % 251) as f32 / 251.0).collect();
    let labels: Vec<u8> = (0..64).map(|i| (i % 10) as u8).collect();
    (
        Array::new(&[64, 28, 28, 1], x).unwrap(),
        to_categorical(&labels, 10).unwrap(),
    )
}

/// One training step's dispatches of `model` (compiled as the tutorial does) on `gpu`.
fn trace(gpu: Arc<Gpu>, model: impl Fn(Device) -> Sequential) -> Vec<DispatchRecord> {
    let mut m = model(Device::Gpu(gpu));
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    let (x, y) = data();
    m.trace_training_step(&x, &y, 32).unwrap()
}

/// The step on a discrete GPU's defaults, and its summary on the model H100.
fn step(model: impl Fn(Device) -> Sequential) -> (Vec<DispatchRecord>, CostSummary) {
    let records = trace(Arc::new(Gpu::noop_discrete().unwrap()), model);
    let summary = H100.summarize(&records);
    (records, summary)
}

fn kernels(records: &[DispatchRecord]) -> Vec<&'static str> {
    records.iter().map(|d| d.kernel).collect()
}

#[test]
fn seed_cnn_step_is_shaped_for_a_big_gpu() {
    let (records, s) = step(|d| mnist_cnn(d, 42).unwrap());
    let table = wgtrain::gpu::cost::table(&H100, &records);
    assert!(s.max_serial_trips <= 512, "{table}");
    assert!(s.sum_serial_trips <= 3000, "{table}");
    assert!(s.min_deep_workgroups.is_none_or(|w| w >= 132), "{table}");
    assert!(s.useful_thread_share >= 0.9, "{table}");
    assert!(s.est_gpu_us <= 500.0, "{table}");
    // One step: one optimizer update, one loss kernel, the batch gathered once.
    let k = kernels(&records);
    let count = |name: &str| k.iter().filter(|&&n| n == name).count();
    assert_eq!(count("adam_update"), 1, "{table}");
    assert_eq!(count("softmax_cross_entropy_step"), 1, "{table}");
    assert_eq!(count("counter_step"), 1, "{table}");
    // conv1's weight gradient (K = 21,632) is split: no matmul walks all of K.
    assert!(k.contains(&"matmul_split_reduce_tree"), "{table}");
}

#[test]
fn seed_mlp_step_is_shaped_for_a_big_gpu() {
    let (records, s) = step(|d| mnist_mlp(d, 42, false).unwrap());
    let table = wgtrain::gpu::cost::table(&H100, &records);
    assert!(s.max_serial_trips <= 512, "{table}");
    assert!(s.useful_thread_share >= 0.9, "{table}");
    assert!(s.est_gpu_us <= 150.0, "{table}");
    // The first Dense computes no input gradient: the only NT product is the second's.
    let nt = kernels(&records)
        .into_iter()
        .filter(|n| n.starts_with("matmul_split_nt"))
        .count();
    assert_eq!(nt, 1, "{table}");
}

#[test]
fn the_seed_models_record_the_dispatches_their_fusions_promise() {
    // Each fusion removes dispatches (README, "Fewer dispatches per step"): a fusion that
    // silently stops working shows here as more. A CPU adapter's tuning records the
    // unsplit kernels; a discrete GPU's adds split-K's second passes.
    let cpu = || {
        let limits = wgpu::Limits::default();
        Arc::new(Gpu::noop(limits, wgpu::Features::empty(), wgpu::DeviceType::Cpu).unwrap())
    };
    let gpu = || Arc::new(Gpu::noop_discrete().unwrap());
    let mlp = |d| mnist_mlp(d, 42, false).unwrap();
    let cnn = |d| mnist_cnn(d, 42).unwrap();
    let counts = [
        ("seed MLP, CPU adapter", trace(cpu(), mlp).len(), 11),
        ("seed CNN, CPU adapter", trace(cpu(), cnn).len(), 29),
        ("seed MLP, discrete GPU", trace(gpu(), mlp).len(), 12),
        ("seed CNN, discrete GPU", trace(gpu(), cnn).len(), 35),
    ];
    for (what, got, want) in counts {
        assert_eq!(got, want, "{what}: dispatches per training step");
    }
}

/// Today's GPU defaults against the register family without split-K on the same model
/// (what a GPU ran before): the trace sees the 21,632-trip dispatch on 3 workgroups.
#[test]
fn the_trace_sees_a_long_serial_loop_when_there_is_one() {
    let gpu = Arc::new(Gpu::noop_discrete().unwrap());
    gpu.set_split_k_above(Some(usize::MAX - 1));
    let records = trace(gpu, |d| mnist_cnn(d, 42).unwrap());
    let s = H100.summarize(&records);
    assert_eq!(s.max_serial_trips, 21632);
    assert!(s.est_gpu_us > 5000.0, "{s:?}");
}

#[test]
fn tracing_a_step_needs_two_batches_and_a_gpu() {
    let (x, y) = data();
    let gpu = Arc::new(Gpu::noop_discrete().unwrap());
    let mut m = mnist_mlp(Device::Gpu(gpu), 42, false).unwrap();
    m.compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    let err = m.trace_training_step(&x, &y, 40).unwrap_err().to_string();
    assert!(err.contains("at least 80"), "{err}");
    let mut cpu = mnist_mlp(Device::Cpu, 42, false).unwrap();
    cpu.compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    let err = cpu.trace_training_step(&x, &y, 32).unwrap_err().to_string();
    assert!(err.contains("CPU device"), "{err}");
}

fn bench_cost_only(env: &[(&str, &str)]) -> (String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wgtrain"))
        .args(["bench", "--cost-only", "--json"])
        .envs(env.iter().copied())
        .output()
        .expect("run wgtrain");
    assert!(out.status.success(), "{out:?}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn figure(json: &str, key: &str) -> f64 {
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("one JSON object");
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {json}"))
}

/// `wgtrain bench --cost-only --json` needs no GPU and no MNIST: the five figures per
/// model; the family and threshold settings move them (the register family without
/// split-K is what GPUs ran before: conv1's weight gradient walks all 21,632 rows), and a
/// setting that makes no sense is named in a warning and ignored.
#[test]
fn bench_reports_the_cost_model_without_a_gpu() {
    let (json, _) = bench_cost_only(&[]);
    for key in [
        "max_serial_trips",
        "sum_serial_trips",
        "useful_thread_share",
        "est_gpu_us",
    ] {
        assert!(figure(&json, &format!("cnn_{key}")) > 0.0, "{json}");
        assert!(figure(&json, &format!("mlp_{key}")) > 0.0, "{json}");
    }
    assert!(figure(&json, "cnn_max_serial_trips") <= 512.0, "{json}");
    assert!(json.contains("\"cnn_min_deep_workgroups\":"), "{json}");
    let (before, _) = bench_cost_only(&[
        ("WGTRAIN_MATMUL", "register"),
        ("WGTRAIN_SPLIT_K_ABOVE", "1000000000"),
    ]);
    assert_eq!(figure(&before, "cnn_max_serial_trips"), 21632.0, "{before}");
    assert_eq!(figure(&before, "cnn_min_deep_workgroups"), 3.0, "{before}");
    let (bad, err) = bench_cost_only(&[
        ("WGTRAIN_MATMUL", "fastest"),
        ("WGTRAIN_SPLIT_K_ABOVE", "lots"),
    ]);
    assert!(
        err.contains("WGTRAIN_MATMUL=\"fastest\" is not a matmul family"),
        "{err}"
    );
    assert!(err.contains("WGTRAIN_SPLIT_K_ABOVE=\"lots\""), "{err}");
    assert_eq!(
        figure(&bad, "cnn_est_gpu_us"),
        figure(&json, "cnn_est_gpu_us"),
        "ignored settings change nothing"
    );
}
