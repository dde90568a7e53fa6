//! Keras-style models: `Sequential` with the layers of [`layers`] (as `keras.layers`),
//! `compile` / `fit` / `evaluate` / `predict`, the [`callbacks`], checkpoints and Keras
//! files, on the GPU or the CPU reference device. `use wgtrain::prelude::*` gathers the
//! words a program uses.
//!
//! Inside, by job (each folder uses only the ones listed after it):
//! - `formats/`: checkpoints and weights (safetensors), model description files, Keras JSON;
//! - `model/`: `Sequential`, the `Layer` trait and the layers, the description (`ModelSpec`),
//!   the fusion plan, initialisers and the memory check;
//! - `training/`: parameters, optimizers, losses, callbacks, progress and the batch feed;
//! - `device/`: the GPU and CPU reference devices and their tensors.

mod activation;
mod device;
mod formats;
mod model;
mod training;

pub use model::{layers, models};
pub use training::callbacks;

pub use crate::array::{to_categorical, Array};
pub use crate::history::{EpochLog, History};
pub use crate::hyperparams::{
    AdamParams, EpsilonForm, GradientClip, LearningRateSchedule, RmsPropParams, SgdParams,
};
pub use activation::Activation;
pub use device::tensor::Tensor;
pub use device::{
    BatchAt, ByteCodes, Device, DeviceKind, DeviceOps, LayerOps, PendingValues, TrainingOps,
};
pub use formats::checkpoint::weights_file_metadata;
pub use formats::checkpoint::{
    CHECKPOINT_FORMAT, CONVERT_KERAS, MAX_CLASS_NAME_CHARS, MAX_HEADER_BYTES,
    MAX_INPUT_NOTES_BYTES, WEIGHTS_FORMAT,
};
pub use model::fusion::{CanFuse, FusionPlan, LayerFusion};
pub use model::init::glorot_uniform;
pub use model::init::Initializer;
pub use model::layer::Layer;
pub use model::sequential::{read_values, Evaluation, FitOptions, NamedArray, Sequential};
pub use model::spec::ZeroPadding;
pub use model::spec::{LayerNormArgs, SpatialDropoutArgs};
pub use model::spec::{LayerSpec, ModelSpec, Pair, MAX_DESCRIPTION_BYTES, MAX_LAYERS};
/// The random generator [`Layer::init`] draws initial weights from (rand's `StdRng`), so a
/// layer defined outside wgtrain can name it without depending on `rand` itself.
pub use rand::rngs::StdRng;
pub use training::loss::{Loss, LossConfig, Metric};
pub use training::optimizer::{ClippedOptimizer, Optimizer};
pub use training::param::Param;
pub use training::progress::Verbose;
