//! CPU twin of `shaders/accuracy.wgsl`.

use super::Scalar;

/// `probs[rows, cols]`, `labels[rows, cols]` → `correct[rows]`: 1 where the first-max argmaxes
/// agree, else 0.
pub fn accuracy_forward<T: Scalar>(probs: &[T], labels: &[T], rows: usize, cols: usize) -> Vec<T> {
    assert!(
        probs.len() == rows * cols && labels.len() == rows * cols,
        "accuracy_forward: lengths"
    );
    (0..rows)
        .map(|r| {
            let row = r * cols..(r + 1) * cols;
            let same = argmax(&probs[row.clone()]) == argmax(&labels[row]);
            T::from_f64(if same { 1.0 } else { 0.0 })
        })
        .collect()
}

/// `probs[rows, cols]`, `labels[rows]` (class indices) → `correct[rows]`: 1 where the first-max
/// argmax is the labelled class, else 0.
pub fn sparse_accuracy_forward<T: Scalar>(
    probs: &[T],
    labels: &[T],
    rows: usize,
    cols: usize,
) -> Vec<T> {
    assert!(
        probs.len() == rows * cols && labels.len() == rows,
        "sparse_accuracy_forward: lengths"
    );
    (0..rows)
        .map(|r| {
            let best = argmax(&probs[r * cols..(r + 1) * cols]);
            T::from_f64(if best as f64 == labels[r].to_f64() {
                1.0
            } else {
                0.0
            })
        })
        .collect()
}

/// `probs[rows, cols]` and one-hot `labels[rows, cols]`, or class indices `labels[rows]`
/// (`sparse`) → `correct[rows]`: 1 where the labelled class's rank (1 + the classes with a
/// strictly larger probability; NaN at the label counts as −∞) is at most k, as Keras's
/// in_top_k.
pub fn top_k_accuracy_forward<T: Scalar>(
    probs: &[T],
    labels: &[T],
    rows: usize,
    cols: usize,
    k: usize,
    sparse: bool,
) -> Vec<T> {
    let label_len = if sparse { rows } else { rows * cols };
    assert!(
        probs.len() == rows * cols && labels.len() == label_len,
        "top_k_accuracy_forward: lengths"
    );
    (0..rows)
        .map(|r| {
            let row = &probs[r * cols..(r + 1) * cols];
            let label = match sparse {
                true => labels[r].to_f64() as usize,
                false => argmax(&labels[r * cols..(r + 1) * cols]),
            };
            let mut at = row[label].to_f64();
            if at.is_nan() {
                at = f64::NEG_INFINITY;
            }
            let rank = 1 + row.iter().filter(|v| v.to_f64() > at).count();
            T::from_f64(if rank <= k { 1.0 } else { 0.0 })
        })
        .collect()
}

/// Index of the first maximum (0 for an empty row).
pub fn argmax<T: Scalar>(row: &[T]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best
}
