//! Launchers for `shaders/augment.wgsl` (CPU twin: `cpu::augment`, which documents the
//! maps, the draws and the fill modes).

use super::grid_1d;
use crate::cpu::augment::{Augment, MAX_SIDE};
use crate::error::{shape_err, Result};
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// (n, h, w, c) of an NHWC image batch no side of which is over `MAX_SIDE`.
pub(crate) fn images(op: &'static str, shape: &[usize]) -> Result<(usize, usize, usize, usize)> {
    match *shape {
        [n, h, w, c] if h * w * c > 0 && h <= MAX_SIDE && w <= MAX_SIDE => Ok((n, h, w, c)),
        _ => shape_err(
            op,
            format!("x must be images [n, h, w, c] with h and w at most {MAX_SIDE}, got {shape:?}"),
        ),
    }
}

fn check_step(op: &'static str, step: &GpuTensor) -> Result<()> {
    if step.len() != 1 || step.dtype() != DType::U32 {
        return shape_err(op, format!("step must be one u32, got {step:?}"));
    }
    Ok(())
}

/// `x[n, h, w, c]` → y: each image through the map `a` draws for it from (seed,
/// `step[0]`, image).
pub fn augment_forward(
    gpu: &Gpu,
    x: &GpuTensor,
    step: &GpuTensor,
    a: &Augment,
    seed: u32,
) -> Result<GpuTensor> {
    let op = "augment_forward";
    let dims = images(op, x.shape())?;
    check_step(op, step)?;
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::AugmentForward,
        &a.params(dims, seed),
        &[x, step, &y],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok(y)
}

/// `dy[n, h, w, c]` → dx, the transpose of `augment_forward` at the same counter value
/// (a gather: one thread per input element, no atomics).
pub fn augment_backward(
    gpu: &Gpu,
    dy: &GpuTensor,
    step: &GpuTensor,
    a: &Augment,
    seed: u32,
) -> Result<GpuTensor> {
    let op = "augment_backward";
    let dims = images(op, dy.shape())?;
    check_step(op, step)?;
    let dx = gpu.empty(dy.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::AugmentBackward,
        &a.params(dims, seed),
        &[dy, step, &dx],
        // A thread gathers over a few output boxes of about (2 / scale + 3)² pixels each.
        grid_1d(gpu, dy.len(), 256).trips(32),
    )?;
    Ok(dx)
}
