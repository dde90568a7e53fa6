//! Launcher for `shaders/bias.wgsl` (CPU twin: `cpu::bias`).

use super::{expect_len, grid_1d, rows_cols};
use crate::error::Result;
use crate::gpu::cost::Launch;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};
use crate::shape::Layout;

/// y = x + b over the last axis: `x[rows,cols]`, `b[cols]` → `y[rows,cols]`.
pub fn bias_forward(gpu: &Gpu, x: &GpuTensor, b: &GpuTensor) -> Result<GpuTensor> {
    let (rows, cols) = rows_cols(x);
    expect_len("bias_forward", "bias", b, cols)?;
    let y = gpu.empty(x.shape(), DType::F32)?;
    gpu.dispatch(
        EntryPoint::BiasForward,
        &[rows as u32, cols as u32, 0],
        &[x, b, &y],
        grid_1d(gpu, rows * cols, 256),
    )?;
    Ok(y)
}

/// `db[cols]` = Σ_rows `dy[rows,cols]`, in a new tensor.
pub fn bias_backward(gpu: &Gpu, dy: &GpuTensor) -> Result<GpuTensor> {
    let (_, cols) = rows_cols(dy);
    let db = gpu.empty(&[cols], DType::F32)?;
    bias_backward_into(gpu, dy, &db)?;
    Ok(db)
}

/// Like [`bias_backward`] into an existing `db[cols]` (overwritten).
pub fn bias_backward_into(gpu: &Gpu, dy: &GpuTensor, db: &GpuTensor) -> Result<()> {
    let (rows, cols) = rows_cols(dy);
    expect_len("bias_backward", "db", db, cols)?;
    // Long columns are summed in the chunks the weight-gradient matmul's fused bias
    // gradient uses (the same bits either way), then added by its reduce pass.
    if let Some(chunk) = super::matmul_split::split_chunk(gpu, (0, cols, rows), Layout::TN) {
        let splits = rows.div_ceil(chunk);
        let partial = gpu.empty(&[splits * cols], DType::F32)?;
        gpu.dispatch(
            EntryPoint::BiasBackwardSplit,
            &[rows as u32, cols as u32, 0, chunk as u32],
            &[dy, &partial],
            Launch::from([cols.div_ceil(64) as u32, 1, splits as u32])
                .useful((cols * splits) as u64)
                .trips(chunk as u64),
        )?;
        let params = [0, cols as u32, rows as u32, 4, chunk as u32, splits as u32];
        return super::matmul_split::split_reduce(gpu, &params, &partial, (&partial, db, db), cols);
    }
    gpu.dispatch(
        EntryPoint::BiasBackward,
        &[rows as u32, cols as u32, 0],
        &[dy, db],
        Launch::from([cols.div_ceil(64) as u32, 1, 1])
            .useful(cols as u64)
            .trips(rows as u64),
    )
}
