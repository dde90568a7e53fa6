//! Losses and metrics in Keras's words.

use std::str::FromStr;

use crate::error::{Error, Result};

/// A training loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// `categorical_crossentropy` on one-hot labels; needs a softmax output layer, which
    /// is fused with the loss (softmax + log-likelihood in one kernel, finite for any logits).
    CategoricalCrossentropy,
    /// `mse`: mean over the last axis of (y − ŷ)², averaged over the batch.
    MeanSquaredError,
}

impl Loss {
    /// Keras's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Loss::CategoricalCrossentropy => "categorical_crossentropy",
            Loss::MeanSquaredError => "mse",
        }
    }
}

impl FromStr for Loss {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "categorical_crossentropy" => Ok(Loss::CategoricalCrossentropy),
            "mse" | "mean_squared_error" => Ok(Loss::MeanSquaredError),
            other => Err(Error::BadSetting {
                name: "loss",
                value: other.to_string(),
                reason: "use categorical_crossentropy or mse".into(),
            }),
        }
    }
}

/// A metric reported beside the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Share of samples whose predicted class (argmax) is the labelled one.
    Accuracy,
}

impl FromStr for Metric {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "accuracy" | "acc" => Ok(Metric::Accuracy),
            other => Err(Error::BadSetting {
                name: "metric",
                value: other.to_string(),
                reason: "use accuracy".into(),
            }),
        }
    }
}
