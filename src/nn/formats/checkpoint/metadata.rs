//! What a checkpoint's metadata holds (the compile settings and the training state, as
//! JSON), and the checks a loaded one must pass: its training state must describe a run
//! the file could hold, its hyper-parameters must be ones a user could give, its tensors
//! must be finite.

use serde::{Deserialize, Serialize};

use crate::history::EpochLog;
use crate::hyperparams::{AdamParams, EpsilonForm, RmsPropParams, SgdParams};
use crate::nn::training::optimizer::Optimizer;
use crate::nn::{ClippedOptimizer, GradientClip, LossConfig, Metric};

#[derive(Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "lowercase", deny_unknown_fields)]
pub(super) enum OptimizerConfig {
    Adam {
        learning_rate: f32,
        beta_1: f32,
        beta_2: f32,
        epsilon: f32,
        /// Where ε sits; checkpoints written before the field existed trained with the
        /// paper's form, so its absence means `paper` (and resume stays bit-identical).
        #[serde(default = "paper")]
        epsilon_form: EpsilonForm,
    },
    Adamw {
        learning_rate: f32,
        weight_decay: f32,
        beta_1: f32,
        beta_2: f32,
        epsilon: f32,
        #[serde(default = "paper")]
        epsilon_form: EpsilonForm,
    },
    Rmsprop {
        learning_rate: f32,
        rho: f32,
        momentum: f32,
        epsilon: f32,
    },
    Sgd {
        learning_rate: f32,
        momentum: f32,
        nesterov: bool,
    },
}

/// A run's `shuffle` in a checkpoint that does not name it.
fn shuffles() -> bool {
    true
}

/// The `shuffle` not written: the default.
fn is_true(b: &bool) -> bool {
    *b
}

/// Adam's ε form in a checkpoint that does not name one (written before Keras's form was
/// added and made the default).
fn paper() -> EpsilonForm {
    EpsilonForm::Paper
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CompileConfig {
    pub(super) optimizer: OptimizerConfig,
    pub(super) loss: String,
    /// Keras's from_logits=True (written only when set, so older files stay as they were).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) from_logits: bool,
    pub(super) metrics: Vec<String>,
    /// Keras's clipnorm / clipvalue (written only when set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) clipnorm: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) clipvalue: Option<f32>,
    /// A learning-rate schedule as Keras writes it (written only when set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) learning_rate_schedule: Option<crate::nn::LearningRateSchedule>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TrainingState {
    pub(super) seed: u64,
    pub(super) epochs_done: usize,
    pub(super) shuffle_log: Vec<[usize; 2]>,
    /// False when the run trains without shuffling (Keras's `shuffle=False`), so a resumed
    /// run does the same; written only then (older files shuffled).
    #[serde(default = "shuffles", skip_serializing_if = "is_true")]
    pub(super) shuffle: bool,
    /// Every epoch's log, `seconds` null: wall-clock times would make identical runs
    /// save different bytes (they live in history.json).
    pub(super) history: Vec<EpochLog>,
}

impl CompileConfig {
    /// The optimizer (with its clipping and schedule), loss and metrics these settings
    /// describe, refused when a user could not have given them.
    pub(super) fn settings(
        self,
    ) -> std::result::Result<(ClippedOptimizer, LossConfig, Vec<Metric>), String> {
        let optimizer = match self.optimizer {
            OptimizerConfig::Adam {
                learning_rate,
                beta_1,
                beta_2,
                epsilon,
                epsilon_form,
            } => Optimizer::Adam(AdamParams {
                lr: learning_rate,
                beta1: beta_1,
                beta2: beta_2,
                eps: epsilon,
                epsilon_form,
            }),
            OptimizerConfig::Adamw {
                learning_rate,
                weight_decay,
                beta_1,
                beta_2,
                epsilon,
                epsilon_form,
            } => Optimizer::AdamW {
                adam: AdamParams {
                    lr: learning_rate,
                    beta1: beta_1,
                    beta2: beta_2,
                    eps: epsilon,
                    epsilon_form,
                },
                weight_decay,
            },
            OptimizerConfig::Rmsprop {
                learning_rate,
                rho,
                momentum,
                epsilon,
            } => Optimizer::RmsProp(RmsPropParams {
                lr: learning_rate,
                rho,
                momentum,
                eps: epsilon,
            }),
            OptimizerConfig::Sgd {
                learning_rate,
                momentum,
                nesterov,
            } => Optimizer::Sgd(SgdParams {
                lr: learning_rate,
                momentum,
                nesterov,
            }),
        };
        check_hyper_parameters(&optimizer)?;
        let loss = LossConfig {
            loss: self.loss.parse().map_err(|e: crate::Error| e.to_string())?,
            from_logits: self.from_logits,
        };
        let metrics = self
            .metrics
            .iter()
            .map(|s| s.parse())
            .collect::<crate::Result<Vec<Metric>>>()
            .map_err(|e| e.to_string())?;
        let clip = match (self.clipnorm, self.clipvalue) {
            (Some(c), None) => Some(GradientClip::Norm(c)),
            (None, Some(c)) => Some(GradientClip::Value(c)),
            (None, None) => None,
            (Some(_), Some(_)) => {
                return Err("clipnorm and clipvalue are both set; Keras allows one".into())
            }
        };
        if let Some(s) = &self.learning_rate_schedule {
            s.check().map_err(|e| e.to_string())?;
        }
        let optimizer = ClippedOptimizer {
            optimizer,
            clip,
            schedule: self.learning_rate_schedule,
        };
        Ok((optimizer, loss, metrics))
    }
}

/// The first NaN or infinity in `data`, as (index, value).
pub(super) fn first_non_finite(data: &[f32]) -> Option<(usize, f32)> {
    data.iter()
        .position(|v| !v.is_finite())
        .map(|i| (i, data[i]))
}

/// The training metadata must describe a run this file could hold: epochs numbered
/// 1..=epochs_done, no more shuffles than epochs, none longer than the saved order (so
/// replaying them costs no more than the file justifies).
pub(super) fn check_training_state(
    t: &TrainingState,
    order_len: usize,
) -> std::result::Result<(), String> {
    if t.epochs_done != t.history.len() {
        return Err(format!(
            "epochs_done {} disagrees with the history, which has {} epochs",
            t.epochs_done,
            t.history.len()
        ));
    }
    for (i, e) in t.history.iter().enumerate() {
        if e.epoch != i + 1 || e.epochs < e.epoch {
            return Err(format!(
                "history entry {i} is epoch {} of {}; expected epoch {}",
                e.epoch,
                e.epochs,
                i + 1
            ));
        }
    }
    let mut shuffles = 0usize;
    for &[len, count] in &t.shuffle_log {
        if len == 0 || len > order_len {
            return Err(format!(
                "shuffle_log has a shuffle of {len} rows; the saved training order has \
                 {order_len}"
            ));
        }
        shuffles = shuffles.saturating_add(count);
    }
    if shuffles > t.epochs_done {
        return Err(format!(
            "shuffle_log records {shuffles} shuffles for {} epochs (at most one per epoch)",
            t.epochs_done
        ));
    }
    Ok(())
}

/// Hyper-parameters a user could not have given: the same rules as the CLI's flags.
pub(super) fn check_hyper_parameters(o: &Optimizer) -> std::result::Result<(), String> {
    let positive = |v: f32| v.is_finite() && v > 0.0;
    let adam_ok = |p: &crate::hyperparams::AdamParams| {
        positive(p.lr)
            && (0.0..1.0).contains(&p.beta1)
            && (0.0..1.0).contains(&p.beta2)
            && positive(p.eps)
    };
    let ok = match o {
        Optimizer::Adam(p) => adam_ok(p),
        Optimizer::AdamW { adam, weight_decay } => {
            adam_ok(adam) && weight_decay.is_finite() && *weight_decay >= 0.0
        }
        Optimizer::Sgd(p) => positive(p.lr) && (0.0..=1.0).contains(&p.momentum),
        Optimizer::RmsProp(p) => {
            positive(p.lr)
                && (0.0..1.0).contains(&p.rho)
                && (0.0..=1.0).contains(&p.momentum)
                && positive(p.eps)
        }
    };
    match ok {
        true => Ok(()),
        false => Err(format!("optimizer hyper-parameters out of range: {o:?}")),
    }
}
