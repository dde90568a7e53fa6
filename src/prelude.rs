//! The front door: `use wgtrain::prelude::*;` brings in what a Keras-style program uses:
//! the model and its layers, `compile` / `fit` settings, the devices, the data loaders,
//! and the crate's `Error` / `Result`. Every item here has one home (given in its docs:
//! `wgtrain::nn`, `wgtrain::data` or the crate root); the prelude only gathers them.
//!
//! The tutorial regression (2 → Dense 4 ReLU → Dense 1, MSE, Adam with lr 0.01), on the
//! CPU reference device so it runs anywhere (`DeviceKind::Gpu` runs the same model on the
//! GPU's WGSL kernels):
//!
//! ```
//! use wgtrain::prelude::*;
//!
//! fn main() -> wgtrain::Result<()> {
//!     // y = x1 − 2·x2 on 256 points of a grid.
//!     let x: Vec<f32> = (0..512).map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0).collect();
//!     let y: Vec<f32> = x.chunks(2).map(|p| p[0] - 2.0 * p[1]).collect();
//!     let (x, y) = (Array::new(&[256, 2], x)?, Array::new(&[256, 1], y)?);
//!
//!     let mut model = Sequential::new(Device::new(DeviceKind::Cpu)?, &[2]).with_seed(7);
//!     model.add(Dense::new(4, Activation::Relu))?;
//!     model.add(Dense::new(1, Activation::Linear))?;
//!     model.compile(Optimizer::adam_lr(0.01), Loss::MeanSquaredError, &[])?;
//!     let options = FitOptions {
//!         epochs: 20,
//!         batch_size: 32,
//!         verbose: Verbose::Silent,
//!         ..Default::default()
//!     };
//!     let loss = model.fit(&x, &y, &options)?.loss();
//!     let (first, last) = (loss[0], loss[loss.len() - 1]);
//!     assert!(last < first / 4.0, "loss {first} → {last}");
//!
//!     let prediction = model.predict(&Array::new(&[1, 2], vec![0.5, 0.25])?)?;
//!     assert_eq!(prediction.shape, [1, 1]);
//!     Ok(())
//! }
//! ```

pub use crate::data::{data_dir, load_csv, load_image_folder, load_mnist, Dataset, Mnist};
pub use crate::nn::{
    callbacks::{EarlyStopping, ModelCheckpoint, ReduceLROnPlateau},
    layers::{
        AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten,
        GlobalAveragePooling2D, GlobalMaxPooling2D, LeakyReLU, MaxPooling2D, Reshape,
    },
    to_categorical, Activation, AdamParams, Array, Device, DeviceKind, Evaluation, FitOptions,
    GradientClip, History, Layer, LearningRateSchedule, Loss, Metric, Optimizer, RmsPropParams,
    Sequential, SgdParams, Verbose,
};
pub use crate::{Error, Result};
