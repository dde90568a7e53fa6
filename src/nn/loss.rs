//! Losses and metrics in Keras's words.

use std::str::FromStr;

use crate::error::{Error, Result};

/// A training loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// `categorical_crossentropy` on one-hot labels; needs a softmax output layer, which
    /// is fused with the loss (softmax + log-likelihood in one kernel, finite for any logits).
    CategoricalCrossentropy,
    /// `sparse_categorical_crossentropy` on integer class labels (one per sample, shape
    /// [n] or [n, 1], values 0..classes); fused with a softmax output like the categorical
    /// loss. The labels never become one-hot: on the GPU they stay bytes until the kernel.
    SparseCategoricalCrossentropy,
    /// `mse`: mean over the last axis of (y − ŷ)², averaged over the batch.
    MeanSquaredError,
}

impl Loss {
    /// Keras's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Loss::CategoricalCrossentropy => "categorical_crossentropy",
            Loss::SparseCategoricalCrossentropy => "sparse_categorical_crossentropy",
            Loss::MeanSquaredError => "mse",
        }
    }

    /// True for the cross-entropies, which need a softmax output and fuse with it.
    pub fn is_categorical(self) -> bool {
        matches!(
            self,
            Loss::CategoricalCrossentropy | Loss::SparseCategoricalCrossentropy
        )
    }

    /// True when labels are class indices (one per sample), not rows like the output.
    pub fn is_sparse(self) -> bool {
        self == Loss::SparseCategoricalCrossentropy
    }
}

impl FromStr for Loss {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "categorical_crossentropy" => Ok(Loss::CategoricalCrossentropy),
            "sparse_categorical_crossentropy" => Ok(Loss::SparseCategoricalCrossentropy),
            "mse" | "mean_squared_error" => Ok(Loss::MeanSquaredError),
            other => Err(Error::BadSetting {
                name: "loss",
                value: other.to_string(),
                reason: "use categorical_crossentropy, sparse_categorical_crossentropy or mse"
                    .into(),
            }),
        }
    }
}

/// A metric reported beside the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Share of samples whose predicted class (argmax) is the labelled one — against the
    /// argmax of one-hot labels, or the class index with the sparse loss (Keras picks
    /// categorical_accuracy or sparse_categorical_accuracy the same way).
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
