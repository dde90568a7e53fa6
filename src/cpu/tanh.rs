//! CPU twin of `shaders/tanh.wgsl`.

use super::Scalar;

/// y[n] = tanh(x[n])
pub fn tanh_forward<T: Scalar>(x: &[T]) -> Vec<T> {
    x.iter().map(|v| T::from_f64(v.to_f64().tanh())).collect()
}

/// dx[n] = dy[n] · (1 − y[n]²), y the forward output
pub fn tanh_backward<T: Scalar>(y: &[T], dy: &[T]) -> Vec<T> {
    assert_eq!(y.len(), dy.len(), "tanh_backward");
    y.iter()
        .zip(dy)
        .map(|(y, d)| {
            let y = y.to_f64();
            T::from_f64(d.to_f64() * (1.0 - y * y))
        })
        .collect()
}
