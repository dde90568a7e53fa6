//! What `compile` chose, read back and adjusted: the optimizer, loss and metrics, the
//! loss's from_logits setting, gradient clipping, and the learning rate.

use super::Sequential;
use crate::cpu::LearningRateSchedule;
use crate::error::{Error, Result};
use crate::nn::loss::{Loss, LossConfig, Metric};
use crate::nn::optimizer::{GradientClip, Optimizer};

impl Sequential {
    /// The optimizer, loss and metrics given to `compile`, if it was called.
    pub fn compiled_with(&self) -> Option<(Optimizer, Loss, Vec<Metric>)> {
        self.compiled.as_ref().map(|c| {
            let mut metrics = Vec::new();
            if c.accuracy {
                metrics.push(Metric::Accuracy);
            }
            metrics.extend(c.top_k.map(Metric::TopKCategoricalAccuracy));
            (c.optimizer, c.loss, metrics)
        })
    }

    /// The gradient clipping given to `compile`, if any.
    pub fn gradient_clip(&self) -> Option<GradientClip> {
        self.compiled.as_ref().and_then(|c| c.clip)
    }

    /// Train on with another learning rate (Keras's `model.optimizer.learning_rate = lr`),
    /// keeping the optimizer's state; a checkpoint saved afterwards records it.
    pub fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(Error::Model(format!(
                "set_learning_rate: {lr} is not a positive number"
            )));
        }
        let c = self
            .compiled
            .as_mut()
            .ok_or_else(|| Error::Model("set_learning_rate: compile the model first".into()))?;
        if let Some(s) = &c.schedule {
            return Err(Error::Model(format!(
                "set_learning_rate: the optimizer follows a {} schedule, which sets every \
                 step's rate (as in Keras, its rate cannot be set)",
                s.name()
            )));
        }
        c.optimizer = c.optimizer.with_learning_rate(lr);
        c.state.set_rate(&self.device, lr)?;
        Ok(())
    }

    /// The learning-rate schedule given to `compile`, if any.
    pub fn learning_rate_schedule(&self) -> Option<&LearningRateSchedule> {
        self.compiled.as_ref().and_then(|c| c.schedule.as_ref())
    }

    /// The learning rate the next update will use (the schedule's at the current step).
    pub fn current_learning_rate(&self) -> Option<f32> {
        self.compiled.as_ref().map(|c| c.learning_rate())
    }

    /// The loss given to `compile` with its from_logits setting, if it was called.
    pub fn loss_config(&self) -> Option<LossConfig> {
        self.compiled.as_ref().map(|c| LossConfig {
            loss: c.loss,
            from_logits: c.from_logits,
        })
    }
}
