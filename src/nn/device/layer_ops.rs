//! `LayerOps`: the ops of the tutorial layers beyond the seed set (LayerNormalization,
//! SpatialDropout2D, the augmentation layers, depthwise convolution), part of every
//! `DeviceOps`; implemented in `gpu_layers.rs` and `cpu_layers.rs`.

use crate::cpu::augment::Augment;
use crate::error::Result;
use crate::geometry::DepthwiseGeometry;
use crate::nn::device::tensor::Tensor;

/// The ops of the tutorial layers, implemented once per device (`gpu_layers.rs`,
/// `cpu_layers.rs`); part of every `DeviceOps`.
pub trait LayerOps {
    /// `x[.., c]`, `gamma[c]`, `beta[c]` → (y = γ·(x − mean)·inv_std + β per row of the
    /// last axis, `stats[rows, 2]` = each row's (mean, 1/√(var + ε))).
    fn layer_norm_forward(
        &self,
        x: &Tensor,
        gamma: &Tensor,
        beta: &Tensor,
        epsilon: f32,
    ) -> Result<(Tensor, Tensor)>;
    /// → (dx, `dgamma[c]`, `dbeta[c]`) of `layer_norm_forward`, from its input, dy and
    /// stats.
    fn layer_norm_backward(
        &self,
        x: &Tensor,
        dy: &Tensor,
        stats: &Tensor,
        gamma: &Tensor,
    ) -> Result<(Tensor, Tensor, Tensor)>;
    /// SpatialDropout2D at the counter's current value: `x[n, h, w, c]` → (y, `mask[n, c]`),
    /// whole channels dropped with probability `rate`, the rest scaled by 1 / (1 − rate).
    fn spatial_dropout_forward(
        &self,
        x: &Tensor,
        step: &Tensor,
        rate: f32,
        seed: u32,
    ) -> Result<(Tensor, Tensor)>;
    /// dx = dy · mask[sample, channel].
    fn spatial_dropout_backward(&self, dy: &Tensor, mask: &Tensor) -> Result<Tensor>;
    /// The depthwise convolution: `x[n, h, w, c]`, `w[kh, kw, c, dm]`, `bias[c·dm]`
    /// (optional) → `y[n, oh, ow, c·dm]`, then max(·, 0) when `relu`.
    fn depthwise_conv_forward(
        &self,
        x: &Tensor,
        w: &Tensor,
        bias: Option<&Tensor>,
        g: &DepthwiseGeometry,
        relu: bool,
    ) -> Result<Tensor>;
    /// Its input gradient: `dy[n, oh, ow, c·dm]`, `w` → `dx[n, h, w, c]`.
    fn depthwise_conv_backward(
        &self,
        dy: &Tensor,
        w: &Tensor,
        g: &DepthwiseGeometry,
    ) -> Result<Tensor>;
    /// Its kernel gradient: `x`, `dy` → `dw[kh, kw, c, dm]`, into `dw` (overwritten).
    fn depthwise_conv_weight_grad_into(
        &self,
        x: &Tensor,
        dy: &Tensor,
        g: &DepthwiseGeometry,
        dw: &mut Tensor,
    ) -> Result<()>;
    /// The same in a new tensor.
    fn depthwise_conv_weight_grad(
        &self,
        x: &Tensor,
        dy: &Tensor,
        g: &DepthwiseGeometry,
    ) -> Result<Tensor>;
    /// An augmentation layer at the counter's current value: `x[n, h, w, c]` → y, each
    /// image through the map `a` draws for it from (seed, step, image).
    fn augment_forward(&self, x: &Tensor, step: &Tensor, a: &Augment, seed: u32) -> Result<Tensor>;
    /// dx of `augment_forward` at the same counter value (its transpose applied to dy).
    fn augment_backward(
        &self,
        dy: &Tensor,
        step: &Tensor,
        a: &Augment,
        seed: u32,
    ) -> Result<Tensor>;
}
