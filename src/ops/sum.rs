//! Launcher for `shaders/sum.wgsl` (CPU twin: `cpu::sum`).

use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// out[1] = scale · Σ x, in a new one-element tensor.
pub fn sum_forward(gpu: &Gpu, x: &GpuTensor, scale: f32) -> Result<GpuTensor> {
    let out = gpu.empty(&[1], DType::F32)?;
    gpu.dispatch(
        EntryPoint::SumForward,
        &[x.len() as u32, scale.to_bits(), 0],
        &[x, &out],
        [1, 1, 1],
    )?;
    Ok(out)
}

/// out[0] (+)= scale · Σ x: adds to `out` when `accumulate`, else overwrites it. Used to
/// keep running loss and accuracy sums on the GPU across many steps.
pub fn sum_into(
    gpu: &Gpu,
    x: &GpuTensor,
    scale: f32,
    out: &GpuTensor,
    accumulate: bool,
) -> Result<()> {
    super::expect_len("sum_into", "out", out, 1)?;
    gpu.dispatch(
        EntryPoint::SumForward,
        &[x.len() as u32, scale.to_bits(), accumulate as u32],
        &[x, out],
        [1, 1, 1],
    )
}
