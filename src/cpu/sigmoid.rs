//! CPU twin of `shaders/sigmoid.wgsl`.

use super::Scalar;

/// y[n] = 1 / (1 + e^−x), without overflow for large |x|
pub fn sigmoid_forward<T: Scalar>(x: &[T]) -> Vec<T> {
    x.iter()
        .map(|v| {
            let v = v.to_f64();
            let e = (-v.abs()).exp();
            T::from_f64(if v >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            })
        })
        .collect()
}

/// dx[n] = dy[n] · y[n] · (1 − y[n]), y the forward output
pub fn sigmoid_backward<T: Scalar>(y: &[T], dy: &[T]) -> Vec<T> {
    assert_eq!(y.len(), dy.len(), "sigmoid_backward");
    y.iter()
        .zip(dy)
        .map(|(y, d)| {
            let y = y.to_f64();
            T::from_f64(d.to_f64() * y * (1.0 - y))
        })
        .collect()
}
