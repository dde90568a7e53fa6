//! The one launcher of every elementwise activation in the registry's `unary` table
//! (`shaders/relu.wgsl`, `sigmoid.wgsl`, …; CPU twins in `cpu::activation`).

use super::{expect_same, grid_1d};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor, Unary};

/// y = op(x), elementwise, same shape (with the op's default parameter).
pub fn unary_forward(gpu: &Gpu, op: Unary, x: &GpuTensor) -> Result<GpuTensor> {
    unary_forward_with(gpu, op, x, op.default_alpha())
}

/// dx = op'(·)·dy, from `saved` (the forward input or output, as `op.saved()` says).
pub fn unary_backward(
    gpu: &Gpu,
    op: Unary,
    saved: &GpuTensor,
    dy: &GpuTensor,
) -> Result<GpuTensor> {
    unary_backward_with(gpu, op, saved, dy, op.default_alpha())
}

/// y = op(x) with the op's parameter `alpha` (leaky_relu's negative slope).
pub fn unary_forward_with(gpu: &Gpu, op: Unary, x: &GpuTensor, alpha: f32) -> Result<GpuTensor> {
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::Forward(op),
        &[x.len() as u32, alpha.to_bits()],
        &[x, &y],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok(y)
}

/// dx with the op's parameter `alpha`.
pub fn unary_backward_with(
    gpu: &Gpu,
    op: Unary,
    saved: &GpuTensor,
    dy: &GpuTensor,
    alpha: f32,
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
        &[dy.len() as u32, alpha.to_bits()],
        &[saved, dy, &dx],
        grid_1d(gpu, dy.len() / per, 256),
    )?;
    Ok(dx)
}
