//! The `Layer` trait every Keras-style layer implements (its trainable tensors are
//! `Param`s, in `nn/training/param.rs`). Layers follow llm.c's explicit-backward style: `forward` caches what
//! `backward` needs; `backward` overwrites each parameter's gradient and returns dx.

use rand::rngs::StdRng;

use crate::error::Result;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::fusion::{CanFuse, LayerFusion};
use crate::nn::training::param::Param;

/// A layer of a `Sequential` model. Shapes exclude the batch axis. `Send + Sync`: a model
/// moves to another thread, and a shared `&Sequential` predicts from several at once.
pub trait Layer: Send + Sync {
    /// The Keras class name ("Dense", "Conv2D", ...).
    fn kind(&self) -> &'static str;

    /// Check the per-sample input shape and fix the output shape. Errors name the layer
    /// and the shape it got, and say what it needs.
    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>>;

    /// The layer as a model-description entry (Keras name and arguments).
    fn spec(&self) -> super::spec::LayerSpec;

    /// Non-trainable state a checkpoint must keep for an exact resume (Dropout's step
    /// counter), as (name, u32 tensor).
    fn state(&self) -> Vec<(&'static str, &Tensor)> {
        Vec::new()
    }

    /// The same state, mutably (to restore it).
    fn state_mut(&mut self) -> Vec<(&'static str, &mut Tensor)> {
        Vec::new()
    }

    /// Scalars in all weights once built (0 for layers without parameters), as Keras's
    /// `count_params`. `Sequential::add`
    /// has checked that this count fits a `usize`.
    fn param_count(&self) -> usize {
        self.param_shapes()
            .iter()
            .map(|(_, s)| s.iter().product::<usize>())
            .sum()
    }

    /// The parameters `init` will create, as (name, Keras-layout shape), known once built:
    /// what the memory check sizes before anything is allocated.
    fn param_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        Vec::new()
    }

    /// Scratch tensors one forward/backward pass makes beyond the layer's output, as
    /// (name, shape per sample, whose first axis is multiplied by the batch), e.g. Conv2D's
    /// im2col columns. For the memory check.
    fn scratch_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        Vec::new()
    }

    /// Create the parameters on `dev` (Keras init: Glorot-uniform kernels, zero biases).
    fn init(&mut self, _be: &Device, _rng: &mut StdRng) -> Result<()> {
        Ok(())
    }

    /// The training forward: y = layer(x) for a batch x[batch, ..input_shape], caching
    /// what `backward` needs (and applying dropout, moving batch statistics).
    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor>;

    /// The inference forward (Keras's `call` with `training=False`): y = layer(x) without
    /// caching anything, dropout off, moving statistics used and left alone. What
    /// `predict` and `evaluate` run, through a shared `&Sequential`. A layer told to
    /// output logits (`set_fusion`) outputs them here too.
    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor>;

    /// From dy (same shape as the last forward's output), overwrite every parameter's
    /// `grad` and return dx when `need_dx` (the first layer skips it).
    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>>;

    /// The parameters, in a fixed order (kernel, then bias).
    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }

    /// The parameters, mutably, same order as `params`.
    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
    }

    /// Weights the optimizer leaves alone (BatchNormalization's moving statistics), by
    /// name. They are saved, loaded and listed by `get_weights` like the others, and
    /// counted as Keras's "Non-trainable params".
    fn non_trainable_weights(&self) -> &'static [&'static str] {
        &[]
    }

    /// The parameters the optimizer updates, in `params` order.
    fn trainable_params(&self) -> Vec<&Param> {
        let frozen = self.non_trainable_weights();
        self.params()
            .into_iter()
            .filter(|p| !frozen.contains(&p.name))
            .collect()
    }

    /// The same, mutably.
    fn trainable_params_mut(&mut self) -> Vec<&mut Param> {
        let frozen = self.non_trainable_weights();
        self.params_mut()
            .into_iter()
            .filter(|p| !frozen.contains(&p.name))
            .collect()
    }

    /// Scalars in the non-trainable weights, once built.
    fn non_trainable_count(&self) -> usize {
        let frozen = self.non_trainable_weights();
        self.param_shapes()
            .iter()
            .filter(|(name, _)| frozen.contains(name))
            .map(|(_, s)| s.iter().product::<usize>())
            .sum()
    }

    /// What the layer can take part in when `compile` plans the fusions (see
    /// [`CanFuse`]'s fields). The default fuses nothing: a new layer needs neither this
    /// nor `set_fusion`.
    fn can_fuse(&self) -> CanFuse {
        CanFuse::default()
    }

    /// Apply the layer's part of the plan `compile` made (`Sequential::fusion_plan`). Only
    /// the bits the layer's `can_fuse` offered are ever on; each `compile` sets them anew.
    fn set_fusion(&mut self, _plan: LayerFusion) {}
}
