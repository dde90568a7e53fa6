//! Keras-style models: `Sequential` with `Dense`, `Conv2D`, `MaxPooling2D`, `Flatten` and
//! `Dropout` layers, `compile` / `fit` / `evaluate` / `predict`, on the GPU or the CPU
//! reference device.

mod activation;
mod budget;
pub mod callbacks;
mod checkpoint;
mod clip;
mod description;
mod device;
mod feed;
mod init;
mod keras_args;
mod keras_json;
mod layer;
pub mod layers;
mod loss;
pub mod models;
mod optimizer;
mod progress;
mod resident;
mod sequential;
mod spec;
mod tensor;

pub use crate::array::{to_categorical, Array};
pub use crate::atomic_file::{folder_of, temporary_owner, write_atomically};
pub use crate::cpu::LearningRateSchedule;
pub use crate::history::{EpochLog, History};
pub use activation::Activation;
pub use callbacks::{EarlyStopping, ModelCheckpoint, ReduceLROnPlateau};
pub use checkpoint::weights_file_metadata;
pub use checkpoint::{
    CHECKPOINT_FORMAT, CONVERT_KERAS, MAX_CLASS_NAME_CHARS, MAX_HEADER_BYTES,
    MAX_INPUT_NOTES_BYTES, WEIGHTS_FORMAT,
};
pub use device::{BatchAt, ByteCodes, Device, DeviceKind, DeviceOps, PendingValues, TrainingOps};
pub use init::glorot_uniform;
pub use layer::{Layer, Param};
pub use layers::{
    AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten, GlobalAveragePooling2D,
    GlobalMaxPooling2D, LeakyReLU, MaxPooling2D, Reshape,
};
pub use loss::{Loss, LossConfig, Metric};
pub use optimizer::{ClippedOptimizer, GradientClip, Optimizer};
pub use progress::Verbose;
/// The random generator [`Layer::init`] draws initial weights from (rand's `StdRng`), so a
/// layer defined outside wgtrain can name it without depending on `rand` itself.
pub use rand::rngs::StdRng;
pub use sequential::{Evaluation, FitOptions, NamedArray, Sequential};
pub use spec::{LayerSpec, ModelSpec, Pair, MAX_DESCRIPTION_BYTES, MAX_LAYERS};
pub use tensor::Tensor;
