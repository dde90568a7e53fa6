//! Optimizers in Keras's words (`Adam`, `AdamW`, `SGD`, `RMSprop`) and their per-parameter state on the
//! model's device. On the GPU every parameter, gradient and slot lives in one arena each,
//! so a step's update is one dispatch (the CPU device updates tensor by tensor); the step
//! counter lives on the device too, so many steps can be recorded without a readback.

use std::str::FromStr;

use crate::error::{Error, Result};
use crate::hyperparams::GradientClip;
use crate::hyperparams::LearningRateSchedule;
use crate::hyperparams::{AdamParams, RmsPropParams, SgdParams};

mod state;
pub(crate) use state::OptimizerState;

/// An optimizer and its hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// Adam.
    Adam(AdamParams),
    /// Adam with decoupled weight decay (Keras's `AdamW`): θ ← θ − θ·wd·lr before each
    /// Adam update (Keras's order: the base optimizer's `_apply_weight_decay`, then Adam's
    /// `update_step`).
    AdamW {
        /// Adam's hyper-parameters.
        adam: AdamParams,
        /// The decay rate wd, applied with the learning rate.
        weight_decay: f32,
    },
    /// Stochastic gradient descent, with optional (Nesterov) momentum.
    Sgd(SgdParams),
    /// RMSprop.
    RmsProp(RmsPropParams),
}

impl Optimizer {
    /// `keras.optimizers.Adam()`: lr 1e-3, β1 0.9, β2 0.999, ε 1e-7 where Keras adds it
    /// ([`EpsilonForm::Keras`](crate::nn::EpsilonForm::Keras)).
    pub fn adam() -> Optimizer {
        Optimizer::adam_lr(1e-3)
    }

    /// Adam with another learning rate, e.g. `Adam(learning_rate=0.01)`.
    pub fn adam_lr(lr: f32) -> Optimizer {
        Optimizer::Adam(AdamParams {
            lr,
            ..AdamParams::default()
        })
    }

    /// `keras.optimizers.AdamW()`: Adam's defaults (ε 1e-7, Keras's form) and
    /// weight_decay 0.004.
    pub fn adamw() -> Optimizer {
        Optimizer::adamw_lr(1e-3, 0.004)
    }

    /// AdamW with another learning rate and weight decay.
    pub fn adamw_lr(lr: f32, weight_decay: f32) -> Optimizer {
        let Optimizer::Adam(adam) = Optimizer::adam_lr(lr) else {
            unreachable!("adam_lr gives Adam")
        };
        Optimizer::AdamW { adam, weight_decay }
    }

    /// `keras.optimizers.RMSprop()`: lr 1e-3, ρ 0.9, momentum 0, ε 1e-7.
    pub fn rmsprop() -> Optimizer {
        Optimizer::RmsProp(RmsPropParams::default())
    }

    /// RMSprop with another learning rate, ρ and momentum.
    pub fn rmsprop_with(lr: f32, rho: f32, momentum: f32) -> Optimizer {
        Optimizer::RmsProp(RmsPropParams {
            lr,
            rho,
            momentum,
            ..RmsPropParams::default()
        })
    }

    /// `keras.optimizers.SGD(learning_rate, momentum)`.
    pub fn sgd(lr: f32, momentum: f32) -> Optimizer {
        Optimizer::Sgd(SgdParams {
            lr,
            momentum,
            nesterov: false,
        })
    }

    /// The learning rate.
    pub fn learning_rate(&self) -> f32 {
        match self {
            Optimizer::Adam(p) | Optimizer::AdamW { adam: p, .. } => p.lr,
            Optimizer::Sgd(p) => p.lr,
            Optimizer::RmsProp(p) => p.lr,
        }
    }

    /// The same optimizer with another learning rate.
    pub fn with_learning_rate(mut self, lr: f32) -> Optimizer {
        match &mut self {
            Optimizer::Adam(p) | Optimizer::AdamW { adam: p, .. } => p.lr = lr,
            Optimizer::Sgd(p) => p.lr = lr,
            Optimizer::RmsProp(p) => p.lr = lr,
        }
        self
    }

    /// Keras's name for it.
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Adam(_) => "adam",
            Optimizer::AdamW { .. } => "adamw",
            Optimizer::Sgd(_) => "sgd",
            Optimizer::RmsProp(_) => "rmsprop",
        }
    }
}

/// An optimizer as `compile` takes it: a plain `Optimizer` converts into this; `.clipnorm(c)`
/// / `.clipvalue(c)` give one that clips, `.learning_rate_schedule(s)` one whose rate
/// follows a schedule (Keras's `learning_rate=ExponentialDecay(…)`).
#[derive(Clone, Debug, PartialEq)]
pub struct ClippedOptimizer {
    /// The optimizer and its hyper-parameters.
    pub optimizer: Optimizer,
    /// Gradient clipping, if any.
    pub clip: Option<GradientClip>,
    /// Replaces the optimizer's learning rate at every step.
    pub schedule: Option<LearningRateSchedule>,
}

impl From<Optimizer> for ClippedOptimizer {
    fn from(optimizer: Optimizer) -> ClippedOptimizer {
        ClippedOptimizer {
            optimizer,
            clip: None,
            schedule: None,
        }
    }
}

impl ClippedOptimizer {
    /// Keras's `clipnorm=c`.
    pub fn clipnorm(mut self, c: f32) -> ClippedOptimizer {
        self.clip = Some(GradientClip::Norm(c));
        self
    }

    /// Keras's `clipvalue=c`.
    pub fn clipvalue(mut self, c: f32) -> ClippedOptimizer {
        self.clip = Some(GradientClip::Value(c));
        self
    }

    /// Keras's `learning_rate=schedule`.
    pub fn learning_rate_schedule(mut self, s: LearningRateSchedule) -> ClippedOptimizer {
        self.schedule = Some(s);
        self
    }
}

impl Optimizer {
    /// Keras's `clipnorm=c`.
    pub fn clipnorm(self, c: f32) -> ClippedOptimizer {
        ClippedOptimizer::from(self).clipnorm(c)
    }

    /// Keras's `clipvalue=c`.
    pub fn clipvalue(self, c: f32) -> ClippedOptimizer {
        ClippedOptimizer::from(self).clipvalue(c)
    }

    /// Keras's `learning_rate=schedule`: the schedule gives every step's rate.
    pub fn learning_rate_schedule(self, s: LearningRateSchedule) -> ClippedOptimizer {
        ClippedOptimizer::from(self).learning_rate_schedule(s)
    }
}

impl FromStr for Optimizer {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "adam" => Ok(Optimizer::adam()),
            "adamw" => Ok(Optimizer::adamw()),
            "sgd" => Ok(Optimizer::sgd(0.01, 0.0)),
            "rmsprop" => Ok(Optimizer::rmsprop()),
            other => Err(Error::BadSetting {
                name: "optimizer",
                value: other.to_string(),
                reason: "use adam, adamw, sgd or rmsprop".into(),
            }),
        }
    }
}
