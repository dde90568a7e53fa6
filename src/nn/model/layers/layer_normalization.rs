//! `LayerNormalization(axis=-1, epsilon=1e-3)`, as Keras: each sample's values along the
//! last axis are normalised by their own mean and (biased) variance, then scaled by gamma
//! and shifted by beta (both trained, one per feature of the last axis). The same in
//! training and inference (`shaders/layer_norm.wgsl`, `cpu::layer_norm`).

use rand::rngs::StdRng;

use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::{LayerNormArgs, LayerSpec};
use crate::nn::training::param::Param;

const GAMMA: usize = 0;
const BETA: usize = 1;
const NAMES: [&str; 2] = ["gamma", "beta"];

/// Layer normalization of the last axis (Keras's gamma and beta, in that order).
pub struct LayerNormalization {
    epsilon: f32,
    features: usize,
    /// gamma, beta.
    weights: Vec<Param>,
    /// The last training forward's input and row statistics, for backward.
    cache: Option<(Tensor, Tensor)>,
}

impl LayerNormalization {
    /// Keras's defaults: the last axis, epsilon 1e-3, gamma and beta.
    pub fn new() -> LayerNormalization {
        LayerNormalization {
            epsilon: 1e-3,
            features: 0,
            weights: Vec::new(),
            cache: None,
        }
    }

    /// Added to the variance before its square root, > 0.
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.epsilon = epsilon;
        self
    }

    fn weight(&self, i: usize) -> Result<&Tensor> {
        self.weights.get(i).map(|p| &p.value).ok_or_else(|| {
            Error::Model("LayerNormalization used before its weights were built".into())
        })
    }
}

impl Default for LayerNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl Layer for LayerNormalization {
    fn kind(&self) -> &'static str {
        "LayerNormalization"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::LayerNormalization(LayerNormArgs {
            epsilon: self.epsilon,
        })
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let epsilon = self.epsilon;
        if !(epsilon > 0.0 && epsilon.is_finite()) {
            return Err(Error::Model(format!(
                "LayerNormalization epsilon must be a positive number, got {epsilon}"
            )));
        }
        match input_shape.last() {
            Some(&c) if c > 0 => self.features = c,
            _ => {
                return Err(Error::ShapeMismatch {
                    what: "LayerNormalization input".into(),
                    expected: "a non-empty last axis to normalize".into(),
                    got: format!("{input_shape:?}"),
                })
            }
        }
        Ok(input_shape.to_vec())
    }

    fn param_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        NAMES.iter().map(|&n| (n, vec![self.features])).collect()
    }

    fn init(&mut self, dev: &Device, _rng: &mut StdRng) -> Result<()> {
        let c = self.features;
        self.weights = vec![
            Param::new(dev, NAMES[GAMMA], &[c], &vec![1.0; c])?,
            Param::new(dev, NAMES[BETA], &[c], &vec![0.0; c])?,
        ];
        Ok(())
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (gamma, beta) = (self.weight(GAMMA)?, self.weight(BETA)?);
        Ok(dev.layer_norm_forward(x, gamma, beta, self.epsilon)?.0)
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (gamma, beta) = (self.weight(GAMMA)?, self.weight(BETA)?);
        let (y, stats) = dev.layer_norm_forward(x, gamma, beta, self.epsilon)?;
        self.cache = Some((x.clone(), stats));
        Ok(y)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let (x, stats) = self.cache.take().ok_or_else(|| {
            Error::Model("LayerNormalization: backward without a training forward".into())
        })?;
        let gamma = self.weight(GAMMA)?;
        let (dx, dgamma, dbeta) = dev.layer_norm_backward(&x, dy, &stats, gamma)?;
        // Into the optimizer's arena by a copy when packed (the kernel makes new tensors).
        let (dg, db) = (dgamma.clone(), dbeta.clone());
        self.weights[GAMMA].write_grad(|g| dev.copy(&dg, g), || Ok(dgamma))?;
        self.weights[BETA].write_grad(|g| dev.copy(&db, g), || Ok(dbeta))?;
        Ok(need_dx.then_some(dx))
    }

    fn params(&self) -> Vec<&Param> {
        self.weights.iter().collect()
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.weights.iter_mut().collect()
    }
}
