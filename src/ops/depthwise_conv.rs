//! Launcher for `shaders/depthwise_conv.wgsl` (CPU twin: `cpu::depthwise_conv`): the
//! depthwise convolution, its input gradient, and its kernel gradient as chunked partial
//! sums over the batch·oh·ow positions added in a fixed order (the split-K rule and
//! reduce pass of `matmul_split`), so no thread walks all the positions and every run
//! gives the same bits.

use super::{expect_len, grid_1d};
use crate::error::Result;
use crate::geometry::DepthwiseGeometry;
use crate::gpu::cost::Launch;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};
use crate::shape::Layout;

const BIAS: u32 = 1;
const RELU: u32 = 2;

/// `x[n,h,w,c]`, `w[kh,kw,c,dm]`, `bias[c·dm]` (optional) → `y[n,oh,ow,c·dm]`, plus the
/// bias and then ReLU when asked (one dispatch).
pub fn depthwise_conv_forward(
    gpu: &Gpu,
    x: &GpuTensor,
    w: &GpuTensor,
    bias: Option<&GpuTensor>,
    g: &DepthwiseGeometry,
    relu: bool,
) -> Result<GpuTensor> {
    let op = "depthwise_conv_forward";
    expect_len(op, "input x", x, g.input_len())?;
    expect_len(op, "kernel", w, g.kernel_len())?;
    if let Some(b) = bias {
        expect_len(op, "bias", b, g.out_channels())?;
    }
    let cv = &g.conv;
    let y = gpu.empty(&[cv.n, cv.oh, cv.ow, g.out_channels()], DType::F32)?;
    if y.is_empty() {
        return Ok(y);
    }
    let flags = if bias.is_some() { BIAS } else { 0 } | if relu { RELU } else { 0 };
    gpu.dispatch(
        EntryPoint::DepthwiseConvForward,
        &g.params(flags, 0),
        &[x, w, bias.unwrap_or(w), &y],
        grid_1d(gpu, y.len(), 256).trips((cv.kh * cv.kw) as u64),
    )?;
    Ok(y)
}

/// `dy[n,oh,ow,c·dm]`, `w[kh,kw,c,dm]` → `dx[n,h,w,c]` (one thread per input element,
/// looping over the outputs whose window holds it and their dm channels).
pub fn depthwise_conv_backward(
    gpu: &Gpu,
    dy: &GpuTensor,
    w: &GpuTensor,
    g: &DepthwiseGeometry,
) -> Result<GpuTensor> {
    let op = "depthwise_conv_backward";
    expect_len(op, "dy", dy, g.output_len())?;
    expect_len(op, "kernel", w, g.kernel_len())?;
    let cv = &g.conv;
    let dx = gpu.empty(&[cv.n, cv.h, cv.w, cv.c], DType::F32)?;
    if dx.is_empty() {
        return Ok(dx);
    }
    // The windows over one input cell: ⌈kh / sh⌉·⌈kw / sw⌉ outputs, dm channels each.
    let trips = cv.kh.div_ceil(cv.sh) * cv.kw.div_ceil(cv.sw) * g.depth_multiplier;
    gpu.dispatch(
        EntryPoint::DepthwiseConvBackward,
        &g.params(0, 0),
        &[dy, w, &dx],
        grid_1d(gpu, dx.len(), 256).trips(trips as u64),
    )?;
    Ok(dx)
}

/// `x[n,h,w,c]`, `dy[n,oh,ow,c·dm]` → `dw[kh,kw,c,dm]` (Σ over the positions), in a new
/// tensor.
pub fn depthwise_conv_weight_grad(
    gpu: &Gpu,
    x: &GpuTensor,
    dy: &GpuTensor,
    g: &DepthwiseGeometry,
) -> Result<GpuTensor> {
    let cv = &g.conv;
    let dw = gpu.empty(&[cv.kh, cv.kw, cv.c, g.depth_multiplier], DType::F32)?;
    depthwise_conv_weight_grad_into(gpu, x, dy, g, &dw)?;
    Ok(dw)
}

/// Like [`depthwise_conv_weight_grad`] into an existing `dw` (overwritten), with the
/// chunk of positions this adapter's split-K rule picks for a `[kh·kw·c·dm]` result over
/// n·oh·ow (the bias gradient's rule).
pub fn depthwise_conv_weight_grad_into(
    gpu: &Gpu,
    x: &GpuTensor,
    dy: &GpuTensor,
    g: &DepthwiseGeometry,
    dw: &GpuTensor,
) -> Result<()> {
    let shape = (0, g.kernel_len(), g.positions());
    let chunk = super::matmul_split::split_chunk(gpu, shape, Layout::TN);
    depthwise_conv_weight_grad_with(gpu, x, dy, g, dw, chunk)
}

/// The kernel gradient summed in runs of `chunk` positions (`None`: one run), into `dw`:
/// what the tests compare against the twin at several chunks.
pub fn depthwise_conv_weight_grad_with(
    gpu: &Gpu,
    x: &GpuTensor,
    dy: &GpuTensor,
    g: &DepthwiseGeometry,
    dw: &GpuTensor,
    chunk: Option<usize>,
) -> Result<()> {
    let op = "depthwise_conv_weight_grad";
    expect_len(op, "input x", x, g.input_len())?;
    expect_len(op, "dy", dy, g.output_len())?;
    expect_len(op, "dw", dw, g.kernel_len())?;
    let (weights, positions) = (g.kernel_len(), g.positions());
    if positions == 0 {
        // No positions: the gradient is zero (one run over nothing writes it).
        let params = g.params(0, 1);
        let launch = grid_1d(gpu, weights, 64);
        return gpu.dispatch(
            EntryPoint::DepthwiseConvWeightGrad,
            &params,
            &[x, dy, dw],
            launch,
        );
    }
    let chunk = chunk.unwrap_or(positions).clamp(1, positions);
    let splits = positions.div_ceil(chunk);
    let params = g.params(0, chunk);
    // Threads over the weights (folded past the per-dimension limit), a split per z.
    let [gx, gy, _] = grid_1d(gpu, weights, 64).groups;
    let launch = Launch::from([gx, gy, splits as u32])
        .useful((weights * splits) as u64)
        .trips(chunk as u64);
    if splits == 1 {
        return gpu.dispatch(
            EntryPoint::DepthwiseConvWeightGrad,
            &params,
            &[x, dy, dw],
            launch,
        );
    }
    let partial = gpu.empty(&[splits * weights], DType::F32)?;
    gpu.dispatch(
        EntryPoint::DepthwiseConvWeightGrad,
        &params,
        &[x, dy, &partial],
        launch,
    )?;
    // Pass 2: matmul_split_reduce's column sums (m = 0, flag 4) over [splits][weights].
    let reduce = [
        0,
        weights as u32,
        positions as u32,
        4,
        chunk as u32,
        splits as u32,
    ];
    super::matmul_split::split_reduce(gpu, &reduce, &partial, (&partial, dw, dw), weights)
}
