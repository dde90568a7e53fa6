//! Every GPU kernel against its CPU twin, on seeded inputs with outliers, over shapes that
//! are not tile multiples (1, 7, 33, 257) and one large one.
//! Tolerances: elementwise kernels agree to a few ulps (atol 1e-6, rtol 1e-5); sums over
//! k terms in f32 (matmul, col2im, bias gradient) get atol growing with √k times the
//! operands' scale, since the GPU accumulates in f32 and the CPU twin in f64.

mod common;

use common::{assert_close, gpu, max_diff, one_hot, randn};
use wgtrain::cpu::{self, AdamParams, SgdParams};
use wgtrain::geometry::{Conv2dGeometry, Padding, Pool2dGeometry};
use wgtrain::ops;
use wgtrain::shape::Layout;

const SIZES: [usize; 4] = [1, 7, 33, 257];

/// f32 summation of k products of operands bounded by `scale`: tolerance for the result.
fn sum_atol(k: usize, scale: f32) -> f32 {
    2e-6 * (k as f32).sqrt().max(1.0) * scale
}

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

/// N a multiple of 4 takes the vec4 kernels (NN, TN; NT through a transposed copy of B):
/// narrow tiles for N ≤ 4·WG_X (4, 28), wide ones above (36, 260); M and K stay odd.
#[test]
fn matmul_vec4_paths_odd_rows_and_depth() {
    sweep_matmul(&[4, 28, 36, 260], 500, 2);
}

/// The `_a4` kernels read A as vec4: NN when K % 4 == 0, TN when M % 4 == 0. M of 12 and
/// 36 leave half of the last 8-row tile past M (its second vec4 reads clamped data that
/// must never be written); 7 keeps the scalar-A kernels in the mix.
#[test]
fn matmul_vec4_a_paths_multiples_of_four() {
    sweep_matmul_mk(&[4, 7, 12, 36, 260], &[4, 28, 36, 260], 900, 2);
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
fn bias_forward_and_backward() {
    let Some(g) = gpu() else { return };
    for &rows in &SIZES {
        for &cols in &[1, 7, 33, 257, 1000] {
            let x = randn(rows as u64, rows * cols, 10.0);
            let b = randn(cols as u64 + 7, cols, 10.0);
            let gx = g.upload(&[rows, cols], &x).unwrap();
            let gbias = g.upload(&[cols], &b).unwrap();
            let y = ops::bias_forward(g, &gx, &gbias).unwrap();
            assert_close(
                "bias_forward",
                &g.download(&y).unwrap(),
                &cpu::bias_forward(&x, &b, rows, cols),
                1e-6,
                1e-6,
            );
            let db = ops::bias_backward(g, &gx).unwrap();
            assert_close(
                &format!("bias_backward rows {rows} cols {cols}"),
                &g.download(&db).unwrap(),
                &cpu::bias_backward(&x, rows, cols),
                sum_atol(rows, 10.0),
                1e-5,
            );
        }
    }
}

/// Elementwise activations on every size, including a large one past one workgroup row
/// and inputs of ±100 where naive formulas overflow.
#[test]
fn activations_forward_and_backward() {
    let Some(g) = gpu() else { return };
    // 4, 36 and 100,000 (multiples of 4) take the vec4 ReLU backward.
    for &n in SIZES.iter().chain(&[4, 36, 100_003, 100_000]) {
        let mut x = randn(n as u64, n, 30.0);
        x[0] = 100.0;
        if n > 1 {
            x[1] = -100.0;
        }
        let dy = randn(n as u64 + 1, n, 5.0);
        let gx = g.upload(&[n], &x).unwrap();
        let gdy = g.upload(&[n], &dy).unwrap();

        let y = ops::unary_forward(g, wgtrain::gpu::Unary::Relu, &gx).unwrap();
        assert_close(
            "relu_forward",
            &g.download(&y).unwrap(),
            &cpu::relu_forward(&x),
            0.0,
            0.0,
        );
        let dx = ops::unary_backward(g, wgtrain::gpu::Unary::Relu, &gx, &gdy).unwrap();
        assert_close(
            "relu_backward",
            &g.download(&dx).unwrap(),
            &cpu::relu_backward(&x, &dy),
            0.0,
            0.0,
        );

        let y = ops::unary_forward(g, wgtrain::gpu::Unary::Sigmoid, &gx).unwrap();
        let yc = cpu::sigmoid_forward(&x);
        assert_close("sigmoid_forward", &g.download(&y).unwrap(), &yc, 1e-6, 1e-5);
        let dx = ops::unary_backward(g, wgtrain::gpu::Unary::Sigmoid, &y, &gdy).unwrap();
        assert_close(
            "sigmoid_backward",
            &g.download(&dx).unwrap(),
            &cpu::sigmoid_backward(&yc, &dy),
            1e-6,
            1e-4,
        );

        let y = ops::unary_forward(g, wgtrain::gpu::Unary::Tanh, &gx).unwrap();
        let yc = cpu::tanh_forward(&x);
        assert_close("tanh_forward", &g.download(&y).unwrap(), &yc, 1e-6, 1e-5);
        let dx = ops::unary_backward(g, wgtrain::gpu::Unary::Tanh, &y, &gdy).unwrap();
        assert_close(
            "tanh_backward",
            &g.download(&dx).unwrap(),
            &cpu::tanh_backward(&yc, &dy),
            1e-5,
            1e-4,
        );
    }
}

/// Conv geometries: odd sizes, strides, both paddings, and channel counts that take the
/// scalar (C % 4 ≠ 0) and the vec4 (C % 4 == 0) kernels.
fn conv_geometries() -> Vec<Conv2dGeometry> {
    let mut v = Vec::new();
    // (n, h, w, c, k, stride, padding)
    let cases = [
        (1, 1, 1, 1, 1, 1, Padding::Valid),
        (2, 7, 7, 3, 3, 1, Padding::Valid),
        (2, 7, 5, 3, 3, 2, Padding::Same),
        (1, 8, 8, 2, 2, 2, Padding::Same),
        (3, 13, 13, 7, 3, 1, Padding::Same),
        (2, 9, 11, 4, 5, 3, Padding::Valid),
        (2, 10, 10, 1, 4, 3, Padding::Same),
        (4, 28, 28, 1, 3, 1, Padding::Valid),
        (1, 33, 33, 2, 3, 2, Padding::Same),
        // C % 4 == 0 takes the vec4-over-channels kernels.
        (2, 7, 7, 4, 3, 1, Padding::Valid),
        (3, 13, 13, 8, 3, 2, Padding::Same),
        (2, 11, 9, 12, 4, 3, Padding::Same),
        (2, 13, 13, 32, 3, 1, Padding::Valid),
    ];
    for (n, h, w, c, k, s, p) in cases {
        v.push(Conv2dGeometry::new(n, h, w, c, (k, k), (s, s), p).unwrap());
    }
    v.push(Conv2dGeometry::new(2, 9, 12, 3, (2, 3), (1, 2), Padding::Same).unwrap());
    v
}

#[test]
fn im2col_forward_and_col2im_backward() {
    let Some(g) = gpu() else { return };
    for (i, geo) in conv_geometries().into_iter().enumerate() {
        let x = randn(i as u64, geo.input_len(), 10.0);
        let gx = g.upload(&[geo.n, geo.h, geo.w, geo.c], &x).unwrap();
        let cols = ops::im2col_forward(g, &gx, &geo).unwrap();
        assert_close(
            &format!("im2col_forward {geo:?}"),
            &g.download(&cols).unwrap(),
            &cpu::im2col_forward(&x, &geo),
            0.0,
            0.0,
        );
        let dcols = randn(i as u64 + 100, geo.col_rows() * geo.col_cols(), 10.0);
        let gd = g.upload(&[geo.col_rows(), geo.col_cols()], &dcols).unwrap();
        let dx = ops::im2col_backward(g, &gd, &geo).unwrap();
        let taps = geo.kh * geo.kw;
        assert_close(
            &format!("im2col_backward {geo:?}"),
            &g.download(&dx).unwrap(),
            &cpu::im2col_backward(&dcols, &geo),
            sum_atol(taps, 10.0),
            1e-6,
        );
    }
}

/// Conv2D = im2col + matmul on the GPU equals a direct 7-loop convolution, and its
/// backward (dW = colsᵀ·dY, dX = col2im(dY·Wᵀ)) equals the direct adjoint.
#[test]
fn conv2d_by_im2col_matches_direct_convolution() {
    let Some(g) = gpu() else { return };
    for (i, geo) in conv_geometries().into_iter().enumerate() {
        let f = 5;
        let x = randn(i as u64, geo.input_len(), 4.0);
        let w = randn(i as u64 + 1, geo.col_cols() * f, 4.0);
        let gx = g.upload(&[geo.n, geo.h, geo.w, geo.c], &x).unwrap();
        let gw = g.upload(&[geo.col_cols(), f], &w).unwrap();
        let cols = ops::im2col_forward(g, &gx, &geo).unwrap();
        let y = ops::matmul(g, &cols, &gw, None, Layout::NN, false).unwrap();

        let mut direct = vec![0f64; geo.col_rows() * f];
        let mut dw_direct = vec![0f64; w.len()];
        let mut dx_direct = vec![0f64; x.len()];
        let dy = randn(i as u64 + 2, geo.col_rows() * f, 4.0);
        for n in 0..geo.n {
            for oy in 0..geo.oh {
                for ox in 0..geo.ow {
                    let o = (n * geo.oh + oy) * geo.ow + ox;
                    for ky in 0..geo.kh {
                        for kx in 0..geo.kw {
                            let iy = (oy * geo.sh + ky) as isize - geo.pad_top as isize;
                            let ix = (ox * geo.sw + kx) as isize - geo.pad_left as isize;
                            if iy < 0 || ix < 0 || iy as usize >= geo.h || ix as usize >= geo.w {
                                continue;
                            }
                            for c in 0..geo.c {
                                let xi =
                                    ((n * geo.h + iy as usize) * geo.w + ix as usize) * geo.c + c;
                                for fi in 0..f {
                                    let wi = ((ky * geo.kw + kx) * geo.c + c) * f + fi;
                                    direct[o * f + fi] += x[xi] as f64 * w[wi] as f64;
                                    dw_direct[wi] += x[xi] as f64 * dy[o * f + fi] as f64;
                                    dx_direct[xi] += w[wi] as f64 * dy[o * f + fi] as f64;
                                }
                            }
                        }
                    }
                }
            }
        }
        let to32 = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect::<Vec<_>>();
        let k = geo.col_cols();
        assert_close(
            &format!("conv2d forward {geo:?}"),
            &g.download(&y).unwrap(),
            &to32(direct),
            sum_atol(k, 16.0),
            1e-5,
        );

        let gdy = g.upload(&[geo.col_rows(), f], &dy).unwrap();
        let dw = ops::matmul(g, &cols, &gdy, None, Layout::TN, false).unwrap();
        let dcols = ops::matmul(g, &gdy, &gw, None, Layout::NT, false).unwrap();
        let dx = ops::im2col_backward(g, &dcols, &geo).unwrap();
        assert_close(
            &format!("conv2d dW {geo:?}"),
            &g.download(&dw).unwrap(),
            &to32(dw_direct),
            sum_atol(geo.col_rows(), 16.0),
            1e-5,
        );
        assert_close(
            &format!("conv2d dX {geo:?}"),
            &g.download(&dx).unwrap(),
            &to32(dx_direct),
            sum_atol(f * geo.kh * geo.kw, 16.0),
            1e-5,
        );
    }
}

#[test]
fn maxpool_forward_and_backward() {
    let Some(g) = gpu() else { return };
    // (n, h, w, c, pool, stride)
    let cases = [
        (1, 1, 1, 1, 1, 1),
        (2, 7, 7, 3, 2, 2),
        (2, 26, 26, 32, 2, 2),
        (3, 11, 11, 33, 2, 2),
        (1, 9, 9, 5, 3, 2),
        (2, 8, 7, 4, 3, 1),
        (1, 33, 33, 7, 3, 3),
        (1, 9, 9, 8, 3, 2), // C % 4 == 0: vec4 kernels, overlapping windows
    ];
    for (i, (n, h, w, c, p, s)) in cases.into_iter().enumerate() {
        let geo = Pool2dGeometry::new(n, h, w, c, (p, p), (s, s)).unwrap();
        let x = randn(i as u64, geo.input_len(), 10.0);
        let gx = g.upload(&[n, h, w, c], &x).unwrap();
        let (y, arg) = ops::maxpool_forward(g, &gx, &geo).unwrap();
        let (yc, argc) = cpu::maxpool_forward(&x, &geo);
        assert_close(
            &format!("maxpool_forward {geo:?}"),
            &g.download(&y).unwrap(),
            &yc,
            0.0,
            0.0,
        );
        assert_eq!(
            g.download_u32(&arg).unwrap(),
            argc,
            "maxpool argmax {geo:?}"
        );
        let dy = randn(i as u64 + 9, geo.output_len(), 10.0);
        let gdy = g.upload(&[n, geo.oh, geo.ow, c], &dy).unwrap();
        let dx = ops::maxpool_backward(g, &gdy, &arg, &geo).unwrap();
        assert_close(
            &format!("maxpool_backward {geo:?}"),
            &g.download(&dx).unwrap(),
            &cpu::maxpool_backward(&dy, &argc, &geo),
            1e-5,
            1e-6,
        );
    }
}

#[test]
fn maxpool_ties_take_the_first_maximum() {
    let Some(g) = gpu() else { return };
    let geo = Pool2dGeometry::new(1, 4, 4, 1, (2, 2), (2, 2)).unwrap();
    let x = vec![1.0; 16];
    let gx = g.upload(&[1, 4, 4, 1], &x).unwrap();
    let (_, arg) = ops::maxpool_forward(g, &gx, &geo).unwrap();
    assert_eq!(g.download_u32(&arg).unwrap(), vec![0, 2, 8, 10]);
    assert_eq!(cpu::maxpool_forward(&x, &geo).1, vec![0, 2, 8, 10]);
    // Same on the vec4 path (4 channels), with overlapping windows.
    let geo = Pool2dGeometry::new(1, 5, 5, 4, (3, 3), (1, 1)).unwrap();
    let x = vec![1.0; 100];
    let gx = g.upload(&[1, 5, 5, 4], &x).unwrap();
    let (_, arg) = ops::maxpool_forward(g, &gx, &geo).unwrap();
    assert_eq!(
        g.download_u32(&arg).unwrap(),
        cpu::maxpool_forward(&x, &geo).1
    );
}

#[test]
fn softmax_forward_and_backward() {
    let Some(g) = gpu() else { return };
    for &rows in &SIZES {
        for &cols in &[1, 7, 10, 33, 257] {
            let mut x = randn(rows as u64 * 7 + cols as u64, rows * cols, 50.0);
            x[0] = 100.0;
            let dy = randn(rows as u64, rows * cols, 3.0);
            let gx = g.upload(&[rows, cols], &x).unwrap();
            let y = ops::softmax_forward(g, &gx).unwrap();
            let yc = cpu::softmax_forward(&x, rows, cols);
            assert_close("softmax_forward", &g.download(&y).unwrap(), &yc, 1e-6, 1e-5);
            let gdy = g.upload(&[rows, cols], &dy).unwrap();
            let dx = ops::softmax_backward(g, &y, &gdy).unwrap();
            assert_close(
                "softmax_backward",
                &g.download(&dx).unwrap(),
                &cpu::softmax_backward(&yc, &dy, rows, cols),
                1e-5,
                1e-4,
            );
        }
    }
}

#[test]
fn softmax_cross_entropy_is_stable_and_matches() {
    let Some(g) = gpu() else { return };
    for &rows in &SIZES {
        for &cols in &[1, 2, 10, 33, 257] {
            let mut z = randn(rows as u64 + cols as u64, rows * cols, 30.0);
            // Extreme logits: a confident right answer and a confident wrong one.
            z[0] = 100.0;
            if z.len() > 1 {
                let last = z.len() - 1;
                z[last] = -100.0;
            }
            let y = one_hot(rows as u64, rows, cols);
            let gz = g.upload(&[rows, cols], &z).unwrap();
            let gy = g.upload(&[rows, cols], &y).unwrap();
            let (p, row_loss) = ops::softmax_cross_entropy_forward(g, &gz, &gy).unwrap();
            let (pc, lc) = cpu::softmax_cross_entropy_forward(&z, &y, rows, cols);
            let loss_g = g.download(&row_loss).unwrap();
            assert!(
                loss_g.iter().all(|v| v.is_finite()),
                "non-finite loss {loss_g:?}"
            );
            assert_close("softmax_cross_entropy row loss", &loss_g, &lc, 1e-4, 1e-5);
            assert_close(
                "softmax_cross_entropy probs",
                &g.download(&p).unwrap(),
                &pc,
                1e-6,
                1e-5,
            );
            let mean = ops::sum_forward(g, &row_loss, 1.0 / rows as f32).unwrap();
            let mean_c = cpu::sum_forward(&lc, 1.0 / rows as f64);
            assert_close(
                "softmax_cross_entropy mean",
                &g.download(&mean).unwrap(),
                &[mean_c],
                1e-4,
                1e-5,
            );
            let scale = 1.0 / rows as f32;
            let d = ops::softmax_cross_entropy_backward(g, &p, &gy, scale).unwrap();
            assert_close(
                "softmax_cross_entropy_backward",
                &g.download(&d).unwrap(),
                &cpu::softmax_cross_entropy_backward(&pc, &y, scale as f64),
                1e-6,
                1e-5,
            );
        }
    }
}

#[test]
fn mse_and_sum() {
    let Some(g) = gpu() else { return };
    for &n in SIZES.iter().chain(&[100_000]) {
        let p = randn(n as u64, n, 20.0);
        let t = randn(n as u64 + 1, n, 20.0);
        let gp = g.upload(&[n], &p).unwrap();
        let gt = g.upload(&[n], &t).unwrap();
        let sq = ops::mse_forward(g, &gp, &gt).unwrap();
        let sqc = cpu::mse_forward(&p, &t);
        assert_close("mse_forward", &g.download(&sq).unwrap(), &sqc, 1e-5, 1e-6);
        let loss = ops::sum_forward(g, &sq, 1.0 / n as f32).unwrap();
        let want = cpu::sum_forward(&sqc, 1.0 / n as f64);
        assert_close(
            &format!("mse mean n {n}"),
            &g.download(&loss).unwrap(),
            &[want],
            1e-5,
            1e-5,
        );
        let d = ops::mse_backward(g, &gp, &gt, 1.0 / n as f32).unwrap();
        assert_close(
            "mse_backward",
            &g.download(&d).unwrap(),
            &cpu::mse_backward(&p, &t, 1.0 / n as f64),
            1e-7,
            1e-5,
        );
    }
}

/// Several Adam steps on the GPU (step counter on the GPU) equal the CPU twin's.
#[test]
fn adam_matches_cpu_over_steps() {
    let Some(g) = gpu() else { return };
    for &n in SIZES.iter().chain(&[70_001]) {
        let hp = AdamParams {
            lr: 0.01,
            ..Default::default()
        };
        let mut p = randn(n as u64, n, 5.0);
        let mut m = vec![0.0; n];
        let mut v = vec![0.0; n];
        let gp = g.upload(&[n], &p).unwrap();
        let gm = g.zeros(&[n]).unwrap();
        let gv = g.zeros(&[n]).unwrap();
        let step = g.upload_u32(&[1], &[0]).unwrap();
        let mut grads = Vec::new();
        for t in 1..=5u32 {
            let grad = randn(n as u64 * 31 + t as u64, n, 50.0);
            let gg = g.upload(&[n], &grad).unwrap();
            ops::counter_step(g, &step).unwrap();
            ops::adam_update(g, &gp, &gg, &gm, &gv, &step, &hp).unwrap();
            cpu::adam_update(&mut p, &grad, &mut m, &mut v, t, &hp);
            grads.push(gg);
        }
        assert_eq!(g.download_u32(&step).unwrap(), vec![5]);
        // Each step moves a parameter by about lr; the f32 update (pow, sqrt, divide)
        // carries ~1e-4 relative error, so allow 2e-4·lr per step.
        let atol = 2e-4 * hp.lr * 5.0;
        assert_close(
            &format!("adam param n {n}"),
            &g.download(&gp).unwrap(),
            &p,
            atol,
            1e-5,
        );
        assert_close("adam m", &g.download(&gm).unwrap(), &m, 1e-6, 1e-5);
        assert_close("adam v", &g.download(&gv).unwrap(), &v, 1e-6, 1e-5);
    }
}

#[test]
fn sgd_momentum_and_nesterov_match_cpu() {
    let Some(g) = gpu() else { return };
    for hp in [
        SgdParams::default(),
        SgdParams {
            lr: 0.1,
            momentum: 0.9,
            nesterov: false,
        },
        SgdParams {
            lr: 0.05,
            momentum: 0.8,
            nesterov: true,
        },
    ] {
        let n = 257;
        let mut p = randn(1, n, 5.0);
        let mut vel = vec![0.0; n];
        let gp = g.upload(&[n], &p).unwrap();
        let gvel = g.zeros(&[n]).unwrap();
        for t in 0..4 {
            let grad = randn(100 + t, n, 20.0);
            let gg = g.upload(&[n], &grad).unwrap();
            ops::sgd_update(g, &gp, &gg, &gvel, &hp).unwrap();
            cpu::sgd_update(&mut p, &grad, &mut vel, &hp);
        }
        let got = g.download(&gp).unwrap();
        eprintln!("sgd {hp:?}: max diff {:e}", max_diff(&got, &p));
        assert_close(&format!("sgd {hp:?}"), &got, &p, 1e-5, 1e-5);
    }
}

/// Accuracy flags agree exactly, including rows with ties (first maximum wins).
#[test]
fn accuracy_matches_cpu_including_ties() {
    let Some(g) = gpu() else { return };
    for &(rows, cols) in &[(1, 1), (7, 10), (33, 3), (257, 10)] {
        let mut p = randn(rows as u64, rows * cols, 5.0);
        // Make every third row a tie between its first two columns.
        for r in (0..rows).step_by(3) {
            if cols > 1 {
                p[r * cols + 1] = p[r * cols];
            }
        }
        let y = one_hot(rows as u64 + 9, rows, cols);
        let got = ops::accuracy_forward(
            g,
            &g.upload(&[rows, cols], &p).unwrap(),
            &g.upload(&[rows, cols], &y).unwrap(),
        )
        .unwrap();
        assert_eq!(
            g.download(&got).unwrap(),
            cpu::accuracy_forward(&p, &y, rows, cols),
            "accuracy rows {rows} cols {cols}"
        );
    }
}

/// The GPU draws the same dropout mask as the CPU twin, bit for bit, at several counter
/// values; the kept share is close to 1 − rate; sum_into accumulates.
#[test]
fn dropout_masks_match_cpu_exactly() {
    let Some(g) = gpu() else { return };
    for &(n, rate) in &[(1usize, 0.5f32), (7, 0.1), (257, 0.5), (100_003, 0.25)] {
        let x = randn(n as u64, n, 10.0);
        let gx = g.upload(&[n], &x).unwrap();
        let counter = g.upload_u32(&[1], &[0]).unwrap();
        for step in 1..=3u32 {
            ops::counter_step(g, &counter).unwrap();
            let (y, mask) = ops::dropout_forward(g, &gx, &counter, rate, 1234).unwrap();
            let (yc, maskc) = cpu::dropout_forward(&x, step, rate, 1234);
            assert_eq!(g.download(&mask).unwrap(), maskc, "mask n {n} step {step}");
            assert_close("dropout y", &g.download(&y).unwrap(), &yc, 0.0, 1e-6);
            let dy = randn(step as u64, n, 3.0);
            let dx = ops::dropout_backward(g, &g.upload(&[n], &dy).unwrap(), &mask).unwrap();
            assert_close(
                "dropout dx",
                &g.download(&dx).unwrap(),
                &cpu::dropout_backward(&dy, &maskc),
                0.0,
                1e-6,
            );
            if n > 10_000 {
                let kept = maskc.iter().filter(|&&m| m > 0.0).count() as f64 / n as f64;
                assert!(
                    (kept - (1.0 - rate) as f64).abs() < 0.01,
                    "kept share {kept}"
                );
            }
        }
    }
    let ones = g.upload(&[5], &[1.0; 5]).unwrap();
    let acc = g.zeros(&[1]).unwrap();
    for _ in 0..3 {
        ops::sum_into(g, &ones, 0.5, &acc, true).unwrap();
    }
    assert_eq!(g.download(&acc).unwrap(), vec![7.5]);
    ops::sum_into(g, &ones, 1.0, &acc, false).unwrap();
    assert_eq!(g.download(&acc).unwrap(), vec![5.0]);
}

#[test]
fn transpose_matches_cpu() {
    let Some(g) = gpu() else { return };
    for &r in &SIZES {
        for &c in &SIZES {
            let x = randn((r * 1000 + c) as u64, r * c, 50.0);
            let y = ops::transpose_forward(g, &g.upload(&[r, c], &x).unwrap()).unwrap();
            assert_eq!(y.shape(), &[c, r]);
            assert_eq!(
                g.download(&y).unwrap(),
                cpu::transpose_forward(&x, r, c),
                "transpose {r}×{c}"
            );
        }
    }
}

/// Batches gathered on the GPU from a shuffled order, with the cursor bumped between
/// them, equal the CPU twin's bit for bit — f32 rows and byte codes through a palette,
/// full and partial batches, and a cursor run past the end (clamped, no stray read).
#[test]
fn gather_batches_match_cpu_exactly() {
    let Some(g) = gpu() else { return };
    for &(n, row, batch) in &[
        (1usize, 1usize, 1usize),
        (7, 3, 2),
        (33, 784, 8),
        (257, 10, 32),
    ] {
        let x = randn(n as u64, n * row, 100.0);
        let pixels: Vec<f32> = (0..n * row)
            .map(|i| ((i * 37) % 256) as f32 / 255.0)
            .collect();
        let packed = cpu::pack_u8(&pixels).expect("k/255 values pack");
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.reverse();
        order.rotate_left(n / 3);
        let gx = g.upload(&[n, row], &x).unwrap();
        let codes = g.upload_u32(&[packed.words.len()], &packed.words).unwrap();
        let palette = g.upload(&[packed.palette.len()], &packed.palette).unwrap();
        let idx = g.upload_u32(&[n], &order).unwrap();
        let cursor = g.upload_u32(&[1], &[0]).unwrap();
        let at = ops::BatchIndex {
            indices: &idx,
            cursor: &cursor,
            stride: batch,
        };
        // One batch past the end: its rows clamp to the last index.
        for step in 0..=n.div_ceil(batch) {
            let rows = batch.min(n.saturating_sub(step * batch)).max(1);
            let got = ops::gather_forward(g, &gx, &at, rows).unwrap();
            let want = cpu::gather_forward(&x, row, &order, step as u32, batch, rows);
            assert_eq!(g.download(&got).unwrap(), want, "gather n {n} step {step}");
            let got = ops::gather_u8_forward(g, &codes, &palette, n, &[row], &at, rows).unwrap();
            let want = cpu::gather_u8_forward(
                &packed.words,
                &packed.palette,
                row,
                n,
                &order,
                step as u32,
                batch,
                rows,
            );
            assert_eq!(
                g.download(&got).unwrap(),
                want,
                "gather_u8 n {n} step {step}"
            );
            ops::counter_step(g, &cursor).unwrap();
        }
        // The decoded bytes are exactly the f32 values that were packed.
        let all = cpu::gather_u8_forward(
            &packed.words,
            &packed.palette,
            row,
            n,
            &(0..n as u32).collect::<Vec<_>>(),
            0,
            n,
            n,
        );
        assert_eq!(all, pixels);
    }
    let err = ops::gather_forward(
        g,
        &g.upload(&[4, 2], &[0.0; 8]).unwrap(),
        &ops::BatchIndex {
            indices: &g.upload_u32(&[4], &[0, 1, 2, 3]).unwrap(),
            cursor: &g.upload_u32(&[1], &[0]).unwrap(),
            stride: 2,
        },
        3,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("3 rows exceed the stride 2"), "{err}");
}

#[test]
fn pack_u8_is_exact_or_declines() {
    let onehot = one_hot(3, 50, 10);
    let p = cpu::pack_u8(&onehot).unwrap();
    assert_eq!(p.palette.len(), 256, "0 and 1 are k/255 values");
    let odd: Vec<f32> = (0..1000).map(|i| ((i % 200) as f32).sqrt() - 3.3).collect();
    let p = cpu::pack_u8(&odd).unwrap();
    assert_eq!(p.palette.len(), 200);
    let back = cpu::gather_u8_forward(&p.words, &p.palette, 1000, 1, &[0], 0, 1, 1);
    assert_eq!(back, odd);
    let many: Vec<f32> = (0..257).map(|i| i as f32 * 0.1).collect();
    assert!(
        cpu::pack_u8(&many).is_none(),
        "257 distinct values do not fit a byte"
    );
}
