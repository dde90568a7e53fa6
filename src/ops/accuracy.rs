//! Launcher for `shaders/accuracy.wgsl` (CPU twin: `cpu::accuracy`).

use super::{expect_len, expect_same, grid_1d, rows_cols};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// `probs[r,c]`, `labels[r,c]` → `correct[r]` (1.0 where the argmaxes agree, else 0.0).
pub fn accuracy_forward(gpu: &Gpu, probs: &GpuTensor, labels: &GpuTensor) -> Result<GpuTensor> {
    expect_same("accuracy_forward", ("probs", probs), ("labels", labels))?;
    let (rows, cols) = rows_cols(probs);
    let correct = gpu.empty(&[rows], DType::F32)?;
    gpu.dispatch(
        EntryPoint::AccuracyForward,
        &[rows as u32, cols as u32, 1],
        &[probs, labels, &correct],
        grid_1d(gpu, rows, 64).trips(cols as u64),
    )?;
    Ok(correct)
}

/// `probs[r,c]`, `labels[r]` (class indices) → `correct[r]` (1.0 where the argmax is the label).
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
        &[rows as u32, cols as u32, 1],
        &[probs, labels, &correct],
        grid_1d(gpu, rows, 64).trips(cols as u64),
    )?;
    Ok(correct)
}

/// `probs[r,c]` and one-hot `labels[r,c]`, or class indices `labels[r]` (`sparse`) → `correct[r]`:
/// 1.0 where the labelled class ranks within the top `k` probabilities.
pub fn top_k_accuracy_forward(
    gpu: &Gpu,
    probs: &GpuTensor,
    labels: &GpuTensor,
    k: usize,
    sparse: bool,
) -> Result<GpuTensor> {
    let (rows, cols) = rows_cols(probs);
    let kernel = match sparse {
        true => {
            expect_len("sparse_top_k_accuracy_forward", "labels", labels, rows)?;
            EntryPoint::SparseTopKAccuracyForward
        }
        false => {
            expect_same(
                "top_k_accuracy_forward",
                ("probs", probs),
                ("labels", labels),
            )?;
            EntryPoint::TopKAccuracyForward
        }
    };
    let correct = gpu.empty(&[rows], DType::F32)?;
    gpu.dispatch(
        kernel,
        &[rows as u32, cols as u32, k.min(u32::MAX as usize) as u32],
        &[probs, labels, &correct],
        grid_1d(gpu, rows, 64).trips(cols as u64),
    )?;
    Ok(correct)
}
