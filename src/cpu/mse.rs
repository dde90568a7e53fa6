//! CPU twin of `shaders/mse.wgsl`: squared error per element and its gradient.

use super::Scalar;

/// `sq[n]` = (`pred[n]` − `truth[n]`)²   (the loss is their mean: `sum_forward(sq, 1/n)`)
pub fn mse_forward<T: Scalar>(pred: &[T], truth: &[T]) -> Vec<T> {
    assert_eq!(pred.len(), truth.len(), "mse_forward");
    pred.iter()
        .zip(truth)
        .map(|(p, t)| {
            let d = p.to_f64() - t.to_f64();
            T::from_f64(d * d)
        })
        .collect()
}

/// `dpred[n]` = 2·(`pred[n]` − `truth[n]`)·scale   (scale = 1/n for the mean)
pub fn mse_backward<T: Scalar>(pred: &[T], truth: &[T], scale: f64) -> Vec<T> {
    assert_eq!(pred.len(), truth.len(), "mse_backward");
    pred.iter()
        .zip(truth)
        .map(|(p, t)| T::from_f64(2.0 * (p.to_f64() - t.to_f64()) * scale))
        .collect()
}
