//! `BatchNormalization(momentum=0.99, epsilon=1e-3)` over the last axis, as Keras: in
//! training, normalize with the batch's mean and (biased) variance and move the moving
//! statistics toward them; otherwise normalize with the moving statistics. gamma and beta
//! are trained; moving_mean and moving_variance are non-trainable weights, saved in
//! checkpoints under those Keras names (`shaders/batch_norm.wgsl`, `cpu::batch_norm`).

use rand::rngs::StdRng;

use crate::cpu::BatchNormParams;
use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::LayerSpec;
use crate::nn::training::param::Param;

const GAMMA: usize = 0;
const BETA: usize = 1;
const MOVING_MEAN: usize = 2;
const MOVING_VARIANCE: usize = 3;
const NAMES: [&str; 4] = ["gamma", "beta", "moving_mean", "moving_variance"];

/// Batch normalization of the last axis (channels of Conv2D outputs, units of Dense).
pub struct BatchNormalization {
    hp: BatchNormParams,
    channels: usize,
    /// gamma, beta, moving_mean, moving_variance (Keras's weight order).
    weights: Vec<Param>,
    /// The last training forward's input and batch statistics, for backward.
    cache: Option<(Tensor, Tensor)>,
}

impl BatchNormalization {
    /// Keras's defaults: momentum 0.99, epsilon 1e-3.
    pub fn new() -> BatchNormalization {
        BatchNormalization {
            hp: BatchNormParams {
                momentum: 0.99,
                epsilon: 1e-3,
            },
            channels: 0,
            weights: Vec::new(),
            cache: None,
        }
    }

    /// The moving statistics' momentum, in [0, 1].
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.hp.momentum = momentum;
        self
    }

    /// Added to the variance before its square root, > 0.
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.hp.epsilon = epsilon;
        self
    }

    fn weight(&self, i: usize) -> &Tensor {
        &self
            .weights
            .get(i)
            .expect("BatchNormalization used before init")
            .value
    }
}

impl Default for BatchNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl Layer for BatchNormalization {
    fn kind(&self) -> &'static str {
        "BatchNormalization"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::BatchNormalization {
            momentum: self.hp.momentum,
            epsilon: self.hp.epsilon,
        }
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let BatchNormParams { momentum, epsilon } = self.hp;
        if !(0.0..=1.0).contains(&momentum) {
            return Err(Error::Model(format!(
                "BatchNormalization momentum must be in [0, 1], got {momentum}"
            )));
        }
        if !(epsilon > 0.0 && epsilon.is_finite()) {
            return Err(Error::Model(format!(
                "BatchNormalization epsilon must be a positive number, got {epsilon}"
            )));
        }
        match input_shape.last() {
            Some(&c) if c > 0 => self.channels = c,
            _ => {
                return Err(Error::ShapeMismatch {
                    what: "BatchNormalization input".into(),
                    expected: "a non-empty last axis to normalize".into(),
                    got: format!("{input_shape:?}"),
                })
            }
        }
        Ok(input_shape.to_vec())
    }

    fn param_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        NAMES.iter().map(|&n| (n, vec![self.channels])).collect()
    }

    fn non_trainable_weights(&self) -> &'static [&'static str] {
        &NAMES[MOVING_MEAN..]
    }

    fn init(&mut self, dev: &Device, _rng: &mut StdRng) -> Result<()> {
        let c = self.channels;
        let (ones, zeros) = (vec![1.0; c], vec![0.0; c]);
        self.weights = NAMES
            .iter()
            .enumerate()
            .map(|(i, &name)| {
                let start = if i == GAMMA || i == MOVING_VARIANCE {
                    &ones
                } else {
                    &zeros
                };
                Param::new(dev, name, &[c], start)
            })
            .collect::<Result<_>>()?;
        Ok(())
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (gamma, beta) = (self.weight(GAMMA), self.weight(BETA));
        let moving = [self.weight(MOVING_MEAN), self.weight(MOVING_VARIANCE)];
        dev.batch_norm_inference_forward(x, moving, gamma, beta, self.hp.epsilon)
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (gamma, beta) = (self.weight(GAMMA).clone(), self.weight(BETA).clone());
        let [.., mean, var] = &mut self.weights[..] else {
            unreachable!("four weights")
        };
        let stats = dev.batch_norm_statistics(x, [&mut mean.value, &mut var.value], &self.hp)?;
        let y = dev.batch_norm_forward(x, &stats, &gamma, &beta)?;
        self.cache = Some((x.clone(), stats));
        Ok(y)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let (x, stats) = self
            .cache
            .take()
            .expect("BatchNormalization::backward without a training forward");
        let gamma = self.weight(GAMMA);
        let (dx, dgamma, dbeta) = dev.batch_norm_backward(&x, dy, &stats, gamma, need_dx)?;
        // Into the optimizer's arena by a copy when packed (the kernel makes new tensors).
        let (dg, db) = (dgamma.clone(), dbeta.clone());
        self.weights[GAMMA].write_grad(|g| dev.copy(&dg, g), || Ok(dgamma))?;
        self.weights[BETA].write_grad(|g| dev.copy(&db, g), || Ok(dbeta))?;
        Ok(dx)
    }

    fn params(&self) -> Vec<&Param> {
        self.weights.iter().collect()
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.weights.iter_mut().collect()
    }
}
