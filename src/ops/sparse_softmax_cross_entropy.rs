//! Launcher for `shaders/sparse_softmax_cross_entropy.wgsl` (CPU twin:
//! `cpu::sparse_softmax_cross_entropy`).

use super::{expect_len, grid_1d, rows_cols};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// `logits[rows,cols]`, `labels[rows]` (class indices as f32) → (`probs[rows,cols]`,
/// `row_loss[rows]`). The batch loss is `sum_forward(row_loss, 1/rows)`.
pub fn sparse_softmax_cross_entropy_forward(
    gpu: &Gpu,
    logits: &GpuTensor,
    labels: &GpuTensor,
) -> Result<(GpuTensor, GpuTensor)> {
    let (rows, cols) = rows_cols(logits);
    expect_len(
        "sparse_softmax_cross_entropy_forward",
        "labels",
        labels,
        rows,
    )?;
    let probs = gpu.empty(logits.shape(), DType::F32)?;
    let row_loss = gpu.empty(&[rows], DType::F32)?;
    gpu.dispatch(
        EntryPoint::SparseSoftmaxCrossEntropyForward,
        &[rows as u32, cols as u32, 0f32.to_bits()],
        &[logits, labels, &probs, &row_loss],
        grid_1d(gpu, rows, 64).trips(3 * cols as u64),
    )?;
    Ok((probs, row_loss))
}

/// dlogits = (probs − onehot(labels)) · scale (scale = 1/rows for the mean loss).
pub fn sparse_softmax_cross_entropy_backward(
    gpu: &Gpu,
    probs: &GpuTensor,
    labels: &GpuTensor,
    scale: f32,
) -> Result<GpuTensor> {
    let (rows, _) = rows_cols(probs);
    expect_len(
        "sparse_softmax_cross_entropy_backward",
        "labels",
        labels,
        rows,
    )?;
    let entry = EntryPoint::SparseSoftmaxCrossEntropyBackward;
    super::loss_backward(gpu, entry, probs, labels, scale)
}

/// [`softmax_cross_entropy_step`](super::softmax_cross_entropy_step) with class indices
/// `labels[rows]` (hits by `sparse_accuracy_forward`'s rule).
pub fn sparse_softmax_cross_entropy_step(
    gpu: &Gpu,
    logits: &GpuTensor,
    labels: &GpuTensor,
    scale: f32,
    loss_total: &GpuTensor,
    correct_total: Option<&GpuTensor>,
) -> Result<GpuTensor> {
    let op = "sparse_softmax_cross_entropy_step";
    expect_len(op, "labels", labels, rows_cols(logits).0)?;
    let entry = EntryPoint::SparseSoftmaxCrossEntropyStep;
    super::loss_step(
        gpu,
        (op, entry),
        (logits, labels),
        scale,
        loss_total,
        correct_total,
    )
}
