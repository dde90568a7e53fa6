//! Launcher for `shaders/matmul.wgsl` (CPU twin: `cpu::matmul`).

use super::{expect_len, grid_1d};
use crate::error::{shape_err, Result};
use crate::gpu::cost::Launch;
use crate::gpu::matmul_choice::MatmulKernel;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};
use crate::shape::{matmul_dims, split_k_chunk, Layout, TREE_SPLITS};

/// Rows of C per workgroup (the shader's TM), and columns per thread (TN, or 4·TN4 in the
/// vec4 entries).
const TILE_M: usize = 8;
const COLS_PER_THREAD: usize = 4;
const COLS_PER_THREAD_VEC4: usize = 8;

/// Flags of the shader's epilogue.
const ADD_BIAS: u32 = 1;
const RELU: u32 = 2;
/// TN only: an extra row of workgroups also writes the column sums of B.
const BIAS_GRAD: u32 = 4;
/// matmul_split.wgsl only: C kept where binding 3 (the mask) is > 0.
const RELU_MASK: u32 = 8;
/// matmul_split.wgsl: the 32×32 tile of C of each 8×8-thread workgroup.
const SPLIT_TILE: usize = 32;
const SPLIT_THREADS: usize = 8;

/// c[m,n] = op(a)·op(b) (+ bias[n]) (ReLU if `relu`), in a new tensor.
/// Shapes by `layout`: NN a[m,k]·b[k,n]; TN a[k,m]ᵀ·b[k,n]; NT a[m,k]·b[n,k]ᵀ.
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

/// Like [`matmul`] into an existing c[m,n], which is overwritten.
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
/// dx[m,k] = (dz[m,n]·w[k,n]ᵀ) · [x > 0], x[m,k] the layer's input (that layer's output),
/// in one dispatch with the bits of `matmul` NT then `relu_backward`.
pub fn matmul_nt_relu_masked(
    gpu: &Gpu,
    dz: &GpuTensor,
    w: &GpuTensor,
    x: &GpuTensor,
) -> Result<GpuTensor> {
    let (m, n, _) = dims(dz, w, Layout::NT)?;
    expect_len("matmul (ReLU mask)", "x", x, m * n)?;
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

/// What a launch computes besides C (op(A)·op(B) (+ bias) (ReLU)).
#[derive(Clone, Copy)]
pub enum Extra<'a> {
    None,
    /// TN: the column sums of B into this tensor.
    BiasGrad(&'a GpuTensor),
    /// NT: C kept only where this tensor (shaped like C) is > 0 (the `_masked` entries).
    ReluMask(&'a GpuTensor),
}

/// An affine layer's weight gradients in one dispatch: dw[k,n] = x[rows,k]ᵀ·dz[rows,n]
/// and db[n] = Σ_rows dz[rows,n] (what `bias_backward` computes, the same bits), both
/// overwritten.
pub fn matmul_tn_bias_grad_into(
    gpu: &Gpu,
    x: &GpuTensor,
    dz: &GpuTensor,
    dw: &GpuTensor,
    db: &GpuTensor,
) -> Result<()> {
    let (_, n, _) = dims(x, dz, Layout::TN)?;
    expect_len("matmul (bias gradient)", "db", db, n)?;
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

/// The split-K chunk this adapter uses for an [m, n] result over `k`: the rule of
/// `shape::split_k_chunk` at the adapter's threshold, lengthened where the partial sums of
/// that many splits would not fit one binding (`None`: one run).
/// (`bias_backward` asks with m = 0: its chunk is the fused bias gradient's unless the
/// weight gradient's partial sums alone would exceed a binding.)
pub fn split_chunk(gpu: &Gpu, (m, n, k): (usize, usize, usize), layout: Layout) -> Option<usize> {
    let chunk = split_k_chunk((m, n, k), gpu.split_k_above(), layout)?;
    let limit = gpu.info().limits.max_storage_buffer_binding_size as usize;
    let most = limit / (4 * (m * n + n)).max(1);
    if most < 2 {
        return None;
    }
    let chunk = chunk.max(k.div_ceil(most));
    (chunk < k).then_some(chunk)
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
    check_extra(extra, layout, m, n)?;
    let c = gpu.empty(&[m, n], DType::F32)?;
    launch_on(gpu, (a, b), bias, layout, relu, &c, extra, kernel)?;
    Ok(c)
}

/// A matmul on the split family with an explicit split-K `chunk` (`None`: one run), with
/// `extra`'s work: what the tests compare against `cpu::matmul_split`. The result is
/// a new c[m, n].
pub fn matmul_split_with(
    gpu: &Gpu,
    (a, b): (&GpuTensor, &GpuTensor),
    bias: Option<&GpuTensor>,
    (layout, relu): (Layout, bool),
    extra: Extra,
    chunk: Option<usize>,
) -> Result<GpuTensor> {
    let (m, n, k) = dims(a, b, layout)?;
    let c = gpu.empty(&[m, n], DType::F32)?;
    check_extra(extra, layout, m, n)?;
    if m > 0 && n > 0 {
        if k == 0 {
            return shape_err("matmul", "inner dimension k is 0");
        }
        split(gpu, (a, b), bias, (layout, relu), &c, extra, chunk)?;
    }
    Ok(c)
}

/// The extra work's tensor has the length it needs.
fn check_extra(extra: Extra, layout: Layout, m: usize, n: usize) -> Result<()> {
    match extra {
        Extra::None => Ok(()),
        Extra::BiasGrad(db) if layout == Layout::TN => {
            expect_len("matmul (bias gradient)", "db", db, n)
        }
        Extra::ReluMask(x) if layout == Layout::NT => {
            expect_len("matmul (ReLU mask)", "x", x, m * n)
        }
        _ => shape_err(
            "matmul",
            format!("{layout:?}: the bias gradient is TN only, the ReLU mask NT only"),
        ),
    }
}

/// The split family: pass 1 over `chunk`-long runs of k (or all of k), then, with more
/// than one split, pass 2 adding the partial sums in split order with the epilogue.
fn split(
    gpu: &Gpu,
    (a, b): (&GpuTensor, &GpuTensor),
    bias: Option<&GpuTensor>,
    (layout, relu): (Layout, bool),
    c: &GpuTensor,
    extra: Extra,
    chunk: Option<usize>,
) -> Result<()> {
    let (m, n, k) = dims(a, b, layout)?;
    let chunk = chunk.unwrap_or(k).clamp(1, k);
    let splits = k.div_ceil(chunk);
    let mut flags = 0;
    let mut bias_buf = a;
    if let Some(t) = bias {
        flags |= ADD_BIAS;
        bias_buf = t;
    }
    if relu {
        flags |= RELU;
    }
    let mut db = c;
    match extra {
        Extra::None => {}
        Extra::BiasGrad(t) => {
            flags |= BIAS_GRAD;
            db = t;
        }
        Extra::ReluMask(x) => {
            flags |= RELU_MASK;
            bias_buf = x;
        }
    }
    let entry = match layout {
        Layout::NN => EntryPoint::MatmulSplitNN,
        Layout::TN => EntryPoint::MatmulSplitTN,
        Layout::NT => EntryPoint::MatmulSplitNT,
    };
    let params = [
        m as u32,
        n as u32,
        k as u32,
        flags,
        chunk as u32,
        splits as u32,
    ];
    // Threads with output: per tile, the thread rows (columns) whose first row (column)
    // is inside C.
    let lanes = |len: usize| -> u64 {
        let full = (len / SPLIT_TILE) * SPLIT_THREADS;
        (full + (len % SPLIT_TILE).min(SPLIT_THREADS)) as u64
    };
    let pass1 = Launch::from([
        n.div_ceil(SPLIT_TILE) as u32,
        m.div_ceil(SPLIT_TILE) as u32,
        splits as u32,
    ])
    .useful(lanes(m) * lanes(n) * splits as u64)
    .trips(chunk as u64);
    if splits == 1 {
        return gpu.dispatch(entry, &params, &[a, b, bias_buf, c, db], pass1);
    }
    let with_db = flags & BIAS_GRAD != 0;
    let partial_len = splits * (m * n + if with_db { n } else { 0 });
    let partial = gpu.empty(&[partial_len], DType::F32)?;
    gpu.dispatch(entry, &params, &[a, b, bias_buf, &partial, &partial], pass1)?;
    let outputs = m * n + if with_db { n } else { 0 };
    split_reduce(gpu, &params, &partial, (bias_buf, c, db), outputs)
}

/// Pass 2 of a split: add `partial`'s splits into the `outputs` results (C's m·n, then
/// db's n) with the epilogue of `params` ([m, n, k, flags, chunk, splits]): a thread per
/// result adding in split order, or from `TREE_SPLITS` splits on, a workgroup per result.
pub(crate) fn split_reduce(
    gpu: &Gpu,
    params: &[u32; 6],
    partial: &GpuTensor,
    (bias, c, db): (&GpuTensor, &GpuTensor, &GpuTensor),
    outputs: usize,
) -> Result<()> {
    let splits = params[5] as usize;
    let buffers = [partial, partial, bias, c, db];
    if splits < TREE_SPLITS {
        let launch = grid_1d(gpu, outputs, 256).trips(splits as u64);
        return gpu.dispatch(EntryPoint::MatmulSplitReduce, params, &buffers, launch);
    }
    // 64 strided sums, then the six halvings of the tree.
    let groups = grid_1d(gpu, outputs, 1).groups;
    let launch = Launch::from(groups)
        .useful(outputs as u64 * 64)
        .trips(splits.div_ceil(64) as u64 + 6);
    gpu.dispatch(EntryPoint::MatmulSplitReduceTree, params, &buffers, launch)
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

/// Record it on `kernel` (the register family for flag 4, which only it implements).
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
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        return shape_err("matmul", "inner dimension k is 0");
    }
    // A long K is split on every family (so the table never changes a result), and the
    // split family runs everything it is given.
    let chunk = split_chunk(gpu, (m, n, k), layout);
    if chunk.is_some() || kernel == MatmulKernel::Split {
        return split(gpu, (a, b), bias, (layout, relu), c, extra, chunk);
    }
    let tile = match kernel {
        _ if !gpu.offers_tiled_matmul() => None,
        MatmulKernel::Register | MatmulKernel::Split => None,
        MatmulKernel::Tiled64 => Some(64),
        MatmulKernel::Tiled32 => Some(32),
    };
    if let Some(ts) = tile {
        check_extra(extra, layout, m, n)?;
        return tiled(gpu, (a, b), bias, (layout, relu), (c, extra), ts);
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
        // TN kernels bind db at 5 (without flag 4 never written: `c` stands in).
        Layout::TN => gpu.dispatch(
            kernel,
            &params,
            &[a, b, bias_buf, c, db.unwrap_or(c)],
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
    let mut flags = if relu { RELU } else { 0 };
    let mut bias_buf = a;
    if let Some(t) = bias {
        flags |= ADD_BIAS;
        bias_buf = t;
    }
    let mut db = c;
    match extra {
        Extra::None => {}
        Extra::BiasGrad(t) => {
            flags |= BIAS_GRAD;
            db = t;
        }
        Extra::ReluMask(x) => {
            flags |= RELU_MASK;
            bias_buf = x;
        }
    }
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
    // db at binding 5 (without flag 4 never written: `c` stands in).
    let params = [m as u32, n as u32, k as u32, flags];
    gpu.dispatch(kernel, &params, &[a, b, bias_buf, c, db], groups)
}

/// (m, n, k) for `layout`, or a shape error naming both operands.
fn dims(a: &GpuTensor, b: &GpuTensor, layout: Layout) -> Result<(usize, usize, usize)> {
    matmul_dims(a.shape(), b.shape(), layout)
}
