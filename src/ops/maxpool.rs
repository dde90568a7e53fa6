//! Launcher for `shaders/maxpool.wgsl` (CPU twin: `cpu::maxpool`).

use super::{expect_len, grid_1d};
use crate::error::Result;
use crate::geometry::Pool2dGeometry;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// `x[n,h,w,c]` → (`y[n,oh,ow,c]`, `argmax[n,oh,ow,c]` as u32 flat indices into x).
pub fn maxpool_forward(
    gpu: &Gpu,
    x: &GpuTensor,
    g: &Pool2dGeometry,
) -> Result<(GpuTensor, GpuTensor)> {
    expect_len("maxpool_forward", "input x", x, g.input_len())?;
    let shape = [g.n, g.oh, g.ow, g.c];
    let y = gpu.empty(&shape, DType::F32)?;
    let arg = gpu.empty(&shape, DType::U32)?;
    // Four channels per invocation when C allows (see im2col).
    let (kernel, per) = match g.c % 4 {
        0 => (EntryPoint::MaxpoolForwardVec4, 4),
        _ => (EntryPoint::MaxpoolForward, 1),
    };
    gpu.dispatch(
        kernel,
        &g.params(),
        &[x, &y, &arg],
        grid_1d(gpu, y.len() / per, 256).trips((g.ph * g.pw) as u64),
    )?;
    Ok((y, arg))
}

/// `dy[n,oh,ow,c]` and the forward argmax → `dx[n,h,w,c]`.
pub fn maxpool_backward(
    gpu: &Gpu,
    dy: &GpuTensor,
    argmax: &GpuTensor,
    g: &Pool2dGeometry,
) -> Result<GpuTensor> {
    backward(gpu, dy, argmax, g, None)
}

/// `maxpool_backward` times the ReLU derivative of the layer before: dx · `[x > 0]`, x the
/// pool's input `[n,h,w,c]` (that layer's output); the bits of the two kernels, one dispatch.
pub fn maxpool_backward_masked(
    gpu: &Gpu,
    dy: &GpuTensor,
    argmax: &GpuTensor,
    g: &Pool2dGeometry,
    x: &GpuTensor,
) -> Result<GpuTensor> {
    expect_len("maxpool_backward_masked", "input x", x, g.input_len())?;
    backward(gpu, dy, argmax, g, Some(x))
}

fn backward(
    gpu: &Gpu,
    dy: &GpuTensor,
    argmax: &GpuTensor,
    g: &Pool2dGeometry,
    mask: Option<&GpuTensor>,
) -> Result<GpuTensor> {
    expect_len("maxpool_backward", "dy", dy, g.output_len())?;
    expect_len("maxpool_backward", "argmax", argmax, g.output_len())?;
    let dx = gpu.empty(&[g.n, g.h, g.w, g.c], DType::F32)?;
    let per = if g.c.is_multiple_of(4) { 4 } else { 1 };
    // Each input gathers from the windows covering it.
    let covering = g.ph.div_ceil(g.sh) * g.pw.div_ceil(g.sw);
    let grid = grid_1d(gpu, dx.len() / per, 256).trips(covering as u64);
    match (mask, per) {
        (None, 4) => gpu.dispatch(
            EntryPoint::MaxpoolBackwardVec4,
            &g.params(),
            &[dy, argmax, &dx],
            grid,
        ),
        (None, _) => gpu.dispatch(
            EntryPoint::MaxpoolBackward,
            &g.params(),
            &[dy, argmax, &dx],
            grid,
        ),
        (Some(x), 4) => gpu.dispatch(
            EntryPoint::MaxpoolBackwardMaskedVec4,
            &g.params(),
            &[dy, argmax, &dx, x],
            grid,
        ),
        (Some(x), _) => gpu.dispatch(
            EntryPoint::MaxpoolBackwardMasked,
            &g.params(),
            &[dy, argmax, &dx, x],
            grid,
        ),
    }?;
    Ok(dx)
}
