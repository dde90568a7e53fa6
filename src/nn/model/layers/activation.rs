//! `Activation(name)`: an activation as a layer of its own, as Keras's
//! `layers.Activation("relu")` — elementwise ops through the kernel registry, softmax over
//! the last axis. As the last layer, a softmax (or sigmoid) fuses with the cross-entropy
//! like a Dense layer's. Keras's `layers.ReLU()` and `layers.Softmax()` are this layer
//! under their own class names.

use crate::error::Result;
use crate::gpu::Saved;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::fusion::{CanFuse, LayerFusion};
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::LayerSpec;
use crate::nn::Activation as Act;

/// Applies an activation to each value (softmax: to each row of the last axis).
pub struct Activation {
    activation: Act,
    /// The Keras class: "Activation", or "ReLU" / "Softmax" for those layers.
    class: &'static str,
    /// Output logits: skip a softmax or sigmoid (the loss applies it, fused).
    logits: bool,
    /// What the backward reads: the input or the output of the last training forward.
    saved: Option<Tensor>,
}

impl Activation {
    /// `Activation(activation)`.
    pub fn new(activation: Act) -> Activation {
        Activation {
            activation,
            class: "Activation",
            logits: false,
            saved: None,
        }
    }

    /// The same layer under Keras's class name `class` ("ReLU", "Softmax").
    fn with_class(mut self, class: &'static str) -> Activation {
        self.class = class;
        self
    }

    fn effective(&self) -> Act {
        match self.activation {
            Act::Softmax | Act::Sigmoid if self.logits => Act::Linear,
            other => other,
        }
    }
}

impl Layer for Activation {
    fn kind(&self) -> &'static str {
        self.class
    }

    fn spec(&self) -> LayerSpec {
        match self.class {
            "ReLU" => LayerSpec::ReLU {},
            "Softmax" => LayerSpec::Softmax { axis: -1 },
            _ => LayerSpec::Activation {
                activation: self.activation.name().to_string(),
            },
        }
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        Ok(input_shape.to_vec())
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let act = self.effective();
        let y = dev.activation_forward(act, x)?;
        self.saved = Some(match act.saved() {
            Saved::Input => x.clone(),
            Saved::Output => y.clone(),
        });
        Ok(y)
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        dev.activation_forward(self.effective(), x)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let saved = self
            .saved
            .take()
            .expect("Activation::backward without a training forward");
        match need_dx {
            true => Ok(Some(dev.activation_backward(
                self.effective(),
                &saved,
                dy,
            )?)),
            false => Ok(None),
        }
    }

    fn can_fuse(&self) -> CanFuse {
        CanFuse {
            activation: Some(self.activation),
            ..CanFuse::default()
        }
    }

    fn set_fusion(&mut self, plan: LayerFusion) {
        self.logits = plan.output_logits;
    }
}

/// Keras's `layers.ReLU()` (its default arguments: no maximum, slope 0 and threshold 0):
/// max(x, 0).
pub struct ReLU(Activation);

impl ReLU {
    /// `ReLU()`.
    pub fn new() -> ReLU {
        ReLU(Activation::new(Act::Relu).with_class("ReLU"))
    }
}

impl Default for ReLU {
    fn default() -> Self {
        ReLU::new()
    }
}

/// Keras's `layers.Softmax()` over the last axis. As the last layer it fuses with the
/// cross-entropy like a softmax activation.
pub struct Softmax(Activation);

impl Softmax {
    /// `Softmax(axis=-1)`.
    pub fn new() -> Softmax {
        Softmax(Activation::new(Act::Softmax).with_class("Softmax"))
    }
}

impl Default for Softmax {
    fn default() -> Self {
        Softmax::new()
    }
}

delegate_layer!(ReLU, fuses);
delegate_layer!(Softmax, fuses);
