//! `Dense(units, activation)`: y = act(x·W + b) over the last axis, W [in, units] (Keras layout).

use rand::rngs::StdRng;

use super::affine::{affine_options, delegate_to_affine, Affine};
use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::fusion::{CanFuse, LayerFusion};
use crate::nn::model::init::Initializer;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::LayerSpec;
use crate::nn::training::param::Param;
use crate::nn::Activation;

/// A fully connected layer.
pub struct Dense {
    units: usize,
    use_bias: bool,
    kernel_initializer: Initializer,
    bias_initializer: Initializer,
    input: Vec<usize>,
    affine: Affine,
}

impl Dense {
    /// `Dense(units, activation=...)`.
    pub fn new(units: usize, activation: Activation) -> Dense {
        Dense {
            units,
            use_bias: true,
            kernel_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
            input: Vec::new(),
            affine: Affine::new(activation),
        }
    }

    /// The output's shape for input x: its last axis becomes `units`.
    fn output_dims(&self, x: &Tensor) -> Vec<usize> {
        let mut shape = x.shape().to_vec();
        *shape.last_mut().expect("batch axis") = self.units;
        shape
    }

    fn fan_in(&self) -> usize {
        *self.input.last().unwrap_or(&0)
    }
}

affine_options!(Dense);

impl Layer for Dense {
    fn kind(&self) -> &'static str {
        "Dense"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::Dense {
            units: self.units,
            activation: self.affine.activation.name().into(),
            use_bias: self.use_bias,
            kernel_initializer: self.kernel_initializer,
            bias_initializer: self.bias_initializer,
            trainable: self.affine.trainable,
            kernel_regularizer: self.affine.kernel_regularizer,
            bias_regularizer: self.affine.bias_regularizer,
        }
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        if self.units == 0 {
            return Err(Error::Model("Dense: units must be at least 1".into()));
        }
        if input_shape.is_empty() || input_shape.contains(&0) {
            return Err(Error::ShapeMismatch {
                what: format!("Dense({}) input", self.units),
                expected: "at least one axis, none empty".into(),
                got: format!("{input_shape:?}"),
            });
        }
        self.affine
            .check_regularizers(&format!("Dense({})", self.units))?;
        self.input = input_shape.to_vec();
        let mut out = input_shape.to_vec();
        *out.last_mut().expect("non-empty") = self.units;
        Ok(out)
    }

    fn param_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        let mut shapes = vec![("kernel", vec![self.fan_in(), self.units])];
        if self.use_bias {
            shapes.push(("bias", vec![self.units]));
        }
        shapes
    }

    fn init(&mut self, dev: &Device, rng: &mut StdRng) -> Result<()> {
        let (fi, u) = (self.fan_in(), self.units);
        let w = self.kernel_initializer.draw(rng, fi * u, fi, u);
        self.affine.kernel = Some(
            Param::new(dev, "kernel", &[fi, u], &w)?
                .with_regularizer(self.affine.kernel_regularizer),
        );
        self.affine.bias = match self.use_bias {
            true => {
                let b = self.bias_initializer.draw(rng, u, u, u);
                Some(
                    Param::new(dev, "bias", &[u], &b)?
                        .with_regularizer(self.affine.bias_regularizer),
                )
            }
            false => None,
        };
        Ok(())
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let y = self.affine.forward(dev, x)?;
        Ok(y.reshape(&self.output_dims(x)))
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        Ok(self.affine.call(dev, x)?.reshape(&self.output_dims(x)))
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let mut in_shape = dy.shape().to_vec();
        *in_shape.last_mut().expect("batch axis") = self.fan_in();
        Ok(self
            .affine
            .backward(dev, dy, need_dx)?
            .map(|dx| dx.reshape(&in_shape)))
    }

    delegate_to_affine!(masks_input_relu: true);
}
