//! What the matmul kernels do besides C — the epilogue flags, the bias gradient and the
//! ReLU mask ([`Extra`]) — and the shape check, shared by the launchers of
//! `matmul.rs` and `matmul_split.rs`, so neither imports the other in a loop.

use super::expect_len;
use crate::error::{shape_err, Result};
use crate::gpu::GpuTensor;
use crate::shape::{matmul_dims, Layout};

/// Flags of the shader's epilogue.
pub(super) const ADD_BIAS: u32 = 1;
pub(super) const RELU: u32 = 2;
/// TN only: an extra row of workgroups also writes the column sums of B.
pub(super) const BIAS_GRAD: u32 = 4;
/// The split and tiled kernels: C kept where binding 3 (the mask) is > 0.
pub(super) const RELU_MASK: u32 = 8;

/// What a launch computes besides C (op(A)·op(B) (+ bias) (ReLU)).
#[derive(Clone, Copy)]
pub enum Extra<'a> {
    /// Only C.
    None,
    /// TN: the column sums of B into this tensor.
    BiasGrad(&'a GpuTensor),
    /// NT: C kept only where this tensor (shaped like C) is > 0 (the `_masked` entries).
    ReluMask(&'a GpuTensor),
}

/// The extra work's tensor has the length it needs.
pub(super) fn check_extra(extra: Extra, layout: Layout, m: usize, n: usize) -> Result<()> {
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

/// The epilogue flags of the split and tiled kernels (bias, ReLU, bias gradient, ReLU
/// mask) and what binds at 3 (the bias or the mask; else `a`, never read) and at 5 (db;
/// else `unused`, never written: `Gpu::never_written`).
pub(super) fn epilogue<'t>(
    (a, unused): (&'t GpuTensor, &'t GpuTensor),
    bias: Option<&'t GpuTensor>,
    relu: bool,
    extra: Extra<'t>,
) -> (u32, &'t GpuTensor, &'t GpuTensor) {
    let mut flags = if relu { RELU } else { 0 };
    let mut at3 = a;
    if let Some(t) = bias {
        flags |= ADD_BIAS;
        at3 = t;
    }
    let mut at5 = unused;
    match extra {
        Extra::None => {}
        Extra::BiasGrad(t) => {
            flags |= BIAS_GRAD;
            at5 = t;
        }
        Extra::ReluMask(x) => {
            flags |= RELU_MASK;
            at3 = x;
        }
    }
    (flags, at3, at5)
}

/// (m, n, k) for `layout`, or a shape error naming both operands.
pub(super) fn dims(a: &GpuTensor, b: &GpuTensor, layout: Layout) -> Result<(usize, usize, usize)> {
    matmul_dims(a.shape(), b.shape(), layout)
}
