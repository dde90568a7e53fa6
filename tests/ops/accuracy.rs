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
