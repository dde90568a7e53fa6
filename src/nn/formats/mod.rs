//! Files a model is read from and written to: checkpoints and weights (safetensors), the
//! model description file, and Keras's JSON. Formats depend on the model, never the
//! reverse: `ModelSpec` knows no file.

pub(crate) mod checkpoint;
pub(crate) mod description;
pub(crate) mod for_inference;
pub(crate) mod keras_args;
pub(crate) mod keras_json;
mod keras_layers;
mod keras_regularizer;
pub(crate) mod keras_tutorial;
