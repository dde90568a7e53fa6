//! Row softmax and its backward (`shaders/softmax.wgsl`).

use crate::prelude::*;

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
fn softmax_backward() {
    let (rows, cols) = (3, 7);
    let x: Vec<f64> = rand64(7, rows * cols).iter().map(|v| v * 5.0).collect();
    let w = rand64(8, rows * cols);
    let y = cpu::softmax_forward(&x, rows, cols);
    check(
        "softmax_backward",
        &x,
        &cpu::softmax_backward(&y, &w, rows, cols),
        |x| dot(&w, &cpu::softmax_forward(x, rows, cols)),
    );
}
