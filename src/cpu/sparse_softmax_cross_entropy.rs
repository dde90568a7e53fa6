//! CPU twin of `shaders/sparse_softmax_cross_entropy.wgsl`: softmax fused with sparse
//! categorical cross-entropy (one class index per row instead of a one-hot row).

use super::Scalar;

/// The class index a label holds, clamped into [0, cols) as the shader does (the host
/// refuses out-of-range labels before training).
fn class_of<T: Scalar>(label: T, cols: usize) -> usize {
    (label.to_f64().max(0.0) as usize).min(cols - 1)
}

/// `logits[rows,cols]`, `labels[rows]` (class indices) → (`probs[rows,cols]`, `row_loss[rows]`)
pub fn sparse_softmax_cross_entropy_forward<T: Scalar>(
    logits: &[T],
    labels: &[T],
    rows: usize,
    cols: usize,
) -> (Vec<T>, Vec<T>) {
    assert_eq!(
        logits.len(),
        rows * cols,
        "sparse_softmax_cross_entropy: logits"
    );
    assert_eq!(labels.len(), rows, "sparse_softmax_cross_entropy: labels");
    let mut probs = Vec::with_capacity(logits.len());
    let mut loss = Vec::with_capacity(rows);
    for r in 0..rows {
        let z = &logits[r * cols..(r + 1) * cols];
        let mx = z
            .iter()
            .map(|v| v.to_f64())
            .fold(f64::NEG_INFINITY, f64::max);
        let log_s = z.iter().map(|v| (v.to_f64() - mx).exp()).sum::<f64>().ln();
        probs.extend(
            z.iter()
                .map(|v| T::from_f64((v.to_f64() - mx - log_s).exp())),
        );
        let label = class_of(labels[r], cols);
        loss.push(T::from_f64(-(z[label].to_f64() - mx - log_s)));
    }
    (probs, loss)
}

/// `dlogits[rows,cols]` = (probs − onehot(labels)) · scale   (scale = 1/rows for the mean)
pub fn sparse_softmax_cross_entropy_backward<T: Scalar>(
    probs: &[T],
    labels: &[T],
    cols: usize,
    scale: f64,
) -> Vec<T> {
    assert_eq!(
        probs.len(),
        labels.len() * cols,
        "sparse_softmax_cross_entropy_backward"
    );
    probs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let hit = class_of(labels[i / cols], cols) == i % cols;
            T::from_f64((p.to_f64() - if hit { 1.0 } else { 0.0 }) * scale)
        })
        .collect()
}
