//! The limits a checkpoint or weights file must keep to be read back, in one place for
//! the loader and the writer: whatever [`Sequential::load`] or
//! [`Sequential::load_weights`] would refuse, [`Sequential::save`] and
//! [`Sequential::save_weights`] refuse to write, and [`Sequential::check_saveable`] finds
//! before training starts (so a run never ends with a checkpoint nothing can read).
//!
//! The limits: each class name 1 to [`MAX_CLASS_NAME_CHARS`] characters and one per
//! output; input notes at most [`MAX_INPUT_NOTES_BYTES`] of JSON; the model description
//! must parse back (its numbers in range); the compile settings must be ones a user could
//! give; the whole safetensors header at most [`MAX_HEADER_BYTES`] (the safetensors
//! crate's own limit); and a model description file (`model.json`) at most
//! [`MAX_DESCRIPTION_BYTES`](crate::nn::MAX_DESCRIPTION_BYTES).

use std::collections::HashMap;

use super::metadata::{CompileConfig, TrainingState};
use crate::echo::clip;
use crate::error::{Error, Result};
use crate::nn::model::sequential::Sequential;
use crate::nn::model::spec::{ModelSpec, MAX_DESCRIPTION_BYTES};

/// The longest class name a checkpoint keeps, in characters.
pub const MAX_CLASS_NAME_CHARS: usize = 200;

/// The largest input notes (JSON text) a checkpoint keeps, in bytes.
pub const MAX_INPUT_NOTES_BYTES: usize = 16 << 20;

/// The largest safetensors header the safetensors crate reads, in bytes.
pub const MAX_HEADER_BYTES: usize = 100_000_000;

/// A generous bound on one epoch's entry in the `training` metadata (its JSON), to
/// foresee the header's growth over a run.
const EPOCH_LOG_BYTES: usize = 1024;

/// The class names: one per model output, each 1 to [`MAX_CLASS_NAME_CHARS`] characters.
pub(super) fn check_class_names(
    names: &[String],
    outputs: &[usize],
) -> std::result::Result<(), String> {
    if outputs != [names.len()] {
        return Err(format!(
            "`class_names` names {} classes but the model outputs {outputs:?}",
            names.len()
        ));
    }
    if let Some((i, n)) = names
        .iter()
        .enumerate()
        .find(|(_, n)| n.is_empty() || n.chars().count() > MAX_CLASS_NAME_CHARS)
    {
        return Err(format!(
            "class {i}'s name {:?} ({} characters) is not a class name a checkpoint keeps \
             (1 to {MAX_CLASS_NAME_CHARS} characters); rename that class (an image folder's \
             sub-folder, or the label in the CSV's target column)",
            clip(n),
            n.chars().count()
        ));
    }
    Ok(())
}

/// Input notes: JSON text of at most [`MAX_INPUT_NOTES_BYTES`].
pub(super) fn check_input_notes(text: &str) -> std::result::Result<(), String> {
    if text.len() > MAX_INPUT_NOTES_BYTES {
        return Err(format!(
            "`input_notes` (what the inputs are: a table's column names and statistics) is \
             {} bytes, more than the {MAX_INPUT_NOTES_BYTES} a checkpoint keeps; use fewer or \
             shorter columns",
            text.len()
        ));
    }
    crate::strict_json::parse(text).map_err(|e| format!("`input_notes`: {e}"))?;
    Ok(())
}

/// Every check the loader makes on the metadata, made on metadata about to be written:
/// the model description, the compile settings and training state (when present), the
/// class names and the input notes.
pub(super) fn check_metadata(
    meta: &HashMap<String, String>,
    outputs: &[usize],
) -> std::result::Result<(), String> {
    if let Some(m) = meta.get("model") {
        ModelSpec::from_json(m, "as saved").map_err(|e| e.to_string())?;
    }
    if let Some(c) = meta.get("compile") {
        let c: CompileConfig =
            crate::strict_json::from_str_f32(c).map_err(|e| format!("`compile`: {e}"))?;
        c.settings().map_err(|e| format!("`compile`: {e}"))?;
    }
    if let Some(t) = meta.get("training") {
        crate::strict_json::from_str_f32::<TrainingState>(t)
            .map_err(|e| format!("`training`: {e}"))?;
    }
    if let Some(names) = meta.get("class_names") {
        let names: Vec<String> =
            crate::strict_json::from_str(names).map_err(|e| format!("`class_names`: {e}"))?;
        check_class_names(&names, outputs)?;
    }
    if let Some(notes) = meta.get("input_notes") {
        check_input_notes(notes)?;
    }
    Ok(())
}

/// The header of a serialised safetensors file must be one the loader reads.
pub(super) fn check_header(bytes: &[u8]) -> std::result::Result<(), String> {
    let n = bytes
        .get(..8)
        .map_or(0, |b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
    match n > MAX_HEADER_BYTES as u64 {
        true => Err(format!(
            "its header (the model description, settings, class names, notes, history and \
             tensor list) is {n} bytes, more than the {MAX_HEADER_BYTES} a safetensors reader \
             accepts"
        )),
        false => Ok(()),
    }
}

impl Sequential {
    /// Check, before training, that the checkpoints of a run of `epochs` epochs and the
    /// files `wgtrain` writes beside them (model.json, an export's Keras JSON and weights)
    /// will load back: the same limits the loader enforces (see this module). The model
    /// must be compiled, its class names and input notes set.
    pub fn check_saveable(&self, epochs: usize) -> Result<()> {
        let refuse = |why: String| {
            Error::Model(format!(
                "this run's checkpoint could not be read back, so training does not start: \
                 {why}"
            ))
        };
        let meta = self.checkpoint_metadata()?;
        check_metadata(&meta, self.output_shape()).map_err(refuse)?;
        for (what, json) in [
            ("model.json (the model description)", self.spec().to_json()),
            ("the Keras model JSON", self.spec().to_keras_json()),
        ] {
            if json.len() as u64 > MAX_DESCRIPTION_BYTES {
                return Err(refuse(format!(
                    "{what} would be {} bytes, more than the {MAX_DESCRIPTION_BYTES} a model \
                     description may have; use fewer layers",
                    json.len()
                )));
            }
        }
        // The header: the metadata (JSON-escaped, so counted twice at worst), one entry
        // per tensor, and the history growing by one entry per epoch.
        let tensors: usize = self
            .layers
            .iter()
            .map(|l| l.param_shapes().len() * 3 + l.state().len())
            .sum();
        let text: usize = meta.iter().map(|(k, v)| k.len() + 2 * v.len() + 8).sum();
        let header = text
            .saturating_add(tensors.saturating_mul(128))
            .saturating_add(epochs.saturating_mul(EPOCH_LOG_BYTES));
        if header > MAX_HEADER_BYTES {
            return Err(refuse(format!(
                "its header (the model description, settings, class names, notes, tensor \
                 list and {epochs} epochs of history) would reach about {header} bytes, more \
                 than the {MAX_HEADER_BYTES} a safetensors reader accepts; use fewer layers, \
                 classes or epochs"
            )));
        }
        Ok(())
    }
}
