//! Launcher for `shaders/softmax_cross_entropy.wgsl` (CPU twin: `cpu::softmax_cross_entropy`).

use super::{expect_same, grid_1d, rows_cols};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// `logits[rows,cols]`, one-hot `labels[rows,cols]` → (`probs[rows,cols]`, `row_loss[rows]`).
/// The batch loss is `sum_forward(row_loss, 1/rows)`.
pub fn softmax_cross_entropy_forward(
    gpu: &Gpu,
    logits: &GpuTensor,
    labels: &GpuTensor,
) -> Result<(GpuTensor, GpuTensor)> {
    expect_same(
        "softmax_cross_entropy_forward",
        ("logits", logits),
        ("labels", labels),
    )?;
    let (rows, cols) = rows_cols(logits);
    let probs = gpu.empty(logits.shape(), DType::F32)?;
    let row_loss = gpu.empty(&[rows], DType::F32)?;
    gpu.dispatch(
        EntryPoint::SoftmaxCrossEntropyForward,
        &[rows as u32, cols as u32, 0f32.to_bits()],
        &[logits, labels, &probs, &row_loss],
        grid_1d(gpu, rows, 64).trips(3 * cols as u64),
    )?;
    Ok((probs, row_loss))
}

/// dlogits = (probs − labels) · scale (scale = 1/rows for the mean loss).
pub fn softmax_cross_entropy_backward(
    gpu: &Gpu,
    probs: &GpuTensor,
    labels: &GpuTensor,
    scale: f32,
) -> Result<GpuTensor> {
    expect_same(
        "softmax_cross_entropy_backward",
        ("probs", probs),
        ("labels", labels),
    )?;
    super::loss_backward(
        gpu,
        EntryPoint::SoftmaxCrossEntropyBackward,
        probs,
        labels,
        scale,
    )
}

/// A training step's loss in one dispatch (`logits[rows,cols]`, one-hot `labels[rows,cols]`):
/// returns dlogits = (softmax − labels) · scale, adds the summed row losses to
/// `loss_total` `[1]` and, when given, the count of rows whose argmax hits the label to
/// `correct_total` `[1]` — the bits of `softmax_cross_entropy_forward`, `sum_into`,
/// `accuracy_forward`, `sum_into` and `softmax_cross_entropy_backward`. One workgroup: for
/// training batches.
pub fn softmax_cross_entropy_step(
    gpu: &Gpu,
    logits: &GpuTensor,
    labels: &GpuTensor,
    scale: f32,
    loss_total: &GpuTensor,
    correct_total: Option<&GpuTensor>,
) -> Result<GpuTensor> {
    let op = "softmax_cross_entropy_step";
    expect_same(op, ("logits", logits), ("labels", labels))?;
    let entry = EntryPoint::SoftmaxCrossEntropyStep;
    super::loss_step(
        gpu,
        (op, entry),
        (logits, labels),
        scale,
        loss_total,
        correct_total,
    )
}
