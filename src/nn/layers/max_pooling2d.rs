//! `MaxPooling2D(pool_size, strides)` on NHWC input ("valid" padding, floor as Keras).
//! The forward records each output's argmax; the backward routes dy through it.

use crate::error::{Error, Result};
use crate::geometry::Pool2dGeometry;
use crate::nn::device::Device;
use crate::nn::layer::Layer;
use crate::nn::spec::{LayerSpec, Pair};
use crate::nn::tensor::Tensor;

/// Max pooling over windows of `pool_size`.
pub struct MaxPooling2D {
    pool: (usize, usize),
    strides: Option<(usize, usize)>,
    input: Vec<usize>,
    cache: Option<(Pool2dGeometry, Tensor)>,
}

impl MaxPooling2D {
    /// `MaxPooling2D(pool_size)`; strides default to the pool size, as in Keras.
    pub fn new(pool_size: (usize, usize)) -> MaxPooling2D {
        MaxPooling2D {
            pool: pool_size,
            strides: None,
            input: Vec::new(),
            cache: None,
        }
    }

    /// `strides=(sh, sw)`.
    pub fn strides(mut self, strides: (usize, usize)) -> MaxPooling2D {
        self.strides = Some(strides);
        self
    }

    fn geometry(&self, n: usize) -> Result<Pool2dGeometry> {
        let s = self.strides.unwrap_or(self.pool);
        Pool2dGeometry::new(n, self.input[0], self.input[1], self.input[2], self.pool, s)
    }
}

impl Layer for MaxPooling2D {
    fn kind(&self) -> &'static str {
        "MaxPooling2D"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::MaxPooling2D {
            pool_size: Pair(self.pool.0, self.pool.1),
            strides: self.strides.map(|s| Pair(s.0, s.1)),
        }
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        if input_shape.len() != 3 {
            return Err(Error::Model(format!(
                "MaxPooling2D({:?}) needs input (height, width, channels), got shape {input_shape:?}",
                self.pool
            )));
        }
        let s = self.strides.unwrap_or(self.pool);
        if self.pool.0 == 0 || self.pool.1 == 0 || s.0 == 0 || s.1 == 0 {
            return Err(Error::Model(
                "MaxPooling2D: pool_size and strides must be ≥ 1".into(),
            ));
        }
        self.input = input_shape.to_vec();
        let g = self.geometry(1).map_err(|e| {
            Error::Model(format!(
                "MaxPooling2D({:?}) cannot apply to input {input_shape:?}: {e}",
                self.pool
            ))
        })?;
        Ok(vec![g.oh, g.ow, g.c])
    }

    fn forward(&mut self, dev: &Device, x: &Tensor, training: bool) -> Result<Tensor> {
        let g = self.geometry(x.shape()[0])?;
        let (y, argmax) = dev.maxpool_forward(x, &g)?;
        self.cache = training.then_some((g, argmax));
        Ok(y)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let (g, argmax) = self
            .cache
            .take()
            .expect("MaxPooling2D::backward without a forward");
        if !need_dx {
            return Ok(None);
        }
        Ok(Some(dev.maxpool_backward(dy, &argmax, &g)?))
    }
}
