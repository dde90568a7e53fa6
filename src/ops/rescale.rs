//! Launcher for `shaders/rescale.wgsl` (CPU twin: `cpu::rescale`).

use super::grid_1d;
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// `x[n]` → `y[n]` = x·scale + offset, same shape.
pub fn rescale_forward(gpu: &Gpu, x: &GpuTensor, scale: f32, offset: f32) -> Result<GpuTensor> {
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::RescaleForward,
        &[x.len() as u32, scale.to_bits(), offset.to_bits(), 0],
        &[x, &y],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok(y)
}

/// `dy[n]` → `dx[n]` = dy·scale, same shape.
pub fn rescale_backward(gpu: &Gpu, dy: &GpuTensor, scale: f32) -> Result<GpuTensor> {
    let dx = gpu.empty(dy.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::RescaleBackward,
        &[dy.len() as u32, scale.to_bits(), 0, 0],
        &[dy, &dx],
        grid_1d(gpu, dy.len(), 256),
    )?;
    Ok(dx)
}
