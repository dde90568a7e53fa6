//! Launcher for `shaders/regularize.wgsl` (CPU twin: `cpu::regularize`).

use super::{expect_same, grid_1d};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// Weights each workgroup of `regularize_forward` sums (256 threads × 4).
pub const REGULARIZE_CHUNK: usize = 1024;

/// The penalty l1·Σ|w| + l2·Σw² of `w[n]` in ⌈n/1024⌉ parts (their sum is the penalty):
/// one workgroup per 1024 weights, a tree within each.
pub fn regularize_forward(gpu: &Gpu, w: &GpuTensor, l1: f32, l2: f32) -> Result<GpuTensor> {
    if w.is_empty() {
        return gpu.zeros(&[1]);
    }
    // Every part is written: one workgroup per chunk (the grid's spare groups write none).
    let out = gpu.empty(&[w.len().div_ceil(REGULARIZE_CHUNK)], DType::F32)?;
    gpu.dispatch(
        EntryPoint::RegularizeForward,
        &[w.len() as u32, l1.to_bits(), l2.to_bits()],
        &[w, &out],
        // 4 weights per thread, then a tree of 8 halvings.
        grid_1d(gpu, w.len().div_ceil(4), 256).trips(4 + 8),
    )?;
    Ok(out)
}

/// `out[0]` += scale · (l1·Σ|w| + l2·Σw²): the penalty's parts, then their sum into `out`
/// (e.g. a step's loss sum, with scale = the batch's rows), on the device.
pub fn regularize_penalty_into(
    gpu: &Gpu,
    w: &GpuTensor,
    l1: f32,
    l2: f32,
    scale: f32,
    out: &GpuTensor,
) -> Result<()> {
    let parts = regularize_forward(gpu, w, l1, l2)?;
    super::sum_into(gpu, &parts, scale, out, true)
}

/// `grad[n]` += l1·sign(w) + 2·l2·w, in place (sign(0) = 0).
pub fn regularize_backward(
    gpu: &Gpu,
    w: &GpuTensor,
    grad: &GpuTensor,
    l1: f32,
    l2: f32,
) -> Result<()> {
    expect_same("regularize_backward", ("w", w), ("grad", grad))?;
    gpu.dispatch(
        EntryPoint::RegularizeBackward,
        &[w.len() as u32, l1.to_bits(), l2.to_bits()],
        &[w, grad],
        grid_1d(gpu, w.len(), 256),
    )
}
