//! The one launcher of every elementwise activation in the registry's `unary` table
//! (`shaders/relu.wgsl`, `sigmoid.wgsl`, …; CPU twins in `cpu::activation`).

use super::{expect_same, grid_1d};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor, Unary};

/// y = op(x), elementwise, same shape.
pub fn unary_forward(gpu: &Gpu, op: Unary, x: &GpuTensor) -> Result<GpuTensor> {
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::Forward(op),
        &[x.len() as u32],
        &[&x.buffer, &y.buffer],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok(y)
}

/// dx = op'(·)·dy, from `saved` (the forward input or output, as `op.saved()` says).
pub fn unary_backward(
    gpu: &Gpu,
    op: Unary,
    saved: &GpuTensor,
    dy: &GpuTensor,
) -> Result<GpuTensor> {
    expect_same(op.name(), ("saved", saved), ("dy", dy))?;
    let dx = gpu.empty(dy.shape(), DType::F32)?;
    // Four elements per invocation where the op has such a kernel (llvmpipe pays per
    // invocation).
    let (kernel, per) = match op.backward_vec4() {
        Some(k) if dy.len().is_multiple_of(4) => (k, 4),
        _ => (EntryPoint::Backward(op), 1),
    };
    gpu.dispatch(
        kernel,
        &[dy.len() as u32],
        &[&saved.buffer, &dy.buffer, &dx.buffer],
        grid_1d(gpu, dy.len() / per, 256),
    )?;
    Ok(dx)
}
