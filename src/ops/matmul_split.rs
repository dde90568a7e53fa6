//! Launcher for `shaders/matmul_split.wgsl` (CPU twin: `cpu::matmul_split`): the GPU
//! matmul family (full 8×8-thread workgroups, 4×4 outputs each, every epilogue) and its
//! deterministic split-K: which products split and in what chunks (`split_chunk`), pass 1
//! over the chunks, pass 2 (`split_reduce`) adding the partials in a fixed order.

use super::grid_1d;
use super::matmul_epilogue::{check_extra, dims, epilogue, Extra, BIAS_GRAD};
use crate::error::{shape_err, Result};
use crate::gpu::cost::Launch;
use crate::gpu::matmul_choice::MatmulKernel;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};
use crate::shape::{split_k_chunk, Layout, TREE_SPLITS};

/// The 32×32 tile of C of each 8×8-thread workgroup.
pub(super) const SPLIT_TILE: usize = 32;
const SPLIT_THREADS: usize = 8;

/// The split-K chunk this adapter uses for an [m, n] result over `k`: the rule of
/// `shape::split_k_chunk` at the adapter's threshold, lengthened where the partial sums of
/// that many splits would not fit one binding, or the splits one grid dimension (`None`:
/// one run).
/// (`bias_backward` asks with m = 0: its chunk is the fused bias gradient's unless the
/// weight gradient's partial sums alone would exceed a binding.)
pub fn split_chunk(gpu: &Gpu, (m, n, k): (usize, usize, usize), layout: Layout) -> Option<usize> {
    let chunk = split_k_chunk((m, n, k), gpu.split_k_above(), layout)?;
    let limit = gpu.info().limits.max_storage_buffer_binding_size as usize;
    let grid = gpu.info().limits.max_compute_workgroups_per_dimension as usize;
    let most = (limit / (4 * (m * n + n)).max(1)).min(grid);
    if most < 2 {
        return None;
    }
    let chunk = chunk.max(k.div_ceil(most));
    (chunk < k).then_some(chunk)
}

/// The form a matmul of `kernel`'s family runs in on this adapter: what the launcher
/// runs and what `matmul_grid` counts, decided in one place.
pub(super) enum Form {
    /// The split family, with this split-K chunk (`None`: one run). A long K is split on
    /// every family (so the table never changes a result), and the split family runs
    /// everything it is given.
    Split(Option<usize>),
    /// The workgroup-memory kernel with this square tile.
    Tiled(usize),
    /// The register kernels.
    Register,
}

/// [`Form`] of the product c[m, n] over `k` in `layout` on `kernel`'s family.
pub(super) fn form(
    gpu: &Gpu,
    mnk: (usize, usize, usize),
    layout: Layout,
    kernel: MatmulKernel,
) -> Form {
    let chunk = split_chunk(gpu, mnk, layout);
    if chunk.is_some() || kernel == MatmulKernel::Split {
        return Form::Split(chunk);
    }
    match kernel {
        _ if !gpu.offers_tiled_matmul() => Form::Register,
        MatmulKernel::Tiled64 => Form::Tiled(64),
        MatmulKernel::Tiled32 => Form::Tiled(32),
        MatmulKernel::Register | MatmulKernel::Split => Form::Register,
    }
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

/// The split family: pass 1 over `chunk`-long runs of k (or all of k), then, with more
/// than one split, pass 2 adding the partial sums in split order with the epilogue.
pub(super) fn split(
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
    let (flags, bias_buf, db) = epilogue((a, gpu.never_written()), bias, relu, extra);
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
