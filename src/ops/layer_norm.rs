//! Launchers for `shaders/layer_norm.wgsl` (CPU twin: `cpu::layer_norm`): layer
//! normalization over the last axis, one workgroup per row; stats[rows, 2] = (row mean,
//! 1/√(var + ε)).

use super::{expect_len, expect_same, grid_1d};
use crate::error::{shape_err, Result};
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// Threads per row (the shader's WG).
const WG: usize = 64;

/// The rows of x[.., c] with `c` features, or a shape error.
fn rows(op: &'static str, x: &GpuTensor, c: usize) -> Result<usize> {
    match x.shape().last() {
        Some(&last) if last == c && c > 0 => Ok(x.len() / c),
        _ => shape_err(
            op,
            format!("x {:?} must end in the {c} normalised features", x.shape()),
        ),
    }
}

/// `x[.., c]`, `gamma[c]`, `beta[c]` → (`y` shaped as x, `stats[rows, 2]`).
pub fn layer_norm_forward(
    gpu: &Gpu,
    x: &GpuTensor,
    gamma: &GpuTensor,
    beta: &GpuTensor,
    epsilon: f32,
) -> Result<(GpuTensor, GpuTensor)> {
    let op = "layer_norm_forward";
    let c = gamma.len();
    let r = rows(op, x, c)?;
    expect_len(op, "beta", beta, c)?;
    let y = gpu.empty(x.shape(), DType::F32)?;
    let stats = gpu.empty(&[r, 2], DType::F32)?;
    gpu.dispatch(
        EntryPoint::LayerNormForward,
        &[r as u32, c as u32, epsilon.to_bits(), 0],
        &[x, gamma, beta, &y, &stats],
        grid_1d(gpu, r * WG, WG as u32).trips(3 * c.div_ceil(WG) as u64 + 12),
    )?;
    Ok((y, stats))
}

/// `x[.., c]`, `dy` (as x), `stats[rows, 2]`, `gamma[c]` → (`dx` as x, `prod` = dy·x̂ as x;
/// its column sums are dγ).
pub fn layer_norm_backward(
    gpu: &Gpu,
    x: &GpuTensor,
    dy: &GpuTensor,
    stats: &GpuTensor,
    gamma: &GpuTensor,
) -> Result<(GpuTensor, GpuTensor)> {
    let op = "layer_norm_backward";
    let c = gamma.len();
    let r = rows(op, x, c)?;
    expect_same(op, ("x", x), ("dy", dy))?;
    expect_len(op, "stats", stats, 2 * r)?;
    let dx = gpu.empty(x.shape(), DType::F32)?;
    let prod = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::LayerNormBackward,
        &[r as u32, c as u32, 0, 0],
        &[x, dy, stats, gamma, &dx, &prod],
        grid_1d(gpu, r * WG, WG as u32).trips(2 * c.div_ceil(WG) as u64 + 6),
    )?;
    Ok((dx, prod))
}
