//! Matrix transpose (`shaders/transpose.wgsl`).

use crate::prelude::*;

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
