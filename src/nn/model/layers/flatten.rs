//! `Flatten()`: [batch, d1, d2, ...] → [batch, d1·d2·...] in row-major (channels-last)
//! order, as Keras. A view: no data moves.

use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::fusion::CanFuse;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::LayerSpec;

/// Flattens each sample.
#[derive(Default)]
pub struct Flatten {
    input: Vec<usize>,
}

impl Flatten {
    /// `Flatten()`.
    pub fn new() -> Flatten {
        Flatten::default()
    }
}

impl Layer for Flatten {
    fn kind(&self) -> &'static str {
        "Flatten"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::Flatten {}
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let n = input_shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| {
                Error::Model(format!(
                    "Flatten: input shape {input_shape:?} has more than {} values per sample",
                    usize::MAX
                ))
            })?;
        self.input = input_shape.to_vec();
        Ok(vec![n])
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        self.call(dev, x)
    }

    fn call(&self, _dev: &Device, x: &Tensor) -> Result<Tensor> {
        let n = x.shape()[0];
        Ok(x.reshape(&[n, self.input.iter().product()]))
    }

    fn can_fuse(&self) -> CanFuse {
        CanFuse {
            reshapes_only: true,
            ..CanFuse::default()
        }
    }

    fn backward(&mut self, _be: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let mut shape = vec![dy.shape()[0]];
        shape.extend_from_slice(&self.input);
        Ok(need_dx.then(|| dy.reshape(&shape)))
    }
}
