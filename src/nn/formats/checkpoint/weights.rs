//! Weights only, as Keras's `save_weights` / `load_weights`: a safetensors file of the
//! model's `layers.{i}.{name}` tensors (F32, Keras layouts) with no optimizer state and no
//! training position. `load_weights` also reads the weights out of a full checkpoint and
//! out of files written by `scripts/keras_weights.py` from a Keras model.

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::Dtype;
use safetensors::SafeTensors;

use super::f32_entry;
use super::metadata::first_non_finite;
use crate::error::{Error, Result};
use crate::nn::model::sequential::{NamedArray, Sequential};
use crate::nn::model::spec::ModelSpec;
use crate::nn::Array;

/// The `format` metadata value of a weights-only file.
pub const WEIGHTS_FORMAT: &str = "wgtrain-weights-1";

/// What to do with a Keras file where wgtrain wants safetensors or JSON.
pub const CONVERT_KERAS: &str = "a Keras .keras or .weights.h5 file converts with: python3 \
     scripts/keras_weights.py from-keras MODEL.keras OUT_DIR (then \
     Sequential::load_weights(\"OUT_DIR/model.safetensors\"))";

impl Sequential {
    /// Save the weights alone (trainable and non-trainable, e.g. BatchNormalization's
    /// moving statistics) to `path`, atomically, with the model description as metadata.
    /// The model has weights once its layers are added (one from a description once it is
    /// built: `build`, `compile` or `load_weights`); without, nothing is written and the
    /// error says so.
    pub fn save_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.weights_file_bytes().map_err(|e| match e {
            Error::NonFiniteWeights {
                tensor,
                index,
                len,
                value,
                ..
            } => Error::NonFiniteWeights {
                tensor,
                index,
                len,
                value,
                detail: format!("not saved to {}", path.display()),
            },
            Error::Model(m) => {
                Error::Model(format!("{m}; nothing was written to {}", path.display()))
            }
            Error::NotReady { why, first, .. } => Error::NotReady {
                call: "save_weights",
                why: format!("{why}, so nothing was written to {}", path.display()),
                first,
            },
            other => other,
        })?;
        crate::atomic_file::write_atomically(path, &bytes)
    }

    /// The bytes [`save_weights`](Self::save_weights) writes, for a caller that writes
    /// them together with other files. Refused when the loader would refuse them.
    pub fn weights_file_bytes(&self) -> Result<Vec<u8>> {
        self.weights_file_bytes_of(self.get_weights()?)
    }

    /// [`weights_file_bytes`](Self::weights_file_bytes) of `weights`, this model's weights
    /// as read back already (by `get_weights_async` in the browser, where nothing may
    /// block).
    pub fn weights_file_bytes_of(&self, weights: Vec<NamedArray>) -> Result<Vec<u8>> {
        let mut entries = Vec::new();
        for w in weights {
            if let Some((index, value)) = first_non_finite(&w.array.data) {
                return Err(Error::NonFiniteWeights {
                    tensor: w.name,
                    index,
                    len: w.array.data.len(),
                    value,
                    detail: "not saved".into(),
                });
            }
            entries.push(f32_entry(w.name, &w.array.shape, &w.array.data));
        }
        let mut metadata: HashMap<String, String> = [
            ("format".to_string(), WEIGHTS_FORMAT.to_string()),
            ("model".into(), self.spec().to_json()),
        ]
        .into_iter()
        .collect();
        if let Some(names) = self.class_names() {
            metadata.insert("class_names".into(), super::to_json(&names));
        }
        if let Some(notes) = self.input_notes() {
            metadata.insert("input_notes".into(), notes.to_string());
        }
        super::safetensors_bytes(&entries, metadata, self.output_shape(), "save_weights")
    }

    /// Replace every weight with the tensor of the same name in the safetensors file at
    /// `path` (a weights file, a checkpoint, or a converted Keras model). Every weight
    /// must be there with its shape and finite, and the file must not hold weights for
    /// layers the model does not have; otherwise nothing is changed. It may come before
    /// `compile` (the model is built first), which then keeps these weights; a compiled
    /// model's optimizer state is left as it is.
    pub fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = super::read_whole(path, "this is not a weights file")?;
        self.load_weights_from_bytes(&bytes, &path.display().to_string())
    }

    /// [`load_weights`](Self::load_weights) from bytes in memory; `source` names them.
    pub fn load_weights_from_bytes(&mut self, bytes: &[u8], source: &str) -> Result<()> {
        let bad = |detail: String| Error::FileFormat {
            path: source.to_string(),
            detail,
        };
        let tensors = SafeTensors::deserialize(bytes)
            .map_err(|e| bad(format!("not a safetensors file ({e}); {CONVERT_KERAS}")))?;
        let expected: Vec<(String, Vec<usize>)> = self
            .layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                l.param_shapes()
                    .into_iter()
                    .map(move |(name, shape)| (format!("layers.{i}.{name}"), shape))
            })
            .collect();
        // A weight for a layer this model does not have means the file is another model's.
        let mut names = tensors.names();
        names.sort();
        for name in names {
            let is_weight = name.starts_with("layers.")
                && tensors.tensor(name).is_ok_and(|t| t.dtype() == Dtype::F32);
            if is_weight && !expected.iter().any(|(n, _)| n == name) {
                return Err(bad(format!(
                    "tensor `{name}` is not a weight of this model, whose weights are {}; the \
                     file was written for a different model",
                    names_of(&expected)
                )));
            }
        }
        let mut weights = Vec::with_capacity(expected.len());
        for (name, shape) in &expected {
            let t = tensors.tensor(name).map_err(|_| {
                bad(format!(
                    "tensor `{name}` (shape {shape:?}) is missing; the model's weights are {}",
                    names_of(&expected)
                ))
            })?;
            if t.dtype() != Dtype::F32 || t.shape() != shape.as_slice() {
                return Err(bad(format!(
                    "tensor `{name}` is {:?} {:?}; the model needs F32 {shape:?}",
                    t.dtype(),
                    t.shape()
                )));
            }
            let data = super::finite_f32s(&t, name, "it cannot be used").map_err(bad)?;
            weights.push(NamedArray {
                name: name.clone(),
                array: Array::new(shape, data)?,
            });
        }
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| bad(format!("not a safetensors file ({e})")))?;
        let names = class_names_in(header.metadata().as_ref(), self.output_shape()).map_err(bad)?;
        let notes = input_notes_in(header.metadata().as_ref()).map_err(bad)?;
        self.set_weights(&weights)?;
        if names.is_some() {
            self.set_class_names(names);
        }
        if notes.is_some() {
            self.set_input_notes(notes);
        }
        Ok(())
    }
}

impl ModelSpec {
    /// The model description kept in a weights file's or checkpoint's `model` metadata
    /// (wgtrain's description, or Keras's `to_json()` as scripts/keras_weights.py writes
    /// it); `None` when the file has none.
    pub fn from_weights_file(path: impl AsRef<Path>) -> Result<Option<ModelSpec>> {
        let path = path.as_ref();
        match weights_file_metadata(path)?.get("model") {
            None => Ok(None),
            Some(m) => ModelSpec::from_json(m, &format!("in {}", path.display())).map(Some),
        }
    }
}

/// The metadata of a safetensors file (a weights file or a checkpoint), read from its
/// header alone (bounded as safetensors bounds it); empty when it has none.
pub fn weights_file_metadata(path: impl AsRef<Path>) -> Result<HashMap<String, String>> {
    let path = path.as_ref();
    let bad = |detail: String| Error::FileFormat {
        path: path.display().to_string(),
        detail,
    };
    let (mut f, size) = crate::bounded_file::open_regular(path, "weights file", u64::MAX)?;
    // The header alone: its length, then that much JSON.
    let mut len = [0u8; 8];
    std::io::Read::read_exact(&mut f, &mut len)
        .map_err(|e| bad(format!("not a safetensors file ({e}); {CONVERT_KERAS}")))?;
    let n = u64::from_le_bytes(len);
    if n > super::MAX_HEADER_BYTES as u64 || n > size.saturating_sub(8) {
        return Err(bad(format!(
            "not a safetensors file (a header of {n} bytes in a file of {size}); \
             {CONVERT_KERAS}"
        )));
    }
    let mut header = vec![0u8; n as usize];
    std::io::Read::read_exact(&mut f, &mut header)
        .map_err(|e| bad(format!("not a safetensors file ({e})")))?;
    let text = std::str::from_utf8(&header)
        .map_err(|_| bad("not a safetensors file (its header is not UTF-8)".into()))?;
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not a safetensors file ({e})")))?;
    let Some(meta) = v.get("__metadata__") else {
        return Ok(HashMap::new());
    };
    serde_json::from_value(meta.clone())
        .map_err(|e| bad(format!("not a safetensors file (its `__metadata__`: {e})")))
}

/// The `class_names` metadata, checked: one name of a length a checkpoint keeps per
/// model output.
pub(super) fn class_names_in(
    meta: Option<&HashMap<String, String>>,
    outputs: &[usize],
) -> std::result::Result<Option<Vec<String>>, String> {
    let Some(text) = meta.and_then(|m| m.get("class_names")) else {
        return Ok(None);
    };
    let names: Vec<String> =
        crate::strict_json::from_str(text).map_err(|e| format!("metadata `class_names`: {e}"))?;
    super::limits::check_class_names(&names, outputs).map_err(|e| format!("metadata {e}"))?;
    Ok(Some(names))
}

/// The `input_notes` metadata: JSON text (checked to parse), of a size a checkpoint keeps.
pub(super) fn input_notes_in(
    meta: Option<&HashMap<String, String>>,
) -> std::result::Result<Option<String>, String> {
    let Some(text) = meta.and_then(|m| m.get("input_notes")) else {
        return Ok(None);
    };
    super::limits::check_input_notes(text).map_err(|e| format!("metadata {e}"))?;
    Ok(Some(text.clone()))
}

/// "layers.0.kernel [784, 64], layers.0.bias [64], …" (the first few).
fn names_of(expected: &[(String, Vec<usize>)]) -> String {
    let mut parts: Vec<String> = expected
        .iter()
        .take(6)
        .map(|(n, s)| format!("{n} {s:?}"))
        .collect();
    if expected.len() > 6 {
        parts.push(format!("… ({} in all)", expected.len()));
    }
    if parts.is_empty() {
        return "none (it has no weights)".into();
    }
    parts.join(", ")
}
