//! Softmax fused with sparse categorical cross-entropy, class indices as labels
//! (`shaders/sparse_softmax_cross_entropy.wgsl`), and the sparse accuracy
//! (`sparse_accuracy_forward` in `shaders/accuracy.wgsl`).

use crate::prelude::*;

/// Class indices 0..cols for `rows` rows, and the same labels one-hot.
fn labels(seed: u64, rows: usize, cols: usize) -> (Vec<f32>, Vec<f32>) {
    let idx: Vec<f32> = (0..rows)
        .map(|r| ((r as u64 * 7 + seed) % cols as u64) as f32)
        .collect();
    let mut hot = vec![0.0; rows * cols];
    for (r, &c) in idx.iter().enumerate() {
        hot[r * cols + c as usize] = 1.0;
    }
    (idx, hot)
}

#[test]
fn sparse_softmax_cross_entropy_is_stable_and_matches() {
    let Some(g) = gpu() else { return };
    for &rows in &SIZES {
        for &cols in &[1, 2, 10, 33, 257] {
            let mut z = randn(rows as u64 * 3 + cols as u64, rows * cols, 30.0);
            z[0] = 100.0;
            if z.len() > 1 {
                let last = z.len() - 1;
                z[last] = -100.0;
            }
            let (y, _) = labels(rows as u64, rows, cols);
            let gz = g.upload(&[rows, cols], &z).unwrap();
            let gy = g.upload(&[rows], &y).unwrap();
            let (p, row_loss) = ops::sparse_softmax_cross_entropy_forward(g, &gz, &gy).unwrap();
            let (pc, lc) = cpu::sparse_softmax_cross_entropy_forward(&z, &y, rows, cols);
            let loss_g = g.download(&row_loss).unwrap();
            assert!(
                loss_g.iter().all(|v| v.is_finite()),
                "non-finite {loss_g:?}"
            );
            assert_close("sparse row loss", &loss_g, &lc, 1e-4, 1e-5);
            assert_close("sparse probs", &g.download(&p).unwrap(), &pc, 1e-6, 1e-5);
            let scale = 1.0 / rows as f32;
            let d = ops::sparse_softmax_cross_entropy_backward(g, &p, &gy, scale).unwrap();
            let want = cpu::sparse_softmax_cross_entropy_backward(&pc, &y, cols, scale as f64);
            assert_close(
                "sparse backward",
                &g.download(&d).unwrap(),
                &want,
                1e-6,
                1e-5,
            );
        }
    }
}

/// The sparse loss is the categorical one with one-hot labels, exactly (twins and GPU).
#[test]
fn sparse_equals_categorical_with_one_hot_labels() {
    let (rows, cols) = (33, 10);
    let z = randn(4, rows * cols, 8.0);
    let (y, hot) = labels(5, rows, cols);
    let (ps, ls) = cpu::sparse_softmax_cross_entropy_forward(&z, &y, rows, cols);
    let (pc, lc) = cpu::softmax_cross_entropy_forward(&z, &hot, rows, cols);
    assert_eq!((&ps, &ls), (&pc, &lc));
    let ds = cpu::sparse_softmax_cross_entropy_backward(&ps, &y, cols, 0.25);
    assert_eq!(ds, cpu::softmax_cross_entropy_backward(&pc, &hot, 0.25));
    let Some(g) = gpu() else { return };
    let gz = g.upload(&[rows, cols], &z).unwrap();
    let (gs, gh) = (
        g.upload(&[rows], &y).unwrap(),
        g.upload(&[rows, cols], &hot).unwrap(),
    );
    let (p1, l1) = ops::sparse_softmax_cross_entropy_forward(g, &gz, &gs).unwrap();
    let (p2, l2) = ops::softmax_cross_entropy_forward(g, &gz, &gh).unwrap();
    assert_eq!(g.download(&l1).unwrap(), g.download(&l2).unwrap());
    assert_eq!(g.download(&p1).unwrap(), g.download(&p2).unwrap());
    let d1 = ops::sparse_softmax_cross_entropy_backward(g, &p1, &gs, 0.25).unwrap();
    let d2 = ops::softmax_cross_entropy_backward(g, &p2, &gh, 0.25).unwrap();
    assert_eq!(g.download(&d1).unwrap(), g.download(&d2).unwrap());
}

#[test]
fn sparse_softmax_cross_entropy_backward_matches_finite_differences() {
    let (rows, cols) = (5, 10);
    let z: Vec<f64> = rand64(19, rows * cols).iter().map(|v| v * 8.0).collect();
    let y: Vec<f64> = (0..rows).map(|r| ((r * 3) % cols) as f64).collect();
    let mean_loss = |z: &[f64]| {
        let (_, l) = cpu::sparse_softmax_cross_entropy_forward(z, &y, rows, cols);
        cpu::sum_forward(&l, 1.0 / rows as f64)
    };
    let (p, _) = cpu::sparse_softmax_cross_entropy_forward(&z, &y, rows, cols);
    let d = cpu::sparse_softmax_cross_entropy_backward(&p, &y, cols, 1.0 / rows as f64);
    check("sparse_softmax_cross_entropy_backward", &z, &d, mean_loss);
}

/// Sparse accuracy flags equal the one-hot ones, ties included (first maximum wins).
#[test]
fn sparse_accuracy_matches_one_hot_accuracy() {
    for &(rows, cols) in &[(1, 1), (7, 10), (33, 3), (257, 10)] {
        let mut p = randn(rows as u64 + 1, rows * cols, 5.0);
        for r in (0..rows).step_by(3) {
            if cols > 1 {
                p[r * cols + 1] = p[r * cols];
            }
        }
        let (y, hot) = labels(rows as u64 + 2, rows, cols);
        let want = cpu::accuracy_forward(&p, &hot, rows, cols);
        assert_eq!(cpu::sparse_accuracy_forward(&p, &y, rows, cols), want);
        let Some(g) = gpu() else { continue };
        let got = ops::sparse_accuracy_forward(
            g,
            &g.upload(&[rows, cols], &p).unwrap(),
            &g.upload(&[rows], &y).unwrap(),
        )
        .unwrap();
        assert_eq!(g.download(&got).unwrap(), want, "rows {rows} cols {cols}");
    }
}
