//! Launchers for `shaders/spatial_dropout.wgsl` (CPU twin: `cpu::spatial_dropout`).

use super::{expect_len, grid_1d};
use crate::error::{shape_err, Result};
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// (n, h·w, c) of an NHWC shape.
fn nhwc(op: &'static str, t: &GpuTensor) -> Result<(usize, usize, usize)> {
    match *t.shape() {
        [n, h, w, c] if c > 0 && h * w > 0 => Ok((n, h * w, c)),
        _ => shape_err(op, format!("x must be [n, h, w, c], got {:?}", t.shape())),
    }
}

/// `x[n, h, w, c]` → (`y` as x, `mask[n, c]`): whole channels dropped with probability
/// `rate` (the rest scaled by 1 / (1 − rate)), drawn from (seed, `step[0]`, s·c + ch).
pub fn spatial_dropout_forward(
    gpu: &Gpu,
    x: &GpuTensor,
    step: &GpuTensor,
    rate: f32,
    seed: u32,
) -> Result<(GpuTensor, GpuTensor)> {
    let op = "spatial_dropout_forward";
    let (n, hw, c) = nhwc(op, x)?;
    if !(0.0..1.0).contains(&rate) {
        return shape_err(op, format!("rate {rate} must be in [0, 1)"));
    }
    if step.len() != 1 || step.dtype() != DType::U32 {
        return shape_err(op, format!("step must be one u32, got {step:?}"));
    }
    let y = gpu.empty(x.shape(), DType::F32)?;
    let mask = gpu.empty(&[n, c], DType::F32)?;
    let scale = 1.0 / (1.0 - rate);
    let params = [x.len(), hw, c].map(|v| v as u32);
    gpu.dispatch(
        EntryPoint::SpatialDropoutForward,
        &[
            params[0],
            params[1],
            params[2],
            seed,
            rate.to_bits(),
            scale.to_bits(),
            0,
            0,
        ],
        &[x, step, &y, &mask],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok((y, mask))
}

/// `dy[n, h, w, c]`, `mask[n, c]` → dx = dy · mask[s, ch].
pub fn spatial_dropout_backward(gpu: &Gpu, dy: &GpuTensor, mask: &GpuTensor) -> Result<GpuTensor> {
    let op = "spatial_dropout_backward";
    let (n, hw, c) = nhwc(op, dy)?;
    expect_len(op, "mask", mask, n * c)?;
    let dx = gpu.empty(dy.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::SpatialDropoutBackward,
        &[dy.len() as u32, hw as u32, c as u32, 0, 0, 0, 0, 0],
        &[dy, mask, &dx],
        grid_1d(gpu, dy.len(), 256),
    )?;
    Ok(dx)
}
