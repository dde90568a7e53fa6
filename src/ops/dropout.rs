//! Launcher for `shaders/dropout.wgsl` (CPU twin: `cpu::dropout`).

use super::{expect_len, grid_1d};
use crate::error::{shape_err, Result};
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// `x[n]` → (`y[n]`, `mask[n]`): inverted dropout with the mask drawn from (seed, `step[0]`, i).
/// `step` is a one-element u32 counter the caller bumps once per training step.
pub fn dropout_forward(
    gpu: &Gpu,
    x: &GpuTensor,
    step: &GpuTensor,
    rate: f32,
    seed: u32,
) -> Result<(GpuTensor, GpuTensor)> {
    if !(0.0..1.0).contains(&rate) {
        return shape_err("dropout_forward", format!("rate {rate} must be in [0, 1)"));
    }
    if step.len() != 1 || step.dtype() != DType::U32 {
        return shape_err(
            "dropout_forward",
            format!("step must be one u32, got {step:?}"),
        );
    }
    let y = gpu.empty(x.shape(), DType::F32)?;
    let mask = gpu.empty(x.shape(), DType::F32)?;
    let scale = 1.0 / (1.0 - rate);
    gpu.dispatch(
        EntryPoint::DropoutForward,
        &[x.len() as u32, rate.to_bits(), scale.to_bits(), seed],
        &[x, &y, &mask, step],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok((y, mask))
}

/// `dy[n]`, `mask[n]` → `dx[n]` = dy · mask.
pub fn dropout_backward(gpu: &Gpu, dy: &GpuTensor, mask: &GpuTensor) -> Result<GpuTensor> {
    expect_len("dropout_backward", "mask", mask, dy.len())?;
    let dx = gpu.empty(dy.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::DropoutBackward,
        &[dy.len() as u32, 0, 0, 0],
        &[dy, mask, &dx],
        grid_1d(gpu, dy.len(), 256),
    )?;
    Ok(dx)
}
