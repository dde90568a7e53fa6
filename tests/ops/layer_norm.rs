//! Layer normalization over the last axis (`shaders/layer_norm.wgsl`): the forward with
//! its row statistics, and the backward (dx, and dy·x̂ whose column sums are dγ).

use crate::prelude::*;

/// (rows, features): odd sizes, one feature, rows wider than a workgroup, and many rows.
const SHAPES: [(usize, usize); 8] = [
    (1, 1),
    (1, 7),
    (7, 33),
    (33, 257),
    (257, 7),
    (3, 1000),
    (2, 1),
    (4_099, 10),
];

#[test]
fn layer_norm_matches_cpu() {
    let Some(g) = gpu() else { return };
    for &(rows, c) in &SHAPES {
        let what = format!("rows {rows} c {c}");
        let n = rows * c;
        // Outliers, and a per-row offset (bounded: f32's rounding of a mean grows with
        // it) so means are not all near 0.
        let x: Vec<f32> = randn(n as u64, n, 30.0)
            .iter()
            .enumerate()
            .map(|(i, v)| v + (i / c % 8) as f32 * 0.5)
            .collect();
        let dy = randn(5, n, 10.0);
        let (gamma, beta) = (randn(6, c, 3.0), randn(7, c, 3.0));
        let up = |v: &[f32], s: &[usize]| g.upload(s, v).unwrap();
        let gx = up(&x, &[rows, c]);
        let (ggamma, gbeta) = (up(&gamma, &[c]), up(&beta, &[c]));
        let (y, stats) = ops::layer_norm_forward(g, &gx, &ggamma, &gbeta, 1e-3).unwrap();
        let (yc, sc) = cpu::layer_norm_forward(&x, &gamma, &beta, 1e-3);
        let got = g.download(&stats).unwrap();
        let scale = 34.0;
        let means = |s: &[f32]| s.iter().step_by(2).copied().collect::<Vec<_>>();
        let invs = |s: &[f32]| s.iter().skip(1).step_by(2).copied().collect::<Vec<_>>();
        assert_close(
            &format!("mean {what}"),
            &means(&got),
            &means(&sc),
            sum_atol(c, scale),
            1e-5,
        );
        assert_close(
            &format!("inv_std {what}"),
            &invs(&got),
            &invs(&sc),
            1e-6,
            1e-4,
        );
        assert_close(
            &format!("y {what}"),
            &g.download(&y).unwrap(),
            &yc,
            1e-4,
            1e-4,
        );

        // The backward from the twin's stats on both sides, so it is checked alone.
        let gstats = up(&sc, &[rows, 2]);
        let gdy = up(&dy, &[rows, c]);
        let (dx, prod) = ops::layer_norm_backward(g, &gx, &gdy, &gstats, &ggamma).unwrap();
        let (dxc, dgc, dbc) = cpu::layer_norm_backward(&x, &dy, &sc, &gamma);
        let dx_atol = sum_atol(c, 30.0) * 10.0;
        assert_close(
            &format!("dx {what}"),
            &g.download(&dx).unwrap(),
            &dxc,
            dx_atol,
            1e-4,
        );
        let dgamma = g.download(&ops::bias_backward(g, &prod).unwrap()).unwrap();
        let sum_tol = sum_atol(rows, 30.0 * 10.0);
        assert_close(&format!("dgamma {what}"), &dgamma, &dgc, sum_tol, 1e-4);
        let dbeta = g.download(&ops::bias_backward(g, &gdy).unwrap()).unwrap();
        assert_close(&format!("dbeta {what}"), &dbeta, &dbc, sum_tol, 1e-4);
    }
}

#[test]
fn layer_norm_backward_matches_finite_differences() {
    for &(rows, c) in &[(1usize, 1usize), (3, 7), (2, 33)] {
        let n = rows * c;
        let x: Vec<f64> = rand64(1, n).iter().map(|v| v * 4.0).collect();
        let (gamma, beta) = (rand64(2, c), rand64(3, c));
        let w = rand64(4, n);
        let eps = 1e-3;
        let (_, stats) = cpu::layer_norm_forward(&x, &gamma, &beta, eps);
        let (dx, dgamma, dbeta) = cpu::layer_norm_backward(&x, &w, &stats, &gamma);
        let loss =
            |x: &[f64], g: &[f64], b: &[f64]| dot(&w, &cpu::layer_norm_forward(x, g, b, eps).0);
        check("layer_norm dx", &x, &dx, |x| loss(x, &gamma, &beta));
        check("layer_norm dgamma", &gamma, &dgamma, |g| loss(&x, g, &beta));
        check("layer_norm dbeta", &beta, &dbeta, |b| loss(&x, &gamma, b));
    }
}
