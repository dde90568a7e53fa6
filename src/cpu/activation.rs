//! CPU twins of the elementwise activations (`shaders/relu.wgsl`, `sigmoid.wgsl`,
//! `tanh.wgsl`, …): one pair of functions per op, named like its entry points. The kernel
//! registry (`src/gpu/registry.rs`, table `unary`) ties each pair to its shader.

use super::Scalar;

/// y[n] = f(x[n]), computed in f64.
fn map<T: Scalar>(x: &[T], f: impl Fn(f64) -> f64) -> Vec<T> {
    x.iter().map(|v| T::from_f64(f(v.to_f64()))).collect()
}

/// dx[n] = dy[n] · f'(saved[n]), with `slope` giving f' from what the op saved (its input or
/// its output), computed in f64.
fn chain<T: Scalar>(op: &str, saved: &[T], dy: &[T], slope: impl Fn(f64) -> f64) -> Vec<T> {
    assert_eq!(saved.len(), dy.len(), "{op}: lengths");
    saved
        .iter()
        .zip(dy)
        .map(|(s, d)| T::from_f64(d.to_f64() * slope(s.to_f64())))
        .collect()
}

/// `y[n]` = max(`x[n]`, 0)
pub fn relu_forward<T: Scalar>(x: &[T]) -> Vec<T> {
    map(x, |v| v.max(0.0))
}

/// `dx[n]` = `dy[n]` · `[x[n] > 0]`; the forward output y serves as x (y > 0 exactly where x > 0)
pub fn relu_backward<T: Scalar>(x: &[T], dy: &[T]) -> Vec<T> {
    assert_eq!(x.len(), dy.len(), "relu_backward");
    x.iter()
        .zip(dy)
        .map(|(x, d)| if x.to_f64() > 0.0 { *d } else { T::default() })
        .collect()
}

/// `y[n]` = 1 / (1 + e^−x), without overflow for large |x|
pub fn sigmoid_forward<T: Scalar>(x: &[T]) -> Vec<T> {
    map(x, |v| {
        let e = (-v.abs()).exp();
        if v >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        }
    })
}

/// `dx[n]` = `dy[n]` · `y[n]` · (1 − `y[n]`), y the forward output
pub fn sigmoid_backward<T: Scalar>(y: &[T], dy: &[T]) -> Vec<T> {
    chain("sigmoid_backward", y, dy, |y| y * (1.0 - y))
}

/// `y[n]` = tanh(`x[n]`)
pub fn tanh_forward<T: Scalar>(x: &[T]) -> Vec<T> {
    map(x, f64::tanh)
}

/// `dx[n]` = `dy[n]` · (1 − `y[n]`²), y the forward output
pub fn tanh_backward<T: Scalar>(y: &[T], dy: &[T]) -> Vec<T> {
    chain("tanh_backward", y, dy, |y| 1.0 - y * y)
}

/// Keras's `leaky_relu` activation slope for x ≤ 0 (the LeakyReLU layer's default is 0.3).
pub const LEAKY_RELU_SLOPE: f32 = 0.2;

/// `y[n]` = `x[n]` for x > 0, else 0.2·`x[n]`
pub fn leaky_relu_forward<T: Scalar>(x: &[T]) -> Vec<T> {
    leaky_relu_forward_with(x, LEAKY_RELU_SLOPE)
}

/// `dx[n]` = `dy[n]` for `y[n]` > 0, else 0.2·`dy[n]`; y the forward output
pub fn leaky_relu_backward<T: Scalar>(y: &[T], dy: &[T]) -> Vec<T> {
    leaky_relu_backward_with(y, dy, LEAKY_RELU_SLOPE)
}

/// `y[n]` = `x[n]` for x > 0, else slope·`x[n]` (slope ≥ 0, as the f32 the shader gets)
pub fn leaky_relu_forward_with<T: Scalar>(x: &[T], slope: f32) -> Vec<T> {
    let slope = slope as f64;
    map(x, |v| if v > 0.0 { v } else { slope * v })
}

/// `y[n]`, `dy[n]` → `dx[n]` = `dy[n]` for `y[n]` > 0, else slope·`dy[n]` (y > 0 exactly where x > 0
/// for slope ≥ 0)
pub fn leaky_relu_backward_with<T: Scalar>(y: &[T], dy: &[T], slope: f32) -> Vec<T> {
    let slope = slope as f64;
    chain("leaky_relu_backward", y, dy, |y| {
        if y > 0.0 {
            1.0
        } else {
            slope
        }
    })
}

/// erf(v) to about 1e-15 (relative): 2/√π · e^(−v²) · Σₙ (2v²)ⁿ·v / (1·3·…·(2n+1)), a
/// series of same-signed terms (no cancellation); ±1 from |v| = 6 on.
fn erf(v: f64) -> f64 {
    if v.abs() >= 6.0 {
        return v.signum();
    }
    let v2 = v * v;
    let (mut term, mut sum, mut n) = (v, v, 0.0);
    while term.abs() > 1e-17 * sum.abs() {
        n += 1.0;
        term *= 2.0 * v2 / (2.0 * n + 1.0);
        sum += term;
    }
    2.0 / std::f64::consts::PI.sqrt() * (-v2).exp() * sum
}

/// Φ(v), the standard normal CDF.
fn normal_cdf(v: f64) -> f64 {
    0.5 * (1.0 + erf(v / std::f64::consts::SQRT_2))
}

/// `y[n]` = `x[n]`·Φ(`x[n]`) (GELU, Keras's default approximate=False)
pub fn gelu_forward<T: Scalar>(x: &[T]) -> Vec<T> {
    map(x, |v| v * normal_cdf(v))
}

/// `dx[n]` = `dy[n]` · (Φ(`x[n]`) + `x[n]`·φ(`x[n]`)), x the forward input
pub fn gelu_backward<T: Scalar>(x: &[T], dy: &[T]) -> Vec<T> {
    let inv_sqrt_2pi = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
    chain("gelu_backward", x, dy, |x| {
        normal_cdf(x) + x * (-0.5 * x * x).exp() * inv_sqrt_2pi
    })
}
