//! The GPU-resident training path: batches gathered on the device train exactly as
//! batches uploaded from the host (on both devices, for byte-coded and plain f32 data),
//! and steady-state epochs allocate no buffers, create no bind groups and submit rarely.

mod common;

use std::sync::Arc;

use common::{gpu, gpu_device, randn};
use wgtrain::gpu::Gpu;
use wgtrain::nn::{
    layers::{Conv2D, Dense, Flatten, MaxPooling2D},
    to_categorical, Activation, Array, Device, FitOptions, Loss, Metric, Optimizer, Sequential,
    Verbose,
};

fn mlp(dev: Device) -> Sequential {
    let mut m = Sequential::new(dev, &[8, 8, 1]).with_seed(7);
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(16, Activation::Relu)).unwrap();
    m.add(Dense::new(10, Activation::Softmax)).unwrap();
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    m
}

/// n 8×8 samples whose class shifts a bright patch; `bytes`: values k/255 (packed as
/// byte codes on the device), else arbitrary f32 (kept as f32).
fn data(n: usize, bytes: bool) -> (Array, Array) {
    let noise = randn(n as u64, n * 64, 1.0);
    let labels: Vec<u8> = (0..n).map(|i| (i * 3 % 10) as u8).collect();
    let x: Vec<f32> = (0..n * 64)
        .map(|i| {
            let (s, p) = (i / 64, i % 64);
            let v = if p / 6 == labels[s] as usize {
                0.9
            } else {
                0.0
            } + 0.1 * noise[i].abs();
            if bytes {
                (v * 255.0f32).round().min(255.0) / 255.0
            } else {
                v
            }
        })
        .collect();
    (
        Array::new(&[n, 8, 8, 1], x).unwrap(),
        to_categorical(&labels, 10).unwrap(),
    )
}

fn opts(epochs: usize) -> FitOptions {
    FitOptions {
        epochs,
        initial_epoch: 0,
        batch_size: 16,
        validation_split: 0.25,
        shuffle: true,
        verbose: Verbose::Silent,
        stop: None,
        early_stopping: None,
        reduce_lr_on_plateau: None,
    }
}

fn same_training(dev: Device) {
    for bytes in [true, false] {
        let (x, y) = data(203, bytes);
        let mut runs = Vec::new();
        for resident in [true, false] {
            let mut m = mlp(dev.clone());
            m.set_resident_data(resident);
            let h = m.fit(&x, &y, &opts(3)).unwrap();
            assert_eq!(
                h.resident_bytes > 0,
                resident,
                "resident bytes {}",
                h.resident_bytes
            );
            let e = m.evaluate(&x, &y).unwrap();
            let p = m.predict(&x).unwrap();
            let w: Vec<Vec<f32>> = m
                .get_weights()
                .unwrap()
                .into_iter()
                .map(|w| w.array.data)
                .collect();
            runs.push((h.loss(), h.val_loss(), e, p.data, w, h.resident_bytes));
        }
        let (a, b) = (&runs[0], &runs[1]);
        assert_eq!(a.0, b.0, "train loss per epoch (bytes {bytes})");
        assert_eq!(a.1, b.1, "val loss per epoch (bytes {bytes})");
        assert_eq!(a.2, b.2, "evaluate (bytes {bytes})");
        assert_eq!(a.3, b.3, "predict (bytes {bytes})");
        assert_eq!(a.4, b.4, "weights (bytes {bytes})");
        // Byte codes (padded to whole u32 words) and a 256-entry f32 palette for each of
        // train x, train y, validation x, validation y (153 + 50 rows).
        if bytes {
            let words = |n: usize| n.div_ceil(4) * 4;
            let want = words(153 * 64) + words(153 * 10) + words(50 * 64) + words(50 * 10);
            assert_eq!(a.5, want + 4 * 1024, "resident bytes");
        }
        assert!(a.0[2] < a.0[0], "it learns: {:?}", a.0);
    }
}

#[test]
fn resident_batches_train_exactly_like_host_batches_on_the_gpu() {
    let Some(dev) = gpu_device() else { return };
    same_training(dev);
}

#[test]
fn resident_batches_train_exactly_like_host_batches_on_the_cpu() {
    same_training(Device::Cpu);
}

/// Seed-CNN-shaped model: after the first epoch, whole epochs (training steps, the
/// validation pass, the per-epoch reads) allocate no buffer; after the third, no bind
/// group either; and each epoch is a handful of submissions for hundreds of dispatches.
#[test]
fn steady_state_epochs_allocate_nothing() {
    if gpu().is_none() {
        return;
    }
    let g = Arc::new(Gpu::new().expect("GPU"));
    let mut m = Sequential::new(Device::Gpu(g.clone()), &[28, 28, 1]).with_seed(1);
    m.add(Conv2D::new(8, (3, 3), Activation::Relu)).unwrap();
    m.add(MaxPooling2D::new((2, 2))).unwrap();
    m.add(Conv2D::new(8, (3, 3), Activation::Relu)).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(10, Activation::Softmax)).unwrap();
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    let n = 100;
    let x: Vec<f32> = (0..n * 784)
        .map(|i| ((i * 7) % 256) as f32 / 255.0)
        .collect();
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let x = Array::new(&[n, 28, 28, 1], x).unwrap();
    let y = to_categorical(&labels, 10).unwrap();
    let mut snaps = Vec::new();
    let o = FitOptions {
        batch_size: 8, // 75 training rows: 9 full batches and a partial one
        ..opts(8)
    };
    m.fit_with(&x, &y, &o, |_| {
        snaps.push((g.buffer_allocations(), g.cache_sizes(), g.command_counts()))
    })
    .unwrap();
    // Buffers: none after the first epoch. Bind groups are cached by the exact buffers
    // bound, and the pool hands buffers back in drop order, which settles after two
    // epochs (measured: 117, 150, then 152 for good); nothing grows after that.
    for e in 1..snaps.len() {
        assert_eq!(snaps[e].0, snaps[0].0, "buffers allocated, epoch {}", e + 1);
    }
    for e in 2..snaps.len() {
        assert_eq!(
            snaps[e].1,
            snaps[2].1,
            "pipelines/uniforms/bind groups, epoch {}",
            e + 1
        );
    }
    for e in 1..snaps.len() {
        let (d0, s0) = snaps[e - 1].2;
        let (d1, s1) = snaps[e].2;
        let (dispatches, submissions) = (d1 - d0, s1 - s0);
        assert!(
            dispatches >= 10 * 20,
            "{dispatches} dispatches in epoch {}",
            e + 1
        );
        assert!(
            submissions <= 8,
            "{submissions} submissions for {dispatches} dispatches in epoch {}",
            e + 1
        );
    }
}

/// Fused work (the GPU's default: parameters, gradients and slots in arenas with one
/// optimizer dispatch, the bias gradient inside the weight-gradient matmul, ReLU
/// derivatives applied by the next layer — a max-pool and a Dense past a Flatten — and a
/// step's cross-entropy in one kernel) trains bit for bit like one dispatch per op
/// (`Gpu::set_fused(false)`), for every optimizer, with clipping, BatchNormalization
/// (whose gradients are copied into the arena) and sparse labels — with fewer dispatches.
#[test]
fn fused_kernels_train_exactly_like_one_dispatch_per_op() {
    use wgtrain::nn::layers::BatchNormalization;
    let Some(_) = gpu() else { return };
    let (x, y) = data(96, true);
    let y_idx: Vec<f32> = y.argmax_rows().iter().map(|&c| c as f32).collect();
    let y_idx = Array::new(&[x.rows()], y_idx).unwrap();
    let optimizers: Vec<wgtrain::nn::ClippedOptimizer> = vec![
        Optimizer::adam().into(),
        Optimizer::adamw().into(),
        Optimizer::sgd(0.05, 0.9).into(),
        Optimizer::rmsprop_with(1e-3, 0.9, 0.5).into(),
        Optimizer::adam().clipnorm(0.01),
        Optimizer::adam().into(),
        Optimizer::adam().into(),
    ];
    for (i, opt) in optimizers.into_iter().enumerate() {
        // Case 6 splits every weight gradient over more than 32 rows (K = 576 and 64 at
        // batch 16): the fused bias gradient and bias_backward must chunk alike.
        let (bn, sparse, split) = (i == 0, i == 5, i == 6);
        let mut runs = Vec::new();
        for fused in [true, false] {
            let g = Arc::new(Gpu::new().unwrap());
            g.set_fused(fused);
            if split {
                g.set_split_k_above(Some(32));
            }
            let mut m = Sequential::new(Device::Gpu(g.clone()), &[8, 8, 1]).with_seed(7);
            m.add(Conv2D::new(4, (3, 3), Activation::Relu)).unwrap();
            m.add(MaxPooling2D::new((2, 2))).unwrap();
            m.add(Conv2D::new(4, (2, 2), Activation::Relu)).unwrap();
            m.add(Flatten::new()).unwrap();
            m.add(Dense::new(12, Activation::Relu)).unwrap();
            if bn {
                m.add(BatchNormalization::new()).unwrap();
            }
            m.add(Dense::new(10, Activation::Softmax)).unwrap();
            let loss = match sparse {
                true => Loss::SparseCategoricalCrossentropy,
                false => Loss::CategoricalCrossentropy,
            };
            m.compile(opt.clone(), loss, &[Metric::Accuracy]).unwrap();
            let labels = if sparse { &y_idx } else { &y };
            let before = g.command_counts().0;
            let h = m.fit(&x, labels, &opts(2)).unwrap();
            let dispatches = g.command_counts().0 - before;
            let w: Vec<(String, Vec<f32>)> = m
                .get_weights()
                .unwrap()
                .into_iter()
                .map(|w| (w.name, w.array.data))
                .collect();
            let e = m.evaluate(&x, labels).unwrap();
            runs.push((h.loss(), h.val_loss(), h.accuracy(), w, e, dispatches));
        }
        let (a, b) = (&runs[0], &runs[1]);
        let what = format!("case {i}: fused vs one dispatch per op");
        assert_eq!(a.0, b.0, "{what}: train loss per epoch");
        assert_eq!(a.1, b.1, "{what}: val loss per epoch");
        assert_eq!(a.2, b.2, "{what}: train accuracy per epoch");
        for ((na, wa), (nb, wb)) in a.3.iter().zip(&b.3) {
            assert_eq!(na, nb);
            let same = wa.iter().zip(wb).all(|(p, q)| p.to_bits() == q.to_bits());
            assert!(same, "{what}: weights {na} differ");
        }
        assert_eq!(a.4, b.4, "{what}: evaluate");
        assert!(a.5 < b.5, "{what}: dispatches {} vs {}", a.5, b.5);
    }
}
