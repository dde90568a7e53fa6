//! CPU twin of `shaders/regularize.wgsl`: Keras's L1/L2 weight penalties and their
//! gradients (kernel_regularizer, bias_regularizer).

use super::Scalar;

/// l1·Σ|`w[n]`| + l2·Σ`w[n]`² (the penalty Keras adds to the loss), accumulated in f64.
pub fn regularize_forward<T: Scalar>(w: &[T], l1: f32, l2: f32) -> f64 {
    let (l1, l2) = (l1 as f64, l2 as f64);
    w.iter()
        .map(|v| {
            let x = v.to_f64();
            l1 * x.abs() + l2 * x * x
        })
        .sum()
}

/// `grad[n]` += l1·sign(`w[n]`) + 2·l2·`w[n]`, with sign(0) = 0 (as Keras/TF).
pub fn regularize_backward<T: Scalar>(w: &[T], grad: &mut [T], l1: f32, l2: f32) {
    assert_eq!(w.len(), grad.len(), "regularize_backward: w / grad");
    let (l1, l2) = (l1 as f64, l2 as f64);
    for (g, v) in grad.iter_mut().zip(w) {
        let x = v.to_f64();
        let sign = if x > 0.0 {
            1.0
        } else if x < 0.0 {
            -1.0
        } else {
            0.0
        };
        *g = T::from_f64(g.to_f64() + l1 * sign + 2.0 * l2 * x);
    }
}
