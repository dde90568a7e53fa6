//! `GlobalAveragePooling2D()` and `GlobalMaxPooling2D()`: [h, w, c] → [c], the mean or
//! the maximum over each channel's h·w values, as Keras (`shaders/global_pool.wgsl`).

use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::LayerSpec;
use crate::ops::GlobalPool;

/// The layer behind both Keras classes.
struct Global {
    pool: GlobalPool,
    input: Vec<usize>,
    /// The argmax of the last training forward (max pooling).
    argmax: Option<Tensor>,
}

impl Global {
    fn new(pool: GlobalPool) -> Global {
        Global {
            pool,
            input: Vec::new(),
            argmax: None,
        }
    }

    fn spec(&self) -> LayerSpec {
        match self.pool {
            GlobalPool::Average => LayerSpec::GlobalAveragePooling2D {},
            GlobalPool::Max => LayerSpec::GlobalMaxPooling2D {},
        }
    }

    fn kind(&self) -> &'static str {
        match self.pool {
            GlobalPool::Average => "GlobalAveragePooling2D",
            GlobalPool::Max => "GlobalMaxPooling2D",
        }
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let [h, w, c] = *input_shape else {
            return Err(Error::ShapeMismatch {
                what: format!("{}() input", self.kind()),
                expected: "(height, width, channels)".into(),
                got: format!("{input_shape:?}"),
            });
        };
        if h == 0 || w == 0 {
            return Err(Error::ShapeMismatch {
                what: format!("{}() input", self.kind()),
                expected: "a height and width of at least 1".into(),
                got: format!("{input_shape:?}"),
            });
        }
        self.input = input_shape.to_vec();
        Ok(vec![c])
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (y, argmax) = dev.global_pool_forward(self.pool, x)?;
        self.argmax = argmax;
        Ok(y)
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        Ok(dev.global_pool_forward(self.pool, x)?.0)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let argmax = self.argmax.take();
        if !need_dx {
            return Ok(None);
        }
        let mut shape = vec![dy.shape()[0]];
        shape.extend_from_slice(&self.input);
        let dx = dev.global_pool_backward(self.pool, dy, argmax.as_ref(), &shape)?;
        Ok(Some(dx))
    }
}

macro_rules! global_layer {
    ($name:ident, $pool:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(Global);

        impl $name {
            #[doc = concat!("`", stringify!($name), "()`.")]
            pub fn new() -> $name {
                $name(Global::new(GlobalPool::$pool))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        delegate_layer!($name);
    };
}

global_layer!(
    GlobalAveragePooling2D,
    Average,
    "The mean of each channel over height and width."
);
global_layer!(
    GlobalMaxPooling2D,
    Max,
    "The maximum of each channel over height and width (gradient to the first maximum)."
);
