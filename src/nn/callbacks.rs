//! Keras's callbacks: `EarlyStopping` stops `fit` when a monitored quantity has stopped
//! improving, optionally restoring the weights of the best epoch
//! (`FitOptions::early_stopping`); `ModelCheckpoint` saves the model after an epoch (only
//! when it is the best so far, with `save_best_only`), called from `fit_checkpointed`'s
//! per-epoch callback.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::history::EpochLog;
use crate::nn::Sequential;

/// Which direction counts as an improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `min` for losses, `max` for accuracies (Keras's `auto`).
    Auto,
    Min,
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
            _ => None,
        };
        v.ok_or_else(|| {
            Error::Model(format!(
                "EarlyStopping: the epoch log has no `{}`; monitor loss, accuracy, or (with a \
                 validation split) val_loss or val_accuracy",
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
    fn improves(&self, value: f32, best: Option<f32>) -> bool {
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
    pub filepath: PathBuf,
    /// As EarlyStopping's: `val_loss` by default.
    pub monitor: String,
    /// Save only when the monitored value is the best so far.
    pub save_best_only: bool,
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

    fn rule(&self) -> EarlyStopping {
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

    /// After an epoch: save `model` (atomically) if it is to be saved; true when it was.
    pub fn on_epoch_end(&mut self, model: &Sequential, log: &EpochLog) -> Result<bool> {
        let rule = self.rule();
        let value = rule.value(log)?;
        if self.save_best_only && !rule.improves(value, self.best) {
            return Ok(false);
        }
        model.save(&self.filepath)?;
        if rule.improves(value, self.best) {
            self.best = Some(value);
        }
        Ok(true)
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
mod tests {
    use super::*;

    fn log(epoch: usize, val_loss: f32) -> EpochLog {
        EpochLog {
            epoch,
            epochs: 10,
            loss: 1.0,
            accuracy: Some(0.5),
            val_loss: Some(val_loss),
            val_accuracy: Some(1.0 - val_loss),
            steps: 1,
            seconds: 0.0,
        }
    }

    /// Runs a constructed history through the callback: (the epoch it stops after, the
    /// best epoch).
    fn run(config: EarlyStopping, values: &[f32]) -> (Option<usize>, usize) {
        let mut s = EarlyStoppingState::new(config);
        for (i, &v) in values.iter().enumerate() {
            let stop = s.update(&log(i + 1, v), i == 0, || Ok(i + 1)).unwrap();
            if stop {
                return (Some(i + 1), s.best_epoch);
            }
        }
        (None, s.best_epoch)
    }

    /// Keras's rule: `wait` counts epochs since the last improvement beyond min_delta,
    /// training stops once wait ≥ patience (never after the first epoch).
    #[test]
    fn stops_where_keras_does() {
        let values = [1.0, 0.9, 0.95, 0.93, 0.92, 0.5];
        assert_eq!(run(EarlyStopping::patience(3), &values), (Some(5), 2));
        assert_eq!(run(EarlyStopping::patience(4), &values), (None, 6));
        // patience 0 stops at the first epoch that does not improve.
        assert_eq!(run(EarlyStopping::patience(0), &values), (Some(3), 2));
        // 0.93 → 0.92 is no improvement of 0.05 over 0.9.
        let delta = EarlyStopping {
            min_delta: 0.05,
            ..EarlyStopping::patience(2)
        };
        assert_eq!(run(delta, &values), (Some(4), 2));
        // Accuracy is maximised (mode auto).
        let acc = EarlyStopping {
            monitor: "val_accuracy".into(),
            ..EarlyStopping::patience(1)
        };
        assert_eq!(run(acc, &[0.5, 0.4, 0.45]), (Some(3), 2));
        let max_loss = EarlyStopping {
            mode: Mode::Max,
            ..EarlyStopping::patience(1)
        };
        assert_eq!(run(max_loss, &values), (Some(2), 1));
    }

    #[test]
    fn best_weights_are_those_of_the_best_epoch() {
        let config = EarlyStopping {
            restore_best_weights: true,
            ..EarlyStopping::patience(2)
        };
        let mut s = EarlyStoppingState::new(config);
        for (i, v) in [0.8, 0.6, 0.7, 0.65].into_iter().enumerate() {
            s.update(&log(i + 1, v), i == 0, || Ok(i + 1)).unwrap();
        }
        assert_eq!((s.best_epoch, s.best_weights), (2, Some(2)));
    }

    #[test]
    fn an_unknown_monitor_is_an_error() {
        let config = EarlyStopping {
            monitor: "val_auc".into(),
            ..EarlyStopping::default()
        };
        let e = config.value(&log(1, 0.5)).unwrap_err().to_string();
        assert!(e.contains("val_auc") && e.contains("val_loss"), "{e}");
    }
}
