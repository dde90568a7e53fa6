//! Launcher for `shaders/transpose.wgsl` (CPU twin: `cpu::transpose_forward`).

use super::{grid_1d, rows_cols};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// y[cols, rows] = x[rows, cols]ᵀ, x read as a matrix over its last axis.
pub fn transpose_forward(gpu: &Gpu, x: &GpuTensor) -> Result<GpuTensor> {
    let (rows, cols) = rows_cols(x);
    let y = gpu.empty(&[cols, rows], DType::F32)?;
    gpu.dispatch(
        EntryPoint::TransposeForward,
        &[rows as u32, cols as u32],
        &[x, &y],
        grid_1d(gpu, rows * cols, 256),
    )?;
    Ok(y)
}
