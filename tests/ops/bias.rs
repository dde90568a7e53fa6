//! Bias add and its gradient, the column sums (`shaders/bias.wgsl`).

use crate::prelude::*;

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
