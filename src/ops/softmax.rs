//! Launcher for `shaders/softmax.wgsl` (CPU twin: `cpu::softmax`).

use super::{expect_same, grid_1d, rows_cols};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// Softmax over the last axis.
pub fn softmax_forward(gpu: &Gpu, x: &GpuTensor) -> Result<GpuTensor> {
    let (rows, cols) = rows_cols(x);
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::SoftmaxForward,
        &[rows as u32, cols as u32],
        &[x, &y],
        grid_1d(gpu, rows, 64).trips(3 * cols as u64),
    )?;
    Ok(y)
}

/// dx = y ⊙ (dy − Σ dy·y) per row, from the forward output y.
pub fn softmax_backward(gpu: &Gpu, y: &GpuTensor, dy: &GpuTensor) -> Result<GpuTensor> {
    expect_same("softmax_backward", ("y", y), ("dy", dy))?;
    let (rows, cols) = rows_cols(y);
    let dx = gpu.empty(y.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::SoftmaxBackward,
        &[rows as u32, cols as u32],
        &[y, dy, &dx],
        grid_1d(gpu, rows, 64).trips(2 * cols as u64),
    )?;
    Ok(dx)
}
