//! Kernel throughput on the chosen adapter (criterion): matmul GFLOP/s at 128³, 512³ and
//! 1024³; the seed CNN's weight gradients (TN, long K) on each family, whole and split-K;
//! the seed CNN's convolutions at batch 32 (forward and backward, im2col + matmul);
//! GB/s of the elementwise kernels. Each sample records `iters` dispatches into one
//! submission and waits for the GPU to finish, so the time is GPU work to completion.
//! `cargo bench --bench kernels`; criterion's `elem/s` is FLOP/s for the matmul groups.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::{Duration, Instant};
use wgtrain::geometry::{Conv2dGeometry, Padding};
use wgtrain::nn::AdamParams;
use wgtrain::shape::Layout;
use wgtrain::{gpu::Gpu, gpu::GpuTensor, ops};

fn data(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
        .collect()
}

fn upload(gpu: &Gpu, shape: &[usize]) -> GpuTensor {
    gpu.upload(shape, &data(shape.iter().product())).unwrap()
}

/// Time `iters` runs of `f` recorded back to back, to GPU completion.
fn gpu_time(gpu: &Gpu, iters: u64, mut f: impl FnMut()) -> Duration {
    gpu.synchronize().unwrap();
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    gpu.synchronize().unwrap();
    t.elapsed()
}

fn matmul(c: &mut Criterion, gpu: &Gpu) {
    let mut g = c.benchmark_group(format!("matmul [{}]", gpu.info().name));
    g.sample_size(10).warm_up_time(Duration::from_millis(500));
    for n in [128usize, 512, 1024] {
        let a = upload(gpu, &[n, n]);
        let b = upload(gpu, &[n, n]);
        let out = gpu.zeros(&[n, n]).unwrap();
        g.throughput(Throughput::Elements(2 * (n * n * n) as u64));
        for layout in [Layout::NN, Layout::TN, Layout::NT] {
            g.bench_function(format!("{layout:?} {n}³"), |bch| {
                bch.iter_custom(|iters| {
                    gpu_time(gpu, iters, || {
                        ops::matmul_into(gpu, &a, &b, None, layout, false, &out).unwrap()
                    })
                })
            });
        }
    }
    g.finish();
}

/// The seed CNN's long-K weight gradients with their bias gradients (conv1: 9×32 over
/// 21,632 rows; conv2: 288×64 over 3,872), on the register and split families, in one run
/// and split-K (the split threshold moved to 256, as on GPUs).
fn weight_gradients(c: &mut Criterion, gpu: &Gpu) {
    use wgtrain::gpu::matmul_choice::MatmulKernel;
    use wgtrain::ops::matmul::{matmul_extra_with, Extra};
    let mut g = c.benchmark_group(format!("weight gradient TN [{}]", gpu.info().name));
    g.sample_size(10).warm_up_time(Duration::from_millis(500));
    for (m, n, k) in [(9usize, 32usize, 21632usize), (288, 64, 3872)] {
        let x = upload(gpu, &[k, m]);
        let dz = upload(gpu, &[k, n]);
        let db = gpu.zeros(&[n]).unwrap();
        g.throughput(Throughput::Elements(2 * (m * n * k) as u64));
        for (kernel, split) in [
            (MatmulKernel::Register, None),
            (MatmulKernel::Split, None),
            (MatmulKernel::Split, Some(256)),
        ] {
            let name = match split {
                Some(_) => "split-K",
                None => kernel.name(),
            };
            g.bench_function(format!("{m}x{n}x{k} {name}"), |bch| {
                gpu.set_split_k_above(split.or(Some(usize::MAX - 1)));
                bch.iter_custom(|iters| {
                    gpu_time(gpu, iters, || {
                        let extra = Extra::BiasGrad(&db);
                        let io = (&x, &dz);
                        matmul_extra_with(gpu, io, None, (Layout::TN, false), extra, kernel)
                            .unwrap();
                    })
                })
            });
        }
    }
    gpu.set_split_k_above(None);
    g.finish();
}

/// The seed CNN's three convolutions at batch 32 (3×3, stride 1, 'valid').
fn conv(c: &mut Criterion, gpu: &Gpu) {
    let mut g = c.benchmark_group(format!("conv2d batch 32 [{}]", gpu.info().name));
    g.sample_size(10).warm_up_time(Duration::from_millis(500));
    for (h, cin, f) in [(28usize, 1usize, 32usize), (13, 32, 64), (5, 64, 64)] {
        let geo = Conv2dGeometry::new(32, h, h, cin, (3, 3), (1, 1), Padding::Valid).unwrap();
        let x = upload(gpu, &[32, h, h, cin]);
        let w = upload(gpu, &[geo.col_cols(), f]);
        let bias = upload(gpu, &[f]);
        let dy = upload(gpu, &[geo.col_rows(), f]);
        let flops = 2 * geo.col_rows() * geo.col_cols() * f;
        g.throughput(Throughput::Elements(flops as u64));
        g.bench_function(format!("forward {h}x{h}x{cin}->{f}"), |bch| {
            bch.iter_custom(|iters| {
                gpu_time(gpu, iters, || {
                    let cols = ops::im2col_forward(gpu, &x, &geo).unwrap();
                    ops::matmul(gpu, &cols, &w, Some(&bias), Layout::NN, true).unwrap();
                })
            })
        });
        // Backward: dW = colsᵀ·dY, db, dX = col2im(dY·Wᵀ): two matmuls' worth of FLOPs.
        g.throughput(Throughput::Elements(2 * flops as u64));
        g.bench_function(format!("backward {h}x{h}x{cin}->{f}"), |bch| {
            let cols = ops::im2col_forward(gpu, &x, &geo).unwrap();
            bch.iter_custom(|iters| {
                gpu_time(gpu, iters, || {
                    ops::matmul(gpu, &cols, &dy, None, Layout::TN, false).unwrap();
                    ops::bias_backward(gpu, &dy).unwrap();
                    let dcols = ops::matmul(gpu, &dy, &w, None, Layout::NT, false).unwrap();
                    ops::im2col_backward(gpu, &dcols, &geo).unwrap();
                })
            })
        });
    }
    g.finish();
}

/// Elementwise kernels over 4 M elements; bytes = everything read and written.
fn elementwise(c: &mut Criterion, gpu: &Gpu) {
    let n = 1 << 22;
    let mut g = c.benchmark_group(format!("elementwise 4M [{}]", gpu.info().name));
    g.sample_size(10).warm_up_time(Duration::from_millis(500));
    let x = upload(gpu, &[n]);
    let dy = upload(gpu, &[n]);
    g.throughput(Throughput::Bytes(8 * n as u64));
    g.bench_function("relu_forward", |b| {
        b.iter_custom(|it| {
            gpu_time(gpu, it, || {
                drop(ops::unary_forward(gpu, wgtrain::gpu::Unary::Relu, &x).unwrap())
            })
        })
    });
    g.throughput(Throughput::Bytes(12 * n as u64));
    g.bench_function("relu_backward", |b| {
        b.iter_custom(|it| {
            gpu_time(gpu, it, || {
                drop(ops::unary_backward(gpu, wgtrain::gpu::Unary::Relu, &x, &dy).unwrap())
            })
        })
    });
    g.throughput(Throughput::Bytes(8 * n as u64));
    g.bench_function("tanh_forward", |b| {
        b.iter_custom(|it| {
            gpu_time(gpu, it, || {
                drop(ops::unary_forward(gpu, wgtrain::gpu::Unary::Tanh, &x).unwrap())
            })
        })
    });
    g.bench_function("sigmoid_forward", |b| {
        b.iter_custom(|it| {
            gpu_time(gpu, it, || {
                drop(ops::unary_forward(gpu, wgtrain::gpu::Unary::Sigmoid, &x).unwrap())
            })
        })
    });
    let p = upload(gpu, &[n]);
    let m = gpu.zeros(&[n]).unwrap();
    let v = gpu.zeros(&[n]).unwrap();
    let step = gpu.upload_u32(&[3], &[0; 3]).unwrap();
    let hp = AdamParams::default();
    let lr = gpu.upload(&[1], &[hp.lr]).unwrap();
    // Adam reads param, grad, m, v and writes param, m, v.
    g.throughput(Throughput::Bytes(28 * n as u64));
    g.bench_function("adam_update", |b| {
        b.iter_custom(|it| {
            gpu_time(gpu, it, || {
                ops::adam_step(gpu, &step, &hp).unwrap();
                ops::adam_update(gpu, &p, &dy, [&m, &v], [&step, &lr], &hp).unwrap();
            })
        })
    });
    g.finish();
}

fn all(c: &mut Criterion) {
    let gpu = Gpu::new().expect("benchmarks need a GPU adapter");
    eprintln!("adapter: {}", gpu.info());
    matmul(c, &gpu);
    weight_gradients(c, &gpu);
    conv(c, &gpu);
    elementwise(c, &gpu);
}

criterion_group!(benches, all);
criterion_main!(benches);
