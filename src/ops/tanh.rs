//! Launcher for `shaders/tanh.wgsl` (CPU twin: `cpu::tanh`).

use super::{expect_same, grid_1d};
use crate::error::Result;
use crate::gpu::{DType, Gpu, GpuTensor, Kernel};

/// y = tanh(x), elementwise, same shape.
pub fn tanh_forward(gpu: &Gpu, x: &GpuTensor) -> Result<GpuTensor> {
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        Kernel::TanhForward,
        &[x.len() as u32],
        &[&x.buffer, &y.buffer],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok(y)
}

/// dx = dy · (1 − y²), from the forward output y.
pub fn tanh_backward(gpu: &Gpu, y: &GpuTensor, dy: &GpuTensor) -> Result<GpuTensor> {
    expect_same("tanh_backward", ("y", y), ("dy", dy))?;
    let dx = gpu.empty(dy.shape(), DType::F32)?;
    gpu.dispatch(
        Kernel::TanhBackward,
        &[dy.len() as u32],
        &[&y.buffer, &dy.buffer, &dx.buffer],
        grid_1d(gpu, dy.len(), 256),
    )?;
    Ok(dx)
}
