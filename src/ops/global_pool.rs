//! Launcher for `shaders/global_pool.wgsl` (CPU twin: `cpu::global_pool`).

use super::{expect_len, grid_1d};
use crate::error::{shape_err, Result};
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// Which global pooling: Keras's GlobalAveragePooling2D or GlobalMaxPooling2D.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlobalPool {
    /// The mean over height and width.
    Average,
    /// The maximum over height and width.
    Max,
}

/// (n, h·w, c) of an NHWC tensor, or a shape error.
fn dims(op: &'static str, x: &GpuTensor) -> Result<(usize, usize, usize)> {
    match *x.shape() {
        [n, h, w, c] => Ok((n, h * w, c)),
        ref other => shape_err(op, format!("x must be [n, h, w, c], got {other:?}")),
    }
}

/// `x[n,h,w,c]` → `y[n,c]`, the mean over h, w.
pub fn global_avg_pool_forward(gpu: &Gpu, x: &GpuTensor) -> Result<GpuTensor> {
    let (n, hw, c) = dims("global_avg_pool_forward", x)?;
    let y = gpu.empty(&[n, c], DType::F32)?;
    gpu.dispatch(
        EntryPoint::GlobalAvgPoolForward,
        &[n as u32, hw as u32, c as u32],
        &[x, &y],
        grid_1d(gpu, n * c, 64).trips(hw as u64),
    )?;
    Ok(y)
}

/// `dy[n,c]` → dx shaped like the forward input x_shape `[n,h,w,c]`.
pub fn global_avg_pool_backward(gpu: &Gpu, dy: &GpuTensor, x_shape: &[usize]) -> Result<GpuTensor> {
    let dx = gpu.empty(x_shape, DType::F32)?;
    let (n, hw, c) = dims("global_avg_pool_backward", &dx)?;
    expect_len("global_avg_pool_backward", "dy", dy, n * c)?;
    gpu.dispatch(
        EntryPoint::GlobalAvgPoolBackward,
        &[n as u32, hw as u32, c as u32],
        &[dy, &dx],
        grid_1d(gpu, dx.len(), 256),
    )?;
    Ok(dx)
}

/// `x[n,h,w,c]` → (`y[n,c]`, `argmax[n,c]`: the flat index of each first maximum).
pub fn global_max_pool_forward(gpu: &Gpu, x: &GpuTensor) -> Result<(GpuTensor, GpuTensor)> {
    let (n, hw, c) = dims("global_max_pool_forward", x)?;
    let y = gpu.empty(&[n, c], DType::F32)?;
    let argmax = gpu.empty(&[n, c], DType::U32)?;
    gpu.dispatch(
        EntryPoint::GlobalMaxPoolForward,
        &[n as u32, hw as u32, c as u32],
        &[x, &y, &argmax],
        grid_1d(gpu, n * c, 64).trips(hw as u64),
    )?;
    Ok((y, argmax))
}

/// `dy[n,c]` → dx shaped like x_shape, dy at each recorded maximum.
pub fn global_max_pool_backward(
    gpu: &Gpu,
    dy: &GpuTensor,
    argmax: &GpuTensor,
    x_shape: &[usize],
) -> Result<GpuTensor> {
    let dx = gpu.empty(x_shape, DType::F32)?;
    let (n, hw, c) = dims("global_max_pool_backward", &dx)?;
    expect_len("global_max_pool_backward", "dy", dy, n * c)?;
    expect_len("global_max_pool_backward", "argmax", argmax, n * c)?;
    gpu.dispatch(
        EntryPoint::GlobalMaxPoolBackward,
        &[n as u32, hw as u32, c as u32],
        &[dy, argmax, &dx],
        grid_1d(gpu, dx.len(), 256),
    )?;
    Ok(dx)
}
