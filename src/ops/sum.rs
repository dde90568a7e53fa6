//! Launcher for `shaders/sum.wgsl` (CPU twin: `cpu::sum`).

use crate::error::Result;
use crate::gpu::{DType, Gpu, GpuTensor, Kernel};

/// out[1] = scale · Σ x, in a new one-element tensor.
pub fn sum_forward(gpu: &Gpu, x: &GpuTensor, scale: f32) -> Result<GpuTensor> {
    let out = gpu.empty(&[1], DType::F32)?;
    gpu.dispatch(
        Kernel::SumForward,
        &[x.len() as u32, scale.to_bits(), 0],
        &[&x.buffer, &out.buffer],
        [1, 1, 1],
    )?;
    Ok(out)
}
