//! CPU twin of `shaders/sigmoid_cross_entropy.wgsl`: sigmoid fused with binary
//! cross-entropy, from logits so that ±100 stay finite, and Keras's binary accuracy.

use super::Scalar;

/// `logits[n]`, `labels[n]` → (`probs[n]` = σ(z), `elem_loss[n]` = max(z,0) − z·y + log(1 + e^−|z|))
pub fn sigmoid_cross_entropy_forward<T: Scalar>(logits: &[T], labels: &[T]) -> (Vec<T>, Vec<T>) {
    assert_eq!(logits.len(), labels.len(), "sigmoid_cross_entropy_forward");
    let mut probs = Vec::with_capacity(logits.len());
    let mut loss = Vec::with_capacity(logits.len());
    for (z, y) in logits.iter().zip(labels) {
        let (z, y) = (z.to_f64(), y.to_f64());
        let e = (-z.abs()).exp();
        probs.push(T::from_f64(if z >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        }));
        loss.push(T::from_f64(z.max(0.0) - z * y + e.ln_1p()));
    }
    (probs, loss)
}

/// `dlogits[n]` = (`probs[n]` − `labels[n]`) · scale   (scale = 1/(rows·cols) for the mean)
pub fn sigmoid_cross_entropy_backward<T: Scalar>(probs: &[T], labels: &[T], scale: f64) -> Vec<T> {
    assert_eq!(probs.len(), labels.len(), "sigmoid_cross_entropy_backward");
    probs
        .iter()
        .zip(labels)
        .map(|(p, y)| T::from_f64((p.to_f64() - y.to_f64()) * scale))
        .collect()
}

/// `probs[rows, cols]`, `labels[rows, cols]` → `correct[rows]`: the share of each row's outputs
/// on the labelled side of 0.5
pub fn binary_accuracy_forward<T: Scalar>(
    probs: &[T],
    labels: &[T],
    rows: usize,
    cols: usize,
) -> Vec<T> {
    assert!(
        probs.len() == rows * cols && labels.len() == rows * cols,
        "binary_accuracy_forward: lengths"
    );
    (0..rows)
        .map(|r| {
            let row = r * cols..(r + 1) * cols;
            let hits = probs[row.clone()]
                .iter()
                .zip(&labels[row])
                .filter(|(p, y)| (p.to_f64() > 0.5) == (y.to_f64() > 0.5))
                .count();
            T::from_f64(hits as f64 / cols as f64)
        })
        .collect()
}
