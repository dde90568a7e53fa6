//! The runtime's promises: pooled buffers are reused, dispatches are batched into one
//! submission, and bad input (shape mismatch, a tensor over the binding limit) is an error
//! value that names the sizes, never a wgpu panic.

mod common;

use common::{gpu, randn};
use wgtrain::gpu::matmul_choice::MatmulKernel;
use wgtrain::gpu::DType;
use wgtrain::shape::Layout;
use wgtrain::{ops, Error};

/// One small MLP-like forward and backward pass, all intermediates dropped at the end.
fn step(
    g: &wgtrain::gpu::Gpu,
    x: &wgtrain::gpu::GpuTensor,
    w: &wgtrain::gpu::GpuTensor,
    b: &wgtrain::gpu::GpuTensor,
) -> f32 {
    let h = ops::matmul(g, x, w, Some(b), Layout::NN, true).unwrap();
    let dw = ops::matmul(g, x, &h, None, Layout::TN, false).unwrap();
    let db = ops::bias_backward(g, &h).unwrap();
    let s = ops::sum_forward(g, &dw, 1.0).unwrap();
    drop(db);
    g.download(&s).unwrap()[0]
}

#[test]
fn repeating_the_same_shapes_allocates_no_new_buffers() {
    let Some(_) = gpu() else { return };
    // A private GPU: other tests share the common one and allocate concurrently.
    let g = wgtrain::gpu::Gpu::new().unwrap();
    let x = g.upload(&[33, 20], &randn(1, 660, 2.0)).unwrap();
    let w = g.upload(&[20, 7], &randn(2, 140, 2.0)).unwrap();
    let b = g.upload(&[7], &randn(3, 7, 2.0)).unwrap();
    let first = step(&g, &x, &w, &b);
    let after_first = g.buffer_allocations();
    for _ in 0..10 {
        assert_eq!(
            step(&g, &x, &w, &b),
            first,
            "repeated identical work gave a different result"
        );
    }
    assert_eq!(
        g.buffer_allocations(),
        after_first,
        "steps 2..11 allocated new buffers"
    );
}

#[test]
fn many_dispatches_go_in_one_submission() {
    let Some(_) = gpu() else { return };
    let g = wgtrain::gpu::Gpu::new().unwrap();
    let x = g.upload(&[1000], &randn(4, 1000, 3.0)).unwrap();
    let (d0, s0) = g.command_counts();
    let mut y = ops::unary_forward(&g, wgtrain::gpu::Unary::Relu, &x).unwrap();
    for _ in 0..99 {
        y = ops::unary_forward(&g, wgtrain::gpu::Unary::Tanh, &y).unwrap();
    }
    let (d1, s1) = g.command_counts();
    assert_eq!(d1 - d0, 100, "dispatches recorded");
    assert_eq!(s1 - s0, 0, "nothing is submitted before a readback");
    let out = g.download(&y).unwrap();
    let (_, s2) = g.command_counts();
    assert_eq!(s2 - s1, 1, "one submission for the whole chain");
    let mut want = wgtrain::cpu::relu_forward(&randn(4, 1000, 3.0));
    for _ in 0..99 {
        want = wgtrain::cpu::tanh_forward(&want);
    }
    common::assert_close("100 chained kernels", &out, &want, 1e-5, 1e-5);
}

#[test]
fn tensor_over_the_binding_limit_is_a_clear_error() {
    let Some(g) = gpu() else { return };
    let limit = g.info().limits.max_storage_buffer_binding_size;
    let elems = (limit / 4 + 1) as usize;
    let err = g.empty(&[elems], DType::F32).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::TensorTooLarge { .. }), "{msg}");
    assert!(
        msg.contains(&limit.to_string()) && msg.contains(&(elems as u64 * 4).to_string()),
        "{msg}"
    );
    // The GPU is still usable afterwards.
    let t = g.upload(&[3], &[1.0, -2.0, 3.0]).unwrap();
    assert_eq!(
        g.download(&ops::unary_forward(g, wgtrain::gpu::Unary::Relu, &t).unwrap())
            .unwrap(),
        vec![1.0, 0.0, 3.0]
    );
}

#[test]
fn shape_mismatches_name_both_shapes() {
    let Some(g) = gpu() else { return };
    let a = g.upload(&[2, 3], &[0.0; 6]).unwrap();
    let b = g.upload(&[4, 5], &[0.0; 20]).unwrap();
    let msg = ops::matmul(g, &a, &b, None, Layout::NN, false)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("[2, 3]") && msg.contains("[4, 5]"), "{msg}");
    let msg = ops::unary_backward(g, wgtrain::gpu::Unary::Relu, &a, &b)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("[2, 3]") && msg.contains("[4, 5]"), "{msg}");
    let msg = g.upload(&[2, 2], &[1.0; 3]).unwrap_err().to_string();
    assert!(msg.contains("[2, 2]") && msg.contains('3'), "{msg}");
}

#[test]
fn bad_backend_setting_is_an_error() {
    let err = wgtrain::gpu::parse_backend("cuda").unwrap_err().to_string();
    assert!(err.contains("vulkan, metal, dx12, gl"), "{err}");
    assert!(wgtrain::gpu::parse_backend("Vulkan").is_ok());
}

#[test]
fn no_adapter_error_says_how_to_get_one() {
    let err = Error::NoAdapter {
        detail: String::new(),
    }
    .to_string();
    assert!(err.contains("apt-get install mesa-vulkan-drivers"), "{err}");
    assert!(err.contains("WGTRAIN_SKIP_GPU_TESTS=1"), "{err}");
}

#[test]
fn info_reports_adapter_and_limits() {
    let Some(g) = gpu() else { return };
    let info = g.info();
    assert!(!info.name.is_empty());
    let text = info.to_string();
    assert!(text.contains("max_storage_buffer_binding_size"), "{text}");
    eprintln!("adapter: {text}");
}

/// `--profile`'s machinery: every dispatch is counted under its kernel with a time, by GPU
/// timestamps where the adapter has them and by the CPU clock either way; the table names
/// the method. (Own device, so parallel tests are not profiled with it.)
#[test]
fn profiling_counts_every_kernel_with_either_clock() {
    if gpu().is_none() {
        return;
    }
    let g = wgtrain::gpu::Gpu::new().unwrap();
    let x = g.upload(&[33, 20], &randn(1, 660, 1.0)).unwrap();
    let w = g.upload(&[20, 7], &randn(2, 140, 1.0)).unwrap();
    use wgtrain::gpu::ProfileMethod::{CpuWallClock, GpuTimestamps};
    let mut methods = vec![CpuWallClock];
    if g.info().has_timestamps() {
        methods.push(GpuTimestamps);
    } else {
        assert!(g.set_profiling_method(Some(GpuTimestamps)).is_err());
    }
    assert!(g.profile().is_none(), "off by default");
    // The entry point the adapter's table picks for a 33×20 by 20×7 product (K ≤ 256: one
    // run, no split-K pass).
    let matmul_entry = match g.tuning().matmul.get(Layout::NN, 33, 7, 20) {
        MatmulKernel::Register => "matmul_nn",
        MatmulKernel::Tiled64 => "matmul_tiled_nn_64",
        MatmulKernel::Tiled32 => "matmul_tiled_nn_32",
        MatmulKernel::Split => "matmul_split_nn",
    };
    for method in methods {
        g.set_profiling_method(Some(method)).unwrap();
        for _ in 0..5 {
            let h = ops::matmul(&g, &x, &w, None, Layout::NN, false).unwrap();
            ops::unary_forward(&g, wgtrain::gpu::Unary::Relu, &h).unwrap();
        }
        let before = g.download(&x).unwrap();
        let p = g.profile().unwrap();
        assert_eq!(p.method, method);
        let calls: Vec<(&str, u64)> = {
            let mut v: Vec<_> = p.rows.iter().map(|r| (r.kernel, r.calls)).collect();
            v.sort();
            v
        };
        assert_eq!(
            calls,
            vec![(matmul_entry, 5), ("relu_forward", 5)],
            "{method:?}"
        );
        assert!(p.rows.iter().all(|r| r.total_ms >= 0.0) && p.total_ms() > 0.0);
        let table = p.table(Some(5));
        assert!(
            table.contains(matmul_entry) && table.contains("ms/step"),
            "{table}"
        );
        match method {
            GpuTimestamps => assert!(table.contains("GPU timestamp queries"), "{table}"),
            CpuWallClock => assert!(table.contains("CPU wall clock"), "{table}"),
        }
        // Profiling changes timing, never results.
        assert_eq!(before, g.download(&x).unwrap());
    }
    g.set_profiling(false);
    assert!(g.profile().is_none());
}

/// A tensor of one device handed to the other is an error naming the op and both kinds,
/// not a panic.
#[test]
fn mixing_gpu_and_cpu_tensors_is_an_error() {
    use wgtrain::nn::Device;
    let Some(gpu) = common::gpu_device() else {
        return;
    };
    let cpu = Device::Cpu;
    let on_cpu = cpu.upload(&[2, 2], &[1.0, 2.0, 3.0, 4.0]).unwrap();
    let on_gpu = gpu.upload(&[2, 2], &[1.0, 2.0, 3.0, 4.0]).unwrap();
    let e = gpu
        .matmul(&on_gpu, &on_cpu, None, Layout::NN, false)
        .unwrap_err();
    assert!(matches!(e, Error::WrongTensor { .. }), "{e}");
    let msg = e.to_string();
    for want in [
        "matmul",
        "a GPU tensor",
        "a CPU f32 tensor",
        "cannot be mixed",
    ] {
        assert!(msg.contains(want), "{msg:?} lacks {want:?}");
    }
    let e = cpu.download(&on_gpu).unwrap_err();
    assert!(e.to_string().contains("download"), "{e}");
    // A u32 tensor where values are needed.
    let counter = cpu.counter().unwrap();
    let e = cpu
        .unary_forward(wgtrain::gpu::Unary::Relu, &counter)
        .unwrap_err();
    assert!(e.to_string().contains("a CPU u32 tensor"), "{e}");
}

/// `wgtrain bench` times a step's recording on the no-op twin: it must record exactly the
/// dispatches the real device does for the same training, and run to the end.
#[test]
fn noop_twin_records_what_the_real_device_records() {
    use std::sync::Arc;
    use wgtrain::nn::{models::mnist_cnn, Device, FitOptions, Loss, Metric, Optimizer, Verbose};
    let Some(_) = gpu() else { return };
    let real = Arc::new(wgtrain::gpu::Gpu::new().unwrap());
    let noop = Arc::new(real.noop_twin().unwrap());
    assert_eq!(noop.tuning(), real.tuning());
    let x = wgtrain::nn::Array::new(&[64, 28, 28, 1], randn(5, 64 * 784, 1.0)).unwrap();
    let labels: Vec<u8> = (0..64).map(|i| (i % 10) as u8).collect();
    let y = wgtrain::nn::to_categorical(&labels, 10).unwrap();
    let opts = FitOptions {
        epochs: 2,
        batch_size: 32,
        verbose: Verbose::Silent,
        ..FitOptions::default()
    };
    let mut counts = Vec::new();
    for g in [&real, &noop] {
        let mut m = mnist_cnn(Device::Gpu(g.clone()), 7).unwrap();
        m.compile(
            Optimizer::adam(),
            Loss::CategoricalCrossentropy,
            &[Metric::Accuracy],
        )
        .unwrap();
        let before = g.command_counts();
        let h = m.fit(&x, &y, &opts).unwrap();
        assert_eq!(h.epochs.len(), 2);
        let after = g.command_counts();
        counts.push((after.0 - before.0, after.1 - before.1));
    }
    assert_eq!(
        counts[0], counts[1],
        "(dispatches, submissions): real vs no-op"
    );
    assert!(
        counts[0].0 >= 4 * 20,
        "a CNN step records at least 20 dispatches"
    );
}

/// Parameters that together exceed one storage binding (each fits) keep tensors of their
/// own — one update dispatch per parameter — instead of an arena; those that fit share
/// one. On a no-op device reporting a 64 KiB binding limit.
#[test]
fn parameters_over_one_binding_fall_back_to_one_update_per_tensor() {
    use std::sync::Arc;
    use wgtrain::nn::{layers::Dense, Activation, Array, Device, Loss, Optimizer, Sequential};
    let Some(_) = gpu() else { return };
    let limits = wgpu::Limits {
        max_storage_buffer_binding_size: 64 << 10,
        ..wgpu::Limits::default()
    };
    let updates = |units: usize| -> u64 {
        let g = Arc::new(
            wgtrain::gpu::Gpu::noop(
                limits.clone(),
                wgpu::Features::empty(),
                wgpu::DeviceType::Cpu,
            )
            .unwrap(),
        );
        let mut m = Sequential::new(Device::Gpu(g.clone()), &[units]).with_seed(1);
        m.add(Dense::new(units, Activation::Relu)).unwrap();
        m.add(Dense::new(units, Activation::Linear)).unwrap();
        m.compile(Optimizer::sgd(0.1, 0.0), Loss::MeanSquaredError, &[])
            .unwrap();
        let x = Array::new(&[2, units], vec![0.5; 2 * units]).unwrap();
        m.train_on_batch(&x, &x).unwrap();
        let before = g.command_counts().0;
        m.train_on_batch(&x, &x).unwrap();
        g.command_counts().0 - before
    };
    // 2 × 64² floats (32 KiB) fit one binding; 2 × 100² (78 KiB) do not, 100² (39 KiB) does.
    let (packed, apart) = (updates(64), updates(100));
    // Four sgd_update dispatches instead of one, and each bias gradient on its own (the
    // weight-gradient matmul writes it only into an arena).
    assert_eq!(
        apart,
        packed + 3 + 2,
        "per step: packed {packed}, apart {apart}"
    );
}

/// Split-K never asks for more splits than one grid dimension holds, nor partial sums
/// larger than one binding: on a no-op device reporting 16 workgroups per dimension and a
/// 256 KiB binding, a TN weight gradient over 3,200 rows (100 chunks of 32 by the rule)
/// runs as 16 splits, and one whose partials cannot fit twice is not split.
#[test]
fn split_k_respects_the_grid_and_binding_limits() {
    let limits = wgpu::Limits {
        max_compute_workgroups_per_dimension: 16,
        max_storage_buffer_binding_size: 256 << 10,
        ..wgpu::Limits::default()
    };
    let g = wgtrain::gpu::Gpu::noop(
        limits,
        wgpu::Features::empty(),
        wgpu::DeviceType::DiscreteGpu,
    )
    .unwrap();
    assert_eq!(g.split_k_above(), 256, "a discrete GPU splits past K 256");
    let chunk = wgtrain::ops::matmul_split::split_chunk(&g, (9, 4, 3200), Layout::TN);
    assert_eq!(chunk, Some(200), "3,200 rows in 16 splits");
    let a = g.zeros(&[3200, 9]).unwrap();
    let b = g.zeros(&[3200, 4]).unwrap();
    g.start_trace();
    let (dw, db) = (g.zeros(&[9, 4]).unwrap(), g.zeros(&[4]).unwrap());
    wgtrain::ops::matmul_tn_bias_grad_into(&g, &a, &b, &dw, &db).unwrap();
    let trace = g.take_trace();
    assert!(
        trace.iter().all(|d| d.groups.iter().all(|&n| n <= 16)),
        "{trace:?}"
    );
    assert_eq!(trace[0].groups[2], 16, "{trace:?}");
    // 300 × 300 results: two splits' partials (722 KB) exceed the 256 KiB binding.
    let big = wgtrain::ops::matmul_split::split_chunk(&g, (300, 300, 3200), Layout::TN);
    assert_eq!(big, None);
}
