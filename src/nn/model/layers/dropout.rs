//! `Dropout(rate)`: during training zero each value with probability `rate` and scale the
//! rest by 1 / (1 − rate) (inverted dropout, as Keras); identity at inference. The mask
//! comes from a hash of (seed, step counter, index), so GPU and CPU draw the same one; the
//! seed is drawn from the model's seed, or is the layer's own (Keras's `seed` argument).

use rand::rngs::StdRng;
use rand::Rng;

use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::LayerSpec;

/// Dropout with a fixed rate.
pub struct Dropout {
    rate: f32,
    /// The layer's own seed (Keras's `seed`), if given.
    own_seed: Option<u64>,
    /// The mask stream's seed: from `own_seed`, else drawn from the model's.
    seed: u32,
    counter: Option<Tensor>,
    mask: Option<Tensor>,
}

impl Dropout {
    /// `Dropout(rate)`, rate in [0, 1).
    pub fn new(rate: f32) -> Dropout {
        Dropout {
            rate,
            own_seed: None,
            seed: 0,
            counter: None,
            mask: None,
        }
    }

    /// Keras's `Dropout(rate, seed=seed)`: this layer's masks come from `seed` alone, so
    /// they are the same whatever the model's seed (and two layers with one seed drop
    /// alike). The other layers' weights are drawn as without it.
    pub fn with_seed(mut self, seed: u64) -> Dropout {
        self.own_seed = Some(seed);
        self
    }
}

/// A 64-bit seed folded into the mask hash's 32 bits (splitmix64's finaliser, so seeds
/// that differ only in their high bits still give different masks).
pub(crate) fn fold_seed(seed: u64) -> u32 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as u32
}

impl Layer for Dropout {
    fn kind(&self) -> &'static str {
        "Dropout"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::Dropout {
            rate: self.rate,
            seed: self.own_seed,
        }
    }

    fn state(&self) -> Vec<(&'static str, &Tensor)> {
        self.counter.iter().map(|c| ("counter", c)).collect()
    }

    fn state_mut(&mut self) -> Vec<(&'static str, &mut Tensor)> {
        self.counter.iter_mut().map(|c| ("counter", c)).collect()
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        if !(0.0..1.0).contains(&self.rate) {
            return Err(Error::Model(format!(
                "Dropout rate must be in [0, 1), got {}",
                self.rate
            )));
        }
        Ok(input_shape.to_vec())
    }

    fn init(&mut self, dev: &Device, rng: &mut StdRng) -> Result<()> {
        // Drawn even with a seed of its own, so the later layers' weights do not move.
        let drawn: u32 = rng.random();
        self.seed = self.own_seed.map_or(drawn, fold_seed);
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
        let counter = self.counter.as_mut().expect("Dropout used before init");
        dev.counter_step(counter)?;
        let (y, mask) = dev.dropout_forward(x, counter, self.rate, self.seed)?;
        self.mask = Some(mask);
        Ok(y)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let mask = self.mask.take();
        if !need_dx {
            return Ok(None);
        }
        match mask {
            Some(m) => Ok(Some(dev.dropout_backward(dy, &m)?)),
            None => Ok(Some(dy.clone())),
        }
    }
}
