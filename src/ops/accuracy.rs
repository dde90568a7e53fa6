//! Launcher for `shaders/accuracy.wgsl` (CPU twin: `cpu::accuracy`).

use super::{expect_len, expect_same, grid_1d, rows_cols};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// probs[r,c], labels[r,c] → correct[r] (1.0 where the argmaxes agree, else 0.0).
pub fn accuracy_forward(gpu: &Gpu, probs: &GpuTensor, labels: &GpuTensor) -> Result<GpuTensor> {
    expect_same("accuracy_forward", ("probs", probs), ("labels", labels))?;
    let (rows, cols) = rows_cols(probs);
    let correct = gpu.empty(&[rows], DType::F32)?;
    gpu.dispatch(
        EntryPoint::AccuracyForward,
        &[rows as u32, cols as u32],
        &[&probs.buffer, &labels.buffer, &correct.buffer],
        grid_1d(gpu, rows, 64),
    )?;
    Ok(correct)
}

/// probs[r,c], labels[r] (class indices) → correct[r] (1.0 where the argmax is the label).
pub fn sparse_accuracy_forward(
    gpu: &Gpu,
    probs: &GpuTensor,
    labels: &GpuTensor,
) -> Result<GpuTensor> {
    let (rows, cols) = rows_cols(probs);
    expect_len("sparse_accuracy_forward", "labels", labels, rows)?;
    let correct = gpu.empty(&[rows], DType::F32)?;
    gpu.dispatch(
        EntryPoint::SparseAccuracyForward,
        &[rows as u32, cols as u32],
        &[&probs.buffer, &labels.buffer, &correct.buffer],
        grid_1d(gpu, rows, 64),
    )?;
    Ok(correct)
}
