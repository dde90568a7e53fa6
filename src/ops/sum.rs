//! Launcher for `shaders/sum.wgsl` (CPU twin: `cpu::sum`).

use crate::error::Result;
use crate::gpu::cost::Launch;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// One workgroup of 256 threads striding over `n` values, then a tree of 8 halvings.
pub(crate) fn one_workgroup(n: usize) -> Launch {
    Launch::from([1, 1, 1])
        .useful(n.min(256) as u64)
        .trips(n.div_ceil(256) as u64 + 8)
}

/// `out[1]` = scale · Σ x, in a new one-element tensor.
pub fn sum_forward(gpu: &Gpu, x: &GpuTensor, scale: f32) -> Result<GpuTensor> {
    let out = gpu.empty(&[1], DType::F32)?;
    gpu.dispatch(
        EntryPoint::SumForward,
        &[x.len() as u32, scale.to_bits(), 0],
        &[x, &out],
        one_workgroup(x.len()),
    )?;
    Ok(out)
}

/// `out[0]` (+)= scale · Σ x: adds to `out` when `accumulate`, else overwrites it. Used to
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
        one_workgroup(x.len()),
    )
}
