//! The arguments of the tutorial layers beyond the seed set (LayerNormalization,
//! SpatialDropout2D, RandomFlip, …), one struct per layer, each checked by `check` as a
//! description is read (its message names the field).

use serde::{Deserialize, Serialize};

fn epsilon() -> f32 {
    1e-3
}

/// `LayerNormalization`'s arguments (axis −1, gamma and beta).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerNormArgs {
    /// Added to the variance before its square root (1e-3 by default).
    #[serde(default = "epsilon")]
    pub epsilon: f32,
}

impl LayerNormArgs {
    /// What is wrong with the arguments, naming the field, if anything.
    pub(crate) fn check(&self) -> Option<String> {
        let e = self.epsilon;
        (!(e > 0.0 && e.is_finite()))
            .then(|| format!("field `epsilon` must be a positive number, got {e}"))
    }
}

/// `SpatialDropout2D`'s argument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpatialDropoutArgs {
    /// The fraction of channels dropped per sample, in [0, 1).
    pub rate: f32,
    /// Keras's `seed`: when given, this layer's masks come from it alone (as Dropout's);
    /// absent, from the model's seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

impl SpatialDropoutArgs {
    /// What is wrong with the arguments, naming the field, if anything.
    pub(crate) fn check(&self) -> Option<String> {
        let r = self.rate;
        (!(0.0..1.0).contains(&r)).then(|| format!("field `rate` must be in [0, 1), got {r}"))
    }
}
