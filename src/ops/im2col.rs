//! Launcher for `shaders/im2col.wgsl` (CPU twin: `cpu::im2col`).

use super::{expect_len, grid_1d};
use crate::error::Result;
use crate::geometry::Conv2dGeometry;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// `x[n,h,w,c]` → `cols[n·oh·ow, kh·kw·c]`.
pub fn im2col_forward(gpu: &Gpu, x: &GpuTensor, g: &Conv2dGeometry) -> Result<GpuTensor> {
    expect_len("im2col_forward", "input x", x, g.input_len())?;
    let shape = [g.col_rows(), g.col_cols()];
    gpu.check_fits("im2col columns", &shape)?;
    let cols = gpu.empty(&shape, DType::F32)?;
    // Four channels per invocation when C allows (4× fewer invocations; llvmpipe's cost
    // is per invocation): the seed CNN step's im2col went from 12.5 to 4.7 ms.
    // Otherwise one invocation per cols row.
    let (kernel, invocations) = match g.c % 4 {
        0 => (EntryPoint::Im2colForwardVec4, cols.len() / 4),
        _ => (EntryPoint::Im2colForward, g.col_rows()),
    };
    gpu.dispatch(
        kernel,
        &g.params(),
        &[x, &cols],
        // The scalar form writes a whole row (kh·kw·c values) per thread.
        grid_1d(gpu, invocations, 256).trips(match kernel {
            EntryPoint::Im2colForward => g.col_cols() as u64,
            _ => 1,
        }),
    )?;
    Ok(cols)
}

/// `dcols[n·oh·ow, kh·kw·c]` → `dx[n,h,w,c]` (col2im).
pub fn im2col_backward(gpu: &Gpu, dcols: &GpuTensor, g: &Conv2dGeometry) -> Result<GpuTensor> {
    expect_len(
        "im2col_backward",
        "dcols",
        dcols,
        g.col_rows() * g.col_cols(),
    )?;
    let dx = gpu.empty(&[g.n, g.h, g.w, g.c], DType::F32)?;
    let (kernel, per) = match g.c % 4 {
        0 => (EntryPoint::Im2colBackwardVec4, 4),
        _ => (EntryPoint::Im2colBackward, 1),
    };
    gpu.dispatch(
        kernel,
        &g.params(),
        &[dcols, &dx],
        // Each input gathers from the kh·kw windows reading it.
        grid_1d(gpu, dx.len() / per, 256).trips((g.kh * g.kw) as u64),
    )?;
    Ok(dx)
}
