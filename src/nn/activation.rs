//! Activations in Keras's words: `relu`, `sigmoid`, `tanh`, `gelu`, `leaky_relu`,
//! `softmax`, `linear`.

use std::str::FromStr;

use crate::error::Error;
use crate::gpu::{Saved, Unary};

/// An activation applied after a layer's affine part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Activation {
    /// No activation: y = x (Keras's `linear`).
    #[default]
    Linear,
    /// max(x, 0).
    Relu,
    /// 1 / (1 + e^−x).
    Sigmoid,
    /// tanh(x).
    Tanh,
    /// x·Φ(x), Φ the standard normal CDF (exact, not the tanh approximation).
    Gelu,
    /// Keras's `leaky_relu` activation (negative_slope 0.2).
    LeakyRelu,
    /// Softmax over the last axis.
    Softmax,
}

impl Activation {
    /// Keras's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Gelu => "gelu",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Softmax => "softmax",
        }
    }
}

impl Activation {
    /// The elementwise op behind it (`None` for `linear` and `softmax`).
    pub fn unary(self) -> Option<Unary> {
        match self {
            Activation::Relu => Some(Unary::Relu),
            Activation::Sigmoid => Some(Unary::Sigmoid),
            Activation::Tanh => Some(Unary::Tanh),
            Activation::Gelu => Some(Unary::Gelu),
            Activation::LeakyRelu => Some(Unary::LeakyRelu),
            Activation::Linear | Activation::Softmax => None,
        }
    }

    /// What its backward reads besides dy: the forward input or output.
    pub fn saved(self) -> Saved {
        self.unary().map_or(Saved::Output, Unary::saved)
    }
}

impl FromStr for Activation {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "linear" | "none" => Activation::Linear,
            "relu" => Activation::Relu,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "gelu" => Activation::Gelu,
            "leaky_relu" => Activation::LeakyRelu,
            "softmax" => Activation::Softmax,
            other => {
                return Err(Error::BadSetting {
                    name: "activation",
                    value: other.to_string(),
                    reason: "use relu, sigmoid, tanh, gelu, leaky_relu, softmax or linear".into(),
                })
            }
        })
    }
}
