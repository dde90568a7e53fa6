//! Launcher for `shaders/pad2d.wgsl` (CPU twin: `cpu::pad2d`).

use super::{expect_len, grid_1d};
use crate::error::Result;
use crate::geometry::Pad2dGeometry;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// `x[n,h,w,c]` → `y[n,oh,ow,c]`, zero padded.
pub fn pad2d_forward(gpu: &Gpu, x: &GpuTensor, g: &Pad2dGeometry) -> Result<GpuTensor> {
    expect_len("pad2d_forward", "input x", x, g.input_len())?;
    let y = gpu.empty(&[g.n, g.oh, g.ow, g.c], DType::F32)?;
    gpu.dispatch(
        EntryPoint::Pad2dForward,
        &g.params(),
        &[x, &y],
        grid_1d(gpu, y.len(), 256),
    )?;
    Ok(y)
}

/// `dy[n,oh,ow,c]` → `dx[n,h,w,c]`, the crop.
pub fn pad2d_backward(gpu: &Gpu, dy: &GpuTensor, g: &Pad2dGeometry) -> Result<GpuTensor> {
    expect_len("pad2d_backward", "dy", dy, g.output_len())?;
    let dx = gpu.empty(&[g.n, g.h, g.w, g.c], DType::F32)?;
    gpu.dispatch(
        EntryPoint::Pad2dBackward,
        &g.params(),
        &[dy, &dx],
        grid_1d(gpu, dx.len(), 256),
    )?;
    Ok(dx)
}
