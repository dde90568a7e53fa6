//! `MaxPooling2D(pool_size, strides, padding)` and `AveragePooling2D(…)` on NHWC input
//! ("valid" windows, floor as Keras, or "same": out = ceil(in / stride), the windows'
//! cells outside the input left out of the maximum and the mean, as Keras). Max pooling records each output's argmax and
//! routes dy through it; average pooling spreads dy evenly over each window.

use crate::error::{Error, Result};
use crate::geometry::{Padding, Pool2dGeometry};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::fusion::{CanFuse, LayerFusion};
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::{LayerSpec, Pair};

/// What both layers share: window, strides, input shape, the forward's cache.
struct Pool2d {
    average: bool,
    pool: (usize, usize),
    strides: Option<(usize, usize)>,
    padding: Padding,
    input: Vec<usize>,
    /// The geometry of the last training forward, and max pooling's argmax.
    cache: Option<(Pool2dGeometry, Option<Tensor>)>,
    /// Max pooling applies the previous layer's ReLU derivative (`LayerFusion::mask_input_relu`)
    /// and keeps its training input for it.
    mask: bool,
    input_cache: Option<Tensor>,
}

impl Pool2d {
    fn new(average: bool, pool: (usize, usize)) -> Pool2d {
        Pool2d {
            average,
            pool,
            strides: None,
            padding: Padding::Valid,
            input: Vec::new(),
            cache: None,
            mask: false,
            input_cache: None,
        }
    }

    /// Max pooling can apply the previous layer's ReLU mask in its gather.
    fn can_fuse(&self) -> CanFuse {
        CanFuse {
            masks_input_relu: !self.average,
            ..CanFuse::default()
        }
    }

    fn set_fusion(&mut self, plan: LayerFusion) {
        self.mask = plan.mask_input_relu && !self.average;
    }

    fn kind(&self) -> &'static str {
        match self.average {
            true => "AveragePooling2D",
            false => "MaxPooling2D",
        }
    }

    fn geometry(&self, n: usize) -> Result<Pool2dGeometry> {
        let s = self.strides.unwrap_or(self.pool);
        let hwc = (self.input[0], self.input[1], self.input[2]);
        Pool2dGeometry::padded(n, hwc, self.pool, s, self.padding)
    }

    fn spec(&self) -> LayerSpec {
        let (pool_size, strides) = (
            Pair(self.pool.0, self.pool.1),
            self.strides.map(|s| Pair(s.0, s.1)),
        );
        let padding = self.padding.name().to_string();
        match self.average {
            true => LayerSpec::AveragePooling2D {
                pool_size,
                strides,
                padding,
            },
            false => LayerSpec::MaxPooling2D {
                pool_size,
                strides,
                padding,
            },
        }
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let kind = self.kind();
        if input_shape.len() != 3 {
            return Err(Error::ShapeMismatch {
                what: format!("{kind}({:?}) input", self.pool),
                expected: "(height, width, channels)".into(),
                got: format!("{input_shape:?}"),
            });
        }
        let s = self.strides.unwrap_or(self.pool);
        if self.pool.0 == 0 || self.pool.1 == 0 || s.0 == 0 || s.1 == 0 {
            return Err(Error::Model(format!(
                "{kind}: pool_size and strides must be ≥ 1"
            )));
        }
        self.input = input_shape.to_vec();
        let g = self.geometry(1).map_err(|e| {
            Error::Model(format!(
                "{kind}({:?}) cannot apply to input {input_shape:?}: {e}",
                self.pool
            ))
        })?;
        Ok(vec![g.oh, g.ow, g.c])
    }

    /// y, and max pooling's argmax, for input x of geometry g.
    fn apply(
        &self,
        dev: &Device,
        x: &Tensor,
        g: &Pool2dGeometry,
    ) -> Result<(Tensor, Option<Tensor>)> {
        Ok(match self.average {
            true => (dev.avgpool_forward(x, g)?, None),
            false => {
                let (y, a) = dev.maxpool_forward(x, g)?;
                (y, Some(a))
            }
        })
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let g = self.geometry(x.shape()[0])?;
        let (y, argmax) = self.apply(dev, x, &g)?;
        self.cache = Some((g, argmax));
        self.input_cache = self.mask.then(|| x.clone());
        Ok(y)
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let g = self.geometry(x.shape()[0])?;
        Ok(self.apply(dev, x, &g)?.0)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let (g, argmax) = self
            .cache
            .take()
            .expect("pooling backward without a training forward");
        if !need_dx {
            return Ok(None);
        }
        let x = self.input_cache.take();
        Ok(Some(match (argmax, x) {
            (Some(a), Some(x)) => dev.maxpool_backward_masked(dy, &a, &g, &x)?,
            (Some(a), None) => dev.maxpool_backward(dy, &a, &g)?,
            (None, _) => dev.avgpool_backward(dy, &g)?,
        }))
    }
}

macro_rules! pooling_layer {
    ($name:ident, $average:literal, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(Pool2d);

        impl $name {
            #[doc = concat!("`", stringify!($name), "(pool_size)`; strides default to the pool size, as in Keras.")]
            pub fn new(pool_size: (usize, usize)) -> $name {
                $name(Pool2d::new($average, pool_size))
            }

            /// `strides=(sh, sw)`.
            pub fn strides(mut self, strides: (usize, usize)) -> $name {
                self.0.strides = Some(strides);
                self
            }

            /// `padding="valid"` (the default) or `"same"`.
            pub fn padding(mut self, padding: Padding) -> $name {
                self.0.padding = padding;
                self
            }
        }

        delegate_layer!($name, fuses);
    };
}

pooling_layer!(
    MaxPooling2D,
    false,
    "Max pooling over windows of `pool_size`."
);
pooling_layer!(
    AveragePooling2D,
    true,
    "Average pooling over windows of `pool_size`."
);
