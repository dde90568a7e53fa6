//! `Conv2D(filters, kernel_size, activation, strides, padding)` on NHWC input, as im2col
//! followed by the affine matmul. Kernel [kh, kw, in, filters] (Keras layout), which is
//! exactly the [kh·kw·in, filters] matrix the im2col columns (ky, kx, c) multiply.

use rand::rngs::StdRng;

use super::affine::{affine_options, delegate_to_affine, Affine};
use crate::error::{Error, Result};
use crate::geometry::{Conv2dGeometry, Padding};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::fusion::{CanFuse, LayerFusion};
use crate::nn::model::init::Initializer;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::{LayerSpec, Pair};
use crate::nn::training::param::Param;
use crate::nn::Activation;

/// A 2-D convolution layer (channels last).
pub struct Conv2D {
    filters: usize,
    kernel: (usize, usize),
    strides: (usize, usize),
    padding: Padding,
    use_bias: bool,
    kernel_initializer: Initializer,
    bias_initializer: Initializer,
    input: Vec<usize>,
    affine: Affine,
    geo: Option<Conv2dGeometry>,
}

impl Conv2D {
    /// `Conv2D(filters, kernel_size, activation=...)`, strides 1, padding "valid".
    pub fn new(filters: usize, kernel_size: (usize, usize), activation: Activation) -> Conv2D {
        Conv2D {
            filters,
            kernel: kernel_size,
            strides: (1, 1),
            padding: Padding::Valid,
            use_bias: true,
            kernel_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
            input: Vec::new(),
            affine: Affine::new(activation),
            geo: None,
        }
    }

    /// `strides=(sh, sw)`.
    pub fn strides(mut self, strides: (usize, usize)) -> Conv2D {
        self.strides = strides;
        self
    }

    /// `padding="valid"` or `"same"`.
    pub fn padding(mut self, padding: Padding) -> Conv2D {
        self.padding = padding;
        self
    }

    fn geometry(&self, n: usize) -> Result<Conv2dGeometry> {
        let (h, w, c) = (self.input[0], self.input[1], self.input[2]);
        Conv2dGeometry::new(n, h, w, c, self.kernel, self.strides, self.padding)
    }
}

affine_options!(Conv2D);

impl Layer for Conv2D {
    fn kind(&self) -> &'static str {
        "Conv2D"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::Conv2D {
            filters: self.filters,
            kernel_size: Pair(self.kernel.0, self.kernel.1),
            strides: Pair(self.strides.0, self.strides.1),
            padding: self.padding.name().into(),
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
        if input_shape.len() != 3 {
            return Err(Error::ShapeMismatch {
                what: format!("Conv2D({}, {:?}) input", self.filters, self.kernel),
                expected: "(height, width, channels)".into(),
                got: format!("{input_shape:?}"),
            });
        }
        if self.filters == 0 || self.kernel.0 == 0 || self.kernel.1 == 0 {
            return Err(Error::Model(
                "Conv2D: filters and kernel_size must be ≥ 1".into(),
            ));
        }
        if self.strides.0 == 0 || self.strides.1 == 0 {
            return Err(Error::Model("Conv2D: strides must be ≥ 1".into()));
        }
        self.affine
            .check_regularizers(&format!("Conv2D({}, {:?})", self.filters, self.kernel))?;
        self.input = input_shape.to_vec();
        let g = self.geometry(1).map_err(|e| {
            Error::Model(format!(
                "Conv2D({}, {:?}) cannot apply to input {input_shape:?}: {e}",
                self.filters, self.kernel
            ))
        })?;
        Ok(vec![g.oh, g.ow, self.filters])
    }

    fn param_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        let (kh, kw) = self.kernel;
        let mut shapes = vec![("kernel", vec![kh, kw, self.input[2], self.filters])];
        if self.use_bias {
            shapes.push(("bias", vec![self.filters]));
        }
        shapes
    }

    fn scratch_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        // Per sample: oh·ow rows of kh·kw·c columns (and as many again for their gradient).
        match self.geometry(1) {
            Ok(g) => vec![
                ("im2col columns", vec![g.col_rows(), g.col_cols()]),
                ("im2col column gradients", vec![g.col_rows(), g.col_cols()]),
            ],
            Err(_) => Vec::new(),
        }
    }

    fn init(&mut self, dev: &Device, rng: &mut StdRng) -> Result<()> {
        let (kh, kw) = self.kernel;
        let (cin, f) = (self.input[2], self.filters);
        // Keras: fan_in = kh·kw·in, fan_out = kh·kw·filters.
        let w = self
            .kernel_initializer
            .draw(rng, kh * kw * cin * f, kh * kw * cin, kh * kw * f);
        self.affine.kernel = Some(
            Param::new(dev, "kernel", &[kh, kw, cin, f], &w)?
                .with_regularizer(self.affine.kernel_regularizer),
        );
        self.affine.bias = match self.use_bias {
            true => {
                let b = self.bias_initializer.draw(rng, f, f, f);
                Some(
                    Param::new(dev, "bias", &[f], &b)?
                        .with_regularizer(self.affine.bias_regularizer),
                )
            }
            false => None,
        };
        Ok(())
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let n = x.shape()[0];
        let g = self.geometry(n)?;
        let cols = dev.im2col_forward(x, &g)?;
        let y = self.affine.forward(dev, &cols)?;
        self.geo = Some(g);
        Ok(y.reshape(&[n, g.oh, g.ow, self.filters]))
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let n = x.shape()[0];
        let g = self.geometry(n)?;
        let y = self.affine.call(dev, &dev.im2col_forward(x, &g)?)?;
        Ok(y.reshape(&[n, g.oh, g.ow, self.filters]))
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let g = self.geo.expect("Conv2D::backward without a forward");
        let dy2 = dy.reshape(&[g.col_rows(), self.filters]);
        match self.affine.backward(dev, &dy2, need_dx)? {
            Some(dcols) => Ok(Some(dev.im2col_backward(&dcols, &g)?)),
            None => Ok(None),
        }
    }

    delegate_to_affine!(masks_input_relu: false);
}
