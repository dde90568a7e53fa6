//! `LeakyReLU(negative_slope=0.3)`: x for x > 0, else negative_slope·x, as Keras's layer
//! (its default slope, 0.3, differs from the `leaky_relu` activation's 0.2). The
//! `leaky_relu` kernels with the slope as their parameter (`shaders/leaky_relu.wgsl`).

use crate::error::{Error, Result};
use crate::gpu::Unary;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::LayerSpec;

/// Leaky ReLU with its own slope.
pub struct LeakyReLU {
    negative_slope: f32,
    /// The last training forward's output (its backward reads y > 0).
    y: Option<Tensor>,
}

impl LeakyReLU {
    /// `LeakyReLU(negative_slope)`, slope ≥ 0.
    pub fn new(negative_slope: f32) -> LeakyReLU {
        LeakyReLU {
            negative_slope,
            y: None,
        }
    }
}

impl Default for LeakyReLU {
    /// Keras's default slope, 0.3.
    fn default() -> Self {
        LeakyReLU::new(0.3)
    }
}

impl Layer for LeakyReLU {
    fn kind(&self) -> &'static str {
        "LeakyReLU"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::LeakyReLU {
            negative_slope: self.negative_slope,
        }
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let s = self.negative_slope;
        if !(s.is_finite() && s >= 0.0) {
            return Err(Error::Model(format!(
                "LeakyReLU negative_slope must be a number ≥ 0 (as Keras), got {s}"
            )));
        }
        Ok(input_shape.to_vec())
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let y = self.call(dev, x)?;
        self.y = Some(y.clone());
        Ok(y)
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        dev.unary_forward_with(Unary::LeakyRelu, x, self.negative_slope)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let y = self
            .y
            .take()
            .expect("LeakyReLU::backward without a training forward");
        if !need_dx {
            return Ok(None);
        }
        let dx = dev.unary_backward_with(Unary::LeakyRelu, &y, dy, self.negative_slope)?;
        Ok(Some(dx))
    }
}
