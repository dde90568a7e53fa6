//! CPU twins of every GPU kernel: plain loops with f64 accumulation, generic over f32 and
//! f64 (f64 for finite-difference checks). They are the source of truth the GPU kernels
//! are tested against, and the CPU reference device runs on them.

pub mod accuracy;
pub mod activation;
pub mod adam;
pub mod augment;
pub mod avgpool;
pub mod batch_norm;
pub mod bias;
pub mod clip;
pub mod counter;
pub mod depthwise_conv;
pub mod dropout;
pub mod gather;
pub mod global_pool;
pub mod im2col;
pub mod layer_norm;
pub mod lr_schedule;
pub mod matmul;
pub mod matmul_split;
pub mod maxpool;
pub mod mse;
pub mod pad2d;
pub mod regularize;
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
pub mod weight_decay;

pub use accuracy::{accuracy_forward, argmax, sparse_accuracy_forward, top_k_accuracy_forward};
pub use activation::*;
pub use adam::{adam_state, adam_step, adam_update, beta_fixed, bias_correction, ADAM_STATE_LEN};
pub use augment::{augment_backward, augment_forward};
pub use avgpool::{avgpool_backward, avgpool_forward};
pub use batch_norm::{
    batch_norm_backward, batch_norm_forward, batch_norm_inference_forward, batch_norm_statistics,
    BatchNormParams,
};
pub use bias::{bias_backward, bias_forward};
pub use clip::{clip_norm_update, clip_value_update};
pub use counter::counter_step;
pub use depthwise_conv::{
    depthwise_conv_backward, depthwise_conv_forward, depthwise_conv_weight_grad,
};
pub use dropout::{dropout_backward, dropout_forward};
pub use gather::{gather_forward, gather_u8_forward, pack_u8, PackedU8};
pub use global_pool::{
    global_avg_pool_backward, global_avg_pool_forward, global_max_pool_backward,
    global_max_pool_forward,
};
pub use im2col::{im2col_backward, im2col_forward};
pub use layer_norm::{layer_norm_backward, layer_norm_forward};
pub use lr_schedule::lr_schedule_forward;
pub use matmul::matmul;
pub use matmul_split::matmul_split;
pub use maxpool::{maxpool_backward, maxpool_forward};
pub use mse::{mse_backward, mse_forward};
pub use pad2d::{pad2d_backward, pad2d_forward};
pub use regularize::{regularize_backward, regularize_forward};
pub use rescale::{rescale_backward, rescale_forward};
pub use rmsprop::rmsprop_update;
pub use sgd::sgd_update;
pub use sigmoid_cross_entropy::{
    binary_accuracy_forward, sigmoid_cross_entropy_backward, sigmoid_cross_entropy_forward,
};
pub use softmax::{softmax_backward, softmax_forward};
pub use softmax_cross_entropy::{softmax_cross_entropy_backward, softmax_cross_entropy_forward};
pub use sparse_softmax_cross_entropy::{
    sparse_softmax_cross_entropy_backward, sparse_softmax_cross_entropy_forward,
};
pub use spatial_dropout::{
    spatial_dropout_backward, spatial_dropout_forward, spatial_dropout_mask,
};
pub use sum::sum_forward;
pub use transpose::transpose_forward;
pub use weight_decay::weight_decay_update;

/// A float the CPU twins compute in: f32 for the reference device, f64 for gradient checks.
pub trait Scalar: Copy + Default + PartialOrd + std::fmt::Debug + Send + Sync + 'static {
    /// The value as an f64.
    fn to_f64(self) -> f64;
    /// The value nearest `v` in this type.
    fn from_f64(v: f64) -> Self;
}

impl Scalar for f32 {
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

impl Scalar for f64 {
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(v: f64) -> Self {
        v
    }
}
