//! Softmax fused with categorical cross-entropy (`shaders/softmax_cross_entropy.wgsl`).

use crate::prelude::*;

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
fn softmax_cross_entropy_backward_is_p_minus_y_over_n() {
    let (rows, cols) = (5, 10);
    let z: Vec<f64> = rand64(9, rows * cols).iter().map(|v| v * 8.0).collect();
    let mut labels = vec![0.0; rows * cols];
    for r in 0..rows {
        labels[r * cols + (r * 3) % cols] = 1.0;
    }
    let mean_loss = |z: &[f64]| {
        let (_, l) = cpu::softmax_cross_entropy_forward(z, &labels, rows, cols);
        cpu::sum_forward(&l, 1.0 / rows as f64)
    };
    let (p, _) = cpu::softmax_cross_entropy_forward(&z, &labels, rows, cols);
    let d = cpu::softmax_cross_entropy_backward(&p, &labels, 1.0 / rows as f64);
    check("softmax_cross_entropy_backward", &z, &d, mean_loss);
}
