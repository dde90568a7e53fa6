//! `Param`, a trainable tensor with its gradient: what layers own and the optimizer
//! updates (in the training folder, so the optimizer needs nothing from the model).

use crate::error::Result;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::training::regularizer::Regularizer;

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
    /// Keras's `kernel_regularizer` / `bias_regularizer`: a penalty on `value` added to
    /// the loss and its gradient to `grad` after backward (None: no penalty).
    pub regularizer: Option<Regularizer>,
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
            regularizer: None,
        })
    }

    /// This parameter with a weight penalty (`kernel_regularizer=…`), or none.
    pub fn with_regularizer(mut self, regularizer: Option<Regularizer>) -> Param {
        self.regularizer = regularizer;
        self
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
