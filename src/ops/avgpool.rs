//! Launcher for `shaders/avgpool.wgsl` (CPU twin: `cpu::avgpool`).

use super::{expect_len, grid_1d};
use crate::error::Result;
use crate::geometry::Pool2dGeometry;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// `x[n,h,w,c]` → `y[n,oh,ow,c]`, window means.
pub fn avgpool_forward(gpu: &Gpu, x: &GpuTensor, g: &Pool2dGeometry) -> Result<GpuTensor> {
    expect_len("avgpool_forward", "input x", x, g.input_len())?;
    let y = gpu.empty(&[g.n, g.oh, g.ow, g.c], DType::F32)?;
    gpu.dispatch(
        EntryPoint::AvgpoolForward,
        &g.params(),
        &[x, &y],
        grid_1d(gpu, y.len(), 256).trips((g.ph * g.pw) as u64),
    )?;
    Ok(y)
}

/// `dy[n,oh,ow,c]` → `dx[n,h,w,c]`.
pub fn avgpool_backward(gpu: &Gpu, dy: &GpuTensor, g: &Pool2dGeometry) -> Result<GpuTensor> {
    expect_len("avgpool_backward", "dy", dy, g.output_len())?;
    let dx = gpu.empty(&[g.n, g.h, g.w, g.c], DType::F32)?;
    gpu.dispatch(
        EntryPoint::AvgpoolBackward,
        &g.params(),
        &[dy, &dx],
        grid_1d(gpu, dx.len(), 256).trips((g.ph.div_ceil(g.sh) * g.pw.div_ceil(g.sw)) as u64),
    )?;
    Ok(dx)
}
