//! Launchers for `shaders/batch_norm.wgsl` (CPU twin: `cpu::batch_norm`): batch
//! normalization over the last axis; stats[2, c] = (batch mean, 1/√(var + ε)).

use super::{expect_len, expect_same, grid_1d};
use crate::cpu::BatchNormParams;
use crate::error::{shape_err, Result};
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// (rows, c) of x[.., c] with `c` channels, or a shape error.
fn rows(op: &'static str, x: &GpuTensor, c: usize) -> Result<usize> {
    match x.shape().last() {
        Some(&last) if last == c && c > 0 => Ok(x.len() / c),
        _ => shape_err(
            op,
            format!("x {:?} must end in the {c} channels", x.shape()),
        ),
    }
}

/// The uniform block: rows, c, momentum, epsilon (the last two only where read).
fn params(rows: usize, c: usize, momentum: f32, epsilon: f32) -> [u32; 4] {
    [rows as u32, c as u32, momentum.to_bits(), epsilon.to_bits()]
}

/// `x[rows, c]` → `stats[2, c]`; moving_mean, moving_var `[c]` updated in place.
pub fn batch_norm_statistics(
    gpu: &Gpu,
    x: &GpuTensor,
    moving_mean: &GpuTensor,
    moving_var: &GpuTensor,
    hp: &BatchNormParams,
) -> Result<GpuTensor> {
    let op = "batch_norm_statistics";
    let c = moving_mean.len();
    let r = rows(op, x, c)?;
    expect_len(op, "moving_var", moving_var, c)?;
    let stats = gpu.empty(&[2, c], DType::F32)?;
    gpu.dispatch(
        EntryPoint::BatchNormStatistics,
        &params(r, c, hp.momentum, hp.epsilon),
        &[x, &stats, moving_mean, moving_var],
        grid_1d(gpu, c * 64, 64).trips(2 * r.div_ceil(64) as u64 + 6),
    )?;
    Ok(stats)
}

/// `x[.., c]`, `stats[2, c]`, `gamma[c]`, `beta[c]` → y = γ·(x − mean)·inv_std + β.
pub fn batch_norm_forward(
    gpu: &Gpu,
    x: &GpuTensor,
    stats: &GpuTensor,
    gamma: &GpuTensor,
    beta: &GpuTensor,
) -> Result<GpuTensor> {
    let op = "batch_norm_forward";
    let c = gamma.len();
    let r = rows(op, x, c)?;
    expect_len(op, "stats", stats, 2 * c)?;
    expect_len(op, "beta", beta, c)?;
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::BatchNormForward,
        &params(r, c, 0.0, 0.0),
        &[x, stats, gamma, beta, &y],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok(y)
}

/// `x[.., c]` normalized with the moving statistics `mean[c]`, `var[c]` (inference).
pub fn batch_norm_inference_forward(
    gpu: &Gpu,
    x: &GpuTensor,
    [mean, var]: [&GpuTensor; 2],
    gamma: &GpuTensor,
    beta: &GpuTensor,
    epsilon: f32,
) -> Result<GpuTensor> {
    let op = "batch_norm_inference_forward";
    let c = gamma.len();
    let r = rows(op, x, c)?;
    for (what, t) in [
        ("moving_mean", mean),
        ("moving_variance", var),
        ("beta", beta),
    ] {
        expect_len(op, what, t, c)?;
    }
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::BatchNormInferenceForward,
        &params(r, c, 0.0, epsilon),
        &[x, mean, var, gamma, beta, &y],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok(y)
}

/// x, dy `[.., c]`, `stats[2, c]`, `gamma[c]` → (dx if `need_dx`, `dgamma[c]`, `dbeta[c]`).
pub fn batch_norm_backward(
    gpu: &Gpu,
    x: &GpuTensor,
    dy: &GpuTensor,
    stats: &GpuTensor,
    gamma: &GpuTensor,
    need_dx: bool,
) -> Result<(Option<GpuTensor>, GpuTensor, GpuTensor)> {
    let op = "batch_norm_backward";
    let c = gamma.len();
    let r = rows(op, x, c)?;
    expect_same(op, ("x", x), ("dy", dy))?;
    expect_len(op, "stats", stats, 2 * c)?;
    let dgamma = gpu.empty(&[c], DType::F32)?;
    let dbeta = gpu.empty(&[c], DType::F32)?;
    let p = params(r, c, 0.0, 0.0);
    gpu.dispatch(
        EntryPoint::BatchNormBackwardParameters,
        &p,
        &[x, dy, stats, &dgamma, &dbeta],
        grid_1d(gpu, c * 64, 64).trips(2 * r.div_ceil(64) as u64 + 6),
    )?;
    if !need_dx {
        return Ok((None, dgamma, dbeta));
    }
    let dx = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::BatchNormBackward,
        &p,
        &[x, dy, stats, gamma, &dgamma, &dbeta, &dx],
        grid_1d(gpu, x.len(), 256),
    )?;
    Ok((Some(dx), dgamma, dbeta))
}
