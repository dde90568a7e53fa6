//! Every op, one file each (as burn's `tests/<op>.rs`): the GPU kernel against its CPU twin
//! on seeded inputs with outliers, over shapes that are not tile multiples (1, 7, 33, 257)
//! and a large one, and the twin's backward against finite differences.
//! Tolerances: elementwise kernels agree to a few ulps (atol 1e-6, rtol 1e-5); sums over
//! k terms in f32 (matmul, col2im, bias gradient) get atol growing with √k times the
//! operands' scale, since the GPU accumulates in f32 and the CPU twin in f64.
//! A failure prints the max difference, where, and the first bad index.

#[path = "../common/mod.rs"]
mod common;
mod finite_diff;

mod accuracy;
mod adam;
mod augment;
mod avgpool;
mod batch_norm;
mod bias;
mod clip;
mod depthwise_conv;
mod dropout;
mod gather;
mod global_pool;
mod im2col;
mod layer_norm;
mod lr_schedule;
mod matmul;
mod matmul_split;
mod maxpool;
mod mse;
mod pad2d;
mod pool_same;
mod regularize;
mod rescale;
mod rmsprop;
mod sgd;
mod sigmoid_cross_entropy;
mod softmax;
mod softmax_cross_entropy;
mod sparse_softmax_cross_entropy;
mod spatial_dropout;
mod transpose;
mod unary;

/// What every op file uses.
mod prelude {
    pub use crate::common::{assert_close, gpu, max_diff, one_hot, randn};
    pub use crate::finite_diff::{check, dot, rand64};
    pub use wgtrain::cpu;
    pub use wgtrain::geometry::{Conv2dGeometry, Padding, Pool2dGeometry};
    pub use wgtrain::gpu::{Saved, Unary};
    pub use wgtrain::nn::{AdamParams, EpsilonForm, SgdParams};
    pub use wgtrain::ops;
    pub use wgtrain::shape::Layout;

    /// Sizes that are not multiples of any tile.
    pub const SIZES: [usize; 4] = [1, 7, 33, 257];

    /// f32 summation of k products of operands bounded by `scale`: tolerance for the
    /// result.
    pub fn sum_atol(k: usize, scale: f32) -> f32 {
        2e-6 * (k as f32).sqrt().max(1.0) * scale
    }
}
