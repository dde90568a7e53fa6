//! Model descriptions read to run weights trained elsewhere (evaluate, predict): a Keras
//! model's arguments that only decide how a layer is trained — its initializers,
//! regularizers and constraints, `trainable` — do not change what it predicts once its
//! weights are loaded, so those wgtrain cannot read are accepted whatever they are
//! (training such a model still reads them as `from_json` does). Each layer that had any
//! gets a note saying so. Regularizers wgtrain computes (L1, L2, L1L2) are read, so
//! `evaluate` adds their penalty to the loss as Keras's does.

use std::path::Path;

use super::checkpoint::weights_file_metadata;
use crate::error::Result;
use crate::nn::model::spec::ModelSpec;

impl ModelSpec {
    /// [`from_json`](Self::from_json) for a model whose weights will be loaded, not
    /// trained: also returns one note per Keras layer whose training-only arguments
    /// (initializers, regularizers, constraints, `trainable`) were let through.
    pub fn from_json_for_inference(text: &str, source: &str) -> Result<(ModelSpec, Vec<String>)> {
        let mut notes = Vec::new();
        let spec = ModelSpec::from_json_for(text, source, Some(&mut notes))?;
        Ok((spec, notes))
    }

    /// [`load`](Self::load) for a model whose weights will be loaded, not trained (see
    /// [`from_json_for_inference`](Self::from_json_for_inference)).
    pub fn load_for_inference(path: impl AsRef<Path>) -> Result<(ModelSpec, Vec<String>)> {
        let mut notes = Vec::new();
        let spec = ModelSpec::load_for(path.as_ref(), Some(&mut notes))?;
        Ok((spec, notes))
    }

    /// [`from_weights_file`](Self::from_weights_file) for running the weights (see
    /// [`from_json_for_inference`](Self::from_json_for_inference)): a Keras model
    /// converted by scripts/keras_weights.py with He-initialised or L2-regularised layers
    /// is read.
    pub fn from_weights_file_for_inference(
        path: impl AsRef<Path>,
    ) -> Result<Option<(ModelSpec, Vec<String>)>> {
        let path = path.as_ref();
        match weights_file_metadata(path)?.get("model") {
            None => Ok(None),
            Some(m) => {
                ModelSpec::from_json_for_inference(m, &format!("in {}", path.display())).map(Some)
            }
        }
    }
}
