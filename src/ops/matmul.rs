//! Launcher for `shaders/matmul.wgsl`, `matmul_vec4.wgsl` and `matmul_tiled.wgsl` (CPU twin:
//! `cpu::matmul`), and the choice among the families (`matmul_split.rs` has the split one).

use super::expect_len;
pub use super::matmul_epilogue::Extra;
use super::matmul_epilogue::{check_extra, dims, epilogue, ADD_BIAS, BIAS_GRAD, RELU};
use super::matmul_split::{form, split, Form};
use crate::error::{shape_err, Result};
use crate::gpu::cost::Launch;
use crate::gpu::matmul_choice::MatmulKernel;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};
use crate::shape::Layout;

/// Rows of C per workgroup (the shader's TM), and columns per thread (TN, or 4·TN4 in the
/// vec4 entries).
pub(super) const TILE_M: usize = 8;
pub(super) const COLS_PER_THREAD: usize = 4;
const COLS_PER_THREAD_VEC4: usize = 8;

/// `c[m,n]` = op(a)·op(b) (+ `bias[n]`) (ReLU if `relu`), in a new tensor.
/// Shapes by `layout`: NN `a[m,k]`·`b[k,n]`; TN `a[k,m]`ᵀ·`b[k,n]`; NT `a[m,k]`·`b[n,k]`ᵀ.
/// Inputs of more than two dimensions are read as matrices over their last axis.
pub fn matmul(
    gpu: &Gpu,
    a: &GpuTensor,
    b: &GpuTensor,
    bias: Option<&GpuTensor>,
    layout: Layout,
    relu: bool,
) -> Result<GpuTensor> {
    let (m, n, _) = dims(a, b, layout)?;
    let c = gpu.empty(&[m, n], crate::gpu::DType::F32)?;
    matmul_into(gpu, a, b, bias, layout, relu, &c)?;
    Ok(c)
}

/// Like [`matmul`] into an existing `c[m,n]`, which is overwritten.
pub fn matmul_into(
    gpu: &Gpu,
    a: &GpuTensor,
    b: &GpuTensor,
    bias: Option<&GpuTensor>,
    layout: Layout,
    relu: bool,
    c: &GpuTensor,
) -> Result<()> {
    launch(gpu, (a, b), bias, layout, relu, c, Extra::None)
}

/// Like [`matmul`] on the kernel given rather than the adapter's table's choice (tests,
/// the autotune). Every kernel gives the same bits.
pub fn matmul_with(
    gpu: &Gpu,
    (a, b): (&GpuTensor, &GpuTensor),
    bias: Option<&GpuTensor>,
    layout: Layout,
    relu: bool,
    kernel: MatmulKernel,
) -> Result<GpuTensor> {
    let (m, n, _) = dims(a, b, layout)?;
    let c = gpu.empty(&[m, n], crate::gpu::DType::F32)?;
    launch_on(gpu, (a, b), bias, layout, relu, &c, Extra::None, kernel)?;
    Ok(c)
}

/// A Dense layer's input gradient with the ReLU derivative of the layer before it:
/// `dx[m,k]` = (`dz[m,n]`·`w[k,n]`ᵀ) · `[x > 0]`, `x[m,k]` the layer's input (that layer's output),
/// in one dispatch with the bits of `matmul` NT then `relu_backward`.
pub fn matmul_nt_relu_masked(
    gpu: &Gpu,
    dz: &GpuTensor,
    w: &GpuTensor,
    x: &GpuTensor,
) -> Result<GpuTensor> {
    let (m, n, _) = dims(dz, w, Layout::NT)?;
    let c = gpu.empty(&[m, n], crate::gpu::DType::F32)?;
    launch(
        gpu,
        (dz, w),
        None,
        Layout::NT,
        false,
        &c,
        Extra::ReluMask(x),
    )?;
    Ok(c)
}

/// An affine layer's weight gradients in one dispatch: `dw[k,n]` = `x[rows,k]`ᵀ·`dz[rows,n]`
/// and `db[n]` = Σ_rows `dz[rows,n]` (what `bias_backward` computes, the same bits), both
/// overwritten.
pub fn matmul_tn_bias_grad_into(
    gpu: &Gpu,
    x: &GpuTensor,
    dz: &GpuTensor,
    dw: &GpuTensor,
    db: &GpuTensor,
) -> Result<()> {
    launch(
        gpu,
        (x, dz),
        None,
        Layout::TN,
        false,
        dw,
        Extra::BiasGrad(db),
    )
}

/// Like [`matmul_with`] with `extra`'s work too (the ReLU mask for NT, the bias gradient
/// for TN): what the tests compare between families, bit for bit.
pub fn matmul_extra_with(
    gpu: &Gpu,
    (a, b): (&GpuTensor, &GpuTensor),
    bias: Option<&GpuTensor>,
    (layout, relu): (Layout, bool),
    extra: Extra,
    kernel: MatmulKernel,
) -> Result<GpuTensor> {
    let (m, n, _) = dims(a, b, layout)?;
    let c = gpu.empty(&[m, n], DType::F32)?;
    launch_on(gpu, (a, b), bias, layout, relu, &c, extra, kernel)?;
    Ok(c)
}

/// Record it on the kernel the adapter's table picks for its layout and size, with
/// `extra`'s work.
fn launch(
    gpu: &Gpu,
    (a, b): (&GpuTensor, &GpuTensor),
    bias: Option<&GpuTensor>,
    layout: Layout,
    relu: bool,
    c: &GpuTensor,
    extra: Extra,
) -> Result<()> {
    let (m, n, k) = dims(a, b, layout)?;
    let kernel = gpu.tuning().matmul.get(layout, m, n, k);
    launch_on(gpu, (a, b), bias, layout, relu, c, extra, kernel)
}

/// Record it on `kernel`, or on the split kernels where K is long enough to split.
#[allow(clippy::too_many_arguments)]
fn launch_on(
    gpu: &Gpu,
    (a, b): (&GpuTensor, &GpuTensor),
    bias: Option<&GpuTensor>,
    layout: Layout,
    relu: bool,
    c: &GpuTensor,
    extra: Extra,
    kernel: MatmulKernel,
) -> Result<()> {
    let (m, n, k) = dims(a, b, layout)?;
    expect_len("matmul", "output c", c, m * n)?;
    if let Some(bias) = bias {
        expect_len("matmul", "bias", bias, n)?;
    }
    check_extra(extra, layout, m, n)?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        return shape_err("matmul", "inner dimension k is 0");
    }
    match form(gpu, (m, n, k), layout, kernel) {
        Form::Split(chunk) => return split(gpu, (a, b), bias, (layout, relu), c, extra, chunk),
        Form::Tiled(ts) => return tiled(gpu, (a, b), bias, (layout, relu), (c, extra), ts),
        Form::Register => {}
    }
    let vec4 = n % 4 == 0;
    // A·Bᵀ with B[n,k] read along k per column is the slow scalar form (dY·Wᵀ of the seed
    // CNN's second conv: 21 ms on llvmpipe, 12 ms as vec4 NN on a transposed copy of B).
    // With K % 4 == 0 the vec4 NT kernel reads B's rows as vec4 and computes what the NN
    // kernel would on the copy, bit for bit, without the copy's dispatch. Small products
    // (the seed models' last Dense: 32×64×10) keep the scalar form, also without a copy.
    let small = m * n * k <= 1 << 16;
    let masked = matches!(extra, Extra::ReluMask(_));
    // (The masked entries are NT only: a masked product with odd K stays scalar.)
    if layout == Layout::NT && vec4 && k % 4 != 0 && !small && !masked {
        let bt = super::transpose_forward(gpu, b)?;
        return launch_on(gpu, (a, &bt), bias, Layout::NN, relu, c, extra, kernel);
    }
    // Narrow: one vec4 column group per thread when that covers N in one tile (N = 32 on
    // llvmpipe): the wide tile would leave half the lanes on clamped duplicate columns.
    let wg_x = gpu.tuning().matmul_wg_x as usize;
    let narrow = n <= wg_x * 4;
    // A read as vec4 too: along K for NN, along M (8-row tiles start aligned) for TN.
    let a4 = match layout {
        Layout::NN | Layout::NT => k % 4 == 0,
        Layout::TN => m % 4 == 0,
    };
    let (kernel, cols_per_thread) = match (layout, vec4) {
        (Layout::NT, true) if masked && narrow && a4 => (EntryPoint::MatmulNTVec4A4NarrowMasked, 4),
        (Layout::NT, true) if masked && a4 => {
            (EntryPoint::MatmulNTVec4A4Masked, COLS_PER_THREAD_VEC4)
        }
        (Layout::NT, _) if masked => (EntryPoint::MatmulNTMasked, COLS_PER_THREAD),
        (Layout::NN, true) if narrow && a4 => (EntryPoint::MatmulNNVec4A4Narrow, 4),
        (Layout::TN, true) if narrow && a4 => (EntryPoint::MatmulTNVec4A4Narrow, 4),
        (Layout::NT, true) if narrow && a4 => (EntryPoint::MatmulNTVec4A4Narrow, 4),
        (Layout::NT, true) if a4 => (EntryPoint::MatmulNTVec4A4, COLS_PER_THREAD_VEC4),
        (Layout::NN, true) if narrow => (EntryPoint::MatmulNNVec4Narrow, 4),
        (Layout::TN, true) if narrow => (EntryPoint::MatmulTNVec4Narrow, 4),
        (Layout::NN, true) if a4 => (EntryPoint::MatmulNNVec4A4, COLS_PER_THREAD_VEC4),
        (Layout::TN, true) if a4 => (EntryPoint::MatmulTNVec4A4, COLS_PER_THREAD_VEC4),
        (Layout::NN, true) => (EntryPoint::MatmulNNVec4, COLS_PER_THREAD_VEC4),
        (Layout::TN, true) => (EntryPoint::MatmulTNVec4, COLS_PER_THREAD_VEC4),
        (Layout::NN, false) => (EntryPoint::MatmulNN, COLS_PER_THREAD),
        (Layout::TN, false) => (EntryPoint::MatmulTN, COLS_PER_THREAD),
        (Layout::NT, _) => (EntryPoint::MatmulNT, COLS_PER_THREAD),
    };
    let mut flags = 0;
    if bias.is_some() {
        flags |= ADD_BIAS;
    }
    if relu {
        flags |= RELU;
    }
    let mut tiles_m = m.div_ceil(TILE_M);
    // Without a bias the shader never reads binding 3, but it must be bound: reuse `a`.
    let mut bias_buf = bias.map_or(a, |t| t);
    let mut db = None;
    match extra {
        Extra::None => {}
        Extra::BiasGrad(t) => {
            flags |= BIAS_GRAD;
            tiles_m += 1;
            db = Some(t);
        }
        // The `_masked` entries read the mask where the bias would be.
        Extra::ReluMask(x) => bias_buf = x,
    }
    let tile_n = wg_x * cols_per_thread;
    // A thread has output when its first column is inside C (columns strided by WG_X);
    // every row of workgroups has some row of C (or is flag 4's bias row).
    let (units, per) = match kernel.name().contains("vec4") {
        false => (n, cols_per_thread),
        true => (n / 4, cols_per_thread / 4),
    };
    let lanes: usize = (0..n.div_ceil(tile_n))
        .map(|g| units.saturating_sub(g * wg_x * per).min(wg_x))
        .sum();
    let groups = Launch::from([n.div_ceil(tile_n) as u32, tiles_m as u32, 1])
        .useful((lanes * tiles_m) as u64)
        .trips(k as u64);
    let params = [m as u32, n as u32, k as u32, flags];
    match layout {
        // TN kernels bind db at 5 (without flag 4 never written: a stand-in, not `c`,
        // which WebGPU would refuse as a second writable binding of one buffer).
        Layout::TN => gpu.dispatch(
            kernel,
            &params,
            &[a, b, bias_buf, c, db.unwrap_or(gpu.never_written())],
            groups,
        ),
        _ => gpu.dispatch(kernel, &params, &[a, b, bias_buf, c], groups),
    }
}

/// The workgroup-memory tiled kernel (`ts` 64 or 32) for any layout and shape.
fn tiled(
    gpu: &Gpu,
    (a, b): (&GpuTensor, &GpuTensor),
    bias: Option<&GpuTensor>,
    (layout, relu): (Layout, bool),
    (c, extra): (&GpuTensor, Extra),
    ts: usize,
) -> Result<()> {
    let (m, n, k) = dims(a, b, layout)?;
    let (flags, bias_buf, db) = epilogue((a, gpu.never_written()), bias, relu, extra);
    let kernel = match (layout, ts) {
        (Layout::NN, 64) => EntryPoint::MatmulTiledNN64,
        (Layout::TN, 64) => EntryPoint::MatmulTiledTN64,
        (Layout::NT, 64) => EntryPoint::MatmulTiledNT64,
        (Layout::NN, _) => EntryPoint::MatmulTiledNN32,
        (Layout::TN, _) => EntryPoint::MatmulTiledTN32,
        (Layout::NT, _) => EntryPoint::MatmulTiledNT32,
    };
    // 4×4 outputs per thread; one trip per BK = 16-deep slab of k staged in workgroup
    // memory (its 16 steps read workgroup memory, not global memory).
    let lanes = |len: usize| -> u64 {
        (0..len.div_ceil(ts))
            .map(|t| (len - t * ts).div_ceil(4).min(ts / 4) as u64)
            .sum()
    };
    let groups = Launch::from([n.div_ceil(ts) as u32, m.div_ceil(ts) as u32, 1])
        .useful(lanes(m) * lanes(n))
        .trips(k.div_ceil(16) as u64);
    let params = [m as u32, n as u32, k as u32, flags];
    gpu.dispatch(kernel, &params, &[a, b, bias_buf, c, db], groups)
}
