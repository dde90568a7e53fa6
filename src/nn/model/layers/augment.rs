//! Keras's augmentation layers, active only in training (identity in predict and
//! evaluate, as Keras): `RandomFlip`, `RandomTranslation`, `RandomRotation`, `RandomZoom`.
//! One layer type, [`RandomAugment`], runs all four through the `augment` op; each image's
//! transform is drawn on the device from a hash of (seed, step counter, image), so the GPU
//! and the CPU device draw the same ones and a run is reproducible. The counter is layer
//! state saved in checkpoints (as Dropout's); the seed is Keras's `seed` when given, else
//! drawn from the model's seed.

use rand::rngs::StdRng;
use rand::Rng;

use super::dropout::fold_seed;
use crate::cpu::augment::{Augment, MAX_SIDE};
use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::{
    Factor, LayerSpec, RandomFlipArgs, RandomRotationArgs, RandomTranslationArgs, RandomZoomArgs,
};

/// An augmentation layer (made by [`RandomFlip::new`], [`RandomTranslation::new`],
/// [`RandomRotation::new`] or [`RandomZoom::new`]); its arguments are Keras's.
pub struct RandomAugment {
    spec: LayerSpec,
    seed: u32,
    counter: Option<Tensor>,
    /// The op of the last training forward pass, for its backward.
    last: Option<Augment>,
}

/// `RandomFlip(mode)`: "horizontal", "vertical" or "horizontal_and_vertical".
pub struct RandomFlip;
/// `RandomTranslation(height_factor, width_factor)`: fractions of the height and width.
pub struct RandomTranslation;
/// `RandomRotation(factor)`: a fraction of a full turn.
pub struct RandomRotation;
/// `RandomZoom(height_factor)`: the image scaled by 1 + a draw (positive: zoom out).
pub struct RandomZoom;

fn fill_defaults() -> (String, String) {
    ("reflect".into(), "bilinear".into())
}

impl RandomFlip {
    /// Keras's `RandomFlip(mode)`; a mode other than Keras's three is refused when the
    /// layer is added.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(mode: &str) -> RandomAugment {
        RandomAugment::of(LayerSpec::RandomFlip(RandomFlipArgs {
            mode: mode.into(),
            seed: None,
        }))
    }
}

impl RandomTranslation {
    /// Keras's `RandomTranslation(height_factor, width_factor)` (a number f: [−f, f];
    /// a pair: [low, high]), fill_mode "reflect", interpolation "bilinear".
    #[allow(clippy::new_ret_no_self)]
    pub fn new(height_factor: impl Into<Factor>, width_factor: impl Into<Factor>) -> RandomAugment {
        let (fill_mode, interpolation) = fill_defaults();
        RandomAugment::of(LayerSpec::RandomTranslation(RandomTranslationArgs {
            height_factor: height_factor.into(),
            width_factor: width_factor.into(),
            fill_mode,
            interpolation,
            seed: None,
            fill_value: 0.0,
        }))
    }
}

impl RandomRotation {
    /// Keras's `RandomRotation(factor)` (fractions of a turn; a number f: [−f, f]),
    /// fill_mode "reflect", interpolation "bilinear".
    #[allow(clippy::new_ret_no_self)]
    pub fn new(factor: impl Into<Factor>) -> RandomAugment {
        let (fill_mode, interpolation) = fill_defaults();
        RandomAugment::of(LayerSpec::RandomRotation(RandomRotationArgs {
            factor: factor.into(),
            fill_mode,
            interpolation,
            seed: None,
            fill_value: 0.0,
        }))
    }
}

impl RandomZoom {
    /// Keras's `RandomZoom(height_factor)` with the width zoomed alike (see
    /// [`RandomAugment::width_factor`]), fill_mode "reflect", interpolation "bilinear".
    #[allow(clippy::new_ret_no_self)]
    pub fn new(height_factor: impl Into<Factor>) -> RandomAugment {
        let (fill_mode, interpolation) = fill_defaults();
        RandomAugment::of(LayerSpec::RandomZoom(RandomZoomArgs {
            height_factor: height_factor.into(),
            width_factor: None,
            fill_mode,
            interpolation,
            seed: None,
            fill_value: 0.0,
        }))
    }
}

impl RandomAugment {
    /// The layer a description's `RandomFlip` / `RandomTranslation` / `RandomRotation` /
    /// `RandomZoom` builds (other specs are refused when the layer is added).
    pub(crate) fn of(spec: LayerSpec) -> RandomAugment {
        RandomAugment {
            spec,
            seed: 0,
            counter: None,
            last: None,
        }
    }

    /// Keras's `seed`: this layer's draws come from it alone, whatever the model's seed.
    pub fn seed(mut self, seed: u64) -> RandomAugment {
        match &mut self.spec {
            LayerSpec::RandomFlip(a) => a.seed = Some(seed),
            LayerSpec::RandomTranslation(a) => a.seed = Some(seed),
            LayerSpec::RandomRotation(a) => a.seed = Some(seed),
            LayerSpec::RandomZoom(a) => a.seed = Some(seed),
            _ => {}
        }
        self
    }

    /// Keras's `fill_mode`: "reflect", "wrap", "constant" or "nearest" (not for
    /// RandomFlip, which reads inside the image only).
    pub fn fill_mode(mut self, mode: &str) -> RandomAugment {
        self.sampling(|f, _, _| *f = mode.into());
        self
    }

    /// Keras's `interpolation`: "bilinear" or "nearest".
    pub fn interpolation(mut self, interpolation: &str) -> RandomAugment {
        self.sampling(|_, i, _| *i = interpolation.into());
        self
    }

    /// Keras's `fill_value`, the value outside the image with fill_mode "constant".
    pub fn fill_value(mut self, value: f32) -> RandomAugment {
        self.sampling(|_, _, v| *v = value);
        self
    }

    /// RandomZoom's `width_factor` (by default the height's draw zooms both axes).
    pub fn width_factor(mut self, factor: impl Into<Factor>) -> RandomAugment {
        if let LayerSpec::RandomZoom(a) = &mut self.spec {
            a.width_factor = Some(factor.into());
        }
        self
    }

    fn sampling(&mut self, set: impl FnOnce(&mut String, &mut String, &mut f32)) {
        match &mut self.spec {
            LayerSpec::RandomTranslation(a) => {
                set(&mut a.fill_mode, &mut a.interpolation, &mut a.fill_value)
            }
            LayerSpec::RandomRotation(a) => {
                set(&mut a.fill_mode, &mut a.interpolation, &mut a.fill_value)
            }
            LayerSpec::RandomZoom(a) => {
                set(&mut a.fill_mode, &mut a.interpolation, &mut a.fill_value)
            }
            _ => {}
        }
    }

    /// The op the arguments describe and the layer's own seed, or what is wrong.
    fn augment(&self) -> Result<(Augment, Option<u64>)> {
        let r = match &self.spec {
            LayerSpec::RandomFlip(a) => a.augment().map(|o| (o, a.seed)),
            LayerSpec::RandomTranslation(a) => a.augment().map(|o| (o, a.seed)),
            LayerSpec::RandomRotation(a) => a.augment().map(|o| (o, a.seed)),
            LayerSpec::RandomZoom(a) => a.augment().map(|o| (o, a.seed)),
            other => Err(format!("{} is not an augmentation layer", other.kind())),
        };
        r.map_err(|e| Error::Model(format!("{}: {e}", self.spec.kind())))
    }
}

impl Layer for RandomAugment {
    fn kind(&self) -> &'static str {
        self.spec.kind()
    }

    fn spec(&self) -> LayerSpec {
        self.spec.clone()
    }

    fn state(&self) -> Vec<(&'static str, &Tensor)> {
        self.counter.iter().map(|c| ("counter", c)).collect()
    }

    fn state_mut(&mut self) -> Vec<(&'static str, &mut Tensor)> {
        self.counter.iter_mut().map(|c| ("counter", c)).collect()
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        self.augment()?;
        match input_shape {
            [h, w, c] if h * w * c > 0 && *h <= MAX_SIDE && *w <= MAX_SIDE => {
                Ok(input_shape.to_vec())
            }
            _ => Err(Error::ShapeMismatch {
                what: format!("{} input", self.kind()),
                expected: format!(
                    "images [height, width, channels], height and width at most {MAX_SIDE}"
                ),
                got: format!("{input_shape:?}"),
            }),
        }
    }

    fn init(&mut self, dev: &Device, rng: &mut StdRng) -> Result<()> {
        // Drawn even with a seed of its own, so the later layers' weights do not move.
        let drawn: u32 = rng.random();
        self.seed = self.augment()?.1.map_or(drawn, fold_seed);
        self.counter = Some(dev.counter()?);
        Ok(())
    }

    fn call(&self, _dev: &Device, x: &Tensor) -> Result<Tensor> {
        Ok(x.clone())
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (a, _) = self.augment()?;
        let counter = self
            .counter
            .as_mut()
            .ok_or_else(|| Error::Model(format!("{} used before init", self.spec.kind())))?;
        dev.counter_step(counter)?;
        let y = dev.augment_forward(x, counter, &a, self.seed)?;
        self.last = Some(a);
        Ok(y)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let last = self.last.take();
        if !need_dx {
            return Ok(None);
        }
        match (last, &self.counter) {
            (Some(a), Some(counter)) => Ok(Some(dev.augment_backward(dy, counter, &a, self.seed)?)),
            _ => Err(Error::Model(format!(
                "{}: backward without a forward pass",
                self.spec.kind()
            ))),
        }
    }
}
