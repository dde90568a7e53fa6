//! Model descriptions as text and files: [`ModelSpec::from_json`] takes wgtrain's own JSON
//! or Keras's `model.to_json()`, [`ModelSpec::load`] reads a description file. A format
//! above the model, so the spec itself (`spec.rs`) stays plain data that neither reads
//! files nor knows the Keras reader or the checkpoint.

use std::path::Path;

use super::checkpoint::CONVERT_KERAS;
use super::keras_json::is_keras_model;
use crate::error::{Error, Result};
use crate::nn::model::spec::{ModelSpec, MAX_DESCRIPTION_BYTES};

impl ModelSpec {
    /// Parse a model description; `source` names it in errors (a file name, "checkpoint").
    pub fn from_json(text: &str, source: &str) -> Result<ModelSpec> {
        ModelSpec::from_json_for(text, source, None)
    }

    /// [`from_json`](Self::from_json); with `ignored`, read to run trained weights (see
    /// `for_inference.rs`).
    pub(crate) fn from_json_for(
        text: &str,
        source: &str,
        ignored: Option<&mut Vec<String>>,
    ) -> Result<ModelSpec> {
        let bad = |detail: String| Error::FileFormat {
            path: format!("model description {source}"),
            detail,
        };
        let v = crate::strict_json::parse(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        crate::strict_json::check_f32_range(&v).map_err(bad)?;
        if is_keras_model(&v) {
            return ModelSpec::from_keras_json_for(&v, source, ignored);
        }
        ModelSpec::from_native_json(&v, source)
    }

    /// Read a model description file.
    pub fn load(path: impl AsRef<Path>) -> Result<ModelSpec> {
        ModelSpec::load_for(path.as_ref(), None)
    }

    /// [`load`](Self::load); with `ignored`, read to run trained weights.
    pub(crate) fn load_for(path: &Path, ignored: Option<&mut Vec<String>>) -> Result<ModelSpec> {
        // Only a regular file is opened (a FIFO would wait for a writer for ever).
        let what = "model description";
        let (file, size) = crate::bounded_file::open_regular(path, what, u64::MAX)?;
        if size > MAX_DESCRIPTION_BYTES {
            return Err(Error::FileFormat {
                path: format!("model description {}", path.display()),
                detail: format!(
                    "{size} bytes, more than any model description needs \
                     ({MAX_DESCRIPTION_BYTES}); is this the right file?"
                ),
            });
        }
        let bytes =
            crate::bounded_file::read_opened(file, size, path, what, MAX_DESCRIPTION_BYTES)?;
        // A .keras file is a zip, a .h5 file HDF5: say how to convert them.
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\x89HDF") {
            return Err(Error::FileFormat {
                path: format!("model description {}", path.display()),
                detail: format!(
                    "a Keras model file, not JSON; wgtrain reads the model's to_json() — \
                     {CONVERT_KERAS}"
                ),
            });
        }
        let text = String::from_utf8(bytes).map_err(|e| Error::FileFormat {
            path: format!("model description {}", path.display()),
            detail: format!(
                "not UTF-8 text (invalid byte at offset {}); a model description is a \
                     JSON file",
                e.utf8_error().valid_up_to()
            ),
        })?;
        ModelSpec::from_json_for(&text, &path.display().to_string(), ignored)
    }
}
