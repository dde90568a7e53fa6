//! CPU twin of `shaders/sum.wgsl`.

use super::Scalar;

/// scale · Σ `x[n]`
pub fn sum_forward<T: Scalar>(x: &[T], scale: f64) -> T {
    T::from_f64(x.iter().map(|v| v.to_f64()).sum::<f64>() * scale)
}
