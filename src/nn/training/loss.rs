//! Losses and metrics in Keras's words.

use std::str::FromStr;

use crate::error::{Error, Result};
use crate::nn::Activation;

/// A training loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// `categorical_crossentropy` on one-hot labels; needs a softmax output layer, which
    /// is fused with the loss (softmax + log-likelihood in one kernel, finite for any logits).
    CategoricalCrossentropy,
    /// `sparse_categorical_crossentropy` on integer class labels (one per sample, shape
    /// `[n]` or `[n, 1]`, values 0..classes); fused with a softmax output like the categorical
    /// loss. The labels never become one-hot: on the GPU they stay bytes until the kernel.
    SparseCategoricalCrossentropy,
    /// `binary_crossentropy` on 0/1 labels (or probabilities) shaped like the output; needs
    /// a sigmoid output layer, fused with the loss (finite for logits of ±100); averaged
    /// over the last axis as Keras does.
    BinaryCrossentropy,
    /// `mse`: mean over the last axis of (y − ŷ)², averaged over the batch.
    MeanSquaredError,
}

impl Loss {
    /// Keras's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Loss::CategoricalCrossentropy => "categorical_crossentropy",
            Loss::SparseCategoricalCrossentropy => "sparse_categorical_crossentropy",
            Loss::BinaryCrossentropy => "binary_crossentropy",
            Loss::MeanSquaredError => "mse",
        }
    }

    /// The output activation a cross-entropy fuses with (softmax or sigmoid); `None` for
    /// mse.
    pub fn output_activation(self) -> Option<Activation> {
        match self {
            Loss::CategoricalCrossentropy | Loss::SparseCategoricalCrossentropy => {
                Some(Activation::Softmax)
            }
            Loss::BinaryCrossentropy => Some(Activation::Sigmoid),
            Loss::MeanSquaredError => None,
        }
    }

    /// The same loss on a linear output (Keras's `from_logits=True`): the loss applies the
    /// softmax or sigmoid itself, and `predict` returns logits.
    pub fn from_logits(self) -> LossConfig {
        LossConfig {
            loss: self,
            from_logits: true,
        }
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
            "binary_crossentropy" => Ok(Loss::BinaryCrossentropy),
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

/// A loss as `compile` takes it: which one, and whether the model outputs logits
/// (`Loss::X.from_logits()`) or the probabilities of its softmax / sigmoid layer (a plain
/// `Loss::X`, which converts into this).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LossConfig {
    /// The loss function.
    pub loss: Loss,
    /// True when the model outputs logits, not probabilities.
    pub from_logits: bool,
}

impl From<Loss> for LossConfig {
    fn from(loss: Loss) -> LossConfig {
        LossConfig {
            loss,
            from_logits: false,
        }
    }
}

/// A metric reported beside the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Share of samples whose predicted class (argmax) is the labelled one — against the
    /// argmax of one-hot labels, or the class index with the sparse loss; with
    /// binary_crossentropy, the share of outputs on the labelled side of 0.5 (Keras picks
    /// categorical_, sparse_categorical_ or binary_accuracy the same way).
    Accuracy,
    /// Share of samples whose labelled class is among the k most probable (Keras's
    /// top_k_categorical_accuracy, k = 5 by default; with the sparse loss, its
    /// sparse_top_k_categorical_accuracy). Logged as `top_k_categorical_accuracy`.
    TopKCategoricalAccuracy(usize),
}

impl Metric {
    /// Keras's `top_k_categorical_accuracy` (k = 5).
    pub fn top_k() -> Metric {
        Metric::TopKCategoricalAccuracy(5)
    }

    /// Its name as `compile` and checkpoints write it: "accuracy",
    /// "top_k_categorical_accuracy" (k = 5) or "top_{k}_categorical_accuracy".
    pub fn name(&self) -> String {
        match self {
            Metric::Accuracy => "accuracy".into(),
            Metric::TopKCategoricalAccuracy(5) => "top_k_categorical_accuracy".into(),
            Metric::TopKCategoricalAccuracy(k) => format!("top_{k}_categorical_accuracy"),
        }
    }
}

impl FromStr for Metric {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::BadSetting {
            name: "metric",
            value: s.to_string(),
            reason: "use accuracy, top_k_categorical_accuracy (k = 5) or \
                     top_N_categorical_accuracy (k = N ≥ 1)"
                .into(),
        };
        let top = s.strip_prefix("sparse_").unwrap_or(s);
        match s {
            "accuracy" | "acc" => Ok(Metric::Accuracy),
            _ => match top
                .strip_prefix("top_")
                .and_then(|t| t.strip_suffix("_categorical_accuracy"))
            {
                Some("k") => Ok(Metric::top_k()),
                Some(n) => match n.parse::<usize>() {
                    Ok(k) if k >= 1 && n == k.to_string() => Ok(Metric::TopKCategoricalAccuracy(k)),
                    _ => Err(bad()),
                },
                None => Err(bad()),
            },
        }
    }
}
