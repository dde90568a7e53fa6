//! CPU twin of `shaders/rescale.wgsl`: Keras's Rescaling, y = x·scale + offset.

use super::Scalar;

/// `x[n]` → `y[n]` = x·scale + offset.
pub fn rescale_forward<T: Scalar>(x: &[T], scale: f32, offset: f32) -> Vec<T> {
    x.iter()
        .map(|v| T::from_f64(v.to_f64() * scale as f64 + offset as f64))
        .collect()
}

/// `dy[n]` → `dx[n]` = dy·scale.
pub fn rescale_backward<T: Scalar>(dy: &[T], scale: f32) -> Vec<T> {
    dy.iter()
        .map(|d| T::from_f64(d.to_f64() * scale as f64))
        .collect()
}
