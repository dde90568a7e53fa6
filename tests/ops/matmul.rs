//! C = op(A)·op(B) (+bias) (ReLU) in every layout (`shaders/matmul.wgsl`, `matmul_vec4.wgsl`; twin `cpu::matmul`).

use crate::prelude::*;

fn check_matmul(m: usize, n: usize, k: usize, layout: Layout, bias: bool, relu: bool, seed: u64) {
    let Some(g) = gpu() else { return };
    let outlier = 8.0;
    let a = randn(seed, m * k, outlier);
    let b = randn(seed + 1, k * n, outlier);
    let bias_v = randn(seed + 2, n, outlier);
    let (a_shape, b_shape) = match layout {
        Layout::NN => ([m, k], [k, n]),
        Layout::TN => ([k, m], [k, n]),
        Layout::NT => ([m, k], [n, k]),
    };
    let ga = g.upload(&a_shape, &a).unwrap();
    let gb = g.upload(&b_shape, &b).unwrap();
    let gbias = g.upload(&[n], &bias_v).unwrap();
    let c = ops::matmul(g, &ga, &gb, bias.then_some(&gbias), layout, relu).unwrap();
    assert_eq!(c.shape(), &[m, n]);
    let got = g.download(&c).unwrap();
    let want = cpu::matmul(&a, &b, bias.then_some(&bias_v[..]), m, n, k, layout, relu);
    let what = format!("matmul {layout:?} m{m} n{n} k{k} bias {bias} relu {relu}");
    assert_close(&what, &got, &want, sum_atol(k, outlier * outlier), 1e-5);
}

/// Every layout over m, k in SIZES and the given n, with the bias + ReLU epilogue on
/// every `every`-th shape.
fn sweep_matmul(ns: &[usize], seed: u64, every: u64) {
    sweep_matmul_mk(&SIZES, ns, seed, every);
}

fn sweep_matmul_mk(mks: &[usize], ns: &[usize], mut seed: u64, every: u64) {
    for layout in [Layout::NN, Layout::TN, Layout::NT] {
        for &m in mks {
            for &n in ns {
                for &k in mks {
                    let epilogue = seed.is_multiple_of(every);
                    check_matmul(m, n, k, layout, epilogue, epilogue, seed);
                    seed += 1;
                }
            }
        }
    }
}

#[test]
fn matmul_all_layouts_odd_shapes() {
    sweep_matmul(&SIZES, 10, 3);
}

/// N a multiple of 4 takes the vec4 kernels (NN, TN; NT with odd K through a transposed
/// copy of B, or the scalar kernel when small): narrow tiles for N ≤ 4·WG_X (4, 28), wide
/// ones above (36, 260); M and K stay odd.
#[test]
fn matmul_vec4_paths_odd_rows_and_depth() {
    sweep_matmul(&[4, 28, 36, 260], 500, 2);
}

/// The `_a4` kernels read A as vec4: NN and NT when K % 4 == 0, TN when M % 4 == 0. M of 12 and
/// 36 leave half of the last 8-row tile past M (its second vec4 reads clamped data that
/// must never be written); 7 keeps the scalar-A kernels in the mix.
#[test]
fn matmul_vec4_a_paths_multiples_of_four() {
    sweep_matmul_mk(&[4, 7, 12, 36, 260], &[4, 28, 36, 260], 900, 2);
}

/// The vec4 NT kernel (dY·Wᵀ without a transposed copy) gives exactly the bits of the
/// vec4 NN kernel on the copy, which it replaced: the seed CNN's input gradients and odd M.
#[test]
fn matmul_nt_equals_nn_on_the_transpose_bit_for_bit() {
    let Some(g) = gpu() else { return };
    for (i, &(m, n, k)) in [(3872, 288, 64), (288, 576, 64), (32, 576, 64), (13, 36, 12)]
        .iter()
        .enumerate()
    {
        let a = g
            .upload(&[m, k], &randn(40 + i as u64, m * k, 3.0))
            .unwrap();
        let b = g
            .upload(&[n, k], &randn(50 + i as u64, n * k, 3.0))
            .unwrap();
        let nt = ops::matmul(g, &a, &b, None, Layout::NT, false).unwrap();
        let bt = ops::transpose_forward(g, &b).unwrap();
        let nn = ops::matmul(g, &a, &bt, None, Layout::NN, false).unwrap();
        let (nt, nn) = (g.download(&nt).unwrap(), g.download(&nn).unwrap());
        let same = nt.iter().zip(&nn).all(|(x, y)| x.to_bits() == y.to_bits());
        assert!(
            same,
            "{m}×{n}×{k}: NT differs from NN on Bᵀ (max |Δ| {})",
            max_diff(&nt, &nn)
        );
    }
}

#[test]
fn matmul_large_and_tile_multiples() {
    check_matmul(1000, 513, 300, Layout::NN, true, false, 1);
    check_matmul(784, 64, 1000, Layout::TN, false, false, 2);
    check_matmul(1000, 784, 64, Layout::NT, false, false, 3);
    check_matmul(128, 128, 128, Layout::NN, true, true, 4);
}

#[test]
fn matmul_into_overwrites_the_output() {
    let Some(g) = gpu() else { return };
    let (m, n, k) = (33, 8, 257);
    let a = randn(1, m * k, 4.0);
    let b = randn(2, k * n, 4.0);
    let ga = g.upload(&[m, k], &a).unwrap();
    let gb = g.upload(&[k, n], &b).unwrap();
    let gc = g.upload(&[m, n], &randn(3, m * n, 100.0)).unwrap();
    ops::matmul_into(g, &ga, &gb, None, Layout::NN, false, &gc).unwrap();
    let want = cpu::matmul(&a, &b, None, m, n, k, Layout::NN, false);
    assert_close(
        "matmul_into",
        &g.download(&gc).unwrap(),
        &want,
        sum_atol(k, 16.0),
        1e-5,
    );
}

#[test]
fn matmul_backward_is_the_transposed_products() {
    for (m, n, k) in [(1, 1, 1), (3, 7, 5), (7, 1, 9), (4, 6, 2)] {
        let a = rand64(1, m * k);
        let b = rand64(2, k * n);
        let bias = rand64(3, n);
        let w = rand64(4, m * n);
        let loss_a = |a: &[f64]| {
            dot(
                &w,
                &cpu::matmul(a, &b, Some(&bias), m, n, k, Layout::NN, false),
            )
        };
        let loss_b = |b: &[f64]| {
            dot(
                &w,
                &cpu::matmul(&a, b, Some(&bias), m, n, k, Layout::NN, false),
            )
        };
        let loss_bias = |bi: &[f64]| {
            dot(
                &w,
                &cpu::matmul(&a, &b, Some(bi), m, n, k, Layout::NN, false),
            )
        };
        // dA = dC·Bᵀ (NT), dB = Aᵀ·dC (TN), dbias = column sums of dC.
        check(
            "matmul dA",
            &a,
            &cpu::matmul(&w, &b, None, m, k, n, Layout::NT, false),
            loss_a,
        );
        check(
            "matmul dB",
            &b,
            &cpu::matmul(&a, &w, None, k, n, m, Layout::TN, false),
            loss_b,
        );
        check(
            "bias_backward",
            &bias,
            &cpu::bias_backward(&w, m, n),
            loss_bias,
        );
    }
}

/// The weight gradients in one dispatch (TN with flag 4: an extra row of workgroups sums
/// dY's columns): dW against the twin, db bit for bit the `bias_backward` kernel's (and
/// against its twin), over every TN kernel (scalar and vec4 N, A as vec4 or not, narrow
/// and wide tiles), rows from 1 to 257 and the seed CNN's first conv (21,632 rows).
#[test]
fn weight_and_bias_gradients_in_one_dispatch() {
    let Some(g) = gpu() else { return };
    let mut seed = 700;
    let mut shapes = Vec::new();
    for &rows in &[1, 7, 33, 257] {
        for &(m, n) in &[(1, 1), (7, 5), (9, 32), (12, 36), (64, 260), (33, 4)] {
            shapes.push((rows, m, n));
        }
    }
    shapes.push((21_632, 9, 32));
    for (rows, m, n) in shapes {
        seed += 3;
        let x = randn(seed, rows * m, 8.0);
        let dz = randn(seed + 1, rows * n, 8.0);
        let (gx, gdz) = (
            g.upload(&[rows, m], &x).unwrap(),
            g.upload(&[rows, n], &dz).unwrap(),
        );
        // Outputs start as garbage: both must be overwritten.
        let dw = g.upload(&[m, n], &vec![f32::NAN; m * n]).unwrap();
        let db = g.upload(&[n], &vec![f32::NAN; n]).unwrap();
        ops::matmul_tn_bias_grad_into(g, &gx, &gdz, &dw, &db).unwrap();
        let what = format!("rows {rows}, dW [{m}, {n}]");
        let want_dw = cpu::matmul(&x, &dz, None, m, n, rows, Layout::TN, false);
        let atol = sum_atol(rows, 64.0);
        assert_close(
            &format!("{what}: dW"),
            &g.download(&dw).unwrap(),
            &want_dw,
            atol,
            1e-5,
        );
        let got_db = g.download(&db).unwrap();
        let want_db = cpu::bias_backward(&dz, rows, n);
        assert_close(
            &format!("{what}: db"),
            &got_db,
            &want_db,
            sum_atol(rows, 8.0),
            1e-5,
        );
        let alone = g.download(&ops::bias_backward(g, &gdz).unwrap()).unwrap();
        let same = got_db
            .iter()
            .zip(&alone)
            .all(|(p, q)| p.to_bits() == q.to_bits());
        assert!(same, "{what}: db differs from bias_backward's bits");
    }
}

/// A Dense layer's input gradient masked by the ReLU before it (flag 8: binding 3 holds
/// x): the bits of the NT matmul then relu_backward, on the vec4 NT kernel, the scalar NT
/// kernel (small) and the transposed-copy path (K % 4 ≠ 0), and the twins.
#[test]
fn matmul_nt_relu_masked_is_relu_backward_of_the_product() {
    let Some(g) = gpu() else { return };
    for (i, &(m, n, k)) in [
        (32, 576, 64),
        (32, 64, 10),
        (7, 33, 5),
        (300, 260, 7),
        (1, 4, 4),
    ]
    .iter()
    .enumerate()
    {
        let dz = randn(80 + i as u64, m * k, 3.0);
        let w = randn(90 + i as u64, n * k, 3.0);
        let x: Vec<f32> = randn(100 + i as u64, m * n, 1.0)
            .iter()
            .map(|v| v.max(0.0))
            .collect();
        let (gdz, gw, gx) = (
            g.upload(&[m, k], &dz).unwrap(),
            g.upload(&[n, k], &w).unwrap(),
            g.upload(&[m, n], &x).unwrap(),
        );
        let masked = ops::matmul_nt_relu_masked(g, &gdz, &gw, &gx).unwrap();
        let plain = ops::matmul(g, &gdz, &gw, None, Layout::NT, false).unwrap();
        let two = ops::unary_backward(g, Unary::Relu, &gx, &plain).unwrap();
        let (got, want) = (g.download(&masked).unwrap(), g.download(&two).unwrap());
        let same = got
            .iter()
            .zip(&want)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(
            same,
            "{m}×{n}×{k}: masked NT is not NT + relu_backward's bits"
        );
        let twin = cpu::relu_backward(&x, &cpu::matmul(&dz, &w, None, m, n, k, Layout::NT, false));
        assert_close(
            &format!("{m}×{n}×{k} masked"),
            &got,
            &twin,
            sum_atol(k, 9.0),
            1e-5,
        );
    }
}

/// The workgroup-memory tiled kernels (64 and 32 tiles) against the twin, and bit for bit
/// against the register family (the same fma sequence per output), in every layout with
/// the bias + ReLU epilogue, on shapes that are not tile multiples (1, 7, 33, 257 and the
/// seed CNN's), so the autotune's choice never moves a result.
#[test]
fn tiled_kernels_match_the_twin_and_the_register_kernels_bit_for_bit() {
    use wgtrain::gpu::matmul_choice::MatmulKernel;
    let Some(g) = gpu() else { return };
    if !g.offers_tiled_matmul() {
        eprintln!(
            "{}: no tiled matmul through this backend (GL: see Gpu::offers_tiled_matmul)",
            g.info().name
        );
        return;
    }
    let mut shapes: Vec<(usize, usize, usize)> = Vec::new();
    for &m in &SIZES {
        for &n in &[1, 4, 33, 64] {
            for &k in &[1, 7, 16, 257] {
                shapes.push((m, n, k));
            }
        }
    }
    shapes.extend([
        (3872, 64, 288),
        (288, 64, 576),
        (32, 576, 64),
        (100, 100, 100),
    ]);
    let mut seed = 1000;
    for layout in [Layout::NN, Layout::TN, Layout::NT] {
        for &(m, n, k) in &shapes {
            seed += 1;
            let epilogue = seed % 2 == 0;
            let (a_shape, b_shape) = match layout {
                Layout::NN => ([m, k], [k, n]),
                Layout::TN => ([k, m], [k, n]),
                Layout::NT => ([m, k], [n, k]),
            };
            let a = randn(seed, m * k, 8.0);
            let b = randn(seed + 7, k * n, 8.0);
            let bias = randn(seed + 9, n, 8.0);
            let (ga, gb) = (
                g.upload(&a_shape, &a).unwrap(),
                g.upload(&b_shape, &b).unwrap(),
            );
            let gbias = g.upload(&[n], &bias).unwrap();
            let run = |kernel| {
                let bias = epilogue.then_some(&gbias);
                let c = ops::matmul_with(g, (&ga, &gb), bias, layout, epilogue, kernel).unwrap();
                g.download(&c).unwrap()
            };
            let register = run(MatmulKernel::Register);
            let what = format!("{layout:?} m{m} n{n} k{k} epilogue {epilogue}");
            let want = cpu::matmul(
                &a,
                &b,
                epilogue.then_some(&bias[..]),
                m,
                n,
                k,
                layout,
                epilogue,
            );
            for kernel in [MatmulKernel::Tiled64, MatmulKernel::Tiled32] {
                let got = run(kernel);
                assert_close(
                    &format!("{what} {kernel:?}"),
                    &got,
                    &want,
                    sum_atol(k, 64.0),
                    1e-5,
                );
                let same = got
                    .iter()
                    .zip(&register)
                    .all(|(x, y)| x.to_bits() == y.to_bits());
                assert!(
                    same,
                    "{what}: {kernel:?} differs from the register kernels' bits"
                );
            }
        }
    }
}
