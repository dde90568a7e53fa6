//! Launcher for `shaders/gather.wgsl` (CPU twins: `cpu::gather_forward`,
//! `cpu::gather_u8_forward`).

use super::grid_1d;
use crate::error::{shape_err, Result};
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// Where a gather reads its sample numbers: `indices[cursor[0]·stride + r]` for batch row r.
pub struct BatchIndex<'a> {
    /// u32 sample numbers, e.g. one epoch's shuffled order.
    pub indices: &'a GpuTensor,
    /// One u32: the batch number, bumped on the GPU after each step.
    pub cursor: &'a GpuTensor,
    /// Rows between consecutive cursor values (the batch size).
    pub stride: usize,
}

fn check(op: &str, at: &BatchIndex, rows: usize, n_samples: usize) -> Result<()> {
    if at.indices.dtype() != DType::U32 || at.cursor.dtype() != DType::U32 {
        return shape_err(
            "gather",
            format!("{op}: indices and cursor must be u32 tensors"),
        );
    }
    if at.cursor.len() != 1 || at.indices.is_empty() || n_samples == 0 {
        return shape_err(
            "gather",
            format!(
                "{op}: needs one cursor value, some indices and some samples (cursor {:?}, \
                 indices {:?}, {n_samples} samples)",
                at.cursor.shape(),
                at.indices.shape()
            ),
        );
    }
    if rows > at.stride.max(1) {
        return shape_err(
            "gather",
            format!("{op}: {rows} rows exceed the stride {}", at.stride),
        );
    }
    Ok(())
}

/// out[rows, row_len...] from f32 samples src[n, row_len...] (`row_shape` = src's shape
/// after its first axis).
pub fn gather_forward(
    gpu: &Gpu,
    src: &GpuTensor,
    at: &BatchIndex,
    rows: usize,
) -> Result<GpuTensor> {
    let n_samples = src.shape().first().copied().unwrap_or(0);
    check("gather_forward", at, rows, n_samples)?;
    let row_len = src.len() / n_samples;
    let mut shape = vec![rows];
    shape.extend_from_slice(&src.shape()[1..]);
    let out = gpu.empty(&shape, DType::F32)?;
    gpu.dispatch(
        EntryPoint::GatherForward,
        &[
            rows as u32,
            row_len as u32,
            at.stride as u32,
            at.indices.len() as u32,
            n_samples as u32,
        ],
        &[src, at.indices, at.cursor, &out],
        grid_1d(gpu, rows * row_len, 256),
    )?;
    Ok(out)
}

/// out[rows, sample_shape...] from byte codes (packed 4 per u32) of `n_samples` samples of
/// `sample_shape`, decoded through `palette` (≤ 256 f32).
pub fn gather_u8_forward(
    gpu: &Gpu,
    codes: &GpuTensor,
    palette: &GpuTensor,
    n_samples: usize,
    sample_shape: &[usize],
    at: &BatchIndex,
    rows: usize,
) -> Result<GpuTensor> {
    check("gather_u8_forward", at, rows, n_samples)?;
    let row_len: usize = sample_shape.iter().product();
    if codes.len() != (n_samples * row_len).div_ceil(4) || palette.is_empty() || palette.len() > 256
    {
        return shape_err(
            "gather",
            format!(
                "gather_u8_forward: {n_samples} samples of {sample_shape:?} need {} code words \
                 and a palette of 1..=256 values, got {:?} and {:?}",
                (n_samples * row_len).div_ceil(4),
                codes.shape(),
                palette.shape()
            ),
        );
    }
    let mut shape = vec![rows];
    shape.extend_from_slice(sample_shape);
    let out = gpu.empty(&shape, DType::F32)?;
    gpu.dispatch(
        EntryPoint::GatherU8Forward,
        &[
            rows as u32,
            row_len as u32,
            at.stride as u32,
            at.indices.len() as u32,
            n_samples as u32,
        ],
        &[codes, palette, at.indices, at.cursor, &out],
        grid_1d(gpu, rows * row_len, 256),
    )?;
    Ok(out)
}
