//! Argmax hits per row (`shaders/accuracy.wgsl`).

use crate::prelude::*;

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

/// Top-k hits agree exactly with the twin (one-hot and sparse labels, ties at the label,
/// a NaN row), and the twin follows Keras's in_top_k on a worked example.
#[test]
fn top_k_accuracy_matches_cpu_and_keras() {
    let Some(g) = gpu() else { return };
    for &(rows, cols, k) in &[
        (1, 1, 5),
        (7, 10, 5),
        (33, 3, 2),
        (257, 10, 1),
        (40, 100, 7),
    ] {
        let mut p = randn(rows as u64 + 3, rows * cols, 5.0);
        let y = one_hot(rows as u64 + 11, rows, cols);
        let labels: Vec<f32> = (0..rows)
            .map(|r| cpu::argmax(&y[r * cols..(r + 1) * cols]) as f32)
            .collect();
        // Ties with the label in every third row; a NaN label probability in row 1.
        for r in (0..rows).step_by(3) {
            let l = labels[r] as usize;
            p[r * cols + (l + 1) % cols] = p[r * cols + l];
        }
        if rows > 1 {
            p[cols + labels[1] as usize] = f32::NAN;
        }
        let gp = g.upload(&[rows, cols], &p).unwrap();
        for sparse in [false, true] {
            let (gl, l) = match sparse {
                true => (g.upload(&[rows], &labels).unwrap(), &labels),
                false => (g.upload(&[rows, cols], &y).unwrap(), &y),
            };
            let got = ops::top_k_accuracy_forward(g, &gp, &gl, k, sparse).unwrap();
            assert_eq!(
                g.download(&got).unwrap(),
                cpu::top_k_accuracy_forward(&p, l, rows, cols, k, sparse),
                "top-{k} rows {rows} cols {cols} sparse {sparse}"
            );
        }
    }
    // Keras: in_top_k([2, 0], [[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]], k=2) → [true, true]
    // (a tie at the label does not push it out); k=1 → [false, false].
    let p = [0.1f64, 0.5, 0.4, 0.3, 0.3, 0.4];
    let hits = |k| cpu::top_k_accuracy_forward(&p, &[2.0, 0.0], 2, 3, k, true);
    assert_eq!(hits(2), [1.0, 1.0]);
    assert_eq!(hits(1), [0.0, 0.0]);
}
