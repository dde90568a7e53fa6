//! Launcher for `shaders/bias.wgsl` (CPU twin: `cpu::bias`).

use super::{expect_len, grid_1d, rows_cols};
use crate::error::Result;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// y = x + b over the last axis: x[rows,cols], b[cols] → y[rows,cols].
pub fn bias_forward(gpu: &Gpu, x: &GpuTensor, b: &GpuTensor) -> Result<GpuTensor> {
    let (rows, cols) = rows_cols(x);
    expect_len("bias_forward", "bias", b, cols)?;
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::BiasForward,
        &[rows as u32, cols as u32, 0],
        &[&x.buffer, &b.buffer, &y.buffer],
        grid_1d(gpu, rows * cols, 256),
    )?;
    Ok(y)
}

/// db[cols] = Σ_rows dy[rows,cols], in a new tensor.
pub fn bias_backward(gpu: &Gpu, dy: &GpuTensor) -> Result<GpuTensor> {
    let (rows, cols) = rows_cols(dy);
    let db = gpu.empty(&[cols], DType::F32)?;
    gpu.dispatch(
        EntryPoint::BiasBackward,
        &[rows as u32, cols as u32, 0],
        &[&dy.buffer, &db.buffer],
        [cols.div_ceil(64) as u32, 1, 1],
    )?;
    Ok(db)
}
