//! The arguments of Keras's DepthwiseConv2D and SeparableConv2D (channels last, no
//! dilation), one struct per layer under Keras's argument names, each checked by `check`
//! as a description is read (its message names the field).

use serde::{Deserialize, Serialize};

use super::settings::check_activation;
use crate::nn::model::init::Initializer;
use crate::nn::model::spec_types::{glorot, is_glorot, is_true, is_zeros, yes, zeros, Pair};

fn one() -> Pair {
    Pair(1, 1)
}
fn one_count() -> usize {
    1
}
fn valid() -> String {
    "valid".into()
}
fn linear() -> String {
    "linear".into()
}

/// `DepthwiseConv2D`'s arguments: a kh×kw kernel per input channel and multiplier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepthwiseConv2DArgs {
    /// Kernel (height, width).
    pub kernel_size: Pair,
    /// Strides (vertical, horizontal); 1 by default.
    #[serde(default = "one")]
    pub strides: Pair,
    /// "valid" (the default) or "same".
    #[serde(default = "valid")]
    pub padding: String,
    /// Output channels per input channel (1 by default).
    #[serde(default = "one_count")]
    pub depth_multiplier: usize,
    /// The activation's Keras name ("linear" by default).
    #[serde(default = "linear")]
    pub activation: String,
    /// Whether it adds a bias (true by default).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub use_bias: bool,
    /// How the kernel is drawn (glorot_uniform when absent).
    #[serde(default = "glorot", skip_serializing_if = "is_glorot")]
    pub depthwise_initializer: Initializer,
    /// How the bias is drawn (zeros when absent).
    #[serde(default = "zeros", skip_serializing_if = "is_zeros")]
    pub bias_initializer: Initializer,
}

/// `SeparableConv2D`'s arguments: a depthwise convolution, then a 1×1 convolution to
/// `filters` channels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeparableConv2DArgs {
    /// Output channels.
    pub filters: usize,
    /// The depthwise kernel (height, width).
    pub kernel_size: Pair,
    /// Strides (vertical, horizontal) of the depthwise step; 1 by default.
    #[serde(default = "one")]
    pub strides: Pair,
    /// "valid" (the default) or "same".
    #[serde(default = "valid")]
    pub padding: String,
    /// Depthwise output channels per input channel (1 by default).
    #[serde(default = "one_count")]
    pub depth_multiplier: usize,
    /// The activation's Keras name ("linear" by default).
    #[serde(default = "linear")]
    pub activation: String,
    /// Whether it adds a bias (true by default).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub use_bias: bool,
    /// How the depthwise kernel is drawn (glorot_uniform when absent).
    #[serde(default = "glorot", skip_serializing_if = "is_glorot")]
    pub depthwise_initializer: Initializer,
    /// How the pointwise kernel is drawn (glorot_uniform when absent).
    #[serde(default = "glorot", skip_serializing_if = "is_glorot")]
    pub pointwise_initializer: Initializer,
    /// How the bias is drawn (zeros when absent).
    #[serde(default = "zeros", skip_serializing_if = "is_zeros")]
    pub bias_initializer: Initializer,
}

/// The checks both layers share: sizes ≥ 1, the padding, the activation, the initializers.
fn check_common(
    (kernel_size, strides, depth_multiplier): (Pair, Pair, usize),
    padding: &str,
    activation: &str,
    inits: &[(&str, Initializer)],
) -> Option<String> {
    let side = |p: Pair| p.0.min(p.1);
    for (field, v) in [
        ("kernel_size", side(kernel_size)),
        ("strides", side(strides)),
        ("depth_multiplier", depth_multiplier),
    ] {
        if v == 0 {
            return Some(format!("field `{field}` must be at least 1"));
        }
    }
    if padding != "valid" && padding != "same" {
        return Some(format!(
            "field `padding`: \"{}\" is not supported; use \"valid\" or \"same\"",
            crate::echo::clip(padding)
        ));
    }
    if let Err(e) = check_activation(activation) {
        return Some(format!("field `activation`: {e}"));
    }
    inits
        .iter()
        .find_map(|(field, i)| i.check().err().map(|e| format!("field `{field}`: {e}")))
}

impl DepthwiseConv2DArgs {
    /// `DepthwiseConv2D(kernel_size)` with Keras's defaults.
    pub fn new(kernel_size: Pair) -> DepthwiseConv2DArgs {
        DepthwiseConv2DArgs {
            kernel_size,
            strides: one(),
            padding: valid(),
            depth_multiplier: 1,
            activation: linear(),
            use_bias: true,
            depthwise_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
        }
    }

    /// What is wrong with the arguments, naming the field, if anything.
    pub(crate) fn check(&self) -> Option<String> {
        check_common(
            (self.kernel_size, self.strides, self.depth_multiplier),
            &self.padding,
            &self.activation,
            &[
                ("depthwise_initializer", self.depthwise_initializer),
                ("bias_initializer", self.bias_initializer),
            ],
        )
    }
}

impl SeparableConv2DArgs {
    /// `SeparableConv2D(filters, kernel_size)` with Keras's defaults.
    pub fn new(filters: usize, kernel_size: Pair) -> SeparableConv2DArgs {
        SeparableConv2DArgs {
            filters,
            kernel_size,
            strides: one(),
            padding: valid(),
            depth_multiplier: 1,
            activation: linear(),
            use_bias: true,
            depthwise_initializer: Initializer::GlorotUniform,
            pointwise_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
        }
    }

    /// What is wrong with the arguments, naming the field, if anything.
    pub(crate) fn check(&self) -> Option<String> {
        if self.filters == 0 {
            return Some("field `filters` must be at least 1".into());
        }
        check_common(
            (self.kernel_size, self.strides, self.depth_multiplier),
            &self.padding,
            &self.activation,
            &[
                ("depthwise_initializer", self.depthwise_initializer),
                ("pointwise_initializer", self.pointwise_initializer),
                ("bias_initializer", self.bias_initializer),
            ],
        )
    }
}
