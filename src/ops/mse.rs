//! Launcher for `shaders/mse.wgsl` (CPU twin: `cpu::mse`).

use super::{expect_same, grid_1d};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// sq = (pred − truth)², elementwise; the loss is `sum_forward(sq, 1/n)`.
pub fn mse_forward(gpu: &Gpu, pred: &GpuTensor, truth: &GpuTensor) -> Result<GpuTensor> {
    expect_same("mse_forward", ("pred", pred), ("truth", truth))?;
    let sq = gpu.empty(pred.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::MseForward,
        &[pred.len() as u32, 0f32.to_bits()],
        &[pred, truth, &sq],
        grid_1d(gpu, pred.len(), 256),
    )?;
    Ok(sq)
}

/// dpred = 2·(pred − truth)·scale (scale = 1/n for the mean).
pub fn mse_backward(
    gpu: &Gpu,
    pred: &GpuTensor,
    truth: &GpuTensor,
    scale: f32,
) -> Result<GpuTensor> {
    expect_same("mse_backward", ("pred", pred), ("truth", truth))?;
    let d = gpu.empty(pred.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::MseBackward,
        &[pred.len() as u32, scale.to_bits()],
        &[pred, truth, &d],
        grid_1d(gpu, pred.len(), 256),
    )?;
    Ok(d)
}
