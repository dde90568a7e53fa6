//! Batch normalization over the last axis (`shaders/batch_norm.wgsl`): statistics with
//! the moving averages' update, training and inference forwards, and the backward.

use crate::prelude::*;
use wgtrain::cpu::BatchNormParams;

/// (rows, channels): odd sizes, one row, a wide channel axis, and a Conv2D-sized batch.
const SHAPES: [(usize, usize); 6] = [(1, 1), (7, 3), (33, 257), (257, 7), (2, 1), (21_632, 32)];

const HP: BatchNormParams = BatchNormParams {
    momentum: 0.9,
    epsilon: 1e-3,
};

#[test]
fn batch_norm_matches_cpu() {
    let Some(g) = gpu() else { return };
    for &(rows, c) in &SHAPES {
        let what = format!("rows {rows} c {c}");
        let n = rows * c;
        // Outliers, and a per-channel offset so means are not all near 0.
        let x: Vec<f32> = randn(n as u64, n, 30.0)
            .iter()
            .enumerate()
            .map(|(i, v)| v + (i % c) as f32 * 0.5)
            .collect();
        let dy = randn(5, n, 10.0);
        let gamma = randn(6, c, 3.0);
        let beta = randn(7, c, 3.0);
        let (mut mean_c, mut var_c) = (randn(8, c, 1.0), vec![0.5f32; c]);
        let up = |v: &[f32], s: &[usize]| g.upload(s, v).unwrap();
        let gx = up(&x, &[rows, c]);
        let (gmean, gvar) = (up(&mean_c, &[c]), up(&var_c, &[c]));
        let (ggamma, gbeta, gdy) = (up(&gamma, &[c]), up(&beta, &[c]), up(&dy, &[rows, c]));

        let stats = ops::batch_norm_statistics(g, &gx, &gmean, &gvar, &HP).unwrap();
        let want = cpu::batch_norm_statistics(&x, c, &HP, &mut mean_c, &mut var_c);
        let got = g.download(&stats).unwrap();
        let scale = 30.0 + c as f32;
        assert_close(
            &format!("mean {what}"),
            &got[..c],
            &want[..c],
            sum_atol(rows, scale),
            1e-5,
        );
        assert_close(
            &format!("inv_std {what}"),
            &got[c..],
            &want[c..],
            1e-6,
            1e-4,
        );
        let mm = g.download(&gmean).unwrap();
        assert_close(&format!("moving_mean {what}"), &mm, &mean_c, 1e-5, 1e-5);
        let mv = g.download(&gvar).unwrap();
        assert_close(&format!("moving_var {what}"), &mv, &var_c, 1e-5, 1e-4);

        // From here on both sides use the GPU's stats, so each kernel is checked alone.
        let y = ops::batch_norm_forward(g, &gx, &stats, &ggamma, &gbeta).unwrap();
        let want = cpu::batch_norm_forward(&x, &got, &gamma, &beta);
        assert_close(
            &format!("forward {what}"),
            &g.download(&y).unwrap(),
            &want,
            1e-5,
            1e-5,
        );
        let y = ops::batch_norm_inference_forward(g, &gx, [&gmean, &gvar], &ggamma, &gbeta, 1e-3)
            .unwrap();
        let want = cpu::batch_norm_inference_forward(&x, &mm, &mv, &gamma, &beta, 1e-3);
        assert_close(
            &format!("inference forward {what}"),
            &g.download(&y).unwrap(),
            &want,
            1e-5,
            1e-5,
        );

        let (dx, dgamma, dbeta) =
            ops::batch_norm_backward(g, &gx, &gdy, &stats, &ggamma, true).unwrap();
        let (wdx, wdgamma, wdbeta) = cpu::batch_norm_backward(&x, &dy, &got, &gamma);
        let atol = sum_atol(rows, 10.0 * 30.0);
        let dbeta = g.download(&dbeta).unwrap();
        assert_close(&format!("dbeta {what}"), &dbeta, &wdbeta, atol, 1e-5);
        let dgamma = g.download(&dgamma).unwrap();
        assert_close(&format!("dgamma {what}"), &dgamma, &wdgamma, atol, 1e-5);
        // dx from the GPU's own sums (its f32 dγ, dβ): the elementwise kernel alone.
        let n_rows = rows as f64;
        let want: Vec<f32> = (0..n)
            .map(|i| {
                let ch = i % c;
                let inv = got[c + ch] as f64;
                let xhat = (x[i] as f64 - got[ch] as f64) * inv;
                let s = gamma[ch] as f64 * inv / n_rows;
                (s * (n_rows * dy[i] as f64 - dbeta[ch] as f64 - xhat * dgamma[ch] as f64)) as f32
            })
            .collect();
        let got_dx = g.download(dx.as_ref().unwrap()).unwrap();
        assert_close(&format!("dx {what}"), &got_dx, &want, 1e-5, 1e-4);
        // And against the twin end to end, with the tolerance of the sums.
        let scale = gamma.iter().fold(0f32, |a, v| a.max(v.abs())) * 300.0;
        assert_close(
            &format!("dx vs twin {what}"),
            &got_dx,
            &wdx,
            sum_atol(rows, scale),
            1e-3,
        );

        let (none, _, _) = ops::batch_norm_backward(g, &gx, &gdy, &stats, &ggamma, false).unwrap();
        assert!(none.is_none());
    }
}

#[test]
fn batch_norm_shape_errors_name_the_op() {
    let Some(g) = gpu() else { return };
    let x = g.upload(&[4, 3], &[0.0; 12]).unwrap();
    let c4 = g.upload(&[4], &[1.0; 4]).unwrap();
    let e = ops::batch_norm_statistics(g, &x, &c4, &c4, &HP).unwrap_err();
    assert!(
        e.to_string().contains("batch_norm_statistics") && e.to_string().contains("4 channels"),
        "{e}"
    );
}

#[test]
fn batch_norm_backward_matches_finite_differences() {
    let (rows, c) = (5, 3);
    let x: Vec<f64> = rand64(51, rows * c).iter().map(|v| v * 3.0).collect();
    let w = rand64(52, rows * c);
    let gamma: Vec<f64> = rand64(53, c).iter().map(|v| v + 1.5).collect();
    let beta = rand64(54, c);
    let hp = BatchNormParams {
        momentum: 0.99,
        epsilon: 1e-3,
    };
    // The training forward as a function of x, gamma and beta (stats recomputed).
    let forward = |x: &[f64], gamma: &[f64], beta: &[f64]| {
        let (mut m, mut v) = (vec![0.0; c], vec![1.0; c]);
        let stats = cpu::batch_norm_statistics(x, c, &hp, &mut m, &mut v);
        cpu::batch_norm_forward(x, &stats, gamma, beta)
    };
    let (mut m, mut v) = (vec![0.0; c], vec![1.0; c]);
    let stats = cpu::batch_norm_statistics(&x, c, &hp, &mut m, &mut v);
    let (dx, dgamma, dbeta) = cpu::batch_norm_backward(&x, &w, &stats, &gamma);
    check("batch_norm_backward dx", &x, &dx, |x| {
        dot(&w, &forward(x, &gamma, &beta))
    });
    check("batch_norm_backward dgamma", &gamma, &dgamma, |g| {
        dot(&w, &forward(&x, g, &beta))
    });
    check("batch_norm_backward dbeta", &beta, &dbeta, |b| {
        dot(&w, &forward(&x, &gamma, b))
    });
}

#[test]
fn batch_norm_statistics_follow_keras_formula() {
    // Two rows, one channel: mean 2, biased variance 1; Keras's moving update with
    // momentum 0.9 from (0, 1): mean 0.2, variance 1.0.
    let (mut m, mut v) = (vec![0.0f64], vec![1.0f64]);
    let hp = BatchNormParams {
        momentum: 0.9,
        epsilon: 1e-3,
    };
    let stats = cpu::batch_norm_statistics(&[1.0, 3.0], 1, &hp, &mut m, &mut v);
    assert_eq!(stats[0], 2.0);
    assert!((stats[1] - 1.0 / 1.001f64.sqrt()).abs() < 1e-9); // ε is an f32 too
                                                              // (momentum is an f32: 0.9 is 0.8999999762)
    assert!(
        (m[0] - 0.2).abs() < 1e-7 && (v[0] - 1.0).abs() < 1e-7,
        "{m:?} {v:?}"
    );
    let y = cpu::batch_norm_inference_forward(&[3.0f64], &[1.0], &[4.0], &[2.0], &[0.5], 0.0);
    assert_eq!(y, [2.0 * (3.0 - 1.0) / 2.0 + 0.5]);
}
