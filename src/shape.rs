//! Shape rules both devices share: how a matmul reads its operands (`Layout`) and the
//! dimensions that follow, and tensors seen as matrices over their last axis. The GPU
//! launchers (`ops`) and the CPU device both call these, so a shape is inferred one way.

use crate::error::{shape_err, Result};

/// Which matmul operands are read transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// `A[M,K]`·`B[K,N]`
    NN,
    /// `A[K,M]`ᵀ·`B[K,N]`
    TN,
    /// `A[M,K]`·`B[N,K]`ᵀ
    NT,
}

/// (rows, cols) of a tensor shaped `s` seen as a matrix over its last axis.
pub fn rows_cols(s: &[usize]) -> (usize, usize) {
    let cols = s.last().copied().unwrap_or(1);
    (
        s.iter().product::<usize>().checked_div(cols).unwrap_or(0),
        cols,
    )
}

/// (m, n, k) of a matmul of operands shaped `a` and `b` (matrices over their last axis)
/// for `layout`, or a shape error naming both shapes.
pub fn matmul_dims(a: &[usize], b: &[usize], layout: Layout) -> Result<(usize, usize, usize)> {
    let ((ar, ac), (br, bc)) = (rows_cols(a), rows_cols(b));
    let (m, ka, kb, n) = match layout {
        Layout::NN => (ar, ac, br, bc),
        Layout::TN => (ac, ar, br, bc),
        Layout::NT => (ar, ac, bc, br),
    };
    if ka != kb {
        return shape_err(
            "matmul",
            format!(
                "{layout:?}: a {a:?} and b {b:?} disagree on the inner dimension ({ka} vs {kb})"
            ),
        );
    }
    Ok((m, n, ka))
}

/// Two operands that must have the same shape, by name: (name, shape).
pub fn expect_same(op: &'static str, a: (&str, &[usize]), b: (&str, &[usize])) -> Result<()> {
    if a.1 != b.1 {
        return shape_err(
            op,
            format!(
                "{} has shape {:?} but {} has shape {:?}",
                a.0, a.1, b.0, b.1
            ),
        );
    }
    Ok(())
}

/// The split-K plan for a matmul C[m, n] over an inner dimension `k`: `Some(chunk)` when
/// `k` is longer than `split_above`, the chunk of k each split reduces (the splits run in
/// parallel and a second pass adds their partial sums in a fixed order); `None` to reduce
/// k in one run.
/// - TN (weight gradients Xᵀ·dY: k = batch·H·W, a small result): chunks of 32, so pass 1
///   is short and wide (k = 21,632: 676 splits); pass 2 adds many splits with a workgroup
///   per result (`TREE_SPLITS`). `bias_backward` sums its columns in the same chunks
///   (it asks with m = 0: TN's rule does not look at the result's size).
/// - NN, NT: not when C alone fills a big GPU (`FILL_TILES` tiles of 32×32) and k is at
///   most `LONG_K` (the partial sums would only add memory traffic); otherwise √k rounded
///   up to a multiple of 16, at least 32, so the longest thread of pass 1 (chunk trips)
///   and of pass 2 (k / chunk trips) are about equal.
pub fn split_k_chunk(
    (m, n, k): (usize, usize, usize),
    split_above: usize,
    layout: Layout,
) -> Option<usize> {
    if k <= split_above {
        return None;
    }
    let tiles = m.div_ceil(32) * n.div_ceil(32);
    let chunk = match layout {
        Layout::TN => 32,
        Layout::NN | Layout::NT if tiles >= FILL_TILES && k <= LONG_K => return None,
        Layout::NN | Layout::NT => {
            let root = (k as f64).sqrt().ceil() as usize;
            root.div_ceil(16).max(2) * 16
        }
    };
    (chunk < k).then_some(chunk)
}

/// 32×32 tiles of C that fill the reference GPU without splitting: two workgroups for
/// each of an H100's 132 SMs.
pub const FILL_TILES: usize = 264;

/// NN and NT products with a longer k are split even when C fills the GPU.
pub const LONG_K: usize = 4096;

/// From this many splits on, pass 2 gives each result a workgroup of 64 threads (each adds
/// every 64th split in order, then a fixed halving tree) instead of one thread adding all
/// splits in order. Both orders are fixed: the same bits run to run.
pub const TREE_SPLITS: usize = 64;
