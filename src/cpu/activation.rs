//! CPU twins of the elementwise activations (`shaders/relu.wgsl`, `sigmoid.wgsl`,
//! `tanh.wgsl`, …): one pair of functions per op, named like its entry points. The kernel
//! registry (`gpu::kernels`, table `unary`) ties each pair to its shader.

use super::Scalar;

/// y[n] = max(x[n], 0)
pub fn relu_forward<T: Scalar>(x: &[T]) -> Vec<T> {
    x.iter().map(|v| T::from_f64(v.to_f64().max(0.0))).collect()
}

/// dx[n] = dy[n] · [x[n] > 0]; the forward output y serves as x (y > 0 exactly where x > 0)
pub fn relu_backward<T: Scalar>(x: &[T], dy: &[T]) -> Vec<T> {
    assert_eq!(x.len(), dy.len(), "relu_backward");
    x.iter()
        .zip(dy)
        .map(|(x, d)| if x.to_f64() > 0.0 { *d } else { T::default() })
        .collect()
}

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
