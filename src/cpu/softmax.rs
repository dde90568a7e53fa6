//! CPU twin of `shaders/softmax.wgsl`: row-wise softmax and its Jacobian-vector product.

use super::Scalar;

/// `y[rows,cols]` = softmax over each row of `x[rows,cols]`
pub fn softmax_forward<T: Scalar>(x: &[T], rows: usize, cols: usize) -> Vec<T> {
    assert_eq!(x.len(), rows * cols, "softmax_forward: x");
    let mut y = Vec::with_capacity(x.len());
    for r in 0..rows {
        let row = &x[r * cols..(r + 1) * cols];
        let mx = row
            .iter()
            .map(|v| v.to_f64())
            .fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = row.iter().map(|v| (v.to_f64() - mx).exp()).collect();
        let s: f64 = e.iter().sum();
        y.extend(e.iter().map(|v| T::from_f64(v / s)));
    }
    y
}

/// `dx[rows,cols]` = y ⊙ (dy − Σ_j dy_j·y_j), y the forward output
pub fn softmax_backward<T: Scalar>(y: &[T], dy: &[T], rows: usize, cols: usize) -> Vec<T> {
    assert_eq!(y.len(), rows * cols, "softmax_backward: y");
    assert_eq!(dy.len(), rows * cols, "softmax_backward: dy");
    let mut dx = Vec::with_capacity(y.len());
    for r in 0..rows {
        let yr = &y[r * cols..(r + 1) * cols];
        let dr = &dy[r * cols..(r + 1) * cols];
        let dot: f64 = yr
            .iter()
            .zip(dr)
            .map(|(a, b)| a.to_f64() * b.to_f64())
            .sum();
        dx.extend(
            yr.iter()
                .zip(dr)
                .map(|(y, d)| T::from_f64(y.to_f64() * (d.to_f64() - dot))),
        );
    }
    dx
}
