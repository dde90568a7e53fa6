//! CPU twin of `shaders/transpose.wgsl`.

use super::Scalar;

/// x[rows, cols] → y[cols, rows] with y[c, r] = x[r, c].
pub fn transpose_forward<T: Scalar>(x: &[T], rows: usize, cols: usize) -> Vec<T> {
    assert_eq!(
        x.len(),
        rows * cols,
        "transpose_forward: x is not rows × cols"
    );
    let mut y = vec![T::default(); rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            y[c * rows + r] = x[r * cols + c];
        }
    }
    y
}
