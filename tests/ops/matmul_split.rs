//! The GPU-shaped matmul with deterministic split-K (`shaders/matmul_split.wgsl`; twin
//! `cpu::matmul_split`): every layout and epilogue against the twin at the same chunking
//! on odd shapes (K up to the seed CNN's 21,632, N = 1, 10, 33) with outliers; the same
//! bits run to run; one split = the register kernels' bits; the split bias gradient =
//! `bias_backward`'s at the same chunk. Pass 2 runs both ways: a thread per result (under
//! 64 splits: K = 257, 4,097 in NN/NT) and a workgroup per result (K = 4,097 in TN,
//! 21,632 everywhere).

use crate::prelude::*;
use wgtrain::gpu::matmul_choice::MatmulKernel;
use wgtrain::gpu::{Gpu, GpuTensor};
use wgtrain::ops::matmul::Extra;
use wgtrain::shape::split_k_chunk;

/// What a case computes besides C.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Epilogue {
    Plain,
    BiasRelu,
    /// NT: × [x > 0].
    Mask,
    /// TN: db = column sums of B.
    BiasGrad,
}

struct Case {
    a: Vec<f32>,
    b: Vec<f32>,
    bias: Vec<f32>,
    mask: Vec<f32>,
    ga: GpuTensor,
    gb: GpuTensor,
    gbias: GpuTensor,
    gmask: GpuTensor,
}

fn case(g: &Gpu, (m, n, k): (usize, usize, usize), layout: Layout, seed: u64) -> Case {
    let outlier = 8.0;
    let a = randn(seed, m * k, outlier);
    let b = randn(seed + 1, k * n, outlier);
    let bias = randn(seed + 2, n, outlier);
    let mask = randn(seed + 3, m * n, 1.0);
    let (a_shape, b_shape) = match layout {
        Layout::NN => ([m, k], [k, n]),
        Layout::TN => ([k, m], [k, n]),
        Layout::NT => ([m, k], [n, k]),
    };
    Case {
        ga: g.upload(&a_shape, &a).unwrap(),
        gb: g.upload(&b_shape, &b).unwrap(),
        gbias: g.upload(&[n], &bias).unwrap(),
        gmask: g.upload(&[m, n], &mask).unwrap(),
        a,
        b,
        bias,
        mask,
    }
}

/// How a case's matmul is launched: the split family at a chunk (`None`: one run), or a
/// family by the adapter's rules.
#[derive(Clone, Copy)]
enum On {
    Chunk(Option<usize>),
    Family(MatmulKernel),
}

/// (c, db) of the case with epilogue `e`, launched `on`.
fn launch(
    g: &Gpu,
    c: &Case,
    (layout, e): (Layout, Epilogue),
    n: usize,
    on: On,
) -> (Vec<f32>, Vec<f32>) {
    let db = g.zeros(&[n]).unwrap();
    let extra = match e {
        Epilogue::Mask => Extra::ReluMask(&c.gmask),
        Epilogue::BiasGrad => Extra::BiasGrad(&db),
        _ => Extra::None,
    };
    let relu = e == Epilogue::BiasRelu;
    let bias = relu.then_some(&c.gbias);
    let io = (&c.ga, &c.gb);
    let out = match on {
        On::Chunk(chunk) => {
            ops::matmul_split::matmul_split_with(g, io, bias, (layout, relu), extra, chunk)
        }
        On::Family(kernel) => {
            ops::matmul::matmul_extra_with(g, io, bias, (layout, relu), extra, kernel)
        }
    }
    .unwrap();
    (g.download(&out).unwrap(), g.download(&db).unwrap())
}

/// (c, db) on the split family at `chunk` (`None`: one run).
fn run(
    g: &Gpu,
    c: &Case,
    le: (Layout, Epilogue),
    n: usize,
    chunk: Option<usize>,
) -> (Vec<f32>, Vec<f32>) {
    launch(g, c, le, n, On::Chunk(chunk))
}

fn check_split(g: &Gpu, (m, n, k): (usize, usize, usize), layout: Layout, e: Epilogue, seed: u64) {
    let c = case(g, (m, n, k), layout, seed);
    for chunk in [split_k_chunk((m, n, k), 0, layout), None, Some(7)] {
        let (got, got_db) = run(g, &c, (layout, e), n, chunk);
        let relu = e == Epilogue::BiasRelu;
        let (want, want_db) = cpu::matmul_split(
            (&c.a, &c.b),
            relu.then_some(&c.bias[..]),
            (e == Epilogue::Mask).then_some(&c.mask[..]),
            (m, n, k),
            layout,
            relu,
            chunk.unwrap_or(k),
        );
        let what = format!("matmul_split {layout:?} m{m} n{n} k{k} {e:?} chunk {chunk:?}");
        assert_close(&what, &got, &want, sum_atol(k, 64.0), 1e-5);
        if e == Epilogue::BiasGrad {
            assert_close(
                &format!("{what}: db"),
                &got_db,
                &want_db,
                sum_atol(k, 8.0),
                1e-5,
            );
        }
    }
}

/// Every layout over K = 1, 7, 257, 4,097 and N = 1, 10, 33, each with its epilogues, at
/// the √K chunking, in one run and in runs of 7.
#[test]
fn matmul_split_matches_its_twin_on_odd_shapes() {
    let Some(g) = gpu() else { return };
    let mut seed = 3000;
    for layout in [Layout::NN, Layout::TN, Layout::NT] {
        let epilogues = match layout {
            Layout::NN => [Epilogue::Plain, Epilogue::BiasRelu],
            Layout::TN => [Epilogue::BiasGrad, Epilogue::BiasRelu],
            Layout::NT => [Epilogue::Mask, Epilogue::Plain],
        };
        for k in [1, 7, 257, 4097] {
            for n in [1, 10, 33] {
                for m in [1, 33] {
                    let e = epilogues[(seed % 2) as usize];
                    check_split(g, (m, n, k), layout, e, seed);
                    seed += 1;
                }
            }
        }
    }
}

/// The seed CNN's conv1 weight gradient (M = 9, N = 32, K = 21,632) with its bias
/// gradient, and a long NN and NT product over the same K.
#[test]
fn matmul_split_seed_cnn_long_k() {
    let Some(g) = gpu() else { return };
    check_split(g, (9, 32, 21632), Layout::TN, Epilogue::BiasGrad, 77);
    check_split(g, (7, 10, 21632), Layout::NN, Epilogue::BiasRelu, 78);
    check_split(g, (7, 33, 21632), Layout::NT, Epilogue::Mask, 79);
}

/// Two runs of the same split dispatch give the same bits (the partials are added in a
/// fixed order, whatever the scheduling).
#[test]
fn matmul_split_is_deterministic() {
    let Some(g) = gpu() else { return };
    for (i, layout) in [Layout::TN, Layout::NN, Layout::NT].into_iter().enumerate() {
        let (m, n, k) = (33, 64, 21632);
        let c = case(g, (m, n, k), layout, 90 + i as u64);
        let e = match layout {
            Layout::TN => Epilogue::BiasGrad,
            _ => Epilogue::Plain,
        };
        let first = run(g, &c, (layout, e), n, split_k_chunk((m, n, k), 0, layout));
        for _ in 0..3 {
            let again = run(g, &c, (layout, e), n, split_k_chunk((m, n, k), 0, layout));
            let same =
                |x: &[f32], y: &[f32]| x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits());
            assert!(
                same(&first.0, &again.0),
                "{layout:?}: c differs between runs"
            );
            assert!(
                same(&first.1, &again.1),
                "{layout:?}: db differs between runs"
            );
        }
    }
}

/// At the adapter's chunking (one run on CPU adapters; split-K past
/// `Gpu::split_k_above`, 256, on GPUs, for every family) the split family runs each
/// output's fma chain over k = 0, 1, … like the register kernels: the same bits, with
/// every epilogue (so the autotune may pick either).
#[test]
fn matmul_split_at_the_adapters_chunking_equals_the_register_kernels_bit_for_bit() {
    let Some(g) = gpu() else { return };
    let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
    let mut seed = 4000;
    for &(m, n, k) in &[
        (7, 10, 33),
        (33, 64, 257),
        (257, 33, 7),
        (32, 32, 288),
        (12, 36, 64),
    ] {
        for layout in [Layout::NN, Layout::TN, Layout::NT] {
            let c = case(g, (m, n, k), layout, seed);
            seed += 4;
            let reg = |bias, relu| {
                let out = ops::matmul_with(
                    g,
                    (&c.ga, &c.gb),
                    bias,
                    layout,
                    relu,
                    MatmulKernel::Register,
                )
                .unwrap();
                g.download(&out).unwrap()
            };
            let chunk = split_k_chunk((m, n, k), g.split_k_above(), layout);
            let (split, _) = run(g, &c, (layout, Epilogue::Plain), n, chunk);
            assert_eq!(
                bits(split),
                bits(reg(None, false)),
                "{layout:?} m{m} n{n} k{k}"
            );
            let (split, _) = run(g, &c, (layout, Epilogue::BiasRelu), n, chunk);
            let want = reg(Some(&c.gbias), true);
            assert_eq!(
                bits(split),
                bits(want),
                "{layout:?} m{m} n{n} k{k} bias+ReLU"
            );
            match layout {
                Layout::NT => {
                    let (split, _) = run(g, &c, (layout, Epilogue::Mask), n, chunk);
                    let masked = ops::matmul_nt_relu_masked(g, &c.ga, &c.gb, &c.gmask).unwrap();
                    let want = g.download(&masked).unwrap();
                    assert_eq!(bits(split), bits(want), "NT m{m} n{n} k{k} masked");
                }
                Layout::TN => {
                    let (split, split_db) = run(g, &c, (layout, Epilogue::BiasGrad), n, chunk);
                    let (dw, db) = (g.zeros(&[m, n]).unwrap(), g.zeros(&[n]).unwrap());
                    ops::matmul_tn_bias_grad_into(g, &c.ga, &c.gb, &dw, &db).unwrap();
                    assert_eq!(
                        bits(split),
                        bits(g.download(&dw).unwrap()),
                        "TN m{m} n{n} k{k} dw"
                    );
                    let want_db = g.download(&db).unwrap();
                    assert_eq!(bits(split_db), bits(want_db), "TN m{m} n{n} k{k} db");
                }
                Layout::NN => {}
            }
        }
    }
}

/// `bias_backward` over long columns sums in the fused bias gradient's chunks: the same
/// bits as the weight-gradient matmul's db (so fusing never changes a result), and the
/// twin's values. Also what the launcher picks by itself past the split threshold.
#[test]
fn bias_backward_splits_like_the_fused_bias_gradient() {
    let Some(_) = gpu() else { return };
    let g = Gpu::new().unwrap();
    g.set_split_k_above(Some(64));
    for (i, &(m, n, k)) in [(9, 32, 21632), (3, 10, 257), (5, 1, 65)]
        .iter()
        .enumerate()
    {
        let c = case(&g, (m, n, k), Layout::TN, 700 + i as u64);
        let chunk = ops::matmul_split::split_chunk(&g, (0, n, k), Layout::TN);
        assert_eq!(
            chunk,
            split_k_chunk((0, n, k), 64, Layout::TN),
            "no binding limit is near"
        );
        let db = ops::bias_backward(&g, &c.gb).unwrap();
        let db = g.download(&db).unwrap();
        let (_, fused_db) = run(&g, &c, (Layout::TN, Epilogue::BiasGrad), n, chunk);
        let same = db
            .iter()
            .zip(&fused_db)
            .all(|(p, q)| p.to_bits() == q.to_bits());
        assert!(
            same,
            "k{k} n{n}: bias_backward {db:?} vs fused {fused_db:?}"
        );
        // The default launcher splits by itself past the threshold, bias gradient included.
        let (dw, db2) = (g.zeros(&[m, n]).unwrap(), g.zeros(&[n]).unwrap());
        ops::matmul_tn_bias_grad_into(&g, &c.ga, &c.gb, &dw, &db2).unwrap();
        let (want, want_db) = cpu::matmul_split(
            (&c.a, &c.b),
            None,
            None,
            (m, n, k),
            Layout::TN,
            false,
            chunk.unwrap(),
        );
        let what = format!("launcher past the threshold, k{k}");
        assert_close(
            &what,
            &g.download(&dw).unwrap(),
            &want,
            sum_atol(k, 64.0),
            1e-5,
        );
        assert_close(
            &what,
            &g.download(&db2).unwrap(),
            &want_db,
            sum_atol(k, 8.0),
            1e-5,
        );
    }
    g.set_split_k_above(None);
    assert_eq!(g.split_k_above(), g.tuning().split_k_above);
}

/// The chunk rule: none up to the threshold; past it 32 for TN, √k rounded up to 16 (at
/// least 32) for NN and NT unless C fills the GPU alone; always fewer than k. The twin with one run is `cpu::matmul`.
#[test]
fn split_chunk_rule_and_twin() {
    for layout in [Layout::NN, Layout::TN, Layout::NT] {
        assert_eq!(split_k_chunk((9, 32, 256), 256, layout), None);
        assert_eq!(split_k_chunk((9, 32, 257), 256, layout), Some(32));
        assert_eq!(
            split_k_chunk((9, 32, 20), 0, layout),
            None,
            "a chunk of 32 would be one run"
        );
    }
    assert_eq!(split_k_chunk((288, 64, 3872), 0, Layout::NN), Some(64));
    assert_eq!(split_k_chunk((7, 33, 21632), 0, Layout::NT), Some(160));
    assert_eq!(split_k_chunk((9, 32, 21632), 0, Layout::TN), Some(32));
    // A result that fills the GPU alone is not split unless k is very long; TN always is.
    assert_eq!(split_k_chunk((1024, 1024, 1024), 256, Layout::NN), None);
    assert_eq!(split_k_chunk((1024, 1024, 4097), 256, Layout::NT), Some(80));
    assert_eq!(split_k_chunk((1024, 1024, 1024), 256, Layout::TN), Some(32));
    assert_eq!(
        split_k_chunk((3872, 64, 288), 256, Layout::NN),
        Some(32),
        "242 tiles"
    );
    let (m, n, k) = (5, 6, 7);
    let a = randn(1, m * k, 3.0);
    let b = randn(2, k * n, 3.0);
    for layout in [Layout::NN, Layout::TN, Layout::NT] {
        let (one, _) = cpu::matmul_split((&a, &b), None, None, (m, n, k), layout, true, k);
        assert_eq!(
            one,
            cpu::matmul(&a, &b, None, m, n, k, layout, true),
            "{layout:?}"
        );
    }
}

/// Every kernel family gives the register family's bits with every epilogue (bias +
/// ReLU, the NT ReLU mask, the TN bias gradient), so the autotune may pick any of them
/// for any dispatch. (K stays under the split threshold here: one run.)
#[test]
fn every_family_gives_the_same_bits_with_every_epilogue() {
    let Some(g) = gpu() else { return };
    let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
    let families: Vec<MatmulKernel> = MatmulKernel::ALL
        .into_iter()
        .filter(|k| g.offers_tiled_matmul() || !k.is_tiled())
        .collect();
    let mut seed = 5000;
    for &(m, n, k) in &[(7, 10, 33), (33, 64, 257), (70, 36, 96)] {
        for layout in [Layout::NN, Layout::TN, Layout::NT] {
            let c = case(g, (m, n, k), layout, seed);
            seed += 4;
            let mut epilogues = vec![Epilogue::Plain, Epilogue::BiasRelu];
            epilogues.push(match layout {
                Layout::NN => Epilogue::Plain,
                Layout::TN => Epilogue::BiasGrad,
                Layout::NT => Epilogue::Mask,
            });
            for e in epilogues {
                let on = |kernel| {
                    let (c, db) = launch(g, &c, (layout, e), n, On::Family(kernel));
                    (bits(c), bits(db))
                };
                let want = on(MatmulKernel::Register);
                for &kernel in &families {
                    let what = format!("{kernel:?} {layout:?} m{m} n{n} k{k} {e:?}");
                    let got = on(kernel);
                    assert_eq!(got.0, want.0, "{what}: c");
                    assert_eq!(got.1, want.1, "{what}: db");
                }
            }
        }
    }
}
