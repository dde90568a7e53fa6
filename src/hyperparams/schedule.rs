//! [`LearningRateSchedule`], Keras's learning-rate schedules (`keras.optimizers.schedules`)
//! as plain data: their arguments and checks. The rate at a step is computed by the CPU
//! twin (`cpu::lr_schedule_forward`, also `LearningRateSchedule::learning_rate`) and on the
//! device by `shaders/lr_schedule.wgsl`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A learning rate that changes with the step, as Keras's `LearningRateSchedule`s.
/// Serialized as Keras's `{"class_name": …, "config": {…}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "class_name", content = "config", deny_unknown_fields)]
pub enum LearningRateSchedule {
    /// lr₀ · rate^(step / decay_steps) (the exponent floored with `staircase`).
    ExponentialDecay {
        /// The rate at step 0, lr₀.
        initial_learning_rate: f32,
        /// Steps over which the rate is multiplied by `decay_rate` once.
        decay_steps: u64,
        /// The factor per `decay_steps` steps.
        decay_rate: f32,
        /// Decay in whole steps of `decay_steps` (the exponent floored) instead of smoothly.
        #[serde(default)]
        staircase: bool,
    },
    /// lr₀ · ((1 − α)·½(1 + cos(π·min(step, decay_steps)/decay_steps)) + α).
    CosineDecay {
        /// The rate at step 0, lr₀.
        initial_learning_rate: f32,
        /// Steps over which the rate falls from lr₀ to α·lr₀ (and stays there).
        decay_steps: u64,
        /// The final rate as a fraction of lr₀, α (default 0).
        #[serde(default)]
        alpha: f32,
    },
    /// `values[0]` while step ≤ `boundaries[0]`, `values[i]` while step ≤ `boundaries[i]`, and
    /// the last value after the last boundary.
    PiecewiseConstantDecay {
        /// Step counts at which the rate changes, increasing.
        boundaries: Vec<u64>,
        /// The rates: one more than `boundaries`.
        values: Vec<f32>,
    },
}

impl LearningRateSchedule {
    /// `ExponentialDecay(initial_learning_rate, decay_steps, decay_rate)`.
    pub fn exponential_decay(initial: f32, decay_steps: u64, decay_rate: f32) -> Self {
        LearningRateSchedule::ExponentialDecay {
            initial_learning_rate: initial,
            decay_steps,
            decay_rate,
            staircase: false,
        }
    }

    /// `CosineDecay(initial_learning_rate, decay_steps, alpha)`.
    pub fn cosine_decay(initial: f32, decay_steps: u64, alpha: f32) -> Self {
        LearningRateSchedule::CosineDecay {
            initial_learning_rate: initial,
            decay_steps,
            alpha,
        }
    }

    /// `PiecewiseConstantDecay(boundaries, values)`.
    pub fn piecewise_constant_decay(boundaries: &[u64], values: &[f32]) -> Self {
        LearningRateSchedule::PiecewiseConstantDecay {
            boundaries: boundaries.to_vec(),
            values: values.to_vec(),
        }
    }

    /// Keras's class name.
    pub fn name(&self) -> &'static str {
        match self {
            LearningRateSchedule::ExponentialDecay { .. } => "ExponentialDecay",
            LearningRateSchedule::CosineDecay { .. } => "CosineDecay",
            LearningRateSchedule::PiecewiseConstantDecay { .. } => "PiecewiseConstantDecay",
        }
    }

    /// Its arguments must make a positive, finite rate at every step.
    pub fn check(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::Model(format!("{}: {msg}", self.name())));
        let positive = |what: &str, v: f32| match v.is_finite() && v > 0.0 {
            true => Ok(()),
            false => bad(format!("{what} must be a positive number, got {v}")),
        };
        match self {
            LearningRateSchedule::ExponentialDecay {
                initial_learning_rate,
                decay_steps,
                decay_rate,
                ..
            } => {
                positive("initial_learning_rate", *initial_learning_rate)?;
                positive("decay_rate", *decay_rate)?;
                if *decay_steps == 0 {
                    return bad("decay_steps must be at least 1".into());
                }
            }
            LearningRateSchedule::CosineDecay {
                initial_learning_rate,
                decay_steps,
                alpha,
            } => {
                positive("initial_learning_rate", *initial_learning_rate)?;
                if *decay_steps == 0 {
                    return bad("decay_steps must be at least 1".into());
                }
                if !(0.0..=1.0).contains(alpha) {
                    return bad(format!("alpha must be in [0, 1], got {alpha}"));
                }
            }
            LearningRateSchedule::PiecewiseConstantDecay { boundaries, values } => {
                if values.len() != boundaries.len() + 1 {
                    return bad(format!(
                        "needs one more value than boundaries; got {} boundaries and {} \
                         values",
                        boundaries.len(),
                        values.len()
                    ));
                }
                if boundaries.windows(2).any(|w| w[0] >= w[1]) {
                    return bad(format!("boundaries must increase, got {boundaries:?}"));
                }
                for v in values {
                    positive("every value", *v)?;
                }
            }
        }
        Ok(())
    }
}
