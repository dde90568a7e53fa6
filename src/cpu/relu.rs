//! CPU twin of `shaders/relu.wgsl`.

use super::Scalar;

/// y[n] = max(x[n], 0)
pub fn relu_forward<T: Scalar>(x: &[T]) -> Vec<T> {
    x.iter().map(|v| T::from_f64(v.to_f64().max(0.0))).collect()
}

/// dx[n] = dy[n] · [x[n] > 0]
pub fn relu_backward<T: Scalar>(x: &[T], dy: &[T]) -> Vec<T> {
    assert_eq!(x.len(), dy.len(), "relu_backward");
    x.iter()
        .zip(dy)
        .map(|(x, d)| if x.to_f64() > 0.0 { *d } else { T::default() })
        .collect()
}
