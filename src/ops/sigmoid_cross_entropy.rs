//! Launcher for `shaders/sigmoid_cross_entropy.wgsl` (CPU twin: `cpu::sigmoid_cross_entropy`).

use super::{expect_same, grid_1d, rows_cols};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// logits, labels (same shape) → (probs = σ(logits), elem_loss), elementwise. The batch
/// loss is `sum_forward(elem_loss, 1/(rows·cols))`.
pub fn sigmoid_cross_entropy_forward(
    gpu: &Gpu,
    logits: &GpuTensor,
    labels: &GpuTensor,
) -> Result<(GpuTensor, GpuTensor)> {
    expect_same(
        "sigmoid_cross_entropy_forward",
        ("logits", logits),
        ("labels", labels),
    )?;
    let (rows, cols) = rows_cols(logits);
    let probs = gpu.empty(logits.shape(), DType::F32)?;
    let loss = gpu.empty(logits.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::SigmoidCrossEntropyForward,
        &[rows as u32, cols as u32, 0f32.to_bits()],
        &[logits, labels, &probs, &loss],
        grid_1d(gpu, logits.len(), 256),
    )?;
    Ok((probs, loss))
}

/// dlogits = (probs − labels) · scale.
pub fn sigmoid_cross_entropy_backward(
    gpu: &Gpu,
    probs: &GpuTensor,
    labels: &GpuTensor,
    scale: f32,
) -> Result<GpuTensor> {
    expect_same(
        "sigmoid_cross_entropy_backward",
        ("probs", probs),
        ("labels", labels),
    )?;
    super::loss_backward(
        gpu,
        EntryPoint::SigmoidCrossEntropyBackward,
        probs,
        labels,
        scale,
    )
}

/// `probs[r,c]`, `labels[r,c]` → `correct[r]`: the share of row r on the labelled side of 0.5.
pub fn binary_accuracy_forward(
    gpu: &Gpu,
    probs: &GpuTensor,
    labels: &GpuTensor,
) -> Result<GpuTensor> {
    expect_same(
        "binary_accuracy_forward",
        ("probs", probs),
        ("labels", labels),
    )?;
    let (rows, cols) = rows_cols(probs);
    let correct = gpu.empty(&[rows], DType::F32)?;
    gpu.dispatch(
        EntryPoint::BinaryAccuracyForward,
        &[rows as u32, cols as u32, 0f32.to_bits()],
        &[probs, labels, &correct],
        grid_1d(gpu, rows, 64).trips(cols as u64),
    )?;
    Ok(correct)
}
