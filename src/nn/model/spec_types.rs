//! The argument types of model descriptions (`Pair`, `ZeroPadding`), the defaults of
//! `LayerSpec`'s fields, and the checks of a custom layer's description.

use serde::{Deserialize, Serialize};

use crate::nn::model::init::Initializer;

/// A size given as one number (square) or `[height, width]`; written as `[h, w]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PairForm", into = "[usize; 2]")]
pub struct Pair(pub usize, pub usize);

#[derive(Deserialize)]
#[serde(untagged)]
enum PairForm {
    One(usize),
    Two([usize; 2]),
}

impl From<PairForm> for Pair {
    fn from(f: PairForm) -> Pair {
        match f {
            PairForm::One(n) => Pair(n, n),
            PairForm::Two([h, w]) => Pair(h, w),
        }
    }
}

impl From<Pair> for [usize; 2] {
    fn from(p: Pair) -> [usize; 2] {
        [p.0, p.1]
    }
}

/// ZeroPadding2D's amounts, ((top, bottom), (left, right)); read as Keras takes them: one
/// number (every side), `[h, w]` (h above and below, w left and right) or
/// `[[top, bottom], [left, right]]`; written in the last form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ZeroPaddingForm", into = "[[usize; 2]; 2]")]
pub struct ZeroPadding(pub (usize, usize), pub (usize, usize));

#[derive(Deserialize)]
#[serde(untagged)]
enum ZeroPaddingForm {
    One(usize),
    Two([usize; 2]),
    Four([[usize; 2]; 2]),
}

impl From<ZeroPaddingForm> for ZeroPadding {
    fn from(f: ZeroPaddingForm) -> ZeroPadding {
        match f {
            ZeroPaddingForm::One(n) => ZeroPadding((n, n), (n, n)),
            ZeroPaddingForm::Two([h, w]) => ZeroPadding((h, h), (w, w)),
            ZeroPaddingForm::Four([[t, b], [l, r]]) => ZeroPadding((t, b), (l, r)),
        }
    }
}

impl From<ZeroPadding> for [[usize; 2]; 2] {
    fn from(p: ZeroPadding) -> [[usize; 2]; 2] {
        [[p.0 .0, p.0 .1], [p.1 .0, p.1 .1]]
    }
}

pub(super) fn glorot() -> Initializer {
    Initializer::GlorotUniform
}
pub(super) fn is_glorot(i: &Initializer) -> bool {
    *i == Initializer::GlorotUniform
}
pub(super) fn zeros() -> Initializer {
    Initializer::Zeros
}
pub(super) fn is_zeros(i: &Initializer) -> bool {
    *i == Initializer::Zeros
}
pub(super) fn yes() -> bool {
    true
}
pub(super) fn is_true(b: &bool) -> bool {
    *b
}
pub(super) fn one_all_round() -> ZeroPadding {
    ZeroPadding((1, 1), (1, 1))
}
pub(super) fn last_axis() -> i64 {
    -1
}
pub(super) fn is_valid(p: &str) -> bool {
    p == "valid"
}
pub(super) fn linear() -> String {
    "linear".into()
}
pub(super) fn valid() -> String {
    "valid".into()
}
pub(super) fn momentum() -> f32 {
    0.99
}
pub(super) fn epsilon() -> f32 {
    1e-3
}
pub(super) fn leaky_slope() -> f32 {
    0.3
}
pub(super) fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}
pub(super) fn one() -> Pair {
    Pair(1, 1)
}
pub(super) fn two() -> Pair {
    Pair(2, 2)
}

/// The Keras layer classes wgtrain reads, which a custom layer cannot be named.
pub(crate) const BUILT_IN: [&str; 26] = [
    "InputLayer",
    "Dense",
    "Conv2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Flatten",
    "Reshape",
    "Activation",
    "LeakyReLU",
    "Dropout",
    "BatchNormalization",
    "Custom",
    "Rescaling",
    "ReLU",
    "Softmax",
    "ZeroPadding2D",
    "LayerNormalization",
    "SpatialDropout2D",
    "DepthwiseConv2D",
    "SeparableConv2D",
    "RandomFlip",
    "RandomTranslation",
    "RandomRotation",
    "RandomZoom",
];

/// The arguments Keras writes for every layer, kept out of a custom layer's config (the
/// Keras form adds them, the reader takes them off again).
pub(crate) const KERAS_COMMON: [&str; 5] = [
    "name",
    "trainable",
    "dtype",
    "batch_shape",
    "batch_input_shape",
];

/// A custom layer's description is one the Keras form writes and reads back the same: a
/// class name of its own and a config object without Keras's common arguments.
pub(super) fn check_custom(
    class_name: &str,
    config: &serde_json::Value,
) -> std::result::Result<(), String> {
    if class_name.is_empty() || BUILT_IN.contains(&class_name) {
        return Err(format!(
            "field `class_name` must name a layer of your own, not `{}`",
            crate::echo::clip(class_name)
        ));
    }
    match config.as_object() {
        None => Err("field `config` must be an object of the layer's arguments".into()),
        Some(o) => match KERAS_COMMON.iter().find(|k| o.contains_key(**k)) {
            Some(k) => Err(format!(
                "field `config` must not hold `{k}`, which Keras gives every layer"
            )),
            None => Ok(()),
        },
    }
}
