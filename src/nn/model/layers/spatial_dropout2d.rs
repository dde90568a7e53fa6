//! `SpatialDropout2D(rate)`, as Keras: during training each channel of each sample is
//! zeroed (over all its height and width) with probability `rate` and the rest scaled by
//! 1 / (1 − rate); identity at inference. The mask [batch, channels] comes from a hash of
//! (seed, step counter, index), as Dropout's, so GPU and CPU draw the same one.

use rand::rngs::StdRng;
use rand::Rng;

use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::{LayerSpec, SpatialDropoutArgs};

/// Dropout of whole feature maps (channels of `[height, width, channels]` inputs).
pub struct SpatialDropout2D {
    rate: f32,
    /// The layer's own seed (Keras's `seed`), if given.
    own_seed: Option<u64>,
    seed: u32,
    counter: Option<Tensor>,
    mask: Option<Tensor>,
}

impl SpatialDropout2D {
    /// `SpatialDropout2D(rate)`, rate in [0, 1).
    pub fn new(rate: f32) -> SpatialDropout2D {
        SpatialDropout2D {
            rate,
            own_seed: None,
            seed: 0,
            counter: None,
            mask: None,
        }
    }

    /// Keras's `SpatialDropout2D(rate, seed=seed)`: this layer's masks come from `seed`
    /// alone, whatever the model's seed (as [`Dropout::with_seed`](super::Dropout::with_seed)).
    pub fn with_seed(mut self, seed: u64) -> SpatialDropout2D {
        self.own_seed = Some(seed);
        self
    }
}

impl SpatialDropout2D {
    fn rate_check(&self) -> Option<String> {
        SpatialDropoutArgs {
            rate: self.rate,
            seed: None,
        }
        .check()
    }
}

impl Layer for SpatialDropout2D {
    fn kind(&self) -> &'static str {
        "SpatialDropout2D"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::SpatialDropout2D(SpatialDropoutArgs {
            rate: self.rate,
            seed: self.own_seed,
        })
    }

    fn state(&self) -> Vec<(&'static str, &Tensor)> {
        self.counter.iter().map(|c| ("counter", c)).collect()
    }

    fn state_mut(&mut self) -> Vec<(&'static str, &mut Tensor)> {
        self.counter.iter_mut().map(|c| ("counter", c)).collect()
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        if let Some(msg) = self.rate_check() {
            return Err(Error::Model(format!("SpatialDropout2D: {msg}")));
        }
        match input_shape {
            [h, w, c] if h * w * c > 0 => Ok(input_shape.to_vec()),
            _ => Err(Error::ShapeMismatch {
                what: "SpatialDropout2D input".into(),
                expected: "[height, width, channels] (images, e.g. a Conv2D's output)".into(),
                got: format!("{input_shape:?}"),
            }),
        }
    }

    fn init(&mut self, dev: &Device, rng: &mut StdRng) -> Result<()> {
        // Drawn even with a seed of its own, so the later layers' weights do not move.
        let drawn: u32 = rng.random();
        self.seed = self.own_seed.map_or(drawn, super::dropout::fold_seed);
        self.counter = Some(dev.counter()?);
        Ok(())
    }

    fn call(&self, _dev: &Device, x: &Tensor) -> Result<Tensor> {
        Ok(x.clone())
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        if self.rate == 0.0 {
            self.mask = None;
            return Ok(x.clone());
        }
        let counter = self
            .counter
            .as_mut()
            .ok_or_else(|| Error::Model("SpatialDropout2D used before init".into()))?;
        dev.counter_step(counter)?;
        let (y, mask) = dev.spatial_dropout_forward(x, counter, self.rate, self.seed)?;
        self.mask = Some(mask);
        Ok(y)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let mask = self.mask.take();
        if !need_dx {
            return Ok(None);
        }
        match mask {
            Some(m) => Ok(Some(dev.spatial_dropout_backward(dy, &m)?)),
            None => Ok(Some(dy.clone())),
        }
    }
}
