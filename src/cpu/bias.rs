//! CPU twin of `shaders/bias.wgsl`: add a bias over the last axis, and its column-sum gradient.

use super::Scalar;

/// `y[rows,cols]` = `x[rows,cols]` + `b[cols]`
pub fn bias_forward<T: Scalar>(x: &[T], b: &[T], rows: usize, cols: usize) -> Vec<T> {
    assert_eq!(x.len(), rows * cols, "bias_forward: x");
    assert_eq!(b.len(), cols, "bias_forward: b");
    x.iter()
        .enumerate()
        .map(|(i, v)| T::from_f64(v.to_f64() + b[i % cols].to_f64()))
        .collect()
}

/// `db[cols]` = Σ_r `dy[rows,cols]`
pub fn bias_backward<T: Scalar>(dy: &[T], rows: usize, cols: usize) -> Vec<T> {
    assert_eq!(dy.len(), rows * cols, "bias_backward: dy");
    let mut acc = vec![0f64; cols];
    for r in 0..rows {
        for (s, v) in acc.iter_mut().zip(&dy[r * cols..(r + 1) * cols]) {
            *s += v.to_f64();
        }
    }
    acc.into_iter().map(T::from_f64).collect()
}
