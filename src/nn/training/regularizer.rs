//! Keras's weight regularizers (`kernel_regularizer`, `bias_regularizer`): L1, L2 and
//! L1L2, as `keras.regularizers` defines them. The penalty l1·Σ|w| + l2·Σw² (no ½) is
//! added to the loss a step reports and to evaluation losses, and its gradient
//! l1·sign(w) + 2·l2·w (sign(0) = 0) to the weight's gradient before clipping and the
//! optimizer's update, as Keras does by adding `sum(model.losses)` to the loss. Only
//! trainable weights are penalised (Keras's `_get_regularization_losses`). At a weight of
//! exactly 0 the L1 gradient is 0, as TensorFlow's and PyTorch's |x|; Keras on JAX takes
//! +l1 there (JAX's |x| has slope 1 at 0), so an L1-regularised zero weight (a zero-
//! initialised bias) moves by lr·l1 more in Keras/JAX's first step.

use serde::{Deserialize, Serialize};

/// A weight penalty, by Keras's class. In a model description: `{"l2": 0.01}`,
/// `{"l1": 0.01}` or `{"l1_l2": {"l1": 0.01, "l2": 0.02}}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Regularizer {
    /// `keras.regularizers.L1(l1)`: l1·Σ|w|.
    #[serde(rename = "l1")]
    L1(f32),
    /// `keras.regularizers.L2(l2)`: l2·Σw².
    #[serde(rename = "l2")]
    L2(f32),
    /// `keras.regularizers.L1L2(l1, l2)`: l1·Σ|w| + l2·Σw².
    #[serde(rename = "l1_l2")]
    L1L2 {
        /// The L1 factor (0 by default, as Keras's L1L2).
        #[serde(default)]
        l1: f32,
        /// The L2 factor (0 by default, as Keras's L1L2).
        #[serde(default)]
        l2: f32,
    },
}

impl Regularizer {
    /// `L1(l1)`: l1·Σ|w| (Keras's default factor is 0.01).
    pub fn l1(l1: f32) -> Regularizer {
        Regularizer::L1(l1)
    }

    /// `L2(l2)`: l2·Σw² (Keras's default factor is 0.01).
    pub fn l2(l2: f32) -> Regularizer {
        Regularizer::L2(l2)
    }

    /// `L1L2(l1, l2)`: l1·Σ|w| + l2·Σw².
    pub fn l1_l2(l1: f32, l2: f32) -> Regularizer {
        Regularizer::L1L2 { l1, l2 }
    }

    /// Keras's class name ("L2").
    pub fn class_name(self) -> &'static str {
        match self {
            Regularizer::L1(_) => "L1",
            Regularizer::L2(_) => "L2",
            Regularizer::L1L2 { .. } => "L1L2",
        }
    }

    /// The (l1, l2) factors: the penalty is l1·Σ|w| + l2·Σw².
    pub fn factors(self) -> (f32, f32) {
        match self {
            Regularizer::L1(l1) => (l1, 0.0),
            Regularizer::L2(l2) => (0.0, l2),
            Regularizer::L1L2 { l1, l2 } => (l1, l2),
        }
    }

    /// Keras's arguments by name, with their values (`[("l2", 0.01)]`).
    pub fn config(self) -> Vec<(&'static str, f32)> {
        match self {
            Regularizer::L1(l1) => vec![("l1", l1)],
            Regularizer::L2(l2) => vec![("l2", l2)],
            Regularizer::L1L2 { l1, l2 } => vec![("l1", l1), ("l2", l2)],
        }
    }

    /// Whether the factors are usable, as Keras's `validate_float_arg`: finite and ≥ 0.
    /// The error names the argument and its value.
    pub fn check(self) -> Result<(), String> {
        match self
            .config()
            .into_iter()
            .find(|(_, v)| !(v.is_finite() && *v >= 0.0))
        {
            None => Ok(()),
            Some((k, v)) => Err(format!(
                "{}: `{k}` = {v} must be a finite number ≥ 0",
                self.class_name()
            )),
        }
    }
}
