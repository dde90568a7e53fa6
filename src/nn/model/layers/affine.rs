//! The part Dense and Conv2D share: y = act(x·W + b) over matrices, with the backward
//! dz = act'(dy), dW = xᵀ·dz, db = Σ dz, dx = dz·Wᵀ (gradients overwrite).

use crate::error::{Error, Result};
use crate::gpu::Saved;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::fusion::{CanFuse, LayerFusion};
use crate::nn::training::param::Param;
use crate::nn::training::regularizer::Regularizer;
use crate::nn::Activation;
use crate::shape::Layout;

/// Kernel [k, units] and bias [units], an activation, and the forward cache.
pub(crate) struct Affine {
    pub kernel: Option<Param>,
    pub bias: Option<Param>,
    pub activation: Activation,
    /// Output logits: skip a softmax or sigmoid activation (the loss applies it, fused).
    pub logits: bool,
    /// Keras's `trainable`: false freezes the kernel and bias (no gradients, no update).
    pub trainable: bool,
    /// Keras's `kernel_regularizer` (none by default): given to the kernel's `Param`.
    pub kernel_regularizer: Option<Regularizer>,
    /// Keras's `bias_regularizer` (none by default): given to the bias's `Param`.
    pub bias_regularizer: Option<Regularizer>,
    x: Option<Tensor>,
    /// What the activation's backward reads: its input z or its output y.
    saved: Option<Tensor>,
    /// The next layer applies this ReLU's derivative (`LayerFusion::skip_relu_backward`).
    skip_relu_backward: bool,
    /// Apply the previous layer's ReLU derivative to dx (`LayerFusion::mask_input_relu`).
    mask_input_relu: bool,
}

impl Affine {
    pub fn new(activation: Activation) -> Affine {
        Affine {
            kernel: None,
            bias: None,
            activation,
            logits: false,
            trainable: true,
            kernel_regularizer: None,
            bias_regularizer: None,
            x: None,
            saved: None,
            skip_relu_backward: false,
            mask_input_relu: false,
        }
    }

    /// The regularizers' factors must be finite and ≥ 0 (`layer` names it in the error).
    pub fn check_regularizers(&self, layer: &str) -> Result<()> {
        for (arg, r) in [
            ("kernel_regularizer", self.kernel_regularizer),
            ("bias_regularizer", self.bias_regularizer),
        ] {
            if let Some(Err(e)) = r.map(Regularizer::check) {
                return Err(Error::Model(format!("{layer}: `{arg}`: {e}")));
            }
        }
        Ok(())
    }

    /// Whether the activation (as the forward applies it) is ReLU.
    fn ends_in_relu(&self) -> bool {
        self.effective() == Activation::Relu
    }

    /// What an affine layer can fuse: its activation (for the loss), its ReLU's backward
    /// (left to the next layer), and, when its layer maps dx straight back to its input
    /// (`masks`: Dense, not Conv2D's im2col columns), the previous layer's ReLU mask.
    pub fn can_fuse(&self, masks: bool) -> CanFuse {
        CanFuse {
            activation: Some(self.activation),
            relu_for_next: self.activation == Activation::Relu,
            masks_input_relu: masks,
            reshapes_only: false,
        }
    }

    /// Take this layer's part of the fusion plan.
    pub fn set_fusion(&mut self, plan: LayerFusion) {
        self.logits = plan.output_logits;
        self.skip_relu_backward = plan.skip_relu_backward;
        self.mask_input_relu = plan.mask_input_relu;
    }

    fn effective(&self) -> Activation {
        if self.logits && matches!(self.activation, Activation::Softmax | Activation::Sigmoid) {
            Activation::Linear
        } else {
            self.activation
        }
    }

    /// x[rows, k] → (z, y[rows, units]): the bias and a ReLU are fused into the matmul
    /// (its epilogue), so for those z is y.
    fn apply(&self, dev: &Device, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let (w, b) = (self.kernel_param(), self.bias.as_ref().map(|p| &p.value));
        let act = self.effective();
        let z = dev.matmul(x, &w.value, b, Layout::NN, act == Activation::Relu)?;
        let y = match act {
            Activation::Relu | Activation::Linear => z.clone(),
            other => dev.activation_forward(other, &z)?,
        };
        Ok((z, y))
    }

    /// The inference forward: y, nothing cached.
    pub fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        Ok(self.apply(dev, x)?.1)
    }

    /// The training forward: y, caching x and what the activation's backward reads.
    pub fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (z, y) = self.apply(dev, x)?;
        self.saved = Some(match self.effective().saved() {
            Saved::Input => z,
            Saved::Output => y.clone(),
        });
        self.x = Some(x.clone());
        Ok(y)
    }

    /// dy[rows, units] → kernel/bias grads (overwritten) and dx[rows, k] if asked.
    pub fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let x = self
            .x
            .take()
            .expect("Affine::backward without a training forward");
        let saved = self
            .saved
            .take()
            .expect("Affine::backward without a training forward");
        let dz = match self.skip_relu_backward && self.ends_in_relu() {
            true => dy.clone(), // the next layer applied ReLU's derivative
            false => dev.activation_backward(self.effective(), &saved, dy)?,
        };
        if !self.trainable {
            return self.input_gradient(dev, &dz, &x, need_dx);
        }
        // x[rows,k]ᵀ·dz[rows,units] = dW[k,units], db = Σ_rows dz: one dispatch into the
        // optimizer's arena when both are packed.
        let kernel = self.kernel.as_mut().expect("built");
        if let (true, Some(dw), Some(bias)) =
            (kernel.packed, kernel.grad.as_mut(), self.bias.as_mut())
        {
            if let (true, Some(db)) = (bias.packed, bias.grad.as_mut()) {
                dev.weight_gradients_into(&x, &dz, dw, db)?;
                return self.input_gradient(dev, &dz, &x, need_dx);
            }
        }
        let shape = kernel.shape.clone();
        kernel.write_grad(
            |g| dev.matmul_into(&x, &dz, Layout::TN, g),
            || {
                Ok(dev
                    .matmul(&x, &dz, None, Layout::TN, false)?
                    .reshape(&shape))
            },
        )?;
        if let Some(bias) = self.bias.as_mut() {
            bias.write_grad(
                |g| dev.bias_backward_into(&dz, g),
                || dev.bias_backward(&dz),
            )?;
        }
        self.input_gradient(dev, &dz, &x, need_dx)
    }

    /// dz[rows,units]·W[k,units]ᵀ = dx[rows,k] (leading kernel axes fold into k), if asked;
    /// times [x > 0] when applying the previous layer's ReLU derivative.
    fn input_gradient(
        &self,
        dev: &Device,
        dz: &Tensor,
        x: &Tensor,
        need_dx: bool,
    ) -> Result<Option<Tensor>> {
        if !need_dx {
            return Ok(None);
        }
        let w = &self.kernel_param().value;
        Ok(Some(match self.mask_input_relu {
            true => dev.matmul_nt_relu_masked(dz, w, x)?,
            false => dev.matmul(dz, w, None, Layout::NT, false)?,
        }))
    }

    fn kernel_param(&self) -> &Param {
        self.kernel.as_ref().expect("layer used before init")
    }

    pub fn params(&self) -> Vec<&Param> {
        self.kernel.iter().chain(self.bias.iter()).collect()
    }

    pub fn params_mut(&mut self) -> Vec<&mut Param> {
        self.kernel.iter_mut().chain(self.bias.iter_mut()).collect()
    }
}

/// The `Layer` methods every affine layer (Dense, Conv2D) answers from its `affine` field;
/// `masks` says whether its backward can apply the previous layer's ReLU mask.
macro_rules! delegate_to_affine {
    (masks_input_relu: $masks:literal) => {
        fn params(&self) -> Vec<&Param> {
            self.affine.params()
        }

        fn params_mut(&mut self) -> Vec<&mut Param> {
            self.affine.params_mut()
        }

        fn can_fuse(&self) -> CanFuse {
            self.affine.can_fuse($masks)
        }

        fn non_trainable_weights(&self) -> &'static [&'static str] {
            match self.affine.trainable {
                true => &[],
                false => &["kernel", "bias"],
            }
        }

        fn set_fusion(&mut self, plan: LayerFusion) {
            self.affine.set_fusion(plan)
        }
    };
}
pub(crate) use delegate_to_affine;

/// Keras's weight options of a layer built on [`Affine`] (Dense, Conv2D), as builder
/// methods: `kernel_initializer`, `bias_initializer`, `trainable`, `use_bias` and the
/// regularizers. The
/// layer has the fields `kernel_initializer`, `bias_initializer`, `use_bias` and `affine`.
macro_rules! affine_options {
    ($layer:ident) => {
        impl $layer {
            /// `kernel_initializer=...` (glorot_uniform by default).
            pub fn kernel_initializer(mut self, init: Initializer) -> $layer {
                self.kernel_initializer = init;
                self
            }

            /// `bias_initializer=...` (zeros by default).
            pub fn bias_initializer(mut self, init: Initializer) -> $layer {
                self.bias_initializer = init;
                self
            }

            /// `trainable=False`: the weights stay as they are (no gradients, no optimizer
            /// slots); `summary` counts them as non-trainable, as Keras.
            pub fn trainable(mut self, trainable: bool) -> $layer {
                self.affine.trainable = trainable;
                self
            }

            /// `use_bias=False`: no bias weight (y = act(x·W)); true by default.
            pub fn use_bias(mut self, use_bias: bool) -> $layer {
                self.use_bias = use_bias;
                self
            }

            /// `kernel_regularizer=L1(…)/L2(…)/L1L2(…)`: its penalty is added to the loss
            /// (and its gradient to the kernel's) while training and in `evaluate`, as
            /// Keras adds `model.losses`. Factors must be finite and ≥ 0 (checked at `add`).
            pub fn kernel_regularizer(mut self, r: $crate::nn::Regularizer) -> $layer {
                self.affine.kernel_regularizer = Some(r);
                self
            }

            /// `bias_regularizer=…`: as [`kernel_regularizer`](Self::kernel_regularizer),
            /// on the bias (nothing without one).
            pub fn bias_regularizer(mut self, r: $crate::nn::Regularizer) -> $layer {
                self.affine.bias_regularizer = Some(r);
                self
            }

            /// Both regularizers as a description gives them (None: no penalty).
            pub(crate) fn regularizers(
                mut self,
                kernel: Option<$crate::nn::Regularizer>,
                bias: Option<$crate::nn::Regularizer>,
            ) -> $layer {
                self.affine.kernel_regularizer = kernel;
                self.affine.bias_regularizer = bias;
                self
            }
        }
    };
}
pub(crate) use affine_options;
