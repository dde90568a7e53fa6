//! CPU twin of `shaders/lr_schedule.wgsl`: the rate of Keras's learning-rate schedules
//! (`crate::hyperparams::LearningRateSchedule`: `ExponentialDecay`, `CosineDecay` and
//! `PiecewiseConstantDecay`) at a step, each a function of the optimizer's step count (the steps
//! done before the update, as Keras's `optimizer.iterations`), here in f64 from Keras's
//! documented formulas. On the device the rate is computed from the step counter into a
//! one-element tensor that the optimizer kernels read, so a schedule adds no readback.

use crate::hyperparams::LearningRateSchedule;

impl LearningRateSchedule {
    /// The rate for the update after `step` steps (the first update uses step 0): the
    /// CPU twin's value, which the device's kernel matches.
    pub fn learning_rate(&self, step: u64) -> f32 {
        lr_schedule_forward(self, step)
    }
}

/// schedule, step (updates done before this one) → that update's learning rate, in f64
pub fn lr_schedule_forward(schedule: &LearningRateSchedule, step: u64) -> f32 {
    let rate = match schedule {
        LearningRateSchedule::ExponentialDecay {
            initial_learning_rate,
            decay_steps,
            decay_rate,
            staircase,
        } => {
            let mut p = step as f64 / *decay_steps as f64;
            if *staircase {
                p = p.floor();
            }
            *initial_learning_rate as f64 * (*decay_rate as f64).powf(p)
        }
        LearningRateSchedule::CosineDecay {
            initial_learning_rate,
            decay_steps,
            alpha,
        } => {
            let s = step.min(*decay_steps) as f64 / *decay_steps as f64;
            let cosine = 0.5 * (1.0 + (std::f64::consts::PI * s).cos());
            let alpha = *alpha as f64;
            *initial_learning_rate as f64 * ((1.0 - alpha) * cosine + alpha)
        }
        LearningRateSchedule::PiecewiseConstantDecay { boundaries, values } => {
            let i = boundaries
                .iter()
                .position(|&b| step <= b)
                .unwrap_or(boundaries.len());
            values[i] as f64
        }
    };
    rate as f32
}
