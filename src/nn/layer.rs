//! The `Layer` trait every Keras-style layer implements, and `Param`, a trainable tensor
//! with its gradient. Layers follow llm.c's explicit-backward style: `forward` caches what
//! `backward` needs; `backward` overwrites each parameter's gradient and returns dx.

use rand::rngs::StdRng;

use super::device::Device;
use super::tensor::Tensor;
use crate::error::Result;

/// A trainable tensor: its value, and the gradient the last backward pass wrote.
pub struct Param {
    /// "kernel" or "bias", as Keras names them.
    pub name: &'static str,
    /// Keras layout (Dense kernel [in, out], Conv2D kernel [kh, kw, in, out]).
    pub shape: Vec<usize>,
    /// The weights, on the model's device.
    pub value: Tensor,
    /// The gradient of the loss for `value`, once training has allocated it.
    pub grad: Option<Tensor>,
    /// `value` and `grad` are ranges of the optimizer's arenas (`OptimizerState`: every
    /// parameter in one buffer, one update dispatch): backward writes into `grad` and
    /// never replaces it.
    pub packed: bool,
}

impl Param {
    /// A parameter with a value from the host.
    pub fn new(dev: &Device, name: &'static str, shape: &[usize], data: &[f32]) -> Result<Param> {
        Ok(Param {
            name,
            shape: shape.to_vec(),
            value: dev.upload(shape, data)?,
            grad: None,
            packed: false,
        })
    }

    /// Number of scalars.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True for an empty parameter.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where backward puts a gradient: into the arena's range when packed (the caller
    /// computes straight into it with `into`), else a new tensor from `new`. A layer's
    /// `backward` writes every gradient through this: on the GPU the optimizer reads the
    /// packed range, so a gradient put into `grad` by assignment would never be applied.
    pub fn write_grad(
        &mut self,
        into: impl FnOnce(&mut Tensor) -> Result<()>,
        new: impl FnOnce() -> Result<Tensor>,
    ) -> Result<()> {
        match (self.packed, self.grad.as_mut()) {
            (true, Some(g)) => into(g),
            _ => {
                self.grad = Some(new()?);
                Ok(())
            }
        }
    }
}

/// A layer of a `Sequential` model. Shapes exclude the batch axis.
pub trait Layer: Send {
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

    /// y = layer(x) for a batch x[batch, ..input_shape]. With `training`, caches what
    /// `backward` needs (and applies dropout).
    fn forward(&mut self, dev: &Device, x: &Tensor, training: bool) -> Result<Tensor>;

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

    /// The layer's activation, if it has one.
    fn activation(&self) -> Option<super::Activation> {
        None
    }

    /// Make the layer output pre-softmax logits (the loss fuses the softmax). Only called
    /// on a last layer whose activation is softmax.
    fn output_logits(&mut self, _yes: bool) {}

    /// Switch on (or off) applying the ReLU derivative of the layer before inside this
    /// layer's backward (dx masked by its input > 0, in the same dispatch), if it can:
    /// Dense (in its input-gradient matmul) and MaxPooling2D do. Returns whether it is now
    /// on. `compile` pairs it with `skip_relu_backward` on that layer.
    fn mask_input_relu(&mut self, _on: bool) -> bool {
        false
    }

    /// Switch on (or off) skipping this layer's own ReLU backward (the next layer applies
    /// it), if the layer ends in a ReLU: Dense and Conv2D with activation "relu". Returns
    /// whether it is now on.
    fn skip_relu_backward(&mut self, _on: bool) -> bool {
        false
    }

    /// True when backward only reshapes dy (Flatten, Reshape): a ReLU derivative can be
    /// applied past it.
    fn reshapes_only(&self) -> bool {
        false
    }
}
