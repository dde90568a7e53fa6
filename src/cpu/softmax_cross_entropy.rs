//! CPU twin of `shaders/softmax_cross_entropy.wgsl`: softmax fused with categorical
//! cross-entropy, computed through log-softmax so extreme logits stay finite.

use super::Scalar;

/// `logits[rows,cols]`, `labels[rows,cols]` → (`probs[rows,cols]`, `row_loss[rows]`)
pub fn softmax_cross_entropy_forward<T: Scalar>(
    logits: &[T],
    labels: &[T],
    rows: usize,
    cols: usize,
) -> (Vec<T>, Vec<T>) {
    assert_eq!(
        logits.len(),
        rows * cols,
        "softmax_cross_entropy_forward: logits"
    );
    assert_eq!(
        labels.len(),
        rows * cols,
        "softmax_cross_entropy_forward: labels"
    );
    let mut probs = Vec::with_capacity(logits.len());
    let mut loss = Vec::with_capacity(rows);
    for r in 0..rows {
        let z = &logits[r * cols..(r + 1) * cols];
        let t = &labels[r * cols..(r + 1) * cols];
        let mx = z
            .iter()
            .map(|v| v.to_f64())
            .fold(f64::NEG_INFINITY, f64::max);
        let s: f64 = z.iter().map(|v| (v.to_f64() - mx).exp()).sum();
        let log_s = s.ln();
        let mut l = 0.0;
        for (zv, tv) in z.iter().zip(t) {
            let log_p = zv.to_f64() - mx - log_s;
            probs.push(T::from_f64(log_p.exp()));
            if tv.to_f64() != 0.0 {
                l -= tv.to_f64() * log_p;
            }
        }
        loss.push(T::from_f64(l));
    }
    (probs, loss)
}

/// `dlogits[rows,cols]` = (probs − labels) · scale   (scale = 1/rows for the batch mean)
pub fn softmax_cross_entropy_backward<T: Scalar>(probs: &[T], labels: &[T], scale: f64) -> Vec<T> {
    assert_eq!(probs.len(), labels.len(), "softmax_cross_entropy_backward");
    probs
        .iter()
        .zip(labels)
        .map(|(p, t)| T::from_f64((p.to_f64() - t.to_f64()) * scale))
        .collect()
}
