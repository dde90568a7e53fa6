//! GPU launchers, one per op, named like their CPU twins in `crate::cpu` (the elementwise
//! activations share one, `unary`). Each checks
//! shapes (returning `Error::Shape` that names both), takes output buffers from the pool,
//! and records its dispatch without submitting.

pub mod accuracy;
pub mod adam;
mod autotune;
pub mod avgpool;
pub mod batch_norm;
pub mod bias;
pub mod clip;
pub mod counter;
pub mod dropout;
pub mod gather;
pub mod global_pool;
pub mod im2col;
pub mod layer_norm;
pub mod lr_schedule;
pub mod matmul;
mod matmul_epilogue;
pub mod matmul_grid;
pub mod matmul_split;
pub mod maxpool;
pub mod mse;
pub mod pad2d;
pub mod rescale;
pub mod rmsprop;
pub mod sgd;
pub mod sigmoid_cross_entropy;
pub mod softmax;
pub mod softmax_cross_entropy;
pub mod sparse_softmax_cross_entropy;
pub mod spatial_dropout;
pub mod sum;
pub mod transpose;
pub mod unary;
pub mod weight_decay;

pub use accuracy::{accuracy_forward, sparse_accuracy_forward, top_k_accuracy_forward};
pub use adam::{adam_step, adam_update};
pub use avgpool::{avgpool_backward, avgpool_forward};
pub use batch_norm::{
    batch_norm_backward, batch_norm_forward, batch_norm_inference_forward, batch_norm_statistics,
};
pub use bias::{bias_backward, bias_backward_into, bias_forward};
pub use clip::{clip_norm_update, clip_value_update};
pub use counter::counter_step;
pub use dropout::{dropout_backward, dropout_forward};
pub use gather::{gather_forward, gather_u8_forward, BatchIndex};
pub use global_pool::{
    global_avg_pool_backward, global_avg_pool_forward, global_max_pool_backward,
    global_max_pool_forward, GlobalPool,
};
pub use im2col::{im2col_backward, im2col_forward};
pub use layer_norm::{layer_norm_backward, layer_norm_forward};
pub use lr_schedule::{lr_schedule_forward, lr_schedule_table};
pub use matmul::{
    matmul, matmul_into, matmul_nt_relu_masked, matmul_tn_bias_grad_into, matmul_with,
};
pub use maxpool::{maxpool_backward, maxpool_backward_masked, maxpool_forward};
pub use mse::{mse_backward, mse_forward};
pub use pad2d::{pad2d_backward, pad2d_forward};
pub use rescale::{rescale_backward, rescale_forward};
pub use rmsprop::rmsprop_update;
pub use sgd::sgd_update;
pub use sigmoid_cross_entropy::{
    binary_accuracy_forward, sigmoid_cross_entropy_backward, sigmoid_cross_entropy_forward,
};
pub use softmax::{softmax_backward, softmax_forward};
pub use softmax_cross_entropy::{
    softmax_cross_entropy_backward, softmax_cross_entropy_forward, softmax_cross_entropy_step,
};
pub use sparse_softmax_cross_entropy::{
    sparse_softmax_cross_entropy_backward, sparse_softmax_cross_entropy_forward,
    sparse_softmax_cross_entropy_step,
};
pub use spatial_dropout::{spatial_dropout_backward, spatial_dropout_forward};
pub use sum::{sum_forward, sum_into};
pub use transpose::transpose_forward;
pub use unary::{unary_backward, unary_backward_with, unary_forward, unary_forward_with};
pub use weight_decay::weight_decay_update;

use crate::error::{shape_err, Result};
use crate::gpu::cost::Launch;
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// Workgroup counts covering `n` threads in groups of `wg`, folded into a second
/// dimension past the adapter's per-dimension limit, `n` of them with output. Shaders
/// index with `gid.x + gid.y · num_workgroups.x · wg` and bounds-check.
pub(crate) fn grid_1d(gpu: &Gpu, n: usize, wg: u32) -> Launch {
    let groups = n.div_ceil(wg as usize);
    let limit = gpu.info().limits.max_compute_workgroups_per_dimension as usize;
    let grid = if groups <= limit {
        [groups as u32, 1, 1]
    } else {
        [limit as u32, groups.div_ceil(limit) as u32, 1]
    };
    Launch::from(grid).useful(n as u64)
}

/// Check that `t` has exactly `want` elements.
pub(crate) fn expect_len(op: &'static str, what: &str, t: &GpuTensor, want: usize) -> Result<()> {
    if t.len() != want {
        return shape_err(
            op,
            format!(
                "{what} has shape {:?} ({} elements) but {want} are needed",
                t.shape(),
                t.len()
            ),
        );
    }
    Ok(())
}

/// Check that two tensors have the same shape.
pub(crate) fn expect_same(
    op: &'static str,
    a: (&str, &GpuTensor),
    b: (&str, &GpuTensor),
) -> Result<()> {
    crate::shape::expect_same(op, (a.0, a.1.shape()), (b.0, b.1.shape()))
}

/// Rows and columns of a tensor seen as a matrix over its last axis.
pub(crate) fn rows_cols(t: &GpuTensor) -> (usize, usize) {
    crate::shape::rows_cols(t.shape())
}

/// A loss kernel's backward, dlogits[rows, cols] from probs and labels (checked by the
/// caller) times `scale`, one invocation per element: the dispatch the cross-entropy
/// launchers share.
/// The `<loss>_step` launch both cross-entropies share: checks the totals, records the one
/// workgroup, returns the gradient.
pub(crate) fn loss_step(
    gpu: &Gpu,
    (op, entry): (&'static str, EntryPoint),
    (logits, labels): (&GpuTensor, &GpuTensor),
    scale: f32,
    loss_total: &GpuTensor,
    correct_total: Option<&GpuTensor>,
) -> Result<GpuTensor> {
    expect_len(op, "loss_total", loss_total, 1)?;
    if let Some(c) = correct_total {
        expect_len(op, "correct_total", c, 1)?;
    }
    let (rows, cols) = rows_cols(logits);
    let probs = gpu.empty(logits.shape(), DType::F32)?;
    let grad = gpu.empty(logits.shape(), DType::F32)?;
    // Without a count, correct_total is never written: a stand-in is bound (not
    // loss_total: WebGPU refuses two writable bindings of one buffer).
    let correct = correct_total.unwrap_or(gpu.never_written());
    gpu.dispatch(
        entry,
        &[
            rows as u32,
            cols as u32,
            scale.to_bits(),
            correct_total.is_some() as u32,
        ],
        &[logits, labels, &probs, &grad, loss_total, correct],
        // One workgroup: each thread takes rows 256 apart, three passes over a row's
        // columns each, then the sums' tree.
        Launch::from([1, 1, 1])
            .useful(rows.min(256) as u64)
            .trips(rows.div_ceil(256) as u64 * 3 * cols as u64 + 8),
    )?;
    Ok(grad)
}

pub(crate) fn loss_backward(
    gpu: &Gpu,
    entry: EntryPoint,
    probs: &GpuTensor,
    labels: &GpuTensor,
    scale: f32,
) -> Result<GpuTensor> {
    let (rows, cols) = rows_cols(probs);
    let d = gpu.empty(probs.shape(), DType::F32)?;
    gpu.dispatch(
        entry,
        &[rows as u32, cols as u32, scale.to_bits()],
        &[probs, labels, &d],
        grid_1d(gpu, probs.len(), 256),
    )?;
    Ok(d)
}
