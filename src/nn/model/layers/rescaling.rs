//! `Rescaling(scale, offset=0)`: y = x·scale + offset, as Keras's layer (typically
//! `Rescaling(1/255)` on images). No weights; the backward is dx = dy·scale
//! (`shaders/rescale.wgsl`).

use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::LayerSpec;

/// Scales and shifts every input value.
pub struct Rescaling {
    scale: f32,
    offset: f32,
}

impl Rescaling {
    /// `Rescaling(scale, offset)`.
    pub fn new(scale: f32, offset: f32) -> Rescaling {
        Rescaling { scale, offset }
    }
}

impl Layer for Rescaling {
    fn kind(&self) -> &'static str {
        "Rescaling"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::Rescaling {
            scale: self.scale,
            offset: self.offset,
        }
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        if !(self.scale.is_finite() && self.offset.is_finite()) {
            return Err(Error::Model(format!(
                "Rescaling: scale {} and offset {} must be finite numbers",
                self.scale, self.offset
            )));
        }
        Ok(input_shape.to_vec())
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        self.call(dev, x)
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        dev.rescale_forward(x, self.scale, self.offset)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        match need_dx {
            true => Ok(Some(dev.rescale_backward(dy, self.scale)?)),
            false => Ok(None),
        }
    }
}
