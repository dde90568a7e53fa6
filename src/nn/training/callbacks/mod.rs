//! Keras's callbacks: `EarlyStopping` stops `fit` when a monitored quantity has stopped
//! improving, optionally restoring the weights of the best epoch
//! (`FitOptions::early_stopping`); `ModelCheckpoint` saves the model after an epoch (only
//! when it is the best so far, with `save_best_only`), called from `fit_checkpointed`'s
//! per-epoch callback.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::history::EpochLog;

/// Which direction counts as an improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `min` for losses, `max` for accuracies (Keras's `auto`).
    Auto,
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

/// `keras.callbacks.EarlyStopping(monitor, min_delta, patience, mode,
/// restore_best_weights)`.
#[derive(Clone, Debug, PartialEq)]
pub struct EarlyStopping {
    /// `loss`, `accuracy`, `val_loss` (the default) or `val_accuracy`.
    pub monitor: String,
    /// A change smaller than this is no improvement.
    pub min_delta: f32,
    /// Epochs without improvement after which training stops.
    pub patience: usize,
    /// Whether a lower or a higher value is an improvement.
    pub mode: Mode,
    /// At the end of training, put back the weights of the best epoch (as Keras 3: also
    /// when training ran to the last epoch).
    pub restore_best_weights: bool,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            monitor: "val_loss".into(),
            min_delta: 0.0,
            patience: 0,
            mode: Mode::Auto,
            restore_best_weights: false,
        }
    }
}

impl EarlyStopping {
    /// Stop after `patience` epochs without a better `val_loss`.
    pub fn patience(patience: usize) -> EarlyStopping {
        EarlyStopping {
            patience,
            ..EarlyStopping::default()
        }
    }

    /// The monitored value in an epoch's log, or an error naming what the log has.
    pub(crate) fn value(&self, log: &EpochLog) -> Result<f32> {
        let v = match self.monitor.as_str() {
            "loss" => Some(log.loss),
            "accuracy" => log.accuracy,
            "val_loss" => log.val_loss,
            "val_accuracy" => log.val_accuracy,
            "top_k_categorical_accuracy" => log.top_k_categorical_accuracy,
            "val_top_k_categorical_accuracy" => log.val_top_k_categorical_accuracy,
            _ => None,
        };
        v.ok_or_else(|| {
            Error::Model(format!(
                "EarlyStopping: the epoch log has no `{}`; monitor loss, accuracy (or \
                 top_k_categorical_accuracy, when compiled with it), or with a validation \
                 split val_loss or val_accuracy (val_top_k_categorical_accuracy)",
                self.monitor
            ))
        })
    }

    fn maximise(&self) -> bool {
        match self.mode {
            Mode::Max => true,
            Mode::Min => false,
            Mode::Auto => self.monitor.contains("acc"),
        }
    }

    /// Keras's `_is_improvement`: beyond `min_delta` in the mode's direction.
    pub(crate) fn improves(&self, value: f32, best: Option<f32>) -> bool {
        match (best, self.maximise()) {
            (None, _) => true,
            (Some(b), true) => value - self.min_delta.abs() > b,
            (Some(b), false) => value + self.min_delta.abs() < b,
        }
    }
}

/// `keras.callbacks.ModelCheckpoint(filepath, monitor, save_best_only, mode)`: call
/// [`on_epoch_end`](Self::on_epoch_end) from `fit_checkpointed`'s callback.
#[derive(Clone, Debug)]
pub struct ModelCheckpoint {
    /// Where the model is saved.
    pub filepath: PathBuf,
    /// As EarlyStopping's: `val_loss` by default.
    pub monitor: String,
    /// Save only when the monitored value is the best so far.
    pub save_best_only: bool,
    /// Whether a lower or a higher value is better.
    pub mode: Mode,
    /// The best value so far (`None` before the first); set it to resume a run without
    /// overwriting a better earlier save (Keras's `initial_value_threshold`).
    pub best: Option<f32>,
}

impl ModelCheckpoint {
    /// Save the best model so far (by val_loss) to `filepath`.
    pub fn best_only(filepath: impl Into<PathBuf>) -> ModelCheckpoint {
        ModelCheckpoint {
            filepath: filepath.into(),
            monitor: "val_loss".into(),
            save_best_only: true,
            mode: Mode::Auto,
            best: None,
        }
    }

    pub(crate) fn rule(&self) -> EarlyStopping {
        EarlyStopping {
            monitor: self.monitor.clone(),
            mode: self.mode,
            ..EarlyStopping::default()
        }
    }

    /// The best monitored value among `logs` (e.g. a resumed model's history).
    pub fn best_of(&self, logs: &[EpochLog]) -> Option<f32> {
        let rule = self.rule();
        logs.iter()
            .filter_map(|l| rule.value(l).ok())
            .fold(None, |best, v| match rule.improves(v, best) {
                true => Some(v),
                false => best,
            })
    }
}

/// `keras.callbacks.ReduceLROnPlateau(monitor, factor, patience, mode, min_delta,
/// cooldown, min_lr)`: multiply the learning rate by `factor` after `patience` epochs
/// without improvement (`FitOptions::reduce_lr_on_plateau`). The rate changes between
/// epochs, so it costs no readback inside one.
#[derive(Clone, Debug, PartialEq)]
pub struct ReduceLROnPlateau {
    /// The logged value watched, e.g. `val_loss`.
    pub monitor: String,
    /// What the learning rate is multiplied by at each reduction (below 1).
    pub factor: f32,
    /// Epochs without improvement after which the rate is reduced.
    pub patience: usize,
    /// Whether a lower or a higher value is an improvement.
    pub mode: Mode,
    /// A change smaller than this is no improvement.
    pub min_delta: f32,
    /// Epochs to wait after a reduction before counting epochs without improvement again.
    pub cooldown: usize,
    /// The rate is never reduced below this.
    pub min_lr: f32,
}

impl Default for ReduceLROnPlateau {
    /// Keras's defaults: val_loss, factor 0.1, patience 10, min_delta 1e-4, no cooldown,
    /// min_lr 0.
    fn default() -> Self {
        ReduceLROnPlateau {
            monitor: "val_loss".into(),
            factor: 0.1,
            patience: 10,
            mode: Mode::Auto,
            min_delta: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
        }
    }
}

/// ReduceLROnPlateau's state during one `fit`.
pub(crate) struct ReduceLROnPlateauState {
    config: ReduceLROnPlateau,
    wait: usize,
    cooldown: usize,
    best: Option<f32>,
}

impl ReduceLROnPlateauState {
    pub fn new(config: ReduceLROnPlateau) -> Self {
        ReduceLROnPlateauState {
            config,
            wait: 0,
            cooldown: 0,
            best: None,
        }
    }

    /// After an epoch trained at `lr`: the new learning rate, when it is to change
    /// (Keras 3's `on_epoch_end`, cooldown included).
    pub fn update(&mut self, log: &EpochLog, lr: f32) -> Result<Option<f32>> {
        let c = &self.config;
        if !(c.factor > 0.0 && c.factor < 1.0) {
            return Err(Error::Model(format!(
                "ReduceLROnPlateau: factor {} must be in (0, 1)",
                c.factor
            )));
        }
        let rule = EarlyStopping {
            monitor: c.monitor.clone(),
            mode: c.mode,
            ..EarlyStopping::default()
        };
        let value = rule.value(log)?;
        if self.cooldown > 0 {
            self.cooldown -= 1;
            self.wait = 0;
        }
        let better = match (self.best, rule.maximise()) {
            (None, _) => true,
            (Some(b), true) => value > b + c.min_delta,
            (Some(b), false) => value < b - c.min_delta,
        };
        if better {
            self.best = Some(value);
            self.wait = 0;
        } else if self.cooldown == 0 {
            self.wait += 1;
            if self.wait >= c.patience && lr > c.min_lr {
                self.cooldown = c.cooldown;
                self.wait = 0;
                return Ok(Some((lr * c.factor).max(c.min_lr)));
            }
        }
        Ok(None)
    }
}

/// EarlyStopping's state during one `fit`.
pub(crate) struct EarlyStoppingState<W> {
    pub config: EarlyStopping,
    wait: usize,
    best: Option<f32>,
    /// The best epoch (1-based) and its weights, when they are to be restored.
    pub best_epoch: usize,
    pub best_weights: Option<W>,
}

impl<W> EarlyStoppingState<W> {
    pub fn new(config: EarlyStopping) -> Self {
        EarlyStoppingState {
            config,
            wait: 0,
            best: None,
            best_epoch: 0,
            best_weights: None,
        }
    }

    /// After epoch `log.epoch` (1-based; `first` when it is the run's very first epoch):
    /// true when training should stop. `weights` is asked for only when they are kept.
    pub fn update(
        &mut self,
        log: &EpochLog,
        first: bool,
        weights: impl Fn() -> Result<W>,
    ) -> Result<bool> {
        let value = self.config.value(log)?;
        let keep = self.config.restore_best_weights;
        if keep && self.best_weights.is_none() {
            self.best_weights = Some(weights()?);
            self.best_epoch = log.epoch;
        }
        self.wait += 1;
        if self.config.improves(value, self.best) {
            self.best = Some(value);
            self.best_epoch = log.epoch;
            if keep {
                self.best_weights = Some(weights()?);
            }
            self.wait = 0;
            return Ok(false);
        }
        Ok(self.wait >= self.config.patience && !first)
    }
}

#[cfg(test)]
mod tests;
