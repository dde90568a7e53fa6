//! Launcher for `shaders/sigmoid.wgsl` (CPU twin: `cpu::sigmoid`).

use super::{expect_same, grid_1d};
use crate::error::Result;
use crate::gpu::{DType, Gpu, GpuTensor, Kernel};

/// y = sigmoid(x), elementwise, same shape.
pub fn sigmoid_forward(gpu: &Gpu, x: &GpuTensor) -> Result<GpuTensor> {
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        Kernel::SigmoidForward,
        &[x.len() as u32],
        &[&x.buffer, &y.buffer],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok(y)
}

/// dx = dy · y · (1 − y), from the forward output y.
pub fn sigmoid_backward(gpu: &Gpu, y: &GpuTensor, dy: &GpuTensor) -> Result<GpuTensor> {
    expect_same("sigmoid_backward", ("y", y), ("dy", dy))?;
    let dx = gpu.empty(dy.shape(), DType::F32)?;
    gpu.dispatch(
        Kernel::SigmoidBackward,
        &[dy.len() as u32],
        &[&y.buffer, &dy.buffer, &dx.buffer],
        grid_1d(gpu, dy.len(), 256),
    )?;
    Ok(dx)
}
