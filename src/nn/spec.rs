//! A model described in JSON with Keras's layer names and arguments, so a model can be
//! defined without Rust and stored in a checkpoint:
//!
//! ```json
//! {"input_shape": [28, 28, 1],
//!  "layers": [{"Conv2D": {"filters": 32, "kernel_size": 3, "activation": "relu"}},
//!             {"MaxPooling2D": {"pool_size": 2}}, {"Flatten": {}},
//!             {"Dense": {"units": 10, "activation": "softmax"}}]}
//! ```
//!
//! Errors name the layer index and the field. This is plain data; `Sequential::from_spec`
//! builds the model it describes.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The largest model description file read (a description is a few hundred bytes).
pub const MAX_DESCRIPTION_BYTES: u64 = 16 << 20;

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

fn linear() -> String {
    "linear".into()
}
fn valid() -> String {
    "valid".into()
}
fn momentum() -> f32 {
    0.99
}
fn epsilon() -> f32 {
    1e-3
}
fn leaky_slope() -> f32 {
    0.3
}
fn one() -> Pair {
    Pair(1, 1)
}
fn two() -> Pair {
    Pair(2, 2)
}

/// One layer, as Keras names it and its arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum LayerSpec {
    /// A fully connected layer: `activation(x·kernel + bias)`.
    Dense {
        /// Output features.
        units: usize,
        /// The activation's Keras name ("linear" by default).
        #[serde(default = "linear")]
        activation: String,
    },
    /// A 2-D convolution over NHWC input, with bias and activation.
    Conv2D {
        /// Output channels.
        filters: usize,
        /// Kernel (height, width).
        kernel_size: Pair,
        /// Strides (vertical, horizontal); 1 by default.
        #[serde(default = "one")]
        strides: Pair,
        /// "valid" (the default) or "same".
        #[serde(default = "valid")]
        padding: String,
        /// The activation's Keras name ("linear" by default).
        #[serde(default = "linear")]
        activation: String,
    },
    /// The maximum of each pooling window.
    MaxPooling2D {
        /// Window (height, width); 2 by default.
        #[serde(default = "two")]
        pool_size: Pair,
        /// Strides (vertical, horizontal); the pool size when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        strides: Option<Pair>,
    },
    /// The mean of each pooling window.
    AveragePooling2D {
        /// Window (height, width); 2 by default.
        #[serde(default = "two")]
        pool_size: Pair,
        /// Strides (vertical, horizontal); the pool size when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        strides: Option<Pair>,
    },
    /// Reshape each sample to one axis.
    Flatten {},
    /// Zero each input with probability `rate` while training (scaling the rest up).
    Dropout {
        /// The fraction of inputs dropped, in [0, 1).
        rate: f32,
    },
    /// An activation function on its own.
    Activation {
        /// The activation's Keras name.
        activation: String,
    },
    /// Reshape each sample.
    Reshape {
        /// The per-sample shape; one entry may be -1 (inferred).
        target_shape: Vec<i64>,
    },
    /// The mean over height and width, per channel.
    GlobalAveragePooling2D {},
    /// The maximum over height and width, per channel.
    GlobalMaxPooling2D {},
    /// x for x > 0, else `negative_slope`·x.
    LeakyReLU {
        /// The slope for x ≤ 0 (0.3 by default).
        #[serde(default = "leaky_slope")]
        negative_slope: f32,
    },
    /// Normalise each channel by its batch statistics (moving averages at inference).
    BatchNormalization {
        /// The moving averages' momentum (0.99 by default).
        #[serde(default = "momentum")]
        momentum: f32,
        /// Added to the variance before its square root (1e-3 by default).
        #[serde(default = "epsilon")]
        epsilon: f32,
    },
}

impl LayerSpec {
    /// The Keras class name.
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Dense { .. } => "Dense",
            LayerSpec::Conv2D { .. } => "Conv2D",
            LayerSpec::MaxPooling2D { .. } => "MaxPooling2D",
            LayerSpec::AveragePooling2D { .. } => "AveragePooling2D",
            LayerSpec::Flatten {} => "Flatten",
            LayerSpec::Dropout { .. } => "Dropout",
            LayerSpec::Activation { .. } => "Activation",
            LayerSpec::Reshape { .. } => "Reshape",
            LayerSpec::GlobalAveragePooling2D {} => "GlobalAveragePooling2D",
            LayerSpec::GlobalMaxPooling2D {} => "GlobalMaxPooling2D",
            LayerSpec::BatchNormalization { .. } => "BatchNormalization",
            LayerSpec::LeakyReLU { .. } => "LeakyReLU",
        }
    }
}

/// A whole `Sequential` model: the per-sample input shape and the layers in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// The shape of one input sample (no batch axis).
    pub input_shape: Vec<usize>,
    /// The layers, input first.
    pub layers: Vec<LayerSpec>,
}

impl ModelSpec {
    /// Parse a model description; `source` names it in errors (a file name, "checkpoint").
    pub fn from_json(text: &str, source: &str) -> Result<ModelSpec> {
        let bad = |msg: String| Error::Model(format!("model description {source}: {msg}"));
        let v = crate::strict_json::parse(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        crate::strict_json::check_f32_range(&v).map_err(bad)?;
        if super::keras_json::is_keras_model(&v) {
            return ModelSpec::from_keras_json(&v, source);
        }
        let obj = v
            .as_object()
            .ok_or_else(|| bad("expected an object with \"input_shape\" and \"layers\"".into()))?;
        if let Some(k) = obj.keys().find(|k| *k != "input_shape" && *k != "layers") {
            return Err(bad(format!(
                "unknown field `{}`; expected `input_shape` and `layers`",
                crate::echo::clip(k)
            )));
        }
        let input_shape: Vec<usize> = match obj.get("input_shape") {
            None => return Err(bad("missing field `input_shape`, e.g. [28, 28, 1]".into())),
            Some(s) => serde_json::from_value(s.clone()).map_err(|e| {
                bad(format!(
                    "field `input_shape`: {e}; expected a list of sizes, e.g. [28, 28, 1]"
                ))
            })?,
        };
        let layers = match obj.get("layers") {
            Some(serde_json::Value::Array(a)) => a,
            _ => return Err(bad("missing field `layers` (a list of layers)".into())),
        };
        let max = super::sequential::MAX_LAYERS;
        if layers.len() > max {
            return Err(bad(format!(
                "{} layers; a model has at most {max} layers; {}",
                layers.len(),
                super::sequential::TOO_MANY_LAYERS
            )));
        }
        let mut specs = Vec::with_capacity(layers.len());
        for (i, l) in layers.iter().enumerate() {
            let kind = match l {
                serde_json::Value::Object(o) if o.len() == 1 => o.keys().next().cloned(),
                serde_json::Value::String(s) => Some(s.clone()),
                _ => None,
            };
            let Some(kind) = kind else {
                return Err(bad(format!(
                    "layer {i}: expected one Keras layer name with its arguments, e.g. \
                     {{\"Dense\": {{\"units\": 10}}}}"
                )));
            };
            // `"Flatten"` alone is accepted for layers without arguments.
            let l = match l {
                serde_json::Value::String(s) => serde_json::json!({ s.clone(): {} }),
                other => other.clone(),
            };
            let spec: LayerSpec = serde_json::from_value(l).map_err(|e| {
                let e = e.to_string();
                let e = if e.starts_with("unknown variant") {
                    format!(
                        "unknown layer `{}`; use Dense, Conv2D, MaxPooling2D, \
                         AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, \
                         Flatten, Reshape, Activation, LeakyReLU, Dropout or BatchNormalization",
                        crate::echo::clip(&kind)
                    )
                } else {
                    crate::echo::clip(&e).into_owned()
                };
                bad(format!("layer {i} ({}): {e}", crate::echo::clip(&kind)))
            })?;
            // Numbers JSON allows but f32 cannot hold (1e300 becomes infinity) are
            // refused here, so every description that parses also writes back as JSON.
            let out_of_range = match spec {
                LayerSpec::Dropout { rate } if !(0.0..1.0).contains(&rate) => {
                    Some(format!("field `rate` must be in [0, 1), got {rate}"))
                }
                LayerSpec::BatchNormalization { momentum, .. }
                    if !(0.0..=1.0).contains(&momentum) =>
                {
                    Some(format!(
                        "field `momentum` must be in [0, 1], got {momentum}"
                    ))
                }
                LayerSpec::BatchNormalization { epsilon, .. }
                    if !(epsilon > 0.0 && epsilon.is_finite()) =>
                {
                    Some(format!(
                        "field `epsilon` must be a positive number, got {epsilon}"
                    ))
                }
                LayerSpec::LeakyReLU { negative_slope: s } if !(s.is_finite() && s >= 0.0) => Some(
                    format!("field `negative_slope` must be a number ≥ 0, got {s}"),
                ),
                _ => None,
            };
            if let Some(msg) = out_of_range {
                return Err(bad(format!(
                    "layer {i} ({}): {msg}",
                    crate::echo::clip(&kind)
                )));
            }
            specs.push(spec);
        }
        Ok(ModelSpec {
            input_shape,
            layers: specs,
        })
    }

    /// Read a model description file.
    pub fn load(path: &Path) -> Result<ModelSpec> {
        let io = |e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > MAX_DESCRIPTION_BYTES {
            return Err(Error::Model(format!(
                "model description {}: {size} bytes, more than any model description needs \
                 ({MAX_DESCRIPTION_BYTES}); is this the right file?",
                path.display()
            )));
        }
        let bytes = std::fs::read(path).map_err(io)?;
        // A .keras file is a zip, a .h5 file HDF5: say how to convert them.
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\x89HDF") {
            return Err(Error::Model(format!(
                "model description {}: a Keras model file, not JSON; wgtrain reads the \
                 model's to_json() — {}",
                path.display(),
                super::checkpoint::CONVERT_KERAS
            )));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::Model(format!(
                "model description {}: not UTF-8 text (invalid byte at offset {}); a model \
                 description is a JSON file",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        ModelSpec::from_json(&text, &path.display().to_string())
    }

    /// The description as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a ModelSpec always serialises")
    }
}
