//! The depthwise convolution (`shaders/depthwise_conv.wgsl`): the twin against a dense
//! convolution with a block-diagonal kernel, the GPU against the twin (odd sizes, both
//! paddings, strides 1 and 2, depth multipliers 1 and 2, outliers, the kernel gradient at
//! several chunkings), and the twin's backward against finite differences.

use crate::prelude::*;
use wgtrain::geometry::DepthwiseGeometry;

/// (n, h, w, c, kernel, strides, padding, depth_multiplier).
type Case = (
    usize,
    usize,
    usize,
    usize,
    (usize, usize),
    (usize, usize),
    Padding,
    usize,
);

const CASES: [Case; 8] = [
    (1, 1, 1, 1, (1, 1), (1, 1), Padding::Valid, 1),
    (1, 1, 1, 1, (3, 3), (2, 2), Padding::Same, 2),
    (7, 7, 5, 3, (3, 3), (1, 1), Padding::Same, 2),
    (3, 33, 7, 2, (3, 2), (2, 2), Padding::Same, 1),
    (2, 9, 33, 7, (2, 3), (2, 1), Padding::Valid, 2),
    (1, 6, 6, 257, (3, 3), (2, 2), Padding::Same, 1),
    (2, 8, 7, 5, (5, 4), (2, 2), Padding::Valid, 2),
    (5, 12, 12, 3, (1, 1), (1, 1), Padding::Valid, 3),
];

fn geometry(&(n, h, w, c, k, s, p, dm): &Case) -> DepthwiseGeometry {
    DepthwiseGeometry::new((n, h, w, c), k, s, p, dm).unwrap()
}

/// The same convolution as a dense Conv2D (im2col then a matmul) whose kernel
/// `[kh, kw, c, c·dm]` is zero off the block diagonal: output channel ch·dm + m reads only
/// input channel ch, through w[.., .., ch, m].
fn dense_reference(x: &[f64], w: &[f64], g: &DepthwiseGeometry) -> Vec<f64> {
    let (c, dm, cv) = (g.conv.c, g.depth_multiplier, &g.conv);
    let co = c * dm;
    let mut dense = vec![0.0; cv.kh * cv.kw * c * co];
    for tap in 0..cv.kh * cv.kw {
        for ch in 0..c {
            for m in 0..dm {
                dense[(tap * c + ch) * co + ch * dm + m] = w[(tap * c + ch) * dm + m];
            }
        }
    }
    let cols = cpu::im2col_forward(x, cv);
    cpu::matmul(
        &cols,
        &dense,
        None,
        cv.col_rows(),
        co,
        cv.col_cols(),
        Layout::NN,
        false,
    )
}

#[test]
fn depthwise_conv_twin_is_a_block_diagonal_convolution() {
    for (i, case) in CASES.iter().enumerate() {
        let g = geometry(case);
        let x = rand64(i as u64, g.input_len());
        let w = rand64(i as u64 + 50, g.kernel_len());
        let want = dense_reference(&x, &w, &g);
        let got = cpu::depthwise_conv_forward(&x, &w, None, &g, false);
        let d = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(d < 1e-12, "case {case:?}: |Δ| {d}");
    }
    // Known values: a 3×3 image of 1..9, one channel, two filters (×1 and ×−2) of a 2×2
    // window, 'valid': the sums of each 2×2 block.
    let g = DepthwiseGeometry::new((1, 3, 3, 1), (2, 2), (1, 1), Padding::Valid, 2).unwrap();
    let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
    let w = [1.0f32, -2.0, 1.0, -2.0, 1.0, -2.0, 1.0, -2.0];
    let y = cpu::depthwise_conv_forward(&x, &w, Some(&[0.5, 0.0]), &g, true);
    assert_eq!(y, vec![12.5, 0.0, 16.5, 0.0, 24.5, 0.0, 28.5, 0.0]);
    assert!(DepthwiseGeometry::new((1, 3, 3, 1), (2, 2), (1, 1), Padding::Valid, 0).is_err());
    assert!(DepthwiseGeometry::new((1, 2, 3, 1), (3, 3), (1, 1), Padding::Valid, 1).is_err());
    // Sizes past what a kernel indexes are errors, not overflows.
    let same = Padding::Same;
    assert!(DepthwiseGeometry::new((1, 1, 1, 3), (1 << 20, 1 << 20), (1, 1), same, 1).is_err());
    assert!(DepthwiseGeometry::new((1, 4, 4, 3), (3, 3), (1, 1), same, usize::MAX).is_err());
    assert!(DepthwiseGeometry::new((1, 1, 1, 1), (usize::MAX, 2), (1, 1), same, 1).is_err());
}

#[test]
fn depthwise_conv_matches_cpu() {
    let Some(gp) = gpu() else { return };
    for (i, case) in CASES.iter().enumerate() {
        let g = geometry(case);
        let cv = g.conv;
        let (k, seed) = (cv.kh * cv.kw, i as u64 * 10);
        let x = randn(seed, g.input_len(), 30.0);
        let w = randn(seed + 1, g.kernel_len(), 30.0);
        let b = randn(seed + 2, g.out_channels(), 30.0);
        let gx = gp.upload(&[cv.n, cv.h, cv.w, cv.c], &x).unwrap();
        let gw = gp
            .upload(&[cv.kh, cv.kw, cv.c, g.depth_multiplier], &w)
            .unwrap();
        let gb = gp.upload(&[g.out_channels()], &b).unwrap();
        for (bias, relu) in [(false, false), (true, false), (true, true)] {
            let y =
                ops::depthwise_conv_forward(gp, &gx, &gw, bias.then_some(&gb), &g, relu).unwrap();
            assert_eq!(y.shape(), [cv.n, cv.oh, cv.ow, g.out_channels()]);
            let want = cpu::depthwise_conv_forward(&x, &w, bias.then_some(&b[..]), &g, relu);
            assert_close(
                &format!("depthwise_conv_forward {case:?} bias {bias} relu {relu}"),
                &gp.download(&y).unwrap(),
                &want,
                sum_atol(k + 1, 900.0),
                1e-5,
            );
        }
        let dy = randn(seed + 3, g.output_len(), 30.0);
        let gdy = gp
            .upload(&[cv.n, cv.oh, cv.ow, g.out_channels()], &dy)
            .unwrap();
        let dx = ops::depthwise_conv_backward(gp, &gdy, &gw, &g).unwrap();
        assert_close(
            &format!("depthwise_conv_backward {case:?}"),
            &gp.download(&dx).unwrap(),
            &cpu::depthwise_conv_backward(&dy, &w, &g),
            sum_atol(k * g.depth_multiplier, 900.0),
            1e-5,
        );
        let want = cpu::depthwise_conv_weight_grad(&x, &dy, &g);
        let positions = g.positions();
        let dw = ops::depthwise_conv_weight_grad(gp, &gx, &gdy, &g).unwrap();
        assert_eq!(dw.shape(), [cv.kh, cv.kw, cv.c, g.depth_multiplier]);
        let atol = sum_atol(positions, 900.0);
        let what = format!("depthwise_conv_weight_grad {case:?}");
        assert_close(&what, &gp.download(&dw).unwrap(), &want, atol, 1e-5);
        // Chunked: one run, a few odd chunks, and chunk 1 (more splits than the tree's
        // threshold when the batch·oh·ow positions are many).
        for chunk in [None, Some(1), Some(7), Some(33)] {
            let dw2 = gp.empty(dw.shape(), wgtrain::gpu::DType::F32).unwrap();
            ops::depthwise_conv_weight_grad_with(gp, &gx, &gdy, &g, &dw2, chunk).unwrap();
            let what = format!("{what} chunk {chunk:?}");
            assert_close(&what, &gp.download(&dw2).unwrap(), &want, atol, 1e-5);
        }
    }
}

/// A batch as big as a small model's: 16 × 32 × 32 positions over 24 channels × 2,
/// with the adapter's own chunking and a fixed one, twice each: the same bits both times.
#[test]
fn depthwise_conv_large_batch_matches_cpu_and_repeats_exactly() {
    let Some(gp) = gpu() else { return };
    let g = DepthwiseGeometry::new((16, 32, 32, 24), (3, 3), (1, 1), Padding::Same, 2).unwrap();
    let cv = g.conv;
    let x = randn(91, g.input_len(), 20.0);
    let w = randn(92, g.kernel_len(), 20.0);
    let dy = randn(93, g.output_len(), 20.0);
    let gx = gp.upload(&[cv.n, cv.h, cv.w, cv.c], &x).unwrap();
    let gw = gp.upload(&[3, 3, cv.c, 2], &w).unwrap();
    let gdy = gp.upload(&[cv.n, cv.oh, cv.ow, 48], &dy).unwrap();
    let y = ops::depthwise_conv_forward(gp, &gx, &gw, None, &g, false).unwrap();
    let want = cpu::depthwise_conv_forward(&x, &w, None, &g, false);
    let y = gp.download(&y).unwrap();
    assert_close("large forward", &y, &want, sum_atol(9, 400.0), 1e-5);
    let dx = ops::depthwise_conv_backward(gp, &gdy, &gw, &g).unwrap();
    let want_dx = cpu::depthwise_conv_backward(&dy, &w, &g);
    let dx = gp.download(&dx).unwrap();
    assert_close("large dx", &dx, &want_dx, sum_atol(18, 400.0), 1e-5);
    let want = cpu::depthwise_conv_weight_grad(&x, &dy, &g);
    let atol = sum_atol(g.positions(), 400.0);
    for chunk in [None, Some(32), Some(1000)] {
        let mut runs = Vec::new();
        for _ in 0..2 {
            let dw = gp
                .empty(&[3, 3, cv.c, 2], wgtrain::gpu::DType::F32)
                .unwrap();
            ops::depthwise_conv_weight_grad_with(gp, &gx, &gdy, &g, &dw, chunk).unwrap();
            runs.push(gp.download(&dw).unwrap());
        }
        assert_close(
            &format!("large dw chunk {chunk:?}"),
            &runs[0],
            &want,
            atol,
            1e-5,
        );
        assert_eq!(runs[0], runs[1], "chunk {chunk:?}: two runs differ");
        eprintln!(
            "large: max |Δ| y {:e}, dx {:e}, dw (chunk {chunk:?}) {:e} of max |dw| {:e}",
            max_diff(&y, &cpu::depthwise_conv_forward(&x, &w, None, &g, false)),
            max_diff(&dx, &want_dx),
            max_diff(&runs[0], &want),
            want.iter().fold(0f32, |a, v| a.max(v.abs()))
        );
    }
    let dw = ops::depthwise_conv_weight_grad(gp, &gx, &gdy, &g).unwrap();
    assert_close(
        "large dw (adapter's chunk)",
        &gp.download(&dw).unwrap(),
        &want,
        atol,
        1e-5,
    );
}

#[test]
fn depthwise_conv_backward_matches_finite_differences() {
    for (i, case) in CASES
        .iter()
        .enumerate()
        .filter(|(_, c)| c.0 * c.1 * c.2 * c.3 < 1500)
    {
        let g = geometry(case);
        let seed = 200 + i as u64 * 7;
        let x = rand64(seed, g.input_len());
        let w = rand64(seed + 1, g.kernel_len());
        let b = rand64(seed + 2, g.out_channels());
        let up = rand64(seed + 3, g.output_len());
        let f = |x: &[f64], w: &[f64], b: &[f64]| {
            dot(&up, &cpu::depthwise_conv_forward(x, w, Some(b), &g, false))
        };
        let what = format!("depthwise {case:?}");
        check(
            &format!("{what} dx"),
            &x,
            &cpu::depthwise_conv_backward(&up, &w, &g),
            |x| f(x, &w, &b),
        );
        check(
            &format!("{what} dw"),
            &w,
            &cpu::depthwise_conv_weight_grad(&x, &up, &g),
            |w| f(&x, w, &b),
        );
        let rows = g.positions();
        check(
            &format!("{what} db"),
            &b,
            &cpu::bias_backward(&up, rows, g.out_channels()),
            |b| f(&x, &w, b),
        );
    }
}
