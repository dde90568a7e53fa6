//! The front door: `use wgtrain::prelude::*;` brings in what a Keras-style program uses:
//! the model and its layers, `compile` / `fit` settings, the devices, the data loaders,
//! and the crate's `Error` / `Result`. Every item here has one home (given in its docs:
//! `wgtrain::nn`, `wgtrain::data` or the crate root); the prelude only gathers them.
//!
//! The crate's front page shows it at work: a small regression fitted on the CPU device.

pub use crate::data::{data_dir, load_csv, load_image_folder, load_mnist, Dataset, Mnist};
pub use crate::geometry::Padding;
pub use crate::nn::{
    callbacks::{EarlyStopping, ModelCheckpoint, ReduceLROnPlateau},
    layers::{
        AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten,
        GlobalAveragePooling2D, GlobalMaxPooling2D, LeakyReLU, MaxPooling2D, Reshape,
    },
    to_categorical, Activation, AdamParams, Array, Device, DeviceKind, EpsilonForm, Evaluation,
    FitOptions, GradientClip, History, Layer, LearningRateSchedule, Loss, Metric, Optimizer,
    Regularizer, RmsPropParams, Sequential, SgdParams, Verbose,
};
pub use crate::{Error, Result};
