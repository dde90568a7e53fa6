//! Launcher for `shaders/relu.wgsl` (CPU twin: `cpu::relu`).

use super::{expect_same, grid_1d};
use crate::error::Result;
use crate::gpu::{DType, Gpu, GpuTensor, Kernel};

/// y = relu(x), elementwise, same shape.
pub fn relu_forward(gpu: &Gpu, x: &GpuTensor) -> Result<GpuTensor> {
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        Kernel::ReluForward,
        &[x.len() as u32],
        &[&x.buffer, &y.buffer],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok(y)
}

/// dx = dy · [x > 0], from the forward input x.
pub fn relu_backward(gpu: &Gpu, x: &GpuTensor, dy: &GpuTensor) -> Result<GpuTensor> {
    expect_same("relu_backward", ("x", x), ("dy", dy))?;
    let dx = gpu.empty(dy.shape(), DType::F32)?;
    // Four elements per invocation when the length allows (llvmpipe pays per invocation).
    let (kernel, per) = match dy.len() % 4 {
        0 => (Kernel::ReluBackwardVec4, 4),
        _ => (Kernel::ReluBackward, 1),
    };
    gpu.dispatch(
        kernel,
        &[dy.len() as u32],
        &[&x.buffer, &dy.buffer, &dx.buffer],
        grid_1d(gpu, dy.len() / per, 256),
    )?;
    Ok(dx)
}
